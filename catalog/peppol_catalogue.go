package catalog

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
)

// PEPPOL BIS Catalogue 3 (UBL 2.1 Catalogue) import limits. Go's encoding/xml never expands
// external or custom entities, so the remaining risks of outside XML are size and nesting:
// the document, its element depth and its number of catalogue lines are capped.
const (
	MaxPeppolCatalogueBytes = 64 << 20
	maxPeppolDepth          = 32
)

// ublCatalogueNS is the namespace of a UBL 2.1 Catalogue's root element.
const ublCatalogueNS = "urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"

// The parts of a UBL Catalogue the import reads (local names: UBL names are unique per parent
// across the cac/cbc namespaces). Everything else in the document is ignored.
type (
	ublCatalogue struct {
		ActionCode         string      `xml:"ActionCode"`
		ReferencedContract []ublIDOnly `xml:"ReferencedContract"`
		Lines              []ublLine   `xml:"CatalogueLine"`
	}
	ublIDOnly struct {
		ID string `xml:"ID"`
	}
	ublLine struct {
		ActionCode          string        `xml:"ActionCode"`
		OrderableUnit       string        `xml:"OrderableUnit"`
		ContentUnitQuantity *ublQuantity  `xml:"ContentUnitQuantity"`
		LineValidityPeriod  *ublPeriod    `xml:"LineValidityPeriod"`
		Locations           []ublLocation `xml:"RequiredItemLocationQuantity"`
		Item                ublItem       `xml:"Item"`
	}
	ublPeriod struct {
		StartDate string `xml:"StartDate"`
	}
	ublLocation struct {
		Price *ublPrice `xml:"Price"`
	}
	ublPrice struct {
		PriceAmount  *ublAmount   `xml:"PriceAmount"`
		BaseQuantity *ublQuantity `xml:"BaseQuantity"`
	}
	ublAmount struct {
		Value      string `xml:",chardata"`
		CurrencyID string `xml:"currencyID,attr"`
	}
	ublQuantity struct {
		Value    string `xml:",chardata"`
		UnitCode string `xml:"unitCode,attr"`
	}
	ublItem struct {
		Description     []string            `xml:"Description"`
		PackSizeNumeric string              `xml:"PackSizeNumeric"`
		Name            string              `xml:"Name"`
		Sellers         ublIDOnly           `xml:"SellersItemIdentification"`
		Standard        []ublSchemeID       `xml:"StandardItemIdentification"`
		Classification  []ublClassification `xml:"CommodityClassification"`
		TaxCategory     []ublTaxCategory    `xml:"ClassifiedTaxCategory"`
		Certificates    []ublCertificate    `xml:"Certificate"`
		Properties      []ublProperty       `xml:"AdditionalItemProperty"`
	}
	ublProperty struct {
		Name  string `xml:"Name"`
		Value string `xml:"Value"`
	}
	ublSchemeID struct {
		ID struct {
			Value    string `xml:",chardata"`
			SchemeID string `xml:"schemeID,attr"`
		} `xml:"ID"`
	}
	ublClassification struct {
		Code struct {
			Value  string `xml:",chardata"`
			ListID string `xml:"listID,attr"`
		} `xml:"ItemClassificationCode"`
	}
	ublTaxCategory struct {
		Percent string `xml:"Percent"`
	}
	ublCertificate struct {
		TypeCode string `xml:"CertificateTypeCode"`
		Type     string `xml:"CertificateType"`
	}
)

// ImportPeppolCatalogue imports a PEPPOL BIS Catalogue 3 document (UBL 2.1 Catalogue) exactly
// like a CSV price list (ImportPriceList): each cac:CatalogueLine becomes one price-list row
// that goes through the same row rules, the same all-or-nothing apply and the same price-change
// rules, and the answer is the same report. An error's Line is the 1-based index of the
// cac:CatalogueLine in the document (0 for the document itself) and its Field the CSV column
// the value maps to. Errors: Forbidden (not a supplier), NotFound (agreement out of scope),
// Invalid ("invalid_price_list").
func (s *Service) ImportPeppolCatalogue(ctx context.Context, c auth.Caller, agreementID string, r io.Reader) (ImportReport, error) {
	return s.importPriceRows(ctx, c, agreementID, func(a Agreement, today string) ([]priceListRow, []derr.FieldError) {
		return parsePeppolCatalogue(r, a, today)
	})
}

// parsePeppolCatalogue reads a UBL 2.1 Catalogue into price-list rows for agreement a, with
// every error by catalogue line and CSV field name. Mapping per cac:CatalogueLine:
//
//	cac:Item/cac:SellersItemIdentification/cbc:ID                     → sku
//	cac:Item/cbc:Name, cac:Item/cbc:Description (several: joined)     → name, description
//	cac:Item/cac:StandardItemIdentification/cbc:ID[@schemeID=0160]    → gtin
//	cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode[@listID=STI] → cpv_code
//	    (none: the agreement's CPV code, since every item of the agreement falls under it)
//	cac:Item/cac:ClassifiedTaxCategory/cbc:Percent                    → vat_rate_bp (25 → 2500)
//	cac:RequiredItemLocationQuantity/cac:Price/cbc:PriceAmount        → price_minor (10.50 → 1050;
//	    currencyID must be the agreement's currency; one price per line; BaseQuantity, if any, 1)
//	cac:Price/cbc:BaseQuantity/@unitCode, else cbc:OrderableUnit      → unit
//	cbc:ContentUnitQuantity, else cac:Item/cbc:PackSizeNumeric        → pack_size (none: 1)
//	cac:LineValidityPeriod/cbc:StartDate                              → effective_from (none: today)
//	cac:Item/cac:Certificate/cbc:CertificateTypeCode (else cbc:CertificateType) → eco_labels,
//	    lower-cased with spaces and hyphens as _ (SVANEN → svanen, EU_ECOLABEL → eu_ecolabel)
//	unit MON                                                          → kind subscription (SPEC §7)
//	cac:Item/cac:AdditionalItemProperty cbc:Name kind, setup_price_minor, min_term_months,
//	    notice_months, with cbc:Value as in the CSV columns           → the subscription terms
//
// Decimals are converted without floating point and may have at most two significant
// decimals. cbc:ActionCode Add or Update (or none) creates or updates by sku; Delete and a
// document ActionCode Delete or Replace are rejected, because the import never deactivates
// items (an item is taken out with PATCH /catalog/items/{id} {"active": false}). A
// cac:ReferencedContract/cbc:ID must be the agreement's reference.
func parsePeppolCatalogue(r io.Reader, a Agreement, today string) ([]priceListRow, []derr.FieldError) {
	var errs importErrors
	add := errs.add
	data, err := io.ReadAll(io.LimitReader(r, MaxPeppolCatalogueBytes+1))
	if err != nil {
		add(0, "file", "could not be read")
		return nil, errs
	}
	if len(data) > MaxPeppolCatalogueBytes {
		add(0, "file", fmt.Sprintf("is larger than %d bytes", MaxPeppolCatalogueBytes))
		return nil, errs
	}
	if msg := checkCatalogueShape(data); msg != "" {
		add(0, "file", msg)
		return nil, errs
	}
	var cat ublCatalogue
	if err := newCatalogueDecoder(data).Decode(&cat); err != nil {
		add(0, "file", "is not a well-formed UBL Catalogue: "+truncate(err.Error(), 200))
		return nil, errs
	}
	switch strings.TrimSpace(cat.ActionCode) {
	case "", "Add", "Update":
	case "Delete", "Replace":
		add(0, "action_code", "Catalogue ActionCode "+strings.TrimSpace(cat.ActionCode)+
			" is not supported: the import only adds and updates items (send Add or Update)")
	default:
		add(0, "action_code", fmt.Sprintf("Catalogue ActionCode %q is not Add or Update", truncate(cat.ActionCode, 40)))
	}
	for _, rc := range cat.ReferencedContract {
		if id := strings.TrimSpace(rc.ID); id != a.Reference {
			add(0, "referenced_contract", fmt.Sprintf("ReferencedContract %q is not this agreement's reference %q",
				truncate(id, 64), a.Reference))
		}
	}

	rows := make([]priceListRow, 0, len(cat.Lines))
	skuLine := map[string]int{}
	for i := range cat.Lines {
		line := i + 1
		var v derr.Validator
		in := catalogueLineInput(&v, &cat.Lines[i], a)
		errs.row(&v, &in, line, today, skuLine)
		rows = append(rows, priceListRow{Line: line, ItemInput: in})
	}
	return rows, errs
}

// catalogueLineInput maps one catalogue line to a price-list row, recording mapping errors
// (the field rules themselves are checkPriceListRow's).
func catalogueLineInput(v *derr.Validator, l *ublLine, a Agreement) ItemInput {
	it := &l.Item
	in := ItemInput{
		SKU:  strings.TrimSpace(it.Sellers.ID),
		Name: strings.TrimSpace(it.Name),
	}
	var desc []string
	for _, d := range it.Description {
		if d = strings.TrimSpace(d); d != "" {
			desc = append(desc, d)
		}
	}
	in.Description = strings.Join(desc, "\n")

	switch strings.TrimSpace(l.ActionCode) {
	case "", "Add", "Update":
	case "Delete":
		v.Check(false, "action_code", "ActionCode Delete is not supported: the import never deactivates items; "+
			"take the item out with PATCH /api/v1/catalog/items/{id} {\"active\": false}")
	default:
		v.Check(false, "action_code", fmt.Sprintf("ActionCode %q is not Add or Update", truncate(l.ActionCode, 40)))
	}

	for _, s := range it.Standard {
		if strings.TrimSpace(s.ID.SchemeID) == "0160" {
			in.GTIN = strings.TrimSpace(s.ID.Value)
			break
		}
	}
	in.CPVCode = a.CPVCode
	for _, c := range it.Classification {
		if strings.TrimSpace(c.Code.ListID) == "STI" {
			in.CPVCode = strings.TrimSpace(c.Code.Value)
			break
		}
	}

	zero := 0
	in.VATRateBP = &zero
	switch len(it.TaxCategory) {
	case 0:
		v.Check(false, "vat_rate_bp", "is required: cac:Item/cac:ClassifiedTaxCategory/cbc:Percent")
	default:
		if bp, ok := parseHundredths(it.TaxCategory[0].Percent); ok && bp <= 10000 {
			n := int(bp)
			in.VATRateBP = &n
		} else {
			v.Check(false, "vat_rate_bp", "ClassifiedTaxCategory Percent must be a percentage between 0 and 100 "+
				"with at most two decimals, e.g. 25 or 12.5")
		}
	}

	var price int64
	in.PriceMinor = &price
	var prices []*ublPrice
	for _, loc := range l.Locations {
		if loc.Price != nil {
			prices = append(prices, loc.Price)
		}
	}
	switch {
	case len(prices) == 0 || prices[0].PriceAmount == nil:
		v.Check(false, "price_minor", "is required: cac:RequiredItemLocationQuantity/cac:Price/cbc:PriceAmount")
	case len(prices) > 1:
		v.Check(false, "price_minor", fmt.Sprintf("has %d prices; one price per catalogue line is supported", len(prices)))
	default:
		p := prices[0]
		cur := strings.TrimSpace(p.PriceAmount.CurrencyID)
		p1, ok := parseHundredths(p.PriceAmount.Value)
		switch {
		case cur != a.Currency:
			v.Check(false, "price_minor", fmt.Sprintf("PriceAmount currencyID %q is not the agreement's currency %s",
				truncate(cur, 8), a.Currency))
		case !ok:
			v.Check(false, "price_minor", "PriceAmount must be an amount of 0 or more with at most two decimals, e.g. 129.50")
		default:
			price = p1
		}
		if bq := p.BaseQuantity; bq != nil {
			in.Unit = strings.TrimSpace(bq.UnitCode)
			if q, ok := parseHundredths(bq.Value); !ok || q != 100 {
				v.Check(false, "price_minor", "BaseQuantity must be 1: prices are per unit")
			}
		}
	}
	if in.Unit == "" {
		in.Unit = strings.TrimSpace(l.OrderableUnit)
	}

	pack := ""
	if l.ContentUnitQuantity != nil {
		pack = strings.TrimSpace(l.ContentUnitQuantity.Value)
	} else {
		pack = strings.TrimSpace(it.PackSizeNumeric)
	}
	if pack != "" {
		if q, ok := parseHundredths(pack); ok && q%100 == 0 && q >= 100 && q <= 1_000_000*100 {
			in.PackSize = int(q / 100)
		} else {
			v.Check(false, "pack_size", "ContentUnitQuantity / PackSizeNumeric must be a whole number of 1 or more")
			in.PackSize = 1
		}
	}

	if l.LineValidityPeriod != nil {
		in.EffectiveFrom = strings.TrimSpace(l.LineValidityPeriod.StartDate)
	}

	for _, c := range it.Certificates {
		code := strings.TrimSpace(c.TypeCode)
		if code == "" {
			code = strings.TrimSpace(c.Type)
		}
		if code != "" {
			in.EcoLabels = append(in.EcoLabels, ecoLabelOf(code))
		}
	}
	peppolSubscriptionTerms(v, it.Properties, &in)
	return in
}

// ecoLabelOf turns a certificate type code into the eco-label spelling the CSV uses.
func ecoLabelOf(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, strings.ToLower(code))
}

// parseHundredths parses a non-negative xs:decimal ("129.5", "+10.00", ".5") into hundredths
// (12950, 1000, 50) without floating point. More than two significant decimals, a sign of
// minus, exponents, other characters or more than 15 integer digits are rejected.
func parseHundredths(s string) (int64, bool) {
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

// checkCatalogueShape walks the document's tokens once before it is decoded: it must be
// well-formed, have no DTD, be at most maxPeppolDepth elements deep, have a UBL Catalogue
// root and at most MaxPriceListRows catalogue lines. It returns the problem, or "".
func checkCatalogueShape(data []byte) string {
	d := newCatalogueDecoder(data)
	depth, lines, root := 0, 0, false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "is not well-formed XML: " + truncate(err.Error(), 200)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxPeppolDepth {
				line, _ := d.InputPos()
				return fmt.Sprintf("nests elements more than %d deep (text line %d)", maxPeppolDepth, line)
			}
			if depth == 1 {
				if root {
					return "has more than one root element"
				}
				root = true
				if t.Name.Local != "Catalogue" || t.Name.Space != ublCatalogueNS {
					return fmt.Sprintf("is not a UBL 2.1 Catalogue (root element {%s}%s)", truncate(t.Name.Space, 80), truncate(t.Name.Local, 40))
				}
			}
			if depth == 2 && t.Name.Local == "CatalogueLine" {
				lines++
				if lines > MaxPriceListRows {
					return fmt.Sprintf("has more than %d catalogue lines", MaxPriceListRows)
				}
			}
		case xml.EndElement:
			depth--
		case xml.Directive:
			return "has a DTD or other directive, which is not allowed"
		}
	}
	if !root {
		return "is empty: a UBL 2.1 Catalogue is required"
	}
	return ""
}

// newCatalogueDecoder is a strict decoder that reads UTF-8, US-ASCII and ISO-8859-1.
func newCatalogueDecoder(data []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
			return latin1Reader(r), nil
		case "us-ascii", "ascii":
			return r, nil
		}
		return nil, fmt.Errorf("unsupported encoding %q (use UTF-8)", truncate(charset, 40))
	}
	return d
}

// latin1Reader decodes ISO-8859-1 (the official PEPPOL example's encoding) to UTF-8.
func latin1Reader(r io.Reader) io.Reader {
	b, err := io.ReadAll(r)
	if err != nil {
		return r
	}
	out := make([]byte, 0, len(b)+len(b)/8)
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return bytes.NewReader(out)
}

// peppolSubscriptionTerms maps a catalogue line's subscription terms (SPEC §7). PEPPOL BIS
// Catalogue has no elements for them, so they travel as cac:AdditionalItemProperty name/value
// pairs named like the CSV columns; a line priced per MON (month) is a subscription unless a
// kind property says otherwise.
func peppolSubscriptionTerms(v *derr.Validator, props []ublProperty, in *ItemInput) {
	if in.Unit == "MON" {
		in.Kind = KindSubscription
	}
	values := map[string]string{}
	for _, p := range props {
		name := strings.ToLower(strings.TrimSpace(p.Name))
		if slices.Contains(SubscriptionColumns, name) {
			values[name] = strings.TrimSpace(p.Value)
		}
	}
	parseSubscriptionColumns(v, in, func(name string) (string, bool) {
		val, ok := values[name]
		return val, ok
	})
}
