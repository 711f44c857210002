package frontend_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/testenv"
)

// TestManagerAgreementEditor: a manager extends an agreement past four years (refused without
// a reason, saved with one), gives a participant a ceiling, reads the history, and creates a
// new agreement; every page passes axe at 1366 and 360 px.
// checkAt runs the page's checks at a width, and at 360 px also that nothing is hidden sideways.
func (b *browser) checkAt(width int64, name string) {
	b.t.Helper()
	b.do(chromedp.EmulateViewport(width, 900))
	// Nothing may be hidden sideways: main's content fits the screen (tables scroll in their
	// own box).
	if w := eval[float64](b, `Math.max(...[...document.querySelectorAll("main > *, main .card, main section")].map(e => e.getBoundingClientRect().right)) - document.documentElement.clientWidth`); w > 0 {
		b.t.Errorf("%s at %d px: content reaches %v px past the screen", name, width, w)
	}
	b.check(name)
}

func TestManagerAgreementEditor(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	b := newBrowser(t, s, "agreement-editor")
	for _, width := range []int64{1366, 360} {
		b.do(chromedp.EmulateViewport(width, 900))
		b.login(w.manager)
		b.visit("/manager/agreements/" + w.agreement.ID)
		b.wantText("Ändra villkor")
		b.checkAt(width, "agreement editor")
		b.visit("/manager/agreements/new")
		b.checkAt(width, "new agreement form")
		b.logout()
	}
	b.do(chromedp.EmulateViewport(1366, 900))
	b.login(w.manager)
	b.visit("/manager/agreements/" + w.agreement.ID)
	from := w.agreement.ValidFrom
	d, _ := time.Parse("2006-01-02", from)
	tooLong := d.AddDate(6, 0, 0).Format("2006-01-02")
	b.fill("#valid_to", tooLong)
	eval[any](b, `document.querySelector("#duration_justification").value = ""`)
	b.click(`form[action$="/terms"] button[type=submit]`)
	b.wantText("Ett ramavtal får löpa högst fyra år")
	b.check("four-year rule refused")
	b.fill("#valid_to", tooLong)
	b.fill("#duration_justification", "Automaterna skrivs av på sex år")
	b.fill("#note", "Beslut KS 2026/114")
	b.submit(`form[action$="/terms"] button[type=submit]`, `msg=agreement_saved`)
	b.wantText("Avtalet är sparat")
	b.wantText("Beslut KS 2026/114")
	b.fill("#p-ceiling", "250 000")
	b.click(`form[action$="/participants"] button[type=submit]`)
	b.wantText("Deltagare") // its history event
	b.wantText("250\u00a0000,00\u00a0kr")
	b.check("agreement saved with history")

	b.visit("/manager/agreements/new")
	b.wantText("Nytt ramavtal")
	b.check("new agreement")
	b.fill("#reference", "RA-UI-"+testenv.Unique())
	b.fill("#title", "Hjälpmedel för hemtjänsten")
	b.fill("#cpv_code", "33190000")
	b.fill("#valid_from", "2026-01-01")
	b.fill("#valid_to", "2029-12-31")
	b.do(chromedp.SetValue(`#supplier_1`, w.supplier.ID))
	b.click(`input[name=participants][value="` + w.buyer.ID + `"]`)
	b.submit(`form[action="/manager/agreements"] button[type=submit]`, `msg=agreement_created`)
	b.wantText("Hjälpmedel för hemtjänsten")
	b.wantText("Avtalet skapades")
	b.checkAt(360, "new agreement created")
}

// TestSubmissionDecision: a supplier's new item waits for the manager, who sees it before and
// after, accepts it, and the buyer then finds it; a rejection's reason reaches the supplier.
func TestSubmissionDecision(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	ctx := context.Background()
	on := true
	_, err := s.Catalog.UpdateAgreement(ctx, callerOf(w.manager, auth.KindProcurementBody), w.agreement.ID, catalog.AgreementPatch{CatalogueApproval: &on})
	testenv.Must(t, err)
	vat, price := 2500, int64(129_00)
	it, err := s.Catalog.AddItem(ctx, callerOf(w.seller, auth.KindSupplier), w.agreement.ID, catalog.ItemInput{SKU: "SK-1",
		Name: "Skyddsförkläde blått", Unit: "EA", CPVCode: "33141420", VATRateBP: &vat, PriceMinor: &price})
	testenv.Must(t, err)
	big := 10.0
	_, err = s.Catalog.UpdateItem(ctx, callerOf(w.seller, auth.KindSupplier), w.gloveM.ID, catalog.ItemPatch{PackSize: &big})
	testenv.Must(t, err)

	b := newBrowser(t, s, "submission")
	b.login(w.orderer)
	b.visit("/catalog?q=skyddsförkläde")
	if strings.Contains(b.bodyText(), "Skyddsförkläde blått") {
		t.Fatal("a buyer finds a proposed item")
	}
	b.logout()

	b.login(w.manager)
	for _, width := range []int64{360, 1366} {
		b.do(chromedp.EmulateViewport(width, 900))
		b.visit("/manager/submissions")
		b.wantText("Kataloginlämningar")
		b.checkAt(width, "submissions")
		b.visit("/manager/submissions/" + it.SubmissionID)
		b.wantText("Skyddsförkläde blått")
		b.wantText("Före")
		b.checkAt(width, "submission before/after")
	}
	b.submit(`form#decide button[type=submit]:not([formaction])`, `msg=submission_accepted`)
	b.wantText("Ändringarna är godkända.")
	b.visit("/manager/submissions?status=pending")
	b.click(`table a`)
	b.wantText("Förpackningsstorlek")
	b.click(`form#decide button[formaction]`)
	b.wantText("Måste fyllas i.")
	b.check("reject without a reason")
	b.fill("#note", "Förpackningen ingår inte i upphandlingen")
	b.submit(`form#decide button[formaction]`, `msg=submission_rejected`)
	b.logout()

	b.login(w.seller)
	b.visit("/supplier/submissions?status=rejected")
	b.click(`table a`)
	b.wantText("Förpackningen ingår inte i upphandlingen")
	b.check("supplier sees the reason")
	b.logout()

	b.login(w.orderer)
	b.visit("/catalog?q=skyddsförkläde")
	b.wantText("Skyddsförkläde blått")
}
