package frontend_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/testenv"
)

// TestPriceListUploadErrors: a CSV with bad rows is refused with every error by line, and
// nothing changes.
func TestPriceListUploadErrors(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	b := newBrowser(t, s, "import")
	csv := "sku,name,description,unit,pack_size,cpv_code,gtin,eco_labels,vat_rate_bp,price_minor,effective_from\n" +
		"NH-M,Nitrilhandskar puderfria storlek M,,XBX,100,33141420,,svanen,2500,8950,\n" +
		"NEW-1,,Namn saknas,XBX,100,33141420,,,2500,1000,\n" +
		"NEW-2,Förband,,XBX,0,33141420,,,2500,-5,\n" +
		"NEW-3,Plåster,,XBX,10,abc,,,2500,1000,2001-01-01\n"
	file := filepath.Join(t.TempDir(), "prislista.csv")
	testenv.Must(t, os.WriteFile(file, []byte(csv), 0o644))
	b.login(w.seller)
	b.visit("/supplier/import")
	b.check("upload form")
	b.do(chromedp.SetValue(chromedp.CSS("#agreement"), w.agreement.ID), chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}))
	b.click(`form[action="/supplier/import"] button[type=submit]`)
	b.waitFor(`document.querySelectorAll("#report tr.import-error").length > 0`)
	lines := eval[[]string](b, `[...document.querySelectorAll("#report tr.import-error td:first-child")].map(td => td.innerText)`)
	seen := map[string]bool{}
	for _, l := range lines {
		seen[l] = true
	}
	for _, want := range []string{"3", "4", "5"} {
		if !seen[want] {
			t.Errorf("error report lacks line %s: lines %v; page %.2000s", want, lines, b.bodyText())
		}
	}
	if seen["2"] {
		t.Errorf("the valid line 2 is reported as an error: %v", lines)
	}
	if v := eval[float64](b, `document.querySelector("#upload-progress").value`); v != 100 {
		t.Errorf("upload progress = %v, want 100", v)
	}
	b.wantText("Ingenting har ändrats")
	b.check("upload errors")
	// Nothing changed: no item NEW-1.
	items, _, err := s.Catalog.ListAgreementItems(context.Background(), callerOf(w.seller, auth.KindSupplier), w.agreement.ID, "", auth.Page{PageSize: 100})
	testenv.Must(t, err)
	for _, it := range items {
		if strings.HasPrefix(it.SKU, "NEW-") {
			t.Errorf("invalid file created item %s", it.SKU)
		}
	}

	// A valid file gives its report.
	good := "sku,name,description,unit,pack_size,cpv_code,gtin,eco_labels,vat_rate_bp,price_minor,effective_from\n" +
		"NEW-1,Engångsförkläde,Plast,XPK,100,33141420,,,2500,4900,\n"
	testenv.Must(t, os.WriteFile(file, []byte(good), 0o644))
	b.visit("/supplier/import")
	b.do(chromedp.SetValue(chromedp.CSS("#agreement"), w.agreement.ID), chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}))
	b.click(`form[action="/supplier/import"] button[type=submit]`)
	b.wantText("Prislistan är inläst")
	b.check("upload done")

	// The supplier takes NEW-1 off sale; the same list sent again puts it back, and says so.
	seller := callerOf(w.seller, auth.KindSupplier)
	items, _, err = s.Catalog.ListAgreementItems(context.Background(), seller, w.agreement.ID, "NEW-1", auth.Page{PageSize: 10})
	testenv.Must(t, err)
	if len(items) != 1 {
		t.Fatalf("NEW-1: %+v", items)
	}
	_, err = s.Catalog.UpdateItem(context.Background(), seller, items[0].ID, catalog.ItemPatch{Active: new(bool)})
	testenv.Must(t, err)
	b.visit("/supplier/import")
	b.do(chromedp.SetValue(chromedp.CSS("#agreement"), w.agreement.ID), chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}))
	b.click(`form[action="/supplier/import"] button[type=submit]`)
	b.wantText("Åter i sortimentet")
	b.check("upload reactivates")
}
