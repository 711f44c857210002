package peppol

import (
	"bytes"
	"encoding/xml"
	"strings"
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
	PaymentTerms      string   // cac:PaymentTerms/cbc:Note
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

// The UBL elements the parser reads (prefixed as Decode rewrites them; every other element is
// ignored). Invoice and credit-note lines differ only in their element names, so both map onto
// one struct. Identifiers, quantities, references and periods are the package's shared UBL
// types (peppol.go).
type (
	billDocument struct {
		CustomizationID   string            `xml:"cbc:CustomizationID"`
		ProfileID         string            `xml:"cbc:ProfileID"`
		ID                string            `xml:"cbc:ID"`
		IssueDate         string            `xml:"cbc:IssueDate"`
		DueDate           string            `xml:"cbc:DueDate"`
		InvoiceTypeCode   string            `xml:"cbc:InvoiceTypeCode"`
		CreditTypeCode    string            `xml:"cbc:CreditNoteTypeCode"`
		Currency          string            `xml:"cbc:DocumentCurrencyCode"`
		AccountingCost    string            `xml:"cbc:AccountingCost"`
		BuyerReference    string            `xml:"cbc:BuyerReference"`
		InvoicePeriod     []ublPeriod       `xml:"cac:InvoicePeriod"`
		OrderReference    *ublIDOnly        `xml:"cac:OrderReference"`
		BillingReference  []billingRef      `xml:"cac:BillingReference"`
		ContractReference []ublIDOnly       `xml:"cac:ContractDocumentReference"`
		Supplier          billPartyWrap     `xml:"cac:AccountingSupplierParty"`
		Customer          billPartyWrap     `xml:"cac:AccountingCustomerParty"`
		TaxTotals         []billTaxTotal    `xml:"cac:TaxTotal"`
		Totals            billMonetaryTotal `xml:"cac:LegalMonetaryTotal"`
		InvoiceLines      []billLine        `xml:"cac:InvoiceLine"`
		CreditNoteLines   []billLine        `xml:"cac:CreditNoteLine"`
	}
	billingRef struct {
		Invoice *ublIDOnly `xml:"cac:InvoiceDocumentReference"`
	}
	billPartyWrap struct {
		Party billParty `xml:"cac:Party"`
	}
	billParty struct {
		EndpointID      Identifier `xml:"cbc:EndpointID"`
		Identifications []struct {
			ID Identifier `xml:"cbc:ID"`
		} `xml:"cac:PartyIdentification"`
		Names []struct {
			Name string `xml:"cbc:Name"`
		} `xml:"cac:PartyName"`
		Address struct {
			City    string `xml:"cbc:CityName"`
			Country struct {
				Code string `xml:"cbc:IdentificationCode"`
			} `xml:"cac:Country"`
		} `xml:"cac:PostalAddress"`
		TaxSchemes []struct {
			CompanyID string `xml:"cbc:CompanyID"`
		} `xml:"cac:PartyTaxScheme"`
		Legal struct {
			RegistrationName string     `xml:"cbc:RegistrationName"`
			CompanyID        Identifier `xml:"cbc:CompanyID"`
		} `xml:"cac:PartyLegalEntity"`
	}
	billTaxTotal struct {
		TaxAmount string `xml:"cbc:TaxAmount"`
		Subtotals []struct {
			TaxableAmount string `xml:"cbc:TaxableAmount"`
			TaxAmount     string `xml:"cbc:TaxAmount"`
			Category      struct {
				ID      string `xml:"cbc:ID"`
				Percent string `xml:"cbc:Percent"`
			} `xml:"cac:TaxCategory"`
		} `xml:"cac:TaxSubtotal"`
	}
	billMonetaryTotal struct {
		LineExtension  string `xml:"cbc:LineExtensionAmount"`
		TaxExclusive   string `xml:"cbc:TaxExclusiveAmount"`
		TaxInclusive   string `xml:"cbc:TaxInclusiveAmount"`
		AllowanceTotal string `xml:"cbc:AllowanceTotalAmount"`
		ChargeTotal    string `xml:"cbc:ChargeTotalAmount"`
		Prepaid        string `xml:"cbc:PrepaidAmount"`
		Rounding       string `xml:"cbc:PayableRoundingAmount"`
		Payable        string `xml:"cbc:PayableAmount"`
	}
	billLine struct {
		ID               string      `xml:"cbc:ID"`
		InvoicedQuantity *Quantity   `xml:"cbc:InvoicedQuantity"`
		CreditedQuantity *Quantity   `xml:"cbc:CreditedQuantity"`
		LineExtension    string      `xml:"cbc:LineExtensionAmount"`
		Period           []ublPeriod `xml:"cac:InvoicePeriod"`
		OrderLine        []struct {
			LineID string `xml:"cbc:LineID"`
		} `xml:"cac:OrderLineReference"`
		Item struct {
			Name    string    `xml:"cbc:Name"`
			Sellers ublIDOnly `xml:"cac:SellersItemIdentification"`
			Std     struct {
				ID Identifier `xml:"cbc:ID"`
			} `xml:"cac:StandardItemIdentification"`
			Classifications []struct {
				Code string `xml:"cbc:ItemClassificationCode"`
			} `xml:"cac:CommodityClassification"`
			TaxCategory struct {
				ID      string `xml:"cbc:ID"`
				Percent string `xml:"cbc:Percent"`
			} `xml:"cac:ClassifiedTaxCategory"`
		} `xml:"cac:Item"`
		Price struct {
			Amount       string    `xml:"cbc:PriceAmount"`
			BaseQuantity *Quantity `xml:"cbc:BaseQuantity"`
		} `xml:"cac:Price"`
	}
)

// ParseInvoice reads a PEPPOL BIS Billing 3 Invoice or Credit Note. The document is read
// without trusting it (ReadDocument): no DTD or other directive, at most MaxInvoiceBytes,
// elements at most DefaultMaxDepth deep, at most MaxInvoiceLines lines, and a root element
// that is a UBL 2.1 Invoice or CreditNote. It checks shape only; whether the content is acceptable (dates, amounts,
// parties) is the caller's to decide, and the business rules are Schematron's.
func ParseInvoice(data []byte) (Invoice, error) {
	root := billingRoot(data)
	shape := Shape{Root: xml.Name{Space: NamespaceInvoice, Local: "Invoice"}, Name: "UBL 2.1 Invoice or CreditNote",
		MaxBytes: MaxInvoiceBytes, Line: "InvoiceLine", MaxLines: MaxInvoiceLines, LineNoun: "invoice lines"}
	if root == "CreditNote" {
		shape.Root.Space, shape.Root.Local, shape.Line, shape.LineNoun = NamespaceCreditNote, "CreditNote", "CreditNoteLine", "credit note lines"
	}
	data, err := ReadDocument(bytes.NewReader(data), shape)
	if err != nil {
		return Invoice{}, err
	}
	var u billDocument
	if err := Decode(data, &u, "UBL "+root); err != nil {
		return Invoice{}, err
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

func partyOf(p billParty) InvoiceParty {
	out := InvoiceParty{
		EndpointID: trim(p.EndpointID.Value), EndpointScheme: trim(p.EndpointID.SchemeID),
		LegalCompanyID: trim(p.Legal.CompanyID.Value), LegalScheme: trim(p.Legal.CompanyID.SchemeID),
		RegistrationName: trim(p.Legal.RegistrationName),
		City:             trim(p.Address.City), Country: trim(p.Address.Country.Code),
	}
	for _, id := range p.Identifications {
		if v := trim(id.ID.Value); v != "" {
			out.Identifications = append(out.Identifications, SchemedID{Value: v, Scheme: trim(id.ID.SchemeID)})
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

// billingRoot is the local name of the document's root element ("Invoice", "CreditNote", or
// whatever else it is, for ReadDocument to refuse), read from its first start element.
func billingRoot(data []byte) string {
	d := newDecoder(data)
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t.Name.Local
		case xml.Directive:
			return ""
		}
	}
}

func trim(s string) string { return strings.TrimSpace(s) }
