package catalog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/peppol"
)

// peppolExample is OpenPEPPOL's official Catalogue example (poacc-upgrade-3
// rules/examples/Catalogue_Example.xml, ISO-8859-1), adapted to agreement a: its currency
// (EUR), contract (CRT1387) and VAT rate (18 %) become a's. With fixGTINs its two GTINs, whose check digits are
// wrong in the official file (…0114 → …0111, …0124 → …0128), are corrected.
func peppolExample(t testing.TB, a Agreement, fixGTINs bool) string {
	t.Helper()
	b, err := os.ReadFile("testdata/peppol_Catalogue_Example.xml")
	testenv.Must(t, err)
	s := strings.ReplaceAll(string(b), `currencyID="EUR"`, `currencyID="`+a.Currency+`"`)
	s = strings.ReplaceAll(s, "<cbc:ID>CRT1387</cbc:ID>", "<cbc:ID>"+a.Reference+"</cbc:ID>")
	// 18 % is no Nordic rate; the agreement's country's standard rate stands in.
	s = strings.ReplaceAll(s, "<cbc:Percent>18</cbc:Percent>", "<cbc:Percent>25</cbc:Percent>")
	if fixGTINs {
		s = strings.ReplaceAll(s, "1234567890114", "1234567890111")
		s = strings.ReplaceAll(s, "1234567890124", "1234567890128")
	}
	return s
}

// peppolDoc wraps catalogue lines in a minimal UBL Catalogue for agreement a.
func peppolDoc(a Agreement, lines ...string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:catalogue:3</cbc:CustomizationID>
 <cbc:ID>1</cbc:ID>
 <cac:ReferencedContract><cbc:ID>` + a.Reference + `</cbc:ID></cac:ReferencedContract>
` + strings.Join(lines, "\n") + `
</Catalogue>`
}

// peppolLine is one catalogue line; opts replace parts: "price", "currency", "vat", "unit",
// "start", "action", "cert", "cpv", "gtin", "pack", "extra" (raw XML inside the line).
func peppolLine(sku string, opts map[string]string) string {
	o := map[string]string{"price": "89.00", "currency": "SEK", "vat": "25", "unit": "XBX", "start": "", "action": "Add",
		"cert": `<cac:Certificate><cbc:ID>1</cbc:ID><cbc:CertificateTypeCode>SVANEN</cbc:CertificateTypeCode><cbc:CertificateType>Environmental</cbc:CertificateType></cac:Certificate>`,
		"cpv":  "33141420", "gtin": "7322540000016", "pack": "100", "extra": ""}
	for k, v := range opts {
		o[k] = v
	}
	period := ""
	if o["start"] != "" {
		period = `<cac:LineValidityPeriod><cbc:StartDate>` + o["start"] + `</cbc:StartDate></cac:LineValidityPeriod>`
	}
	return `<cac:CatalogueLine><cbc:ID>` + sku + `</cbc:ID><cbc:ActionCode>` + o["action"] + `</cbc:ActionCode>
 <cbc:OrderableUnit>` + o["unit"] + `</cbc:OrderableUnit><cbc:ContentUnitQuantity unitCode="C62">` + o["pack"] + `</cbc:ContentUnitQuantity>` + period + o["extra"] + `
 <cac:RequiredItemLocationQuantity><cac:Price><cbc:PriceAmount currencyID="` + o["currency"] + `">` + o["price"] + `</cbc:PriceAmount></cac:Price></cac:RequiredItemLocationQuantity>
 <cac:Item><cbc:Description>Puderfri</cbc:Description><cbc:Name>Handske ` + sku + `</cbc:Name>
  <cac:SellersItemIdentification><cbc:ID>` + sku + `</cbc:ID></cac:SellersItemIdentification>
  <cac:StandardItemIdentification><cbc:ID schemeID="0160">` + o["gtin"] + `</cbc:ID></cac:StandardItemIdentification>
  <cac:CommodityClassification><cbc:ItemClassificationCode listID="STI">` + o["cpv"] + `</cbc:ItemClassificationCode></cac:CommodityClassification>
  <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>` + o["vat"] + `</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>
  ` + o["cert"] + `
 </cac:Item></cac:CatalogueLine>`
}

var peppolTestAgreement = Agreement{Reference: "RA-2025-17", Currency: "SEK", CPVCode: "33140000"}

func fieldsOf(errs []derr.FieldError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = fmt.Sprintf("%d:%s", e.Line, e.Field)
	}
	return out
}

func TestParsePeppolCatalogueOfficialExample(t *testing.T) {
	a := Agreement{Reference: "CRT-TEST", Currency: "SEK", CPVCode: "30197630"}
	const today = "2018-09-01" // the example's catalogue validity starts then

	t.Run("official example as published: wrong GTIN check digits by line", func(t *testing.T) {
		_, errs := parsePeppolCatalogue(strings.NewReader(peppolExample(t, a, false)), a, today)
		if got := fieldsOf(errs); !slices.Equal(got, []string{"1:gtin", "2:gtin"}) {
			t.Fatalf("errors = %v (%+v)", got, errs)
		}
	})
	t.Run("official example with valid GTINs maps every field", func(t *testing.T) {
		file, errs := parsePeppolCatalogue(strings.NewReader(peppolExample(t, a, true)), a, today)
		rows := file.rows
		if len(errs) > 0 {
			t.Fatalf("errors: %+v", errs)
		}
		want := []priceListRow{
			{Line: 1, ItemInput: ItemInput{SKU: "MNTR011", GTIN: "1234567890111", Name: "Copy paper",
				Description: "Photo copy paper 80g A4, package of 500 sheets.", Unit: "C62", PackSize: 10, CPVCode: "30197630",
				EcoLabels: []string{"svanen"}, VATRateBP: ptr(2500), PriceMinor: ptr(int64(1000)), EffectiveFrom: "2018-09-26"}},
			{Line: 2, ItemInput: ItemInput{SKU: "MNTR012", GTIN: "1234567890128", Name: "Copy paper",
				Description: "Photo copy paper 80g A4, carton of 10 units with 500 sheets each", Unit: "C62", PackSize: 1,
				CPVCode: "30197630", EcoLabels: []string{}, VATRateBP: ptr(2500), PriceMinor: ptr(int64(9000)), EffectiveFrom: today}},
		}
		if len(rows) != len(want) {
			t.Fatalf("rows = %+v", rows)
		}
		for i := range want {
			g, w := rows[i], want[i]
			if g.Line != w.Line || g.SKU != w.SKU || g.GTIN != w.GTIN || g.Name != w.Name || g.Description != w.Description ||
				g.Unit != w.Unit || g.PackSize != w.PackSize || g.CPVCode != w.CPVCode || !slices.Equal(g.EcoLabels, w.EcoLabels) ||
				*g.VATRateBP != *w.VATRateBP || *g.PriceMinor != *w.PriceMinor || g.EffectiveFrom != w.EffectiveFrom {
				t.Errorf("row %d =\n %+v\nwant\n %+v", i+1, g.ItemInput, w.ItemInput)
			}
		}
	})
	t.Run("official example in another currency", func(t *testing.T) {
		b := a
		b.Currency = "NOK"
		_, errs := parsePeppolCatalogue(strings.NewReader(peppolExample(t, a, true)), b, today)
		if got := fieldsOf(errs); !slices.Equal(got, []string{"1:price_minor", "2:price_minor"}) {
			t.Fatalf("errors = %v", got)
		}
	})
}

func TestParsePeppolCatalogueMapping(t *testing.T) {
	a := peppolTestAgreement
	const today = "2026-01-15"
	cases := []struct {
		name  string
		doc   string
		check func(t *testing.T, r priceListRow)
		want  []string // errors as line:field
	}{
		{"vat 12.5 percent", peppolDoc(a, peppolLine("A-1", map[string]string{"vat": "12.5"})),
			func(t *testing.T, r priceListRow) {
				if *r.VATRateBP != 1250 {
					t.Fatalf("vat = %d", *r.VATRateBP)
				}
			}, nil},
		{"price decimals", peppolDoc(a, peppolLine("A-1", map[string]string{"price": " 129.5 "})),
			func(t *testing.T, r priceListRow) {
				if *r.PriceMinor != 12950 || r.CPVCode != "33141420" || r.GTIN != "7322540000016" || r.Unit != "XBX" ||
					r.PackSize != 100 || r.EffectiveFrom != today || !slices.Equal(r.EcoLabels, []string{"svanen"}) {
					t.Fatalf("row = %+v", r.ItemInput)
				}
			}, nil},
		{"labels from type code and type", peppolDoc(a, peppolLine("A-1", map[string]string{"cert": `
			<cac:Certificate><cbc:CertificateTypeCode>EU_ECOLABEL</cbc:CertificateTypeCode></cac:Certificate>
			<cac:Certificate><cbc:CertificateType>BRA MILJOVAL</cbc:CertificateType></cac:Certificate>`})),
			func(t *testing.T, r priceListRow) {
				if !slices.Equal(r.EcoLabels, []string{"bra_miljoval", "eu_ecolabel"}) {
					t.Fatalf("labels = %v", r.EcoLabels)
				}
			}, nil},
		{"base quantity gives the unit", peppolDoc(a, strings.Replace(peppolLine("A-1", nil), "</cbc:PriceAmount>",
			`</cbc:PriceAmount><cbc:BaseQuantity unitCode="XPK">1.0</cbc:BaseQuantity>`, 1)),
			func(t *testing.T, r priceListRow) {
				if r.Unit != "XPK" {
					t.Fatalf("unit = %q", r.Unit)
				}
			}, nil},
		{"future start date", peppolDoc(a, peppolLine("A-1", map[string]string{"start": "2026-03-01"})),
			func(t *testing.T, r priceListRow) {
				if r.EffectiveFrom != "2026-03-01" {
					t.Fatalf("effective_from = %q", r.EffectiveFrom)
				}
			}, nil},
		{"every error by line and field", peppolDoc(a,
			peppolLine("A-1", nil),
			peppolLine("A-2", map[string]string{"price": "12.345", "vat": "25.001"}),
			peppolLine("A-3", map[string]string{"currency": "EUR", "unit": "styck", "cpv": "3314"}),
			peppolLine("A-4", map[string]string{"action": "Replace", "start": "2020-01-01", "pack": "2.5555"}),
			peppolLine("A-1", map[string]string{"gtin": "123", "cert": `<cac:Certificate><cbc:CertificateTypeCode>Svanen!</cbc:CertificateTypeCode></cac:Certificate>`}),
			peppolLine("A-6", map[string]string{"price": "-1", "vat": "abc"}),
			peppolLine("A-7", map[string]string{"action": "Frobnicate", "price": "1e3"}),
		), nil, []string{"2:vat_rate_bp", "2:price_minor", "3:price_minor", "3:unit", "3:cpv_code",
			"4:action_code", "4:pack_size", "5:gtin", "5:eco_labels", "5:sku",
			"6:vat_rate_bp", "6:price_minor", "7:action_code", "7:price_minor"}},
		{"missing and several prices", peppolDoc(a,
			strings.Replace(peppolLine("A-1", nil), "<cac:Price>", "<cac:Price><cbc:PriceType>AAA</cbc:PriceType></cac:Price><cac:Price>", 1),
			strings.Replace(peppolLine("A-2", nil), "</cac:RequiredItemLocationQuantity>",
				`</cac:RequiredItemLocationQuantity><cac:RequiredItemLocationQuantity><cac:Price><cbc:PriceAmount currencyID="SEK">80</cbc:PriceAmount></cac:Price></cac:RequiredItemLocationQuantity>`, 1),
			strings.Replace(peppolLine("A-3", nil), "</cbc:PriceAmount>", `</cbc:PriceAmount><cbc:BaseQuantity unitCode="EA">10</cbc:BaseQuantity>`, 1),
			strings.Replace(peppolLine("A-4", nil), "<cbc:Percent>25</cbc:Percent>", "", 1),
		), nil, []string{"2:price_minor", "3:price_minor"}},
		{"required fields missing", peppolDoc(a, `<cac:CatalogueLine><cbc:ID>1</cbc:ID><cac:Item/></cac:CatalogueLine>`), nil,
			[]string{"1:price_minor", "1:sku", "1:name", "1:unit"}},
		{"another contract", strings.Replace(peppolDoc(a, peppolLine("A-1", nil)), a.Reference, "RA-OTHER", 1), nil,
			[]string{"0:referenced_contract"}},
		{"no contract reference is fine", strings.Replace(peppolDoc(a, peppolLine("A-1", nil)),
			"<cac:ReferencedContract><cbc:ID>"+a.Reference+"</cbc:ID></cac:ReferencedContract>", "", 1), nil, nil},
		{"document Replace", strings.Replace(peppolDoc(a, peppolLine("A-1", nil)), "<cbc:ID>1</cbc:ID>",
			"<cbc:ID>1</cbc:ID><cbc:ActionCode>Replace</cbc:ActionCode>", 1), nil, nil},
		{"document ActionCode unknown", strings.Replace(peppolDoc(a, peppolLine("A-1", nil)), "<cbc:ID>1</cbc:ID>",
			"<cbc:ID>1</cbc:ID><cbc:ActionCode>Purge</cbc:ActionCode>", 1), nil, []string{"0:action_code"}},
		{"document Delete takes only Delete lines", strings.Replace(peppolDoc(a, peppolLine("A-1", nil), peppolLine("A-2", map[string]string{"action": "Delete"})),
			"<cbc:ID>1</cbc:ID>", "<cbc:ID>1</cbc:ID><cbc:ActionCode>Delete</cbc:ActionCode>", 1), nil, []string{"1:action_code"}},
		{"a Delete line names its item", peppolDoc(a, `<cac:CatalogueLine><cbc:ID>1</cbc:ID><cbc:ActionCode>Delete</cbc:ActionCode><cac:Item><cbc:Name>x</cbc:Name></cac:Item></cac:CatalogueLine>`),
			nil, []string{"1:sku"}},
		{"a start date that has passed applies from today", peppolDoc(a, peppolLine("A-1", map[string]string{"start": "2019-09-01"})),
			func(t *testing.T, r priceListRow) {
				if r.EffectiveFrom != today {
					t.Fatalf("effective_from = %q, want today %s", r.EffectiveFrom, today)
				}
			}, nil},
		{"a decimal pack quantity (5.2 m²)", peppolDoc(a, peppolLine("A-1", map[string]string{"pack": "5.2", "unit": "XRO"})),
			func(t *testing.T, r priceListRow) {
				if r.PackSize != 5.2 || r.Unit != "XRO" {
					t.Fatalf("pack = %v %s", r.PackSize, r.Unit)
				}
			}, nil},
		{"a line without a VAT category keeps the item's rate", peppolDoc(a, strings.Replace(peppolLine("A-1", nil), "<cbc:Percent>25</cbc:Percent>", "", 1)),
			func(t *testing.T, r priceListRow) {
				if !r.KeepVAT {
					t.Fatalf("row %+v does not keep the item's VAT rate", r)
				}
			}, nil},
		{"latin-1 document", strings.Replace(strings.Replace(peppolDoc(a, peppolLine("A-1", nil)), "UTF-8", "ISO-8859-1", 1),
			"Handske A-1", "Handske \xe5\xe4\xf6", 1),
			func(t *testing.T, r priceListRow) {
				if r.Name != "Handske åäö" {
					t.Fatalf("name = %q", r.Name)
				}
			}, nil},
		{"malformed", `<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"><a></b></Catalogue>`, nil, []string{"0:file"}},
		{"truncated", peppolDoc(a, peppolLine("A-1", nil))[:400], nil, []string{"0:file"}},
		{"empty", "", nil, []string{"0:file"}},
		{"not a catalogue", `<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>`, nil, []string{"0:file"}},
		{"catalogue in no namespace", `<Catalogue/>`, nil, []string{"0:file"}},
		{"unknown encoding", `<?xml version="1.0" encoding="EBCDIC"?><Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"/>`, nil, []string{"0:file"}},
		{"invalid UTF-8", peppolDoc(a, peppolLine("A-\xff", nil)), nil, []string{"0:file"}},
		{"entity bomb", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
			<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"><cbc:ID>&lol2;</cbc:ID></Catalogue>`, nil, []string{"0:file"}},
		{"external entity", `<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>
			<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2">&x;</Catalogue>`, nil, []string{"0:file"}},
		{"too deep", `<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2">` + strings.Repeat("<a>", 100) +
			strings.Repeat("</a>", 100) + `</Catalogue>`, nil, []string{"0:file"}},
		{"no lines", peppolDoc(a), nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file, errs := parsePeppolCatalogue(strings.NewReader(tc.doc), a, today)
			rows := file.rows
			if got := fieldsOf(errs); !slices.Equal(got, tc.want) {
				t.Fatalf("errors = %v, want %v\n%+v", got, tc.want, errs)
			}
			for _, e := range errs {
				if e.Message == "" {
					t.Fatalf("error without message: %+v", e)
				}
			}
			if tc.check != nil {
				if len(rows) != 1 {
					t.Fatalf("rows = %+v", rows)
				}
				tc.check(t, rows[0])
			}
		})
	}
}

func TestParsePeppolCatalogueLimits(t *testing.T) {
	a := peppolTestAgreement
	t.Run("larger than the cap", func(t *testing.T) {
		big := strings.NewReader(peppolDoc(a) + strings.Repeat(" ", MaxPeppolCatalogueBytes))
		_, errs := parsePeppolCatalogue(big, a, "2026-01-15")
		if got := fieldsOf(errs); !slices.Equal(got, []string{"0:file"}) || !strings.Contains(errs[0].Message, "larger") {
			t.Fatalf("errors = %+v", errs)
		}
	})
	t.Run("more lines than a price list may have", func(t *testing.T) {
		doc := peppolDoc(a, strings.Repeat("<cac:CatalogueLine/>", MaxPriceListRows+1))
		_, errs := parsePeppolCatalogue(strings.NewReader(doc), a, "2026-01-15")
		if got := fieldsOf(errs); !slices.Equal(got, []string{"0:file"}) || !strings.Contains(errs[0].Message, "catalogue lines") {
			t.Fatalf("errors = %+v", errs)
		}
	})
	t.Run("errors are capped", func(t *testing.T) {
		doc := peppolDoc(a, strings.Repeat("<cac:CatalogueLine/>", 2000))
		_, errs := parsePeppolCatalogue(strings.NewReader(doc), a, "2026-01-15")
		if len(errs) != maxPriceListErrors {
			t.Fatalf("%d errors", len(errs))
		}
	})
}

func TestImportPeppolCatalogue(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	count := func() int {
		_, total, err := f.s.ListAgreementItems(ctx, f.supplier1, f.agreement.ID, "", auth.Page{})
		testenv.Must(t, err)
		return total
	}

	t.Run("official example imports", func(t *testing.T) {
		f.today = time.Date(2018, 9, 1, 8, 0, 0, 0, time.UTC)
		defer func() { f.today = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC) }()
		rep, err := f.s.ImportPeppolCatalogue(ctx, f.supplier1, f.agreement.ID, strings.NewReader(peppolExample(t, f.agreement, true)))
		testenv.Must(t, err)
		if rep != (ImportReport{Rows: 2, Created: 2}) {
			t.Fatalf("report = %+v", rep)
		}
		it, err := f.s.GetItem(ctx, f.supplier1, idOf(t, f, "MNTR012"))
		testenv.Must(t, err)
		if it.PriceMinor == nil || *it.PriceMinor != 9000 || it.VATRateBP != 2500 || it.CPVCode != f.agreement.CPVCode || it.Unit != "C62" {
			t.Fatalf("imported item = %+v", it)
		}
	})

	t.Run("updates go through the price-change rules", func(t *testing.T) {
		doc := peppolDoc(f.agreement,
			peppolLine("P-1", map[string]string{"price": "100.00"}),
			peppolLine("P-2", map[string]string{"price": "50.00"}))
		rep, err := f.s.ImportPeppolCatalogue(ctx, f.supplier1, f.agreement.ID, strings.NewReader(doc))
		testenv.Must(t, err)
		if rep != (ImportReport{Rows: 2, Created: 2}) {
			t.Fatalf("first report = %+v", rep)
		}
		// +50 % is beyond the agreement's 3 %: pending; a decrease applies; same again: unchanged.
		doc = peppolDoc(f.agreement,
			peppolLine("P-1", map[string]string{"price": "150.00"}),
			peppolLine("P-2", map[string]string{"price": "45.50"}))
		rep, err = f.s.ImportPeppolCatalogue(ctx, f.supplier1, f.agreement.ID, strings.NewReader(doc))
		testenv.Must(t, err)
		if rep != (ImportReport{Rows: 2, Updated: 2, PricesApplied: 1, PricesPending: 1}) {
			t.Fatalf("second report = %+v", rep)
		}
		it, err := f.s.GetItem(ctx, f.supplier1, idOf(t, f, "P-2"))
		testenv.Must(t, err)
		if *it.PriceMinor != 4550 {
			t.Fatalf("P-2 price = %d", *it.PriceMinor)
		}
	})

	t.Run("a bad document changes nothing", func(t *testing.T) {
		before := count()
		doc := peppolDoc(f.agreement,
			peppolLine("P-1", map[string]string{"price": "10.00", "vat": "12"}),
			peppolLine("NEW-1", nil),
			peppolLine("NEW-2", map[string]string{"currency": "EUR"}))
		_, err := f.s.ImportPeppolCatalogue(ctx, f.supplier1, f.agreement.ID, strings.NewReader(doc))
		wantKind(t, err, derr.Invalid, "invalid_price_list")
		var de *derr.Error
		if !errors.As(err, &de) || !slices.Equal(fieldsOf(de.Fields), []string{"3:price_minor"}) {
			t.Fatalf("fields = %+v", err)
		}
		if count() != before {
			t.Fatalf("items changed: %d → %d", before, count())
		}
		it, err := f.s.GetItem(ctx, f.supplier1, idOf(t, f, "P-1"))
		testenv.Must(t, err)
		if it.VATRateBP != 2500 {
			t.Fatalf("P-1 changed: %+v", it)
		}
	})

	t.Run("scope", func(t *testing.T) {
		doc := peppolDoc(f.agreement, peppolLine("X-1", nil))
		other, err := f.s.CreateAgreement(ctx, f.manager, AgreementInput{Reference: "RA-" + testenv.Unique(), Title: "Annat avtal",
			CPVCode: "33140000", Currency: "SEK", ValidFrom: "2025-01-01", ValidTo: "2028-12-31", CallOffMethod: MethodRanking, CatalogueApproval: ptr(false),
			Participants: []ParticipantInput{{OrgID: f.buyer.ID}}, Suppliers: []SupplierInput{{OrgID: f.sup2.ID, Rank: 1}}})
		testenv.Must(t, err)
		_, err = f.s.ImportPeppolCatalogue(ctx, f.supplier1, other.ID, strings.NewReader(doc))
		wantKind(t, err, derr.NotFound, "")
		_, err = f.s.ImportPeppolCatalogue(ctx, f.orderer, f.agreement.ID, strings.NewReader(doc))
		wantKind(t, err, derr.Forbidden, "")
	})

	// SPEC §6: a PEPPOL catalogue is one catalogue submission like a CSV price list — its new
	// item and first price, and a change of an accepted item's terms, wait for a manager.
	t.Run("under catalogue approval", func(t *testing.T) {
		_, err := f.s.UpdateAgreement(ctx, f.manager, f.agreement.ID, AgreementPatch{CatalogueApproval: ptr(true)})
		testenv.Must(t, err)
		doc := peppolDoc(f.agreement,
			peppolLine("P-2", map[string]string{"price": "45.50", "vat": "12"}),
			peppolLine("PA-1", map[string]string{"price": "20.00"}))
		rep, err := f.s.ImportPeppolCatalogue(ctx, f.supplier1, f.agreement.ID, strings.NewReader(doc))
		testenv.Must(t, err)
		if rep.Pending != 3 || rep.Created != 1 || rep.SubmissionID == "" {
			t.Fatalf("report = %+v, want P-2's terms and PA-1's item and first price pending", rep)
		}
		sub, err := f.s.GetSubmission(ctx, f.manager, rep.SubmissionID)
		testenv.Must(t, err)
		p2, pa1 := idOf(t, f, "P-2"), idOf(t, f, "PA-1")
		if changeOf(sub, p2, ChangeTerms) == nil || changeOf(sub, pa1, ChangeNewItem) == nil || changeOf(sub, pa1, ChangeFirstPrice) == nil {
			t.Fatalf("submission = %+v", sub)
		}
		if it, _ := f.s.GetItem(ctx, f.orderer, p2); it.VATRateBP != 2500 {
			t.Errorf("P-2's VAT changed before acceptance: %d", it.VATRateBP)
		}
		if _, err := f.s.GetItem(ctx, f.orderer, pa1); !derr.Is(err, derr.NotFound) {
			t.Errorf("the proposed PA-1 is readable by a buyer: %v", err)
		}
	})
}

func FuzzParsePeppolCatalogue(f *testing.F) {
	a := peppolTestAgreement
	// The official example and the five official use cases (Add, Update with Delete lines,
	// Replace, a Delete catalogue, every element) seed the corpus.
	examples, _ := filepath.Glob("testdata/peppol_*.xml")
	for _, name := range examples {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(string(b))
		}
	}
	f.Add(peppolDoc(a, peppolLine("A-1", nil), peppolLine("A-2", map[string]string{"price": "1.5", "vat": "12.5"})))
	f.Add(peppolDoc(a, peppolLine("A-1", map[string]string{"price": "12.345", "action": "Delete", "currency": "EUR"})))
	f.Add(peppolDoc(a, `<cac:CatalogueLine><cac:Item/></cac:CatalogueLine>`))
	f.Add(`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2">&b;</Catalogue>`)
	f.Add(`<?xml version="1.0" encoding="ISO-8859-1"?><Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2">` + "\xe5" + `</Catalogue>`)
	f.Add("")
	f.Add("<")
	f.Fuzz(func(t *testing.T, data string) {
		file, errs := parsePeppolCatalogue(strings.NewReader(data), a, "2026-01-15")
		rows := file.rows
		if len(errs) > maxPriceListErrors {
			t.Fatalf("%d errors", len(errs))
		}
		if len(errs) > 0 {
			for _, e := range errs {
				if e.Field == "" || e.Message == "" || e.Line < 0 || e.Line > MaxPriceListRows {
					t.Fatalf("bad error %+v", e)
				}
			}
			return
		}
		seen := map[string]bool{}
		for _, r := range rows {
			if r.SKU == "" || seen[r.SKU] || r.VATRateBP == nil || r.PriceMinor == nil || *r.PriceMinor < 0 ||
				r.PackSize <= 0 || r.EffectiveFrom < "2026-01-15" || !cpvRe.MatchString(r.CPVCode) || !peppol.ValidUnit(r.Unit) {
				t.Fatalf("invalid row accepted: %+v", r)
			}
			seen[r.SKU] = true
		}
		for _, w := range file.withdraw {
			if w.SKU == "" && w.GTIN == "" {
				t.Fatalf("a Delete line naming no item accepted: %+v", w)
			}
		}
	})
}
