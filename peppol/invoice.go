package peppol

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// The namespaces of the two PEPPOL BIS Billing 3 documents' root elements (UBL 2.1).
const (
	InvoiceNS    = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
	CreditNoteNS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
)

// BillingKind tells an invoice from a credit note.
type BillingKind string

// The two billing documents of PEPPOL BIS Billing 3.
const (
	KindInvoice    BillingKind = "invoice"
	KindCreditNote BillingKind = "credit_note"
)

// MaxInvoiceBytes bounds one billing document: a real invoice is a few kilobytes per line, and
// 10,000 lines is far beyond any invoice a municipality receives.
const (
	MaxInvoiceBytes = 16 << 20
	MaxInvoiceLines = 10_000
)

// Invoice is what Avrop reads from a PEPPOL BIS Billing 3 Invoice or Credit Note: plain text
// values as they stand in the document (trimmed), decimals unconverted, so that the domain
// decides what is acceptable and can name the exact field when it is not. A credit note's
// cbc:CreditedQuantity and cac:CreditNoteLine are read into the same fields as an invoice's.
type Invoice struct {
	Kind              BillingKind
	CustomizationID   string
	ProfileID         string
	ID                string // cbc:ID, the supplier's invoice number
	IssueDate         string
	DueDate           string
	TypeCode          string // cbc:InvoiceTypeCode or cbc:CreditNoteTypeCode
	Currency          string // cbc:DocumentCurrencyCode
	BuyerReference    string
	AccountingCost    string
	OrderReference    string   // cac:OrderReference/cbc:ID: the buyer's order number
	BillingReferences []string // cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID
	ContractReference string   // cac:ContractDocumentReference/cbc:ID
	PeriodStart       string   // cac:InvoicePeriod/cbc:StartDate
	PeriodEnd         string
	Supplier          InvoiceParty // cac:AccountingSupplierParty/cac:Party
	Customer          InvoiceParty // cac:AccountingCustomerParty/cac:Party
	TaxTotal          string       // the cac:TaxTotal with subtotals (in the document currency)
	TaxSubtotals      []TaxSubtotal
	Totals            MonetaryTotal
	Lines             []InvoiceLine
}

// InvoiceParty identifies a seller or buyer by every identifier BIS Billing 3 allows.
type InvoiceParty struct {
	EndpointID       string
	EndpointScheme   string
	Identifications  []SchemedID // cac:PartyIdentification/cbc:ID
	LegalCompanyID   string      // cac:PartyLegalEntity/cbc:CompanyID
	LegalScheme      string
	VATCompanyID     string // cac:PartyTaxScheme/cbc:CompanyID
	Name             string // cac:PartyName/cbc:Name
	RegistrationName string // cac:PartyLegalEntity/cbc:RegistrationName
	City             string // cac:PostalAddress/cbc:CityName
	Country          string // cac:PostalAddress/cac:Country/cbc:IdentificationCode
}

// SchemedID is an identifier with its scheme (an ISO 6523 ICD such as 0007 or 0192).
type SchemedID struct {
	Value  string
	Scheme string
}

// TaxSubtotal is one VAT category and rate's breakdown (BG-23).
type TaxSubtotal struct {
	TaxableAmount string
	TaxAmount     string
	Category      string // UNCL5305: S, Z, E, AE, …
	Percent       string
}

// MonetaryTotal is cac:LegalMonetaryTotal (BG-22).
type MonetaryTotal struct {
	LineExtension  string
	TaxExclusive   string
	TaxInclusive   string
	AllowanceTotal string
	ChargeTotal    string
	Prepaid        string
	Rounding       string
	Payable        string
}

// InvoiceLine is one cac:InvoiceLine or cac:CreditNoteLine (BG-25).
type InvoiceLine struct {
	ID              string
	Quantity        string // cbc:InvoicedQuantity / cbc:CreditedQuantity
	UnitCode        string
	LineExtension   string // the line's net amount, after line allowances and charges
	OrderLineID     string // cac:OrderLineReference/cbc:LineID
	PeriodStart     string
	PeriodEnd       string
	Name            string
	SellersItemID   string   // the supplier's article number: matched to the order line's sku
	StandardItemID  string   // a GTIN (scheme 0160) or another standard identifier
	Classifications []string // cbc:ItemClassificationCode values (CPV codes among them)
	VATCategory     string
	VATPercent      string
	PriceAmount     string
	BaseQuantity    string
}

// The UBL elements the parser reads (local names; every other element is ignored). Invoice
// and credit-note lines differ only in their element names, so both map onto one struct.
type (
	ublBilling struct {
		XMLName           struct{}         `xml:""`
		CustomizationID   string           `xml:"CustomizationID"`
		ProfileID         string           `xml:"ProfileID"`
		ID                string           `xml:"ID"`
		IssueDate         string           `xml:"IssueDate"`
		DueDate           string           `xml:"DueDate"`
		InvoiceTypeCode   string           `xml:"InvoiceTypeCode"`
		CreditTypeCode    string           `xml:"CreditNoteTypeCode"`
		Currency          string           `xml:"DocumentCurrencyCode"`
		AccountingCost    string           `xml:"AccountingCost"`
		BuyerReference    string           `xml:"BuyerReference"`
		InvoicePeriod     []ublBillPeriod  `xml:"InvoicePeriod"`
		OrderReference    *ublBillID       `xml:"OrderReference"`
		BillingReference  []ublBillingRef  `xml:"BillingReference"`
		ContractReference []ublBillID      `xml:"ContractDocumentReference"`
		Supplier          ublBillPartyWrap `xml:"AccountingSupplierParty"`
		Customer          ublBillPartyWrap `xml:"AccountingCustomerParty"`
		TaxTotals         []ublTaxTotal    `xml:"TaxTotal"`
		Totals            ublMonetaryTotal `xml:"LegalMonetaryTotal"`
		InvoiceLines      []ublBillLine    `xml:"InvoiceLine"`
		CreditNoteLines   []ublBillLine    `xml:"CreditNoteLine"`
	}
	ublBillID struct {
		ID string `xml:"ID"`
	}
	ublBillPeriod struct {
		StartDate string `xml:"StartDate"`
		EndDate   string `xml:"EndDate"`
	}
	ublBillingRef struct {
		Invoice *ublBillID `xml:"InvoiceDocumentReference"`
	}
	ublBillSchemed struct {
		Value  string `xml:",chardata"`
		Scheme string `xml:"schemeID,attr"`
	}
	ublBillPartyWrap struct {
		Party ublBillParty `xml:"Party"`
	}
	ublBillParty struct {
		EndpointID      ublBillSchemed `xml:"EndpointID"`
		Identifications []struct {
			ID ublBillSchemed `xml:"ID"`
		} `xml:"PartyIdentification"`
		Names []struct {
			Name string `xml:"Name"`
		} `xml:"PartyName"`
		Address struct {
			City    string `xml:"CityName"`
			Country struct {
				Code string `xml:"IdentificationCode"`
			} `xml:"Country"`
		} `xml:"PostalAddress"`
		TaxSchemes []struct {
			CompanyID string `xml:"CompanyID"`
		} `xml:"PartyTaxScheme"`
		Legal struct {
			RegistrationName string         `xml:"RegistrationName"`
			CompanyID        ublBillSchemed `xml:"CompanyID"`
		} `xml:"PartyLegalEntity"`
	}
	ublTaxTotal struct {
		TaxAmount string `xml:"TaxAmount"`
		Subtotals []struct {
			TaxableAmount string `xml:"TaxableAmount"`
			TaxAmount     string `xml:"TaxAmount"`
			Category      struct {
				ID      string `xml:"ID"`
				Percent string `xml:"Percent"`
			} `xml:"TaxCategory"`
		} `xml:"TaxSubtotal"`
	}
	ublMonetaryTotal struct {
		LineExtension  string `xml:"LineExtensionAmount"`
		TaxExclusive   string `xml:"TaxExclusiveAmount"`
		TaxInclusive   string `xml:"TaxInclusiveAmount"`
		AllowanceTotal string `xml:"AllowanceTotalAmount"`
		ChargeTotal    string `xml:"ChargeTotalAmount"`
		Prepaid        string `xml:"PrepaidAmount"`
		Rounding       string `xml:"PayableRoundingAmount"`
		Payable        string `xml:"PayableAmount"`
	}
	ublBillQuantity struct {
		Value    string `xml:",chardata"`
		UnitCode string `xml:"unitCode,attr"`
	}
	ublBillLine struct {
		ID               string           `xml:"ID"`
		InvoicedQuantity *ublBillQuantity `xml:"InvoicedQuantity"`
		CreditedQuantity *ublBillQuantity `xml:"CreditedQuantity"`
		LineExtension    string           `xml:"LineExtensionAmount"`
		Period           []ublBillPeriod  `xml:"InvoicePeriod"`
		OrderLine        []struct {
			LineID string `xml:"LineID"`
		} `xml:"OrderLineReference"`
		Item struct {
			Name    string    `xml:"Name"`
			Sellers ublBillID `xml:"SellersItemIdentification"`
			Std     struct {
				ID ublBillSchemed `xml:"ID"`
			} `xml:"StandardItemIdentification"`
			Classifications []struct {
				Code string `xml:"ItemClassificationCode"`
			} `xml:"CommodityClassification"`
			TaxCategory struct {
				ID      string `xml:"ID"`
				Percent string `xml:"Percent"`
			} `xml:"ClassifiedTaxCategory"`
		} `xml:"Item"`
		Price struct {
			Amount       string           `xml:"PriceAmount"`
			BaseQuantity *ublBillQuantity `xml:"BaseQuantity"`
		} `xml:"Price"`
	}
)

// ParseInvoice reads a PEPPOL BIS Billing 3 Invoice or Credit Note. The document is read
// without trusting it: no DTD or other directive, at most MaxInvoiceBytes, elements at most
// billingMaxDepth deep, at most MaxInvoiceLines lines, and a root element that is a UBL 2.1 Invoice
// or CreditNote. It checks shape only; whether the content is acceptable (dates, amounts,
// parties) is the caller's to decide, and the business rules are Schematron's.
func ParseInvoice(data []byte) (Invoice, error) {
	if len(data) > MaxInvoiceBytes {
		return Invoice{}, fmt.Errorf("the document is larger than %d bytes", MaxInvoiceBytes)
	}
	root, err := checkBillingShape(data)
	if err != nil {
		return Invoice{}, err
	}
	var u ublBilling
	if err := newBillingDecoder(data).Decode(&u); err != nil {
		return Invoice{}, fmt.Errorf("the document is not a well-formed UBL %s: %s", root, clip(err.Error(), 200))
	}
	inv := Invoice{
		Kind:            KindInvoice,
		CustomizationID: trim(u.CustomizationID),
		ProfileID:       trim(u.ProfileID),
		ID:              trim(u.ID),
		IssueDate:       trim(u.IssueDate),
		DueDate:         trim(u.DueDate),
		TypeCode:        trim(u.InvoiceTypeCode),
		Currency:        trim(u.Currency),
		BuyerReference:  trim(u.BuyerReference),
		AccountingCost:  trim(u.AccountingCost),
		Supplier:        partyOf(u.Supplier.Party),
		Customer:        partyOf(u.Customer.Party),
		Totals: MonetaryTotal{
			LineExtension: trim(u.Totals.LineExtension), TaxExclusive: trim(u.Totals.TaxExclusive),
			TaxInclusive: trim(u.Totals.TaxInclusive), AllowanceTotal: trim(u.Totals.AllowanceTotal),
			ChargeTotal: trim(u.Totals.ChargeTotal), Prepaid: trim(u.Totals.Prepaid),
			Rounding: trim(u.Totals.Rounding), Payable: trim(u.Totals.Payable),
		},
	}
	lines := u.InvoiceLines
	if root == "CreditNote" {
		inv.Kind = KindCreditNote
		inv.TypeCode = trim(u.CreditTypeCode)
		lines = u.CreditNoteLines
	}
	if u.OrderReference != nil {
		inv.OrderReference = trim(u.OrderReference.ID)
	}
	for _, br := range u.BillingReference {
		if br.Invoice != nil && trim(br.Invoice.ID) != "" {
			inv.BillingReferences = append(inv.BillingReferences, trim(br.Invoice.ID))
		}
	}
	if len(u.ContractReference) > 0 {
		inv.ContractReference = trim(u.ContractReference[0].ID)
	}
	if len(u.InvoicePeriod) > 0 {
		inv.PeriodStart, inv.PeriodEnd = trim(u.InvoicePeriod[0].StartDate), trim(u.InvoicePeriod[0].EndDate)
	}
	// BIS Billing 3 allows a second TaxTotal in the accounting currency, without subtotals;
	// the one with subtotals is in the document currency (BR-CO-15 applies to it).
	for _, tt := range u.TaxTotals {
		if len(tt.Subtotals) == 0 && inv.TaxTotal != "" {
			continue
		}
		inv.TaxTotal = trim(tt.TaxAmount)
		for _, st := range tt.Subtotals {
			inv.TaxSubtotals = append(inv.TaxSubtotals, TaxSubtotal{TaxableAmount: trim(st.TaxableAmount),
				TaxAmount: trim(st.TaxAmount), Category: trim(st.Category.ID), Percent: trim(st.Category.Percent)})
		}
		if len(tt.Subtotals) > 0 {
			break
		}
	}
	for _, l := range lines {
		il := InvoiceLine{
			ID: trim(l.ID), LineExtension: trim(l.LineExtension), Name: trim(l.Item.Name),
			SellersItemID: trim(l.Item.Sellers.ID), StandardItemID: trim(l.Item.Std.ID.Value),
			VATCategory: trim(l.Item.TaxCategory.ID), VATPercent: trim(l.Item.TaxCategory.Percent),
			PriceAmount: trim(l.Price.Amount),
		}
		q := l.InvoicedQuantity
		if root == "CreditNote" {
			q = l.CreditedQuantity
		}
		if q != nil {
			il.Quantity, il.UnitCode = trim(q.Value), trim(q.UnitCode)
		}
		if len(l.OrderLine) > 0 {
			il.OrderLineID = trim(l.OrderLine[0].LineID)
		}
		if len(l.Period) > 0 {
			il.PeriodStart, il.PeriodEnd = trim(l.Period[0].StartDate), trim(l.Period[0].EndDate)
		}
		for _, c := range l.Item.Classifications {
			if v := trim(c.Code); v != "" {
				il.Classifications = append(il.Classifications, v)
			}
		}
		if l.Price.BaseQuantity != nil {
			il.BaseQuantity = trim(l.Price.BaseQuantity.Value)
		}
		inv.Lines = append(inv.Lines, il)
	}
	return inv, nil
}

func partyOf(p ublBillParty) InvoiceParty {
	out := InvoiceParty{
		EndpointID: trim(p.EndpointID.Value), EndpointScheme: trim(p.EndpointID.Scheme),
		LegalCompanyID: trim(p.Legal.CompanyID.Value), LegalScheme: trim(p.Legal.CompanyID.Scheme),
		RegistrationName: trim(p.Legal.RegistrationName),
		City:             trim(p.Address.City), Country: trim(p.Address.Country.Code),
	}
	for _, id := range p.Identifications {
		if v := trim(id.ID.Value); v != "" {
			out.Identifications = append(out.Identifications, SchemedID{Value: v, Scheme: trim(id.ID.Scheme)})
		}
	}
	if len(p.Names) > 0 {
		out.Name = trim(p.Names[0].Name)
	}
	if len(p.TaxSchemes) > 0 {
		out.VATCompanyID = trim(p.TaxSchemes[0].CompanyID)
	}
	return out
}

// DisplayName is the party's trading name, else its registered name.
func (p InvoiceParty) DisplayName() string {
	if p.Name != "" {
		return p.Name
	}
	return p.RegistrationName
}

// checkBillingShape walks the tokens once before decoding and names the root element,
// "Invoice" or "CreditNote": the document must be well-formed, have no DTD or other directive,
// nest at most billingMaxDepth elements and hold at most MaxInvoiceLines lines.
func checkBillingShape(data []byte) (string, error) {
	d := newBillingDecoder(data)
	root, depth, lines := "", 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("the document is not well-formed XML: %s", clip(err.Error(), 200))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > billingMaxDepth {
				line, _ := d.InputPos()
				return "", fmt.Errorf("the document nests elements more than %d deep (text line %d)", billingMaxDepth, line)
			}
			if depth == 1 {
				if root != "" {
					return "", fmt.Errorf("the document has more than one root element")
				}
				switch {
				case t.Name.Local == "Invoice" && t.Name.Space == InvoiceNS, t.Name.Local == "CreditNote" && t.Name.Space == CreditNoteNS:
					root = t.Name.Local
				default:
					return "", fmt.Errorf("the document is not a UBL 2.1 Invoice or CreditNote (root element {%s}%s)",
						clip(t.Name.Space, 80), clip(t.Name.Local, 40))
				}
			}
			if depth == 2 && (t.Name.Local == "InvoiceLine" || t.Name.Local == "CreditNoteLine") {
				if lines++; lines > MaxInvoiceLines {
					return "", fmt.Errorf("the document has more than %d lines", MaxInvoiceLines)
				}
			}
		case xml.EndElement:
			depth--
		case xml.Directive:
			return "", fmt.Errorf("the document has a DTD or other directive, which is not allowed")
		}
	}
	if root == "" {
		return "", fmt.Errorf("the document is empty: a UBL 2.1 Invoice or CreditNote is required")
	}
	return root, nil
}

// billingMaxDepth bounds element nesting: a BIS Billing 3 document is at most about ten deep.
const billingMaxDepth = 32

// newBillingDecoder is a strict decoder for UTF-8, US-ASCII and ISO-8859-1 documents. Go's
// encoding/xml never expands external or custom entities.
func newBillingDecoder(data []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
			b, err := io.ReadAll(r)
			if err != nil {
				return nil, err
			}
			out := make([]byte, 0, len(b)+len(b)/8)
			for _, c := range b {
				out = utf8.AppendRune(out, rune(c))
			}
			return bytes.NewReader(out), nil
		case "us-ascii", "ascii":
			return r, nil
		}
		return nil, fmt.Errorf("unsupported encoding %q (use UTF-8)", clip(charset, 40))
	}
	return d
}

func trim(s string) string { return strings.TrimSpace(s) }

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
