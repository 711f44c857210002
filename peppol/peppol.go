// Package peppol is Avrop's one home for the PEPPOL BIS 3 documents it sends and receives: one
// set of UBL 2.1 types, the encoding of orders and order responses, the parsing of catalogues,
// order responses and invoices, and the hardened reading of outside XML they share.
//
// It is a leaf: it imports no domain package and touches no database. Domain packages hand it
// plain values (an Order with its amounts in minor units) and take plain values back (a
// Catalogue with its lines' texts as sent); the domain rules (which units, rates and labels an
// agreement accepts) stay with them.
package peppol

import (
	"encoding/xml"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The UBL 2.1 namespaces.
const (
	NamespaceOrder         = "urn:oasis:names:specification:ubl:schema:xsd:Order-2"
	NamespaceOrderResponse = "urn:oasis:names:specification:ubl:schema:xsd:OrderResponse-2"
	NamespaceCatalogue     = "urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"
	NamespaceInvoice       = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
	NamespaceCreditNote    = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
	NamespaceCAC           = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
	NamespaceCBC           = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
	NamespaceEXT           = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
)

// The UBL types below are shared by every document. Their tags carry the cac:/cbc: prefixes
// the documents use: encoding/xml writes a prefixed tag literally, which gives the compact
// documents PEPPOL partners expect, and the reader (Decode) rewrites the namespaces of
// incoming documents to the same prefixes, so the same structs read what they write and an
// element in the wrong namespace is not mistaken for a UBL one. Field order is the UBL 2.1
// schema's xsd:sequence order: encoding/xml writes fields in declaration order, and a
// schema-valid document depends on it. Nil pointers and empty omitempty strings are left
// out, because PEPPOL forbids empty elements.

// Identifier is a UBL identifier with an optional scheme (cbc:ID, cbc:EndpointID, cbc:CompanyID).
type Identifier struct {
	SchemeID string `xml:"schemeID,attr,omitempty"`
	Value    string `xml:",chardata"`
}

// Code is a UBL code with an optional list identifier.
type Code struct {
	ListID string `xml:"listID,attr,omitempty"`
	Value  string `xml:",chardata"`
}

// Amount is a UBL amount: a decimal in a currency.
type Amount struct {
	CurrencyID string `xml:"currencyID,attr"`
	Value      string `xml:",chardata"`
}

// Quantity is a UBL quantity: a decimal in a unit (UN/ECE Rec 20 or Rec 21 code).
type Quantity struct {
	UnitCode string `xml:"unitCode,attr,omitempty"`
	Value    string `xml:",chardata"`
}

type ublIDOnly struct {
	ID string `xml:"cbc:ID"`
}

type ublContract struct {
	ID string `xml:"cbc:ID"`
}

type ublCustomerParty struct {
	Party ublParty `xml:"cac:Party"`
}

type ublParty struct {
	EndpointID     *Identifier        `xml:"cbc:EndpointID"`
	Identification *ublIdentification `xml:"cac:PartyIdentification"`
	Name           *ublPartyName      `xml:"cac:PartyName"`
	PostalAddress  *ublAddress        `xml:"cac:PostalAddress"`
	LegalEntity    *ublLegalEntity    `xml:"cac:PartyLegalEntity"`
	Contact        *ublContact        `xml:"cac:Contact"`
}

type ublIdentification struct {
	ID Identifier `xml:"cbc:ID"`
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
	RegistrationName string      `xml:"cbc:RegistrationName"`
	CompanyID        *Identifier `xml:"cbc:CompanyID"`
}

type ublContact struct {
	Name           string `xml:"cbc:Name,omitempty"`
	ElectronicMail string `xml:"cbc:ElectronicMail,omitempty"`
}

type ublDelivery struct {
	Location        *ublDeliveryLocation `xml:"cac:DeliveryLocation"`
	RequestedPeriod *ublPeriod           `xml:"cac:RequestedDeliveryPeriod"`
	PromisedPeriod  *ublPeriod           `xml:"cac:PromisedDeliveryPeriod"`
}

type ublDeliveryLocation struct {
	Address *ublAddress `xml:"cac:Address"`
}

type ublPeriod struct {
	StartDate string `xml:"cbc:StartDate,omitempty"`
	EndDate   string `xml:"cbc:EndDate,omitempty"`
}

type ublTaxTotal struct {
	TaxAmount Amount `xml:"cbc:TaxAmount"`
}

type ublMonetaryTotal struct {
	LineExtensionAmount Amount `xml:"cbc:LineExtensionAmount"`
	TaxExclusiveAmount  Amount `xml:"cbc:TaxExclusiveAmount"`
	TaxInclusiveAmount  Amount `xml:"cbc:TaxInclusiveAmount"`
	PayableAmount       Amount `xml:"cbc:PayableAmount"`
}

type ublPrice struct {
	PriceAmount  *Amount   `xml:"cbc:PriceAmount"`
	BaseQuantity *Quantity `xml:"cbc:BaseQuantity"`
}

type ublItem struct {
	Description     []string                `xml:"cbc:Description"`
	PackSizeNumeric string                  `xml:"cbc:PackSizeNumeric,omitempty"`
	Name            string                  `xml:"cbc:Name"`
	SellersID       *ublItemIdentification  `xml:"cac:SellersItemIdentification"`
	StandardID      []ublItemIdentification `xml:"cac:StandardItemIdentification"`
	SpecDocs        []ublDocumentReference  `xml:"cac:ItemSpecificationDocumentReference"`
	Classification  []ublClassification     `xml:"cac:CommodityClassification"`
	TaxCategory     []ublTaxCategory        `xml:"cac:ClassifiedTaxCategory"`
	Properties      []ublItemProperty       `xml:"cac:AdditionalItemProperty"`
	Certificates    []ublCertificate        `xml:"cac:Certificate"`
}

// ublDocumentReference is a cac:ItemSpecificationDocumentReference with its attachment, read
// from catalogues (product pictures) and never written (ublItem.SpecDocs).
type ublDocumentReference struct {
	Attachment *struct {
		Embedded *struct {
			MimeCode string `xml:"mimeCode,attr"`
			Filename string `xml:"filename,attr"`
			Value    string `xml:",chardata"`
		} `xml:"cbc:EmbeddedDocumentBinaryObject"`
		External *struct {
			URI string `xml:"cbc:URI"`
		} `xml:"cac:ExternalReference"`
	} `xml:"cac:Attachment"`
}

// ublItemProperty is a cac:AdditionalItemProperty: a name and a value.
type ublItemProperty struct {
	Name  string `xml:"cbc:Name"`
	Value string `xml:"cbc:Value"`
}

type ublItemIdentification struct {
	ID Identifier `xml:"cbc:ID"`
}

type ublClassification struct {
	Code Code `xml:"cbc:ItemClassificationCode"`
}

type ublTaxCategory struct {
	ID        string        `xml:"cbc:ID,omitempty"`
	Percent   string        `xml:"cbc:Percent,omitempty"`
	TaxScheme *ublTaxScheme `xml:"cac:TaxScheme"`
}

type ublTaxScheme struct {
	ID string `xml:"cbc:ID"`
}

type ublCertificate struct {
	ID       string `xml:"cbc:ID,omitempty"`
	TypeCode string `xml:"cbc:CertificateTypeCode,omitempty"`
	Type     string `xml:"cbc:CertificateType,omitempty"`
}

// marshal writes a document with the XML declaration and a final newline.
func marshal(doc any, what string) ([]byte, error) {
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("peppol %s: %w", what, err)
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

var (
	gtinPattern    = regexp.MustCompile(`^(\d{8}|\d{12,14})$`)
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
)

// countryCode is c as an ISO 3166-1 alpha-2 code, or "" when it is not one.
func countryCode(c string) string {
	c = strings.ToUpper(strings.TrimSpace(c))
	if countryPattern.MatchString(c) {
		return c
	}
	return ""
}

// OrganisationScheme is the identifier scheme of a country's organisation numbers, the same
// code in the PEPPOL EAS list (EndpointID) and ISO 6523 ICD (CompanyID): Swedish
// organisationsnummer 0007, Norwegian organisasjonsnummer 0192, Danish CVR 0184. Other
// countries have no scheme here, and their numbers go out as plain company identifiers.
func OrganisationScheme(country string) string {
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

// OrganisationNumber is the registration number as its scheme writes it: the digits alone
// (Swedish "212000-1876" → "2120001876"; a 12-digit Swedish number's century prefix "16" is
// dropped), or the number as entered when the country has no scheme here.
func OrganisationNumber(number, country string) string {
	number = strings.TrimSpace(number)
	if OrganisationScheme(country) == "" {
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
func organisationParty(o Organisation) ublParty {
	name := strings.TrimSpace(o.Name)
	country := countryCode(o.Country)
	scheme := OrganisationScheme(country)
	number := OrganisationNumber(o.Number, country)
	p := ublParty{LegalEntity: &ublLegalEntity{RegistrationName: name}}
	if name != "" {
		p.Name = &ublPartyName{Name: name}
	}
	if number != "" {
		if scheme != "" {
			p.EndpointID = &Identifier{SchemeID: scheme, Value: number}
		}
		p.LegalEntity.CompanyID = &Identifier{SchemeID: scheme, Value: number}
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

// FormatBasisPoints writes a rate in basis points as a percentage without trailing zeros:
// 2500 → "25", 1250 → "12.5", 605 → "6.05".
func FormatBasisPoints(bp int) string {
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

// FormatMinor writes an integer amount of minor units with two decimals, by integer
// arithmetic only (no floats): 133400 öre → "1334.00", 5 → "0.05", -250 → "-2.50". A
// currency without a minor unit (ISK) counts whole units: 7470000 → "7470000.00".
func FormatMinor(minor int64, currency string) string {
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

// ParseHundredths parses a non-negative xs:decimal ("129.5", "+10.00", ".5") into hundredths
// (12950, 1000, 50) without floating point. More than two significant decimals, a sign of
// minus, exponents, other characters or more than 15 integer digits are rejected.
func ParseHundredths(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	intPart, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	if intPart == "" && frac == "" && !strings.Contains(s, "0") {
		return 0, false
	}
	if len(intPart) > 15 || len(frac) > 2 || !allDigits(intPart) || !allDigits(frac) {
		return 0, false
	}
	var n int64
	if intPart != "" {
		var err error
		if n, err = strconv.ParseInt(intPart, 10, 64); err != nil {
			return 0, false
		}
	}
	frac += strings.Repeat("0", 2-len(frac))
	f, _ := strconv.ParseInt(frac, 10, 64)
	return n*100 + f, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// truncate shortens s to n runes for a message about outside input.
func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
