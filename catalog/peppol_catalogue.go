package catalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/peppol"
)

// MaxPeppolCatalogueBytes caps a PEPPOL BIS Catalogue 3 document (UBL 2.1 Catalogue) at
// import; peppol.ReadDocument enforces it with the other limits of outside XML (no DTD,
// nesting, the number of catalogue lines).
const MaxPeppolCatalogueBytes = 64 << 20

// ImportPeppolCatalogue imports a PEPPOL BIS Catalogue 3 document (UBL 2.1 Catalogue) exactly
// like a CSV price list (ImportPriceList): each cac:CatalogueLine that adds or updates becomes
// one price-list row that goes through the same row rules, the same all-or-nothing apply and
// the same price-change and catalogue-approval rules, and the answer is the same report. A
// Delete line withdraws the item it names, and a document ActionCode Replace withdraws the
// supplier's items it does not hold (Withdrawn, or Pending under catalogue approval). An
// error's Line is the 1-based index of the cac:CatalogueLine in the document (0 for the
// document itself) and its Field the CSV column the value maps to. Errors: Forbidden (not a
// supplier), NotFound (agreement out of scope), Invalid ("invalid_price_list").
func (s *Service) ImportPeppolCatalogue(ctx context.Context, c auth.Caller, agreementID string, r io.Reader) (ImportReport, error) {
	return s.importPriceRows(ctx, c, agreementID, func(a Agreement, today string) (priceListFile, []derr.FieldError) {
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
//	cac:Item/cac:ClassifiedTaxCategory/cbc:Percent                    → vat_rate_bp (25 → 2500;
//	    none: an existing item keeps its rate, a new item is refused)
//	cac:RequiredItemLocationQuantity/cac:Price/cbc:PriceAmount        → price_minor (10.50 → 1050;
//	    currencyID must be the agreement's currency; one price per line; BaseQuantity, if any, 1)
//	cac:Price/cbc:BaseQuantity/@unitCode, else cbc:OrderableUnit      → unit
//	cbc:ContentUnitQuantity, else cac:Item/cbc:PackSizeNumeric        → pack_size (none: 1;
//	    up to three decimals: a roll of 5.2 m²)
//	cac:LineValidityPeriod/cbc:StartDate                              → effective_from (none, or
//	    a date that has passed as in a re-sent catalogue: today)
//	cac:Item/cac:Certificate/cbc:CertificateTypeCode (else cbc:CertificateType) → eco_labels,
//	    lower-cased with spaces and hyphens as _ (SVANEN → svanen, EU_ECOLABEL → eu_ecolabel),
//	    other names mapped (KRAV_MARK → krav, NORDIC_SWAN → svanen), NA left out
//	unit MON                                                          → kind subscription (SPEC §7)
//	cac:Item/cac:AdditionalItemProperty cbc:Name kind, setup_price_minor, min_term_months,
//	    notice_months, with cbc:Value as in the CSV columns           → the subscription terms
//
// Decimals are converted without floating point and prices may have at most two significant
// decimals. cbc:ActionCode Add or Update (or none) creates or updates by sku; Delete withdraws
// the item named by sku (else by GTIN) and needs nothing else of the line. The document's
// ActionCode Add or Update (or none) leaves other items alone, Replace withdraws every item of
// the supplier on the agreement the document does not hold, and Delete makes every line a
// Delete. A cac:ReferencedContract/cbc:ID must be the agreement's reference.
func parsePeppolCatalogue(r io.Reader, a Agreement, today string) (priceListFile, []derr.FieldError) {
	var errs importErrors
	add := errs.add
	cat, err := peppol.ParseCatalogue(r, MaxPeppolCatalogueBytes, MaxPriceListRows)
	if err != nil {
		msg := "could not be read"
		if de := (*peppol.DocumentError)(nil); errors.As(err, &de) {
			msg = de.Problem
		}
		add(0, "file", "peppol_malformed", msg)
		return priceListFile{}, errs
	}
	var file priceListFile
	switch cat.ActionCode {
	case "", "Add", "Update", "Delete":
	case "Replace":
		file.replace = true
	default:
		add(0, "action_code", "peppol_action_code", fmt.Sprintf("Catalogue ActionCode %q is not Add, Update, Replace or Delete", truncate(cat.ActionCode, 40)))
	}
	for _, id := range cat.ContractReferences {
		if id != a.Reference {
			add(0, "referenced_contract", "peppol_contract", fmt.Sprintf("ReferencedContract %q is not this agreement's reference %q",
				truncate(id, 64), a.Reference))
		}
	}

	file.rows = make([]priceListRow, 0, len(cat.Lines))
	skuLine := map[string]int{}
	for i := range cat.Lines {
		line, l := i+1, &cat.Lines[i]
		switch {
		case l.ActionCode == "Delete" || (cat.ActionCode == "Delete" && l.ActionCode == ""):
			if l.SellersItemID == "" && l.GTIN == "" {
				add(line, "sku", "required", "A Delete line names its item: cac:Item/cac:SellersItemIdentification/cbc:ID or a GTIN (schemeID 0160)")
			}
			file.withdraw = append(file.withdraw, withdrawRef{Line: line, SKU: l.SellersItemID, GTIN: l.GTIN})
			continue
		case cat.ActionCode == "Delete":
			add(line, "action_code", "peppol_action_code", "A catalogue with ActionCode Delete has only Delete lines")
			continue
		}
		var v derr.Validator
		in, keepVAT := catalogueLineInput(&v, l, a)
		if validDate(in.EffectiveFrom) && in.EffectiveFrom < today {
			// A re-sent catalogue keeps its lines' first start date: the line applies from today.
			in.EffectiveFrom = ""
		}
		errs.row(&v, &in, line, today, skuLine)
		file.rows = append(file.rows, priceListRow{Line: line, ItemInput: in, KeepVAT: keepVAT})
	}
	return file, errs
}

// catalogueLineInput maps one catalogue line to a price-list row, recording mapping errors
// (the field rules themselves are checkPriceListRow's); keepVAT is true when the line has no
// VAT category.
func catalogueLineInput(v *derr.Validator, l *peppol.CatalogueLine, a Agreement) (in ItemInput, keepVAT bool) {
	in = ItemInput{
		SKU:         l.SellersItemID,
		Name:        l.Name,
		Description: strings.Join(l.Descriptions, "\n"),
		GTIN:        l.GTIN,
		CPVCode:     l.CPVCode,
	}
	if in.CPVCode == "" {
		// Every item of the agreement falls under its CPV code.
		in.CPVCode = a.CPVCode
	}

	switch l.ActionCode {
	case "", "Add", "Update":
	default:
		v.Check(false, "action_code", "peppol_action_code", fmt.Sprintf("ActionCode %q is not Add, Update or Delete", truncate(l.ActionCode, 40)))
	}

	zero := 0
	in.VATRateBP = &zero
	switch {
	case len(l.TaxPercents) == 0 || l.TaxPercents[0] == "":
		keepVAT = true // the existing item's rate (keepVATRates); 0 passes the country check meanwhile
	default:
		if bp, ok := peppol.ParseHundredths(l.TaxPercents[0]); ok && bp <= 10000 {
			n := int(bp)
			in.VATRateBP = &n
		} else {
			v.Check(false, "vat_rate_bp", "range", "ClassifiedTaxCategory Percent must be a percentage between 0 and 100 "+
				"with at most two decimals, e.g. 25 or 12.5")
		}
	}

	var price int64
	in.PriceMinor = &price
	switch {
	case len(l.Prices) == 0 || l.Prices[0].Amount == nil:
		v.Check(false, "price_minor", "required", "is required: cac:RequiredItemLocationQuantity/cac:Price/cbc:PriceAmount")
	case len(l.Prices) > 1:
		v.Check(false, "price_minor", "peppol_one_price", fmt.Sprintf("has %d prices; one price per catalogue line is supported", len(l.Prices)))
	default:
		p := l.Prices[0]
		cur := strings.TrimSpace(p.Amount.CurrencyID)
		p1, ok := peppol.ParseHundredths(p.Amount.Value)
		switch {
		case cur != a.Currency:
			v.Check(false, "price_minor", "peppol_currency", fmt.Sprintf("PriceAmount currencyID %q is not the agreement's currency %s",
				truncate(cur, 8), a.Currency))
		case !ok:
			v.Check(false, "price_minor", "amount_format", "PriceAmount must be an amount of 0 or more with at most two decimals, e.g. 129.50")
		default:
			price = p1
		}
		if bq := p.BaseQuantity; bq != nil {
			in.Unit = strings.TrimSpace(bq.UnitCode)
			if q, ok := peppol.ParseHundredths(bq.Value); !ok || q != 100 {
				v.Check(false, "price_minor", "peppol_base_quantity", "BaseQuantity must be 1: prices are per unit")
			}
		}
	}
	if in.Unit == "" {
		in.Unit = l.OrderableUnit
	}

	if pack := l.PackQuantity; pack != "" {
		if q, ok := parsePackSize(pack); ok && !strings.Contains(pack, ",") {
			in.PackSize = q
		} else {
			v.Check(false, "pack_size", "pack_size", "ContentUnitQuantity / PackSizeNumeric must be a number above 0 with at most three decimals, e.g. 10 or 5.2")
			in.PackSize = 1
		}
	}
	in.EffectiveFrom = l.StartDate
	for _, code := range l.Certificates {
		if label := ecoLabelOf(code); label != "" {
			in.EcoLabels = append(in.EcoLabels, label)
		}
	}
	peppolSubscriptionTerms(v, l.Properties, &in)
	return in, keepVAT
}

// ecoLabelOf turns a certificate type code into the eco-label spelling the CSV uses, through
// the other names suppliers' catalogues give the labels (KRAV_MARK, NORDIC_SWAN); "" for a
// certificate marked not applicable (NA), as the official use cases send it.
func ecoLabelOf(code string) string {
	label := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, strings.ToLower(code))
	if alias, ok := certificateLabels[label]; ok {
		return alias
	}
	return label
}

// certificateLabels are the other names of the eco-labels in catalogues as suppliers send them.
var certificateLabels = map[string]string{
	"na": "", "n/a": "", "not_applicable": "",
	"krav_mark": "krav", "kravmarket": "krav",
	"nordic_swan": "svanen", "nordic_ecolabel": "svanen", "svanemerket": "svanen", "svanemaerket": "svanen", "the_nordic_swan_ecolabel": "svanen",
	"eu_flower": "eu_ecolabel", "eu_ecolabel_flower": "eu_ecolabel", "euroblomman": "eu_ecolabel",
	"tco": "tco_certified", "fairtrade_mark": "fairtrade", "eu_organic_logo": "eu_organic",
	"allergy_nordic": "asthma_allergy_nordic", "astma_allergi_nordic": "asthma_allergy_nordic",
}

// peppolSubscriptionTerms maps a catalogue line's subscription terms (SPEC §7). PEPPOL BIS
// Catalogue has no elements for them, so they travel as cac:AdditionalItemProperty name/value
// pairs named like the CSV columns; a line priced per MON (month) is a subscription unless a
// kind property says otherwise.
func peppolSubscriptionTerms(v *derr.Validator, props []peppol.Property, in *ItemInput) {
	if in.Unit == "MON" {
		in.Kind = KindSubscription
	}
	values := map[string]string{}
	for _, p := range props {
		if name := strings.ToLower(p.Name); slices.Contains(SubscriptionColumns, name) {
			values[name] = p.Value
		}
	}
	parseSubscriptionColumns(v, in, func(name string) (string, bool) {
		val, ok := values[name]
		return val, ok
	})
}
