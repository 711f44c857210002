package orders

import (
	"context"
	"encoding/xml"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
)

// PEPPOL BIS Order 3 identifiers (SPEC §2 PEPPOL). The profile is "ordering" rather than
// "order only" because the supplier answers an Avrop order (accept, decline), which is what an
// order response does in the ordering process.
const (
	PeppolCustomizationID = "urn:fdc:peppol.eu:poacc:trns:order:3"
	PeppolProfileID       = "urn:fdc:peppol.eu:poacc:bis:ordering:3"
	// PeppolCallOffOrder is the UNCL1001 order type code of a call-off order under a
	// framework agreement.
	PeppolCallOffOrder = "226"
)

// The UBL 2.1 namespaces of an Order document.
const (
	ublOrderNS = "urn:oasis:names:specification:ubl:schema:xsd:Order-2"
	ublCACNS   = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
	ublCBCNS   = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
)

// PeppolParties holds what an order's PEPPOL document needs beyond the Order itself: the
// organisations' registration numbers and countries, the orderer's e-mail address, and the
// GTIN and CPV code of each line's catalogue item (by line number), which the order's lines
// do not copy.
type PeppolParties struct {
	BuyerOrgNumber    string
	BuyerCountry      string
	SupplierOrgNumber string
	SupplierCountry   string
	OrdererEmail      string
	Items             map[int]PeppolItem
}

// PeppolItem is the catalogue's standard identification of a line's item.
type PeppolItem struct {
	GTIN    string
	CPVCode string
}

// PeppolDocument is an order rendered as a PEPPOL BIS Order 3 document.
type PeppolDocument struct {
	OrderNumber string
	XML         []byte
}

// PeppolOrder returns an order in the caller's scope as a PEPPOL BIS Order 3 document (UBL
// 2.1 Order, call-off order type 226). The scope is GetOrder's: what the caller may not see
// does not exist. Errors: NotFound (absent or out of scope).
func (s *Service) PeppolOrder(ctx context.Context, c auth.Caller, id string) (PeppolDocument, error) {
	o, err := s.GetOrder(ctx, c, id)
	if err != nil {
		return PeppolDocument{}, err
	}
	p, err := peppolParties(ctx, s.db, o.ID)
	if err != nil {
		return PeppolDocument{}, err
	}
	b, err := BuildPeppolOrder(o, p)
	if err != nil {
		return PeppolDocument{}, err
	}
	return PeppolDocument{OrderNumber: o.Number, XML: b}, nil
}

// peppolParties reads the order's organisations, orderer and items for its PEPPOL document.
// The order has been checked to be in scope before.
func peppolParties(ctx context.Context, db sqlx.QueryerContext, orderID string) (PeppolParties, error) {
	var row struct {
		BuyerOrgNumber    string `db:"buyer_org_number"`
		BuyerCountry      string `db:"buyer_country"`
		SupplierOrgNumber string `db:"supplier_org_number"`
		SupplierCountry   string `db:"supplier_country"`
		OrdererEmail      string `db:"orderer_email"`
	}
	if err := sqlx.GetContext(ctx, db, &row, `SELECT bo.org_number AS buyer_org_number, bo.country AS buyer_country,
		so.org_number AS supplier_org_number, so.country AS supplier_country, u.email AS orderer_email
		FROM orders o
		JOIN organizations bo ON bo.id = o.buyer_org_id
		JOIN organizations so ON so.id = o.supplier_id
		JOIN users u ON u.id = o.ordered_by
		WHERE o.id = $1`, orderID); err != nil {
		return PeppolParties{}, fmt.Errorf("peppol parties: %w", err)
	}
	var items []struct {
		LineNo  int    `db:"line_no"`
		GTIN    string `db:"gtin"`
		CPVCode string `db:"cpv_code"`
	}
	if err := sqlx.SelectContext(ctx, db, &items, `SELECT l.line_no, COALESCE(i.gtin, '') AS gtin, i.cpv_code
		FROM order_lines l JOIN items i ON i.id = l.item_id WHERE l.order_id = $1`, orderID); err != nil {
		return PeppolParties{}, fmt.Errorf("peppol items: %w", err)
	}
	p := PeppolParties{BuyerOrgNumber: row.BuyerOrgNumber, BuyerCountry: row.BuyerCountry,
		SupplierOrgNumber: row.SupplierOrgNumber, SupplierCountry: row.SupplierCountry, OrdererEmail: row.OrdererEmail,
		Items: make(map[int]PeppolItem, len(items))}
	for _, it := range items {
		p.Items[it.LineNo] = PeppolItem{GTIN: it.GTIN, CPVCode: it.CPVCode}
	}
	return p, nil
}

// BuildPeppolOrder renders o as a PEPPOL BIS Order 3 document: the buyer organisation as
// BuyerCustomerParty, the supplier as SellerSupplierParty, the orderer as
// OriginatorCustomerParty, the agreement's reference in Contract, the cost centre in
// AccountingCost. Amounts come from the order's integer minor units, so the document's totals
// are exactly the order's: the line amounts sum to LineExtensionAmount, and TaxInclusiveAmount
// is TaxExclusiveAmount plus the VAT. Elements follow the UBL 2.1 schema's sequence, and
// optional elements without a value are left out (PEPPOL forbids empty elements).
func BuildPeppolOrder(o Order, p PeppolParties) ([]byte, error) {
	cur := strings.TrimSpace(o.Currency)
	amount := func(minor int64) ublAmount { return ublAmount{CurrencyID: cur, Value: formatMinor(minor, cur)} }
	doc := ublOrder{
		NS: ublOrderNS, CAC: ublCACNS, CBC: ublCBCNS,
		CustomizationID:      PeppolCustomizationID,
		ProfileID:            PeppolProfileID,
		ID:                   o.Number,
		IssueDate:            o.CreatedAt.UTC().Format("2006-01-02"), // the service keeps days in UTC (Service.today)
		OrderTypeCode:        PeppolCallOffOrder,
		Note:                 strings.TrimSpace(o.Note),
		DocumentCurrencyCode: cur,
		AccountingCost:       strings.TrimSpace(o.CostCenter),
		Buyer:                ublCustomerParty{Party: organisationParty(o.BuyerOrgName, p.BuyerOrgNumber, p.BuyerCountry)},
		Seller:               ublCustomerParty{Party: organisationParty(o.SupplierName, p.SupplierOrgNumber, p.SupplierCountry)},
		TaxTotal:             ublTaxTotal{TaxAmount: amount(o.VATMinor)},
		Total: ublMonetaryTotal{
			LineExtensionAmount: amount(o.TotalMinor),
			TaxExclusiveAmount:  amount(o.TotalMinor),
			TaxInclusiveAmount:  amount(o.TotalMinor + o.VATMinor),
			PayableAmount:       amount(o.TotalMinor + o.VATMinor),
		},
	}
	if ref := strings.TrimSpace(o.AgreementReference); ref != "" {
		doc.Contract = &ublContract{ID: ref}
	}
	if name := strings.TrimSpace(o.OrderedByName); name != "" || o.OrderedBy != "" {
		orig := &ublParty{}
		if o.OrderedBy != "" {
			orig.Identification = &ublIdentification{ID: ublID{Value: o.OrderedBy}}
		}
		if name != "" {
			orig.Name = &ublPartyName{Name: name}
		}
		if name != "" || p.OrdererEmail != "" {
			orig.Contact = &ublContact{Name: name, ElectronicMail: strings.TrimSpace(p.OrdererEmail)}
		}
		doc.Originator = &ublCustomerParty{Party: *orig}
	}
	d := &ublDelivery{}
	if addr := strings.TrimSpace(o.DeliveryAddress); addr != "" {
		a := &ublAddress{AddressLine: &ublAddressLine{Line: addr}}
		if c := countryCode(p.BuyerCountry); c != "" {
			a.Country = &ublCountry{IdentificationCode: c}
		}
		d.Location = &ublLocation{Address: a}
	}
	if o.RequestedDeliveryDate != nil && *o.RequestedDeliveryDate != "" {
		// The requested date is the day the goods are wanted by (SPEC §2 punctuality): the
		// period's end.
		d.RequestedPeriod = &ublPeriod{EndDate: *o.RequestedDeliveryDate}
	}
	if d.Location != nil || d.RequestedPeriod != nil {
		doc.Delivery = d
	}
	for _, l := range o.Lines {
		item := ublItem{Name: l.Name, TaxCategory: ublTaxCategory{ID: vatCategory(l.VATRateBP), Percent: formatBasisPoints(l.VATRateBP),
			TaxScheme: ublTaxScheme{ID: "VAT"}}}
		if sku := strings.TrimSpace(l.SKU); sku != "" {
			item.SellersID = &ublItemIdentification{ID: ublID{Value: sku}}
		}
		if it, ok := p.Items[l.LineNo]; ok {
			if gtinPattern.MatchString(it.GTIN) {
				item.StandardID = &ublItemIdentification{ID: ublID{SchemeID: "0160", Value: it.GTIN}}
			}
			if cpv := strings.TrimSpace(it.CPVCode); cpv != "" {
				// UNCL7143 "STI" is the Common Procurement Vocabulary.
				item.Classification = &ublClassification{Code: ublCode{ListID: "STI", Value: cpv}}
			}
		}
		unit := strings.TrimSpace(l.Unit)
		doc.Lines = append(doc.Lines, ublOrderLine{LineItem: ublLineItem{
			ID:                  strconv.Itoa(l.LineNo),
			Quantity:            ublQuantity{UnitCode: unit, Value: strconv.Itoa(l.Quantity)},
			LineExtensionAmount: amount(l.LineTotalMinor),
			Price:               ublPrice{PriceAmount: amount(l.UnitPriceMinor), BaseQuantity: ublQuantity{UnitCode: unit, Value: "1"}},
			Item:                item,
		}})
	}
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("peppol order: %w", err)
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

var (
	gtinPattern    = regexp.MustCompile(`^(\d{8}|\d{12,14})$`)
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
)

func countryCode(c string) string {
	c = strings.ToUpper(strings.TrimSpace(c))
	if countryPattern.MatchString(c) {
		return c
	}
	return ""
}

// organisationScheme is the identifier scheme of a country's organisation numbers, the same
// code in the PEPPOL EAS list (EndpointID) and ISO 6523 ICD (CompanyID): Swedish
// organisationsnummer, Norwegian organisasjonsnummer, Danish CVR. Other countries have no
// scheme here, and their numbers go out as plain company identifiers.
func organisationScheme(country string) string {
	switch country {
	case "SE":
		return "0007"
	case "NO":
		return "0192"
	case "DK":
		return "0184"
	}
	return ""
}

// organisationNumber is the registration number as its scheme writes it: the digits alone
// (Swedish "212000-1876" → "2120001876"; a 12-digit Swedish number's century prefix "16" is
// dropped), or the number as entered when the country has no scheme here.
func organisationNumber(number, country string) string {
	number = strings.TrimSpace(number)
	if organisationScheme(country) == "" {
		return number
	}
	var b strings.Builder
	for _, r := range number {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	digits := b.String()
	if country == "SE" && len(digits) == 12 && strings.HasPrefix(digits, "16") {
		digits = digits[2:]
	}
	return digits
}

// organisationParty is a buyer's or supplier's Party: electronic address and legal
// registration by organisation number, name and country.
func organisationParty(name, orgNumber, country string) ublParty {
	name = strings.TrimSpace(name)
	country = countryCode(country)
	scheme := organisationScheme(country)
	number := organisationNumber(orgNumber, country)
	p := ublParty{LegalEntity: &ublLegalEntity{RegistrationName: name}}
	if name != "" {
		p.Name = &ublPartyName{Name: name}
	}
	if number != "" {
		if scheme != "" {
			p.EndpointID = &ublID{SchemeID: scheme, Value: number}
		}
		p.LegalEntity.CompanyID = &ublID{SchemeID: scheme, Value: number}
	}
	if country != "" {
		p.PostalAddress = &ublAddress{Country: &ublCountry{IdentificationCode: country}}
	}
	return p
}

// vatCategory is the UNCL5305 VAT category of a rate: S (standard rated) above zero, Z (zero
// rated) at zero — PEPPOL requires S to carry a rate above zero.
func vatCategory(bp int) string {
	if bp > 0 {
		return "S"
	}
	return "Z"
}

// formatBasisPoints writes a rate in basis points as a percentage without trailing zeros:
// 2500 → "25", 1250 → "12.5", 605 → "6.05".
func formatBasisPoints(bp int) string {
	sign := ""
	if bp < 0 {
		sign, bp = "-", -bp
	}
	s := sign + strconv.Itoa(bp/100)
	if frac := bp % 100; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%02d", frac), "0")
	}
	return s
}

// zeroDecimalCurrencies are the ISO 4217 currencies without a minor unit: their minor-unit
// count is a count of whole units.
var zeroDecimalCurrencies = map[string]bool{"ISK": true, "JPY": true, "KRW": true, "CLP": true, "VND": true,
	"PYG": true, "UGX": true, "XAF": true, "XOF": true, "XPF": true}

// formatMinor writes an integer amount of minor units with two decimals, by integer
// arithmetic only (no floats): 133400 öre → "1334.00", 5 → "0.05", -250 → "-2.50".
func formatMinor(minor int64, currency string) string {
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = -u // two's complement: exact also for math.MinInt64
	}
	var s string
	if zeroDecimalCurrencies[currency] {
		s = strconv.FormatUint(u, 10) + ".00"
	} else {
		s = strconv.FormatUint(u/100, 10) + "." + fmt.Sprintf("%02d", u%100)
	}
	if neg {
		s = "-" + s
	}
	return s
}

// The UBL 2.1 Order as small structs. Field order is the schema's xsd:sequence order
// (UBL-Order-2.1.xsd, UBL-CommonAggregateComponents-2.1.xsd): encoding/xml writes fields in
// declaration order, and a schema-valid document depends on it. Nil pointers and empty
// omitempty strings are left out.

type ublOrder struct {
	XMLName              xml.Name          `xml:"Order"`
	NS                   string            `xml:"xmlns,attr"`
	CAC                  string            `xml:"xmlns:cac,attr"`
	CBC                  string            `xml:"xmlns:cbc,attr"`
	CustomizationID      string            `xml:"cbc:CustomizationID"`
	ProfileID            string            `xml:"cbc:ProfileID"`
	ID                   string            `xml:"cbc:ID"`
	IssueDate            string            `xml:"cbc:IssueDate"`
	OrderTypeCode        string            `xml:"cbc:OrderTypeCode"`
	Note                 string            `xml:"cbc:Note,omitempty"`
	DocumentCurrencyCode string            `xml:"cbc:DocumentCurrencyCode"`
	AccountingCost       string            `xml:"cbc:AccountingCost,omitempty"`
	Contract             *ublContract      `xml:"cac:Contract"`
	Buyer                ublCustomerParty  `xml:"cac:BuyerCustomerParty"`
	Seller               ublCustomerParty  `xml:"cac:SellerSupplierParty"` // SupplierParty: Party is its only element here
	Originator           *ublCustomerParty `xml:"cac:OriginatorCustomerParty"`
	Delivery             *ublDelivery      `xml:"cac:Delivery"`
	TaxTotal             ublTaxTotal       `xml:"cac:TaxTotal"`
	Total                ublMonetaryTotal  `xml:"cac:AnticipatedMonetaryTotal"`
	Lines                []ublOrderLine    `xml:"cac:OrderLine"`
}

type ublID struct {
	SchemeID string `xml:"schemeID,attr,omitempty"`
	Value    string `xml:",chardata"`
}

type ublCode struct {
	ListID string `xml:"listID,attr,omitempty"`
	Value  string `xml:",chardata"`
}

type ublAmount struct {
	CurrencyID string `xml:"currencyID,attr"`
	Value      string `xml:",chardata"`
}

type ublQuantity struct {
	UnitCode string `xml:"unitCode,attr,omitempty"`
	Value    string `xml:",chardata"`
}

type ublContract struct {
	ID string `xml:"cbc:ID"`
}

type ublCustomerParty struct {
	Party ublParty `xml:"cac:Party"`
}

type ublParty struct {
	EndpointID     *ublID             `xml:"cbc:EndpointID"`
	Identification *ublIdentification `xml:"cac:PartyIdentification"`
	Name           *ublPartyName      `xml:"cac:PartyName"`
	PostalAddress  *ublAddress        `xml:"cac:PostalAddress"`
	LegalEntity    *ublLegalEntity    `xml:"cac:PartyLegalEntity"`
	Contact        *ublContact        `xml:"cac:Contact"`
}

type ublIdentification struct {
	ID ublID `xml:"cbc:ID"`
}

type ublPartyName struct {
	Name string `xml:"cbc:Name"`
}

type ublAddress struct {
	AddressLine *ublAddressLine `xml:"cac:AddressLine"`
	Country     *ublCountry     `xml:"cac:Country"`
}

type ublAddressLine struct {
	Line string `xml:"cbc:Line"`
}

type ublCountry struct {
	IdentificationCode string `xml:"cbc:IdentificationCode"`
}

type ublLegalEntity struct {
	RegistrationName string `xml:"cbc:RegistrationName"`
	CompanyID        *ublID `xml:"cbc:CompanyID"`
}

type ublContact struct {
	Name           string `xml:"cbc:Name,omitempty"`
	ElectronicMail string `xml:"cbc:ElectronicMail,omitempty"`
}

type ublDelivery struct {
	Location        *ublLocation `xml:"cac:DeliveryLocation"`
	RequestedPeriod *ublPeriod   `xml:"cac:RequestedDeliveryPeriod"`
}

type ublLocation struct {
	Address *ublAddress `xml:"cac:Address"`
}

type ublPeriod struct {
	StartDate string `xml:"cbc:StartDate,omitempty"`
	EndDate   string `xml:"cbc:EndDate,omitempty"`
}

type ublTaxTotal struct {
	TaxAmount ublAmount `xml:"cbc:TaxAmount"`
}

type ublMonetaryTotal struct {
	LineExtensionAmount ublAmount `xml:"cbc:LineExtensionAmount"`
	TaxExclusiveAmount  ublAmount `xml:"cbc:TaxExclusiveAmount"`
	TaxInclusiveAmount  ublAmount `xml:"cbc:TaxInclusiveAmount"`
	PayableAmount       ublAmount `xml:"cbc:PayableAmount"`
}

type ublOrderLine struct {
	LineItem ublLineItem `xml:"cac:LineItem"`
}

type ublLineItem struct {
	ID                  string      `xml:"cbc:ID"`
	Quantity            ublQuantity `xml:"cbc:Quantity"`
	LineExtensionAmount ublAmount   `xml:"cbc:LineExtensionAmount"`
	Price               ublPrice    `xml:"cac:Price"`
	Item                ublItem     `xml:"cac:Item"`
}

type ublPrice struct {
	PriceAmount  ublAmount   `xml:"cbc:PriceAmount"`
	BaseQuantity ublQuantity `xml:"cbc:BaseQuantity"`
}

type ublItem struct {
	Name           string                 `xml:"cbc:Name"`
	SellersID      *ublItemIdentification `xml:"cac:SellersItemIdentification"`
	StandardID     *ublItemIdentification `xml:"cac:StandardItemIdentification"`
	Classification *ublClassification     `xml:"cac:CommodityClassification"`
	TaxCategory    ublTaxCategory         `xml:"cac:ClassifiedTaxCategory"`
}

type ublItemIdentification struct {
	ID ublID `xml:"cbc:ID"`
}

type ublClassification struct {
	Code ublCode `xml:"cbc:ItemClassificationCode"`
}

type ublTaxCategory struct {
	ID        string       `xml:"cbc:ID"`
	Percent   string       `xml:"cbc:Percent"`
	TaxScheme ublTaxScheme `xml:"cac:TaxScheme"`
}

type ublTaxScheme struct {
	ID string `xml:"cbc:ID"`
}
