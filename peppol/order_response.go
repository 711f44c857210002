package peppol

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"
)

// PEPPOL BIS Order Response (T76) identifiers and codes.
const (
	OrderResponseCustomizationID = "urn:fdc:peppol.eu:poacc:trns:order_response:3"
	// UNCL4343 order response codes: accepted, rejected, accepted with changes.
	ResponseAccepted = "AP"
	ResponseRejected = "RE"
	ResponseChanged  = "CA"
	// UNCL1229 line status codes: changed, accepted as ordered, not accepted.
	LineChanged     = "3"
	LineAccepted    = "5"
	LineNotAccepted = "7"
)

// OrderResponseName is how messages name a PEPPOL BIS Order Response document.
const OrderResponseName = "UBL 2.1 OrderResponse"

// OrderResponse is a supplier's answer to an order (PEPPOL BIS Order Response, T76) as plain
// values: its code (ResponseAccepted, ResponseRejected, ResponseChanged), the order it answers,
// and with changes the lines and the promised delivery date.
type OrderResponse struct {
	// ID identifies the response; IssueDate is its day (YYYY-MM-DD).
	ID, IssueDate string
	Code          string
	// Note is the supplier's reason or remark.
	Note     string
	Currency string
	// OrderNumber is the answered order's number (cac:OrderReference/cbc:ID).
	OrderNumber    string
	Seller, Buyer  Organisation
	PromisedByDate string // the promised delivery period's end, or ""
	Lines          []ResponseLine
}

// ResponseLine is the answer for one order line: its status (LineChanged, LineAccepted,
// LineNotAccepted) and the quantity the supplier confirms. Parsed lines carry the quantity as
// written ("4", "4.0"); encoded lines write it as an integer.
type ResponseLine struct {
	LineNo        int
	Status        string
	Quantity      string
	Unit          string
	Name          string
	SellersItemID string
}

type ublOrderResponse struct {
	XMLName              xml.Name               `xml:"OrderResponse"`
	NS                   string                 `xml:"xmlns,attr,omitempty"`
	CAC                  string                 `xml:"xmlns:cac,attr,omitempty"`
	CBC                  string                 `xml:"xmlns:cbc,attr,omitempty"`
	CustomizationID      string                 `xml:"cbc:CustomizationID"`
	ProfileID            string                 `xml:"cbc:ProfileID"`
	ID                   string                 `xml:"cbc:ID"`
	IssueDate            string                 `xml:"cbc:IssueDate"`
	Code                 string                 `xml:"cbc:OrderResponseCode"`
	Note                 string                 `xml:"cbc:Note,omitempty"`
	DocumentCurrencyCode string                 `xml:"cbc:DocumentCurrencyCode,omitempty"`
	OrderReference       []ublIDOnly            `xml:"cac:OrderReference"`
	Seller               ublCustomerParty       `xml:"cac:SellerSupplierParty"`
	Buyer                ublCustomerParty       `xml:"cac:BuyerCustomerParty"`
	Delivery             *ublDelivery           `xml:"cac:Delivery"`
	Lines                []ublResponseOrderLine `xml:"cac:OrderLine"`
}

type ublResponseOrderLine struct {
	LineItem  ublResponseLineItem `xml:"cac:LineItem"`
	Reference []ublLineReference  `xml:"cac:OrderLineReference"`
}

type ublResponseLineItem struct {
	ID         string    `xml:"cbc:ID"`
	LineStatus string    `xml:"cbc:LineStatusCode"`
	Quantity   *Quantity `xml:"cbc:Quantity"`
	Item       ublItem   `xml:"cac:Item"`
}

type ublLineReference struct {
	LineID string `xml:"cbc:LineID"`
}

// responseParty is a party as the Order Response's data model has it: electronic address,
// identifier and registered name.
func responseParty(o Organisation) ublParty {
	full := organisationParty(o)
	p := ublParty{EndpointID: full.EndpointID, LegalEntity: &ublLegalEntity{RegistrationName: strings.TrimSpace(o.Name)}}
	if full.EndpointID != nil {
		p.Identification = &ublIdentification{ID: *full.EndpointID}
	}
	return p
}

// EncodeOrderResponse renders r as a PEPPOL BIS Order Response (UBL 2.1 OrderResponse, T76).
// Lines go out only with code CA, as the rules want; a line's LineItem/ID and its
// OrderLineReference/LineID are both the order's line number.
func EncodeOrderResponse(r OrderResponse) ([]byte, error) {
	doc := ublOrderResponse{
		NS: NamespaceOrderResponse, CAC: NamespaceCAC, CBC: NamespaceCBC,
		CustomizationID:      OrderResponseCustomizationID,
		ProfileID:            OrderingProfileID,
		ID:                   r.ID,
		IssueDate:            r.IssueDate,
		Code:                 r.Code,
		Note:                 strings.TrimSpace(r.Note),
		DocumentCurrencyCode: strings.TrimSpace(r.Currency),
		OrderReference:       []ublIDOnly{{ID: r.OrderNumber}},
		Seller:               ublCustomerParty{Party: responseParty(r.Seller)},
		Buyer:                ublCustomerParty{Party: responseParty(r.Buyer)},
	}
	if r.PromisedByDate != "" {
		doc.Delivery = &ublDelivery{PromisedPeriod: &ublPeriod{EndDate: r.PromisedByDate}}
	}
	if r.Code == ResponseChanged {
		for _, l := range r.Lines {
			no := strconv.Itoa(l.LineNo)
			item := ublItem{Name: l.Name}
			if sku := strings.TrimSpace(l.SellersItemID); sku != "" {
				item.SellersID = &ublItemIdentification{ID: Identifier{Value: sku}}
			}
			doc.Lines = append(doc.Lines, ublResponseOrderLine{
				LineItem:  ublResponseLineItem{ID: no, LineStatus: l.Status, Quantity: &Quantity{UnitCode: l.Unit, Value: l.Quantity}, Item: item},
				Reference: []ublLineReference{{LineID: no}},
			})
		}
	}
	return marshal(doc, "order response")
}

// ParseOrderResponse reads a PEPPOL BIS Order Response from r through ReadDocument (at most
// maxBytes and maxLines order lines) and returns it as plain values, texts trimmed. A line's
// LineNo is its OrderLineReference/LineID (else its LineItem/ID); 0 when neither is a number.
// Errors: *DocumentError.
func ParseOrderResponse(r io.Reader, maxBytes int64, maxLines int) (OrderResponse, error) {
	data, err := ReadDocument(r, Shape{Root: xml.Name{Space: NamespaceOrderResponse, Local: "OrderResponse"}, Name: OrderResponseName,
		MaxBytes: maxBytes, Line: "OrderLine", MaxLines: maxLines, LineNoun: "order lines"})
	if err != nil {
		return OrderResponse{}, err
	}
	var doc ublOrderResponse
	if err := Decode(data, &doc, "UBL OrderResponse"); err != nil {
		return OrderResponse{}, err
	}
	out := OrderResponse{ID: strings.TrimSpace(doc.ID), IssueDate: strings.TrimSpace(doc.IssueDate), Code: strings.TrimSpace(doc.Code),
		Note: strings.TrimSpace(doc.Note), Currency: strings.TrimSpace(doc.DocumentCurrencyCode)}
	if len(doc.OrderReference) > 0 {
		out.OrderNumber = strings.TrimSpace(doc.OrderReference[0].ID)
	}
	if d := doc.Delivery; d != nil && d.PromisedPeriod != nil {
		out.PromisedByDate = strings.TrimSpace(d.PromisedPeriod.EndDate)
		if out.PromisedByDate == "" {
			out.PromisedByDate = strings.TrimSpace(d.PromisedPeriod.StartDate)
		}
	}
	for _, l := range doc.Lines {
		ref := strings.TrimSpace(l.LineItem.ID)
		if len(l.Reference) > 0 && strings.TrimSpace(l.Reference[0].LineID) != "" {
			ref = strings.TrimSpace(l.Reference[0].LineID)
		}
		no, err := strconv.Atoi(ref)
		if err != nil || no < 0 {
			no = 0
		}
		rl := ResponseLine{LineNo: no, Status: strings.TrimSpace(l.LineItem.LineStatus), Name: strings.TrimSpace(l.LineItem.Item.Name)}
		if q := l.LineItem.Quantity; q != nil {
			rl.Quantity, rl.Unit = strings.TrimSpace(q.Value), strings.TrimSpace(q.UnitCode)
		}
		if id := l.LineItem.Item.SellersID; id != nil {
			rl.SellersItemID = strings.TrimSpace(id.ID.Value)
		}
		out.Lines = append(out.Lines, rl)
	}
	return out, nil
}
