package peppol

import (
	"encoding/xml"
	"io"
	"strings"
)

// CatalogueName is how messages name a PEPPOL BIS Catalogue 3 document.
const CatalogueName = "UBL 2.1 Catalogue"

// Catalogue is a PEPPOL BIS Catalogue 3 document (UBL 2.1 Catalogue) as the supplier sent it:
// texts trimmed, nothing interpreted beyond where in the document a value sits.
type Catalogue struct {
	// ActionCode is the document's cbc:ActionCode ("" when absent).
	ActionCode string
	// ContractReferences are the cac:ReferencedContract/cbc:ID values.
	ContractReferences []string
	Lines              []CatalogueLine
}

// CatalogueLine is one cac:CatalogueLine.
type CatalogueLine struct {
	// ActionCode is the line's cbc:ActionCode ("" when absent).
	ActionCode string
	// SellersItemID is cac:Item/cac:SellersItemIdentification/cbc:ID.
	SellersItemID string
	Name          string
	// Descriptions are the non-empty cac:Item/cbc:Description values.
	Descriptions []string
	// GTIN is the first cac:StandardItemIdentification/cbc:ID with schemeID 0160.
	GTIN string
	// CPVCode is the first cbc:ItemClassificationCode with listID STI (the Common
	// Procurement Vocabulary in UNCL7143).
	CPVCode string
	// TaxPercents are the cac:ClassifiedTaxCategory/cbc:Percent values, one per category.
	TaxPercents []string
	// Prices are the cac:RequiredItemLocationQuantity/cac:Price elements.
	Prices []CataloguePrice
	// OrderableUnit is cbc:OrderableUnit.
	OrderableUnit string
	// PackQuantity is cbc:ContentUnitQuantity when present, else cac:Item/cbc:PackSizeNumeric.
	PackQuantity string
	// StartDate is cac:LineValidityPeriod/cbc:StartDate.
	StartDate string
	// Certificates are each cac:Item/cac:Certificate's cbc:CertificateTypeCode, else its
	// cbc:CertificateType, when either is given.
	Certificates []string
	// Properties are the cac:Item/cac:AdditionalItemProperty name/value pairs, trimmed, in
	// document order.
	Properties []Property
	// Attachments are the cac:Item/cac:ItemSpecificationDocumentReference/cac:Attachment
	// elements (a product picture, a data sheet), in document order.
	Attachments []Attachment
}

// Attachment is one cac:Attachment: an embedded binary object (its base64 text as sent,
// whitespace removed, with its mimeCode and filename) and/or an external reference's URI.
type Attachment struct {
	MimeCode, Filename string
	Embedded           string
	URI                string
}

// Property is one cac:AdditionalItemProperty.
type Property struct {
	Name, Value string
}

// CataloguePrice is one price of a catalogue line: its amount (nil when the price has no
// cbc:PriceAmount) and its base quantity (nil when absent).
type CataloguePrice struct {
	Amount       *Amount
	BaseQuantity *Quantity
}

type ublCatalogue struct {
	XMLName            xml.Name           `xml:"Catalogue"`
	ActionCode         string             `xml:"cbc:ActionCode"`
	ReferencedContract []ublIDOnly        `xml:"cac:ReferencedContract"`
	Lines              []ublCatalogueLine `xml:"cac:CatalogueLine"`
}

type ublCatalogueLine struct {
	ActionCode          string                    `xml:"cbc:ActionCode"`
	OrderableUnit       string                    `xml:"cbc:OrderableUnit"`
	ContentUnitQuantity *Quantity                 `xml:"cbc:ContentUnitQuantity"`
	LineValidityPeriod  *ublPeriod                `xml:"cac:LineValidityPeriod"`
	Locations           []ublItemLocationQuantity `xml:"cac:RequiredItemLocationQuantity"`
	Item                ublItem                   `xml:"cac:Item"`
}

type ublItemLocationQuantity struct {
	Price *ublPrice `xml:"cac:Price"`
}

// ParseCatalogue reads a PEPPOL BIS Catalogue 3 document from r through ReadDocument (at
// most maxBytes and maxLines catalogue lines) and returns it as plain values. Errors:
// *DocumentError.
func ParseCatalogue(r io.Reader, maxBytes int64, maxLines int) (Catalogue, error) {
	data, err := ReadDocument(r, Shape{Root: xml.Name{Space: NamespaceCatalogue, Local: "Catalogue"}, Name: CatalogueName,
		MaxBytes: maxBytes, Line: "CatalogueLine", MaxLines: maxLines, LineNoun: "catalogue lines"})
	if err != nil {
		return Catalogue{}, err
	}
	var doc ublCatalogue
	if err := Decode(data, &doc, "UBL Catalogue"); err != nil {
		return Catalogue{}, err
	}
	c := Catalogue{ActionCode: strings.TrimSpace(doc.ActionCode), Lines: make([]CatalogueLine, 0, len(doc.Lines))}
	for _, rc := range doc.ReferencedContract {
		c.ContractReferences = append(c.ContractReferences, strings.TrimSpace(rc.ID))
	}
	for i := range doc.Lines {
		c.Lines = append(c.Lines, catalogueLine(&doc.Lines[i]))
	}
	return c, nil
}

func catalogueLine(l *ublCatalogueLine) CatalogueLine {
	it := &l.Item
	out := CatalogueLine{
		ActionCode:    strings.TrimSpace(l.ActionCode),
		Name:          strings.TrimSpace(it.Name),
		OrderableUnit: strings.TrimSpace(l.OrderableUnit),
	}
	if it.SellersID != nil {
		out.SellersItemID = strings.TrimSpace(it.SellersID.ID.Value)
	}
	for _, d := range it.Description {
		if d = strings.TrimSpace(d); d != "" {
			out.Descriptions = append(out.Descriptions, d)
		}
	}
	for _, s := range it.StandardID {
		if strings.TrimSpace(s.ID.SchemeID) == "0160" {
			out.GTIN = strings.TrimSpace(s.ID.Value)
			break
		}
	}
	for _, c := range it.Classification {
		if strings.TrimSpace(c.Code.ListID) == "STI" {
			out.CPVCode = strings.TrimSpace(c.Code.Value)
			break
		}
	}
	for _, tc := range it.TaxCategory {
		out.TaxPercents = append(out.TaxPercents, strings.TrimSpace(tc.Percent))
	}
	for _, loc := range l.Locations {
		if loc.Price != nil {
			out.Prices = append(out.Prices, CataloguePrice{Amount: loc.Price.PriceAmount, BaseQuantity: loc.Price.BaseQuantity})
		}
	}
	if l.ContentUnitQuantity != nil {
		out.PackQuantity = strings.TrimSpace(l.ContentUnitQuantity.Value)
	} else {
		out.PackQuantity = strings.TrimSpace(it.PackSizeNumeric)
	}
	if l.LineValidityPeriod != nil {
		out.StartDate = strings.TrimSpace(l.LineValidityPeriod.StartDate)
	}
	for _, c := range it.Certificates {
		code := strings.TrimSpace(c.TypeCode)
		if code == "" {
			code = strings.TrimSpace(c.Type)
		}
		if code != "" {
			out.Certificates = append(out.Certificates, code)
		}
	}
	for _, p := range it.Properties {
		out.Properties = append(out.Properties, Property{Name: strings.TrimSpace(p.Name), Value: strings.TrimSpace(p.Value)})
	}
	for _, d := range it.SpecDocs {
		if d.Attachment == nil {
			continue
		}
		var a Attachment
		if e := d.Attachment.Embedded; e != nil {
			a.MimeCode, a.Filename = strings.TrimSpace(e.MimeCode), strings.TrimSpace(e.Filename)
			a.Embedded = strings.Map(func(r rune) rune {
				if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
					return -1
				}
				return r
			}, e.Value)
		}
		if x := d.Attachment.External; x != nil {
			a.URI = strings.TrimSpace(x.URI)
		}
		if a.Embedded != "" || a.URI != "" {
			out.Attachments = append(out.Attachments, a)
		}
	}
	return out
}
