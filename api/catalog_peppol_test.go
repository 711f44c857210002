package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
)

// peppolCatalogue is a minimal PEPPOL BIS Catalogue 3 document naming contract ref.
func peppolCatalogue(ref string, lines ...string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:catalogue:3</cbc:CustomizationID>
 <cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:catalogue_only:3</cbc:ProfileID>
 <cbc:ID>K-1</cbc:ID>
 <cbc:IssueDate>2026-01-01</cbc:IssueDate>
 <cac:ReferencedContract><cbc:ID>` + ref + `</cbc:ID></cac:ReferencedContract>
` + strings.Join(lines, "\n") + `
</Catalogue>`
}

// peppolCatalogueLine is one line: sku, price (decimal), currency, VAT percent, CPV and a
// certificate type code ("" for none).
func peppolCatalogueLine(sku, price, currency, vat, cpv, cert string) string {
	c := ""
	if cert != "" {
		c = `<cac:Certificate><cbc:ID>1</cbc:ID><cbc:CertificateTypeCode>` + cert + `</cbc:CertificateTypeCode><cbc:CertificateType>Environmental</cbc:CertificateType></cac:Certificate>`
	}
	return `<cac:CatalogueLine><cbc:ID>` + sku + `</cbc:ID><cbc:ActionCode>Add</cbc:ActionCode>
 <cbc:OrderableUnit>EA</cbc:OrderableUnit>
 <cac:RequiredItemLocationQuantity><cac:Price><cbc:PriceAmount currencyID="` + currency + `">` + price +
		`</cbc:PriceAmount><cbc:BaseQuantity unitCode="EA">1</cbc:BaseQuantity></cac:Price></cac:RequiredItemLocationQuantity>
 <cac:Item><cbc:Description>Läkemedelsautomat ` + sku + `</cbc:Description><cbc:Name>Automat ` + sku + `</cbc:Name>
  <cac:SellersItemIdentification><cbc:ID>` + sku + `</cbc:ID></cac:SellersItemIdentification>
  <cac:CommodityClassification><cbc:ItemClassificationCode listID="STI">` + cpv + `</cbc:ItemClassificationCode></cac:CommodityClassification>
  <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>` + vat + `</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>
  ` + c + `
 </cac:Item></cac:CatalogueLine>`
}

func TestPeppolCatalogueImportAPI(t *testing.T) {
	w := newCatalogWorld(t)
	a := w.a
	path := "/api/v1/agreements/" + w.agreementID + "/price-list"
	res := a.do("GET", "/api/v1/agreements/"+w.agreementID, w.manager, nil)
	wantStatus(t, res, http.StatusOK)
	ref := res.JSON["reference"].(string)
	items := func() []any {
		t.Helper()
		res := a.do("GET", "/api/v1/agreements/"+w.agreementID+"/items?page_size=100", w.supplier1, nil)
		wantStatus(t, res, http.StatusOK)
		return res.JSON["items"].([]any)
	}
	xml := "Content-Type"

	t.Run("XML import creates items and answers the report", func(t *testing.T) {
		doc := peppolCatalogue(ref,
			peppolCatalogueLine("PX-1", "24900.00", "SEK", "25", "33190000", "SVANEN"),
			peppolCatalogueLine("PX-2", "129.5", "SEK", "12", "33190000-8", "EU_ECOLABEL"))
		res := a.do("POST", path, w.supplier1, doc, xml, "application/xml")
		wantStatus(t, res, http.StatusOK)
		if res.JSON["rows"] != 2.0 || res.JSON["created"] != 2.0 || res.JSON["updated"] != 0.0 {
			t.Fatalf("report = %s", res.Body)
		}
		got := map[string]map[string]any{}
		for _, it := range items() {
			m := it.(map[string]any)
			got[m["sku"].(string)] = m
		}
		p1, p2 := got["PX-1"], got["PX-2"]
		if p1 == nil || p2 == nil || p1["price_minor"] != 2490000.0 || p2["price_minor"] != 12950.0 || p2["vat_rate_bp"] != 1200.0 ||
			fmt.Sprint(p1["eco_labels"]) != "[svanen]" || fmt.Sprint(p2["eco_labels"]) != "[eu_ecolabel]" || p1["unit"] != "EA" {
			t.Fatalf("imported items = %v", got)
		}
	})

	t.Run("the OpenAPI example imports", func(t *testing.T) {
		b, err := os.ReadFile("openapi/catalog.json")
		testenv.Must(t, err)
		var doc struct {
			Paths map[string]struct {
				Post struct {
					RequestBody struct {
						Content map[string]struct {
							Example string `json:"example"`
						} `json:"content"`
					} `json:"requestBody"`
				} `json:"post"`
			} `json:"paths"`
		}
		testenv.Must(t, json.Unmarshal(b, &doc))
		ex := doc.Paths["/api/v1/agreements/{id}/price-list"].Post.RequestBody.Content["application/xml"].Example
		if !strings.Contains(ex, "RA-2025-17") {
			t.Fatalf("example = %q", ex)
		}
		res := a.do("POST", path, w.supplier1, strings.ReplaceAll(ex, "RA-2025-17", ref), xml, "application/xml")
		wantStatus(t, res, http.StatusOK)
		if res.JSON["created"] != 1.0 {
			t.Fatalf("report = %s", res.Body)
		}
	})

	t.Run("text/xml with a charset, price rules as for CSV", func(t *testing.T) {
		// +10 % is beyond the agreement's 3 %: pending; a decrease applies.
		doc := peppolCatalogue(ref,
			peppolCatalogueLine("PX-1", "27390", "SEK", "25", "33190000", "SVANEN"),
			peppolCatalogueLine("PX-2", "100", "SEK", "12", "33190000-8", "EU_ECOLABEL"))
		res := a.do("POST", path, w.supplier1, doc, xml, "text/xml; charset=utf-8")
		wantStatus(t, res, http.StatusOK)
		if res.JSON["updated"] != 2.0 || res.JSON["prices_applied"] != 1.0 || res.JSON["prices_pending"] != 1.0 {
			t.Fatalf("report = %s", res.Body)
		}
	})

	t.Run("a bad document changes nothing and answers every error by line and field", func(t *testing.T) {
		before := fmt.Sprint(items())
		doc := peppolCatalogue("RA-NOT-THIS-ONE",
			peppolCatalogueLine("PX-3", "10.00", "SEK", "25", "33190000", ""),
			peppolCatalogueLine("PX-4", "10.001", "EUR", "25", "bad", "Svanen!"),
			peppolCatalogueLine("PX-1", "1", "SEK", "25.5.5", "33190000", ""))
		res := a.do("POST", path, w.supplier1, doc, xml, "application/xml")
		wantProblem(t, res, http.StatusUnprocessableEntity, "invalid_price_list")
		var got []string
		for _, e := range res.JSON["errors"].([]any) {
			m := e.(map[string]any)
			line, _ := m["line"].(float64)
			got = append(got, fmt.Sprintf("%d:%s", int(line), m["field"]))
		}
		want := []string{"0:referenced_contract", "2:price_minor", "2:cpv_code", "2:eco_labels", "3:vat_rate_bp"}
		if !slices.Equal(got, want) {
			t.Fatalf("errors = %v, want %v (%s)", got, want, res.Body)
		}
		if after := fmt.Sprint(items()); after != before {
			t.Fatalf("items changed:\n%s\n%s", before, after)
		}
	})

	t.Run("malformed and hostile XML answer 422, never 500", func(t *testing.T) {
		for name, doc := range map[string]string{
			"malformed":       `<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"><a></b>`,
			"empty":           "",
			"not a catalogue": `<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>`,
			"entity bomb": `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>` +
				`<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2">&b;</Catalogue>`,
			"deep": `<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2">` + strings.Repeat("<x>", 10000) +
				strings.Repeat("</x>", 10000) + `</Catalogue>`,
		} {
			t.Run(name, func(t *testing.T) {
				res := a.do("POST", path, w.supplier1, doc, xml, "application/xml")
				wantProblem(t, res, http.StatusUnprocessableEntity, "invalid_price_list")
			})
		}
	})

	t.Run("wrong content type answers 415", func(t *testing.T) {
		doc := peppolCatalogue(ref, peppolCatalogueLine("PX-9", "1", "SEK", "25", "33190000", ""))
		for _, ct := range []string{"text/plain", "application/json", "application/xml-dtd", "application/xml;;bad"} {
			wantProblem(t, a.do("POST", path, w.supplier1, doc, xml, ct), http.StatusUnsupportedMediaType, "unsupported_media_type")
		}
		wantProblem(t, a.do("POST", path, w.supplier1, doc), http.StatusUnsupportedMediaType, "unsupported_media_type")
	})

	t.Run("another supplier or outside scope answers 404, a buyer 403", func(t *testing.T) {
		before := fmt.Sprint(items())
		doc := peppolCatalogue(ref, peppolCatalogueLine("PX-9", "1", "SEK", "25", "33190000", ""))
		stranger := a.org(auth.KindSupplier)
		_, tok := a.user(stranger, auth.RoleSupplier)
		wantProblem(t, a.do("POST", path, tok, doc, xml, "application/xml"), http.StatusNotFound, "")
		wantProblem(t, a.do("POST", "/api/v1/agreements/00000000-0000-0000-0000-000000000001/price-list", w.supplier1, doc,
			xml, "application/xml"), http.StatusNotFound, "")
		wantProblem(t, a.do("POST", "/api/v1/agreements/not-a-uuid/price-list", w.supplier1, doc, xml, "application/xml"),
			http.StatusNotFound, "")
		wantProblem(t, a.do("POST", path, w.orderer, doc, xml, "application/xml"), http.StatusForbidden, "")
		// Another awarded supplier imports its own items: supplier 1's stay as they are.
		res := a.do("POST", path, w.supplier2, doc, xml, "application/xml")
		wantStatus(t, res, http.StatusOK)
		if res.JSON["created"] != 1.0 {
			t.Fatalf("supplier 2 report = %s", res.Body)
		}
		if after := fmt.Sprint(items()); after != before {
			t.Fatalf("supplier 1's items changed:\n%s\n%s", before, after)
		}
	})
}
