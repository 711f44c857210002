package frontend_test

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/avrop/avrop/internal/testenv"
)

// shopRun is one run of the care staff's shop: a window width and a language.
type shopRun struct {
	width, height int
	lang, accept  string
	// synonym is the care staff's word for incontinence products in the run's language
	synonym string
	// texts the run waits for, in its language
	updated, removed, placed, pending, approved, rejectReason, rejected string
	queueHeading                                                        string
}

var shopRuns = []shopRun{
	{360, 780, "sv", "sv-SE,sv", "blöjor", "Varukorgen är uppdaterad.", "togs bort ur varukorgen", "Beställningen är skickad.", "Väntar på attest",
		"Beställningen är attesterad.", "Skriv varför beställningen avslås", "Beställningen är avslagen.", "Beställningar att attestera"},
	{1366, 900, "sv", "sv-SE,sv", "blöjor", "Varukorgen är uppdaterad.", "togs bort ur varukorgen", "Beställningen är skickad.", "Väntar på attest",
		"Beställningen är attesterad.", "Skriv varför beställningen avslås", "Beställningen är avslagen.", "Beställningar att attestera"},
	{360, 780, "nb", "nb-NO,nb,no", "bleier", "Handlekurven er oppdatert.", "ble fjernet fra handlekurven", "Bestillingen er sendt.", "Venter på attestasjon",
		"Bestillingen er attestert.", "Skriv hvorfor bestillingen avslås", "Bestillingen er avslått.", "Bestillinger til attestasjon"},
	{1366, 900, "nb", "nb-NO,nb,no", "bleier", "Handlekurven er oppdatert.", "ble fjernet fra handlekurven", "Bestillingen er sendt.", "Venter på attestasjon",
		"Bestillingen er attestert.", "Skriv hvorfor bestillingen avslås", "Bestillingen er avslått.", "Bestillinger til attestasjon"},
}

// TestShopOnPhoneAndDesktop is the orderer's whole journey and the approver's queue at 360 px
// (a phone) and 1366 px, in Swedish and in Norwegian chosen by the browser's Accept-Language:
// search, add (the confirmation beside the button, the header count at once), Enter in a
// quantity, a typed quantity taken by checkout, remove and undo, checkout, the order page;
// then the approver sees the lines, the orderer and why, rejects only with a reason, and
// approves. Every page is checked by axe and for horizontal overflow, and photographed.
func TestShopOnPhoneAndDesktop(t *testing.T) {
	s := newStack(t)
	for _, run := range shopRuns {
		t.Run(fmt.Sprintf("%s-%d", run.lang, run.width), func(t *testing.T) {
			w := newWorld(t, s)
			b := newBrowserIn(t, s, fmt.Sprintf("shop-%s-%d", run.lang, run.width), run.accept)
			b.do(chromedp.EmulateViewport(int64(run.width), int64(run.height)))
			b.visit("/login")
			b.waitFor(`document.documentElement.lang === ` + jsString(run.lang))
			b.login(w.orderer)
			b.check("catalogue")
			if run.width < 600 && eval[bool](b, `document.querySelector("details.filters").open`) {
				t.Error("the filters are open on a phone: search must come first")
			}
			// The care staff's own word finds the incontinence product (synonyms), with its
			// picture beside it: a real thumbnail, decoded by the browser.
			b.do(chromedp.Click(chromedp.CSS("#q")), chromedp.SendKeys(chromedp.CSS("#q"), run.synonym))
			b.waitFor(`document.querySelector("#results").innerText.includes("Inkontinensskydd Maxi") && !document.querySelector("#results").innerText.includes("Kompresser")`)
			b.waitFor(`!document.querySelector(".htmx-request")`)
			b.waitFor(`(() => { const i = document.querySelector("#results .thumb img"); return !!i && i.complete && i.naturalWidth === 96 })()`)
			b.check("search " + run.synonym)
			// Compact lists more products per screen; the choice is remembered.
			b.click(`.view-toggle a[href*="view=compact"]`)
			b.waitFor(`!!document.querySelector(".results-list.compact")`)
			b.check("search compact")
			b.visit("/catalog?q=" + url.QueryEscape(run.synonym))
			b.waitFor(`!!document.querySelector(".results-list.compact")`)
			b.click(`.view-toggle a[href*="view=detailed"]`)
			b.waitFor(`!!document.querySelector(".results-list:not(.compact)")`)
			// The item page: its picture at 480 px, and the add form.
			b.visit("/catalog/items/" + w.diaper.ID)
			b.waitFor(`(() => { const i = document.querySelector(".item-picture img"); return !!i && i.complete && i.naturalWidth >= 480 })()`)
			b.check("item page")

			b.visit("/catalog")
			b.do(chromedp.Click(chromedp.CSS("#q")), chromedp.SendKeys(chromedp.CSS("#q"), "handskr"))
			b.waitFor(`location.search.includes("q=handskr") && !document.querySelector("#results").innerText.includes("Kompresser")`)
			b.waitFor(`!document.querySelector(".htmx-request")`)
			b.check("search")

			for i, id := range []string{w.gloveM.ID, w.gloveL.ID, w.gloveVinyl.ID} {
				b.fill("#qty-"+id, "2")
				b.click(`button[aria-describedby="item-` + id + `"]`)
				b.waitFor(`document.querySelector("#added-` + id + `").innerText.length > 0`)
				b.waitFor(`document.querySelector("#nav-cart").innerText.includes("(` + fmt.Sprint(i+1) + `)")`)
			}
			b.check("added")

			// Enter in a quantity updates that line (and removes nothing).
			b.visit("/cart")
			b.waitFor(`(() => { const i = document.querySelector(".cart-thumb"); return !!i && i.complete && i.naturalWidth === 96 })()`)
			b.check("cart")
			b.do(chromedp.SetValue(chromedp.CSS("#qty_"+w.gloveM.ID), ""), chromedp.Focus(chromedp.CSS("#qty_"+w.gloveM.ID)))
			b.do(chromedp.SendKeys(chromedp.CSS("#qty_"+w.gloveM.ID), "5"+kb.Enter))
			b.wantText(run.updated)
			if v := eval[string](b, `document.querySelector("#qty_`+w.gloveM.ID+`").value`); v != "5" {
				t.Errorf("quantity after Enter = %q, want 5", v)
			}
			if n := eval[int](b, `document.querySelectorAll(".cart-line").length`); n != 3 {
				t.Errorf("%d cart lines after Enter, want 3", n)
			}
			// Remove, then undo.
			b.submit(`button[name=remove][value="`+w.gloveVinyl.ID+`"]`, `^/cart\?removed=`)
			b.wantText(run.removed)
			b.check("removed with undo")
			b.submit(`form[action="/cart/restore"] button`, `^/cart\?msg=cart_restored`)
			b.waitFor(`!!document.querySelector("#qty_` + w.gloveVinyl.ID + `")`)
			// A quantity typed but not applied goes to checkout as typed.
			b.fill("#qty_"+w.gloveL.ID, "4")
			b.submit(`button[name=checkout][value^="`+w.agreement.ID+`/"]`, `^/checkout`)
			b.wantText("4 ")
			if got := b.bodyText(); !strings.Contains(got, "Nitrilhandskar puderfria, storlek L") || !strings.Contains(got, "4 ") {
				t.Errorf("checkout lacks the typed quantity 4: %.1500s", got)
			}
			b.check("checkout")
			b.fill("#delivery_address", "Hemtjänst Norr, Storgatan 1, 652 24 Karlstad")
			b.fill("#cost_center", "4410")
			b.fill("#requested_delivery_date", time.Now().AddDate(0, 0, 14).Format("2006-01-02"))
			b.submit(`form[action="/checkout"] button[type=submit]`, `^/orders/[0-9a-f-]{36}`)
			b.wantText(run.placed)
			b.wantText(run.pending)
			orderPath := strings.SplitN(strings.TrimPrefix(b.location(), s.URL), "?", 2)[0]
			id := strings.TrimPrefix(orderPath, "/orders/")
			b.check("order page")
			b.visit("/orders")
			b.check("my orders")
			b.submit(`form[action="/logout"] button`, `^/login`)

			// The approver's queue: lines, orderer, why; reject needs a reason.
			b.login(w.approver)
			b.wantText("Nitrilhandskar puderfria, storlek L")
			b.wantText("Anna Andersson")
			b.check("approval queue")
			b.submit(`form[action="/orders/`+id+`/approve"] button[formaction$="/reject"]`, `^/orders/`)
			b.wantText(run.rejectReason)
			b.wantText(run.queueHeading) // still in the queue, the reason asked for beside the order
			b.check("reject without reason")
			b.visit("/approvals")
			b.submit(`form[action="/orders/`+id+`/approve"] button[type=submit]:not([formaction])`, `^/approvals`)
			b.wantText(run.approved)
			b.check("approved")
		})
	}
}

// TestSupplierSpreadsheetUpload: a supplier uploads what Nordic Excel saves — semicolons,
// decimal commas, Windows-1252 — and an XLSX file, at 360 and 1366 px in Swedish and
// Norwegian; a price that jumps more than 50 % is shown for confirmation before anything is
// imported.
func TestSupplierSpreadsheetUpload(t *testing.T) {
	s := newStack(t)
	texts := map[string][2]string{ // language → jump heading, done
		"sv": {"Kontrollera stora prisändringar", "Prislistan är inläst"},
		"nb": {"Kontroller store prisendringer", "Prislisten er lest inn"},
	}
	for _, run := range shopRuns {
		t.Run(fmt.Sprintf("%s-%d", run.lang, run.width), func(t *testing.T) {
			w := newWorld(t, s)
			dir := t.TempDir()
			semicolon, err := charmap.Windows1252.NewEncoder().String("sku;name;description;unit;pack_size;cpv_code;gtin;eco_labels;vat_rate;price;effective_from\r\n" +
				"NH-M;Nitrilhandskar puderfria, storlek M;;XBX;100;33141420;;svanen;25;200,00;\r\n" +
				"ENG-1;Engångsförkläde, blå;Plast;XPK;100;33141420;;;25;49,00;\r\n")
			testenv.Must(t, err)
			csvFile := filepath.Join(dir, "prislista.csv")
			testenv.Must(t, os.WriteFile(csvFile, []byte(semicolon), 0o644))
			xlsxFile := filepath.Join(dir, "prislista.xlsx")
			testenv.Must(t, os.WriteFile(xlsxFile, spreadsheet(t), 0o644))

			b := newBrowserIn(t, s, fmt.Sprintf("upload-%s-%d", run.lang, run.width), run.accept)
			b.do(chromedp.EmulateViewport(int64(run.width), int64(run.height)))
			b.login(w.seller)
			b.visit("/supplier/import")
			b.check("upload form")

			b.do(chromedp.SetValue(chromedp.CSS("#agreement"), w.agreement.ID), chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{csvFile}))
			b.click(`form[action="/supplier/import"] button[type=submit]`)
			b.wantText(texts[run.lang][0])
			if n := eval[int](b, `document.querySelectorAll("#report tr.price-jump").length`); n != 1 {
				t.Errorf("%d price jumps shown, want 1 (NH-M 89,50 → 200,00)", n)
			}
			b.check("price jump")
			b.click(`#report form button[type=submit]`)
			b.wantText(texts[run.lang][1])
			b.check("semicolon file imported")

			b.visit("/supplier/import")
			b.do(chromedp.SetValue(chromedp.CSS("#agreement"), w.agreement.ID), chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{xlsxFile}))
			b.click(`form[action="/supplier/import"] button[type=submit]`)
			b.wantText(texts[run.lang][1])
			b.check("xlsx imported")
			b.visit("/supplier/catalog?agreement=" + w.agreement.ID)
			b.wantText("Engångsförkläde, blå")
			b.wantText("Plåster 19 mm")
			b.check("supplier catalogue after upload")
		})
	}
}

// spreadsheet is an XLSX price list with numbers as numbers.
func spreadsheet(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range [][]any{
		{"sku", "name", "description", "unit", "pack_size", "cpv_code", "gtin", "eco_labels", "vat_rate", "price", "effective_from"},
		{"PL-19", "Plåster 19 mm", "Textil", "XBX", 100, "33141110", "", "", 25, 32.5, ""},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		testenv.Must(t, f.SetSheetRow("Sheet1", cell, &r))
	}
	var buf bytes.Buffer
	testenv.Must(t, f.Write(&buf))
	return buf.Bytes()
}
