package peppol

import (
	"encoding/xml"
	"strconv"
	"strings"
)

// PEPPOL BIS Order 3 identifiers. The profile is "ordering" rather than "order only" because
// the supplier answers an Avrop order (accept, decline, change), which is what an order
// response does in the ordering process.
const (
	OrderCustomizationID = "urn:fdc:peppol.eu:poacc:trns:order:3"
	OrderingProfileID    = "urn:fdc:peppol.eu:poacc:bis:ordering:3"
	// CallOffOrder is the UNCL1001 order type code of a call-off order under a framework
	// agreement.
	CallOffOrder = "226"
)

// Order is what a PEPPOL BIS Order 3 document says, as plain values. Amounts are integer
// minor units of Currency, so the document's totals are exactly the order's.
type Order struct {
	Number string
	// IssueDate is the day the order was placed (YYYY-MM-DD).
	IssueDate  string
	Note       string
	Currency   string
	CostCenter string
	// ContractReference is the framework agreement's reference.
	ContractReference string
	Buyer, Seller     Organisation
	// Orderer is the person who placed the order (OriginatorCustomerParty); nil leaves it out.
	Orderer *Person
	// DeliveryAddress is one line of text; DeliveryCountry its ISO 3166 code.
	DeliveryAddress, DeliveryCountry string
	// RequestedDeliveryDate is the day the goods are wanted by (YYYY-MM-DD), or "".
	RequestedDeliveryDate string
	Lines                 []OrderLine
	TotalMinor, VATMinor  int64
}

// Organisation is a buyer or supplier: its name, registration number and country. The number
// goes out under the country's scheme (OrganisationScheme) as EndpointID and CompanyID.
type Organisation struct {
	Name, Number, Country string
}

// Person is the orderer: Avrop's user id, name and e-mail address.
type Person struct {
	ID, Name, Email string
}

// OrderLine is one line of an order.
type OrderLine struct {
	LineNo int
	// SellersItemID is the supplier's article number (SKU).
	SellersItemID, Name string
	// Unit is the UN/ECE Rec 20 / Rec 21 code of the quantity.
	Unit     string
	Quantity int
	// UnitPriceMinor is the price of one unit; LineTotalMinor the line's net amount.
	UnitPriceMinor, LineTotalMinor int64
	VATRateBP                      int
	// GTIN and CPVCode identify and classify the item; either may be "".
	GTIN, CPVCode string
	// ID is the LineItem's identifier when it is not LineNo (a subscription's setup line).
	ID string
	// Note is the line's free text (cac:OrderLine/cbc:Note).
	Note string
	// PeriodStart and PeriodEnd ("YYYY-MM-DD") are the requested delivery period of the line:
	// a subscription's months.
	PeriodStart, PeriodEnd string
	// Properties are cac:Item/cac:AdditionalItemProperty name–value pairs.
	Properties [][2]string
}

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

type ublOrderLine struct {
	Note     string      `xml:"cbc:Note,omitempty"`
	LineItem ublLineItem `xml:"cac:LineItem"`
}

type ublLineItem struct {
	ID                  string           `xml:"cbc:ID"`
	Quantity            Quantity         `xml:"cbc:Quantity"`
	LineExtensionAmount Amount           `xml:"cbc:LineExtensionAmount"`
	Delivery            *ublLineDelivery `xml:"cac:Delivery"`
	Price               ublPrice         `xml:"cac:Price"`
	Item                ublItem          `xml:"cac:Item"`
}

type ublLineDelivery struct {
	RequestedPeriod *ublPeriod `xml:"cac:RequestedDeliveryPeriod"`
}

// EncodeOrder renders o as a PEPPOL BIS Order 3 document (UBL 2.1 Order, call-off order type
// 226): the buyer organisation as BuyerCustomerParty, the supplier as SellerSupplierParty, the
// orderer as OriginatorCustomerParty, the agreement's reference in Contract, the cost centre
// in AccountingCost. The line amounts sum to LineExtensionAmount, and TaxInclusiveAmount is
// TaxExclusiveAmount plus the VAT.
func EncodeOrder(o Order) ([]byte, error) {
	cur := strings.TrimSpace(o.Currency)
	amount := func(minor int64) Amount { return Amount{CurrencyID: cur, Value: FormatMinor(minor, cur)} }
	doc := ublOrder{
		NS: NamespaceOrder, CAC: NamespaceCAC, CBC: NamespaceCBC,
		CustomizationID:      OrderCustomizationID,
		ProfileID:            OrderingProfileID,
		ID:                   o.Number,
		IssueDate:            o.IssueDate,
		OrderTypeCode:        CallOffOrder,
		Note:                 strings.TrimSpace(o.Note),
		DocumentCurrencyCode: cur,
		AccountingCost:       strings.TrimSpace(o.CostCenter),
		Buyer:                ublCustomerParty{Party: organisationParty(o.Buyer)},
		Seller:               ublCustomerParty{Party: organisationParty(o.Seller)},
		TaxTotal:             ublTaxTotal{TaxAmount: amount(o.VATMinor)},
		Total: ublMonetaryTotal{
			LineExtensionAmount: amount(o.TotalMinor),
			TaxExclusiveAmount:  amount(o.TotalMinor),
			TaxInclusiveAmount:  amount(o.TotalMinor + o.VATMinor),
			PayableAmount:       amount(o.TotalMinor + o.VATMinor),
		},
	}
	if ref := strings.TrimSpace(o.ContractReference); ref != "" {
		doc.Contract = &ublContract{ID: ref}
	}
	if p := o.Orderer; p != nil {
		name := strings.TrimSpace(p.Name)
		if name != "" || p.ID != "" {
			orig := &ublParty{}
			if p.ID != "" {
				orig.Identification = &ublIdentification{ID: Identifier{Value: p.ID}}
			}
			if name != "" {
				orig.Name = &ublPartyName{Name: name}
			}
			if email := strings.TrimSpace(p.Email); name != "" || email != "" {
				orig.Contact = &ublContact{Name: name, ElectronicMail: email}
			}
			doc.Originator = &ublCustomerParty{Party: *orig}
		}
	}
	d := &ublDelivery{}
	if addr := strings.TrimSpace(o.DeliveryAddress); addr != "" {
		a := &ublAddress{AddressLine: &ublAddressLine{Line: addr}}
		if c := countryCode(o.DeliveryCountry); c != "" {
			a.Country = &ublCountry{IdentificationCode: c}
		}
		d.Location = &ublDeliveryLocation{Address: a}
	}
	if o.RequestedDeliveryDate != "" {
		// The requested date is the day the goods are wanted by: the period's end.
		d.RequestedPeriod = &ublPeriod{EndDate: o.RequestedDeliveryDate}
	}
	if d.Location != nil || d.RequestedPeriod != nil {
		doc.Delivery = d
	}
	for _, l := range o.Lines {
		item := ublItem{Name: l.Name, TaxCategory: []ublTaxCategory{{ID: vatCategory(l.VATRateBP), Percent: FormatBasisPoints(l.VATRateBP),
			TaxScheme: &ublTaxScheme{ID: "VAT"}}}}
		if sku := strings.TrimSpace(l.SellersItemID); sku != "" {
			item.SellersID = &ublItemIdentification{ID: Identifier{Value: sku}}
		}
		if gtinPattern.MatchString(l.GTIN) {
			item.StandardID = []ublItemIdentification{{ID: Identifier{SchemeID: "0160", Value: l.GTIN}}}
		}
		if cpv := strings.TrimSpace(l.CPVCode); cpv != "" {
			// UNCL7143 "STI" is the Common Procurement Vocabulary.
			item.Classification = []ublClassification{{Code: Code{ListID: "STI", Value: cpv}}}
		}
		for _, p := range l.Properties {
			item.Properties = append(item.Properties, ublItemProperty{Name: p[0], Value: p[1]})
		}
		unit := strings.TrimSpace(l.Unit)
		li := ublLineItem{
			ID:                  strconv.Itoa(l.LineNo),
			Quantity:            Quantity{UnitCode: unit, Value: strconv.Itoa(l.Quantity)},
			LineExtensionAmount: amount(l.LineTotalMinor),
			Price:               ublPrice{PriceAmount: ptr(amount(l.UnitPriceMinor)), BaseQuantity: &Quantity{UnitCode: unit, Value: "1"}},
			Item:                item,
		}
		if l.ID != "" {
			li.ID = l.ID
		}
		if l.PeriodStart != "" || l.PeriodEnd != "" {
			li.Delivery = &ublLineDelivery{RequestedPeriod: &ublPeriod{StartDate: l.PeriodStart, EndDate: l.PeriodEnd}}
		}
		doc.Lines = append(doc.Lines, ublOrderLine{Note: strings.TrimSpace(l.Note), LineItem: li})
	}
	return marshal(doc, "order")
}

func ptr[T any](v T) *T { return &v }
