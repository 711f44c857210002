package catalog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
)

var referencedContractRe = regexp.MustCompile(`(<cac:ReferencedContract>\s*<cbc:ID>)[^<]*(</cbc:ID>)`)

// peppolUseCase is OpenPEPPOL's catalogue use case n (poacc-upgrade-3 examples
// catalogue-wo-response-use-case-n.xml, copied to testdata as published), adjusted to agreement
// a: its contract reference and currency become a's. Use case 5 is built for no particular
// country: its 18 % VAT, a rate of none of SE, NO and DK, becomes the standard 25 %, and its
// two GTINs, whose check digits are wrong in the official file, are corrected (…0114 → …0111,
// …0124 → …0128) as for the Catalogue example.
func peppolUseCase(t testing.TB, n int, a Agreement) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("testdata/peppol_catalogue_use_case_%d.xml", n))
	testenv.Must(t, err)
	s := referencedContractRe.ReplaceAllString(string(b), "${1}"+a.Reference+"${2}")
	for _, cur := range []string{"NOK", "EUR", "SEK"} {
		s = strings.ReplaceAll(s, `currencyID="`+cur+`"`, `currencyID="`+a.Currency+`"`)
	}
	s = strings.ReplaceAll(s, "<cbc:Percent>18</cbc:Percent>", "<cbc:Percent>25</cbc:Percent>")
	s = strings.ReplaceAll(s, "1234567890114", "1234567890111")
	return strings.ReplaceAll(s, "1234567890124", "1234567890128")
}

// TestImportPeppolUseCases imports the five official catalogue use cases in turn, as a
// supplier sends them, on an agreement with catalogue approval: 1 adds a catalogue, 2 updates
// it with a Delete line, 3 replaces it (decimal pack 5.2 m², start dates long passed), 4 is a
// Delete catalogue naming its line only by GTIN, 5 carries every element (lines without a VAT
// category for items the supplier already has). Every document imports, the managers decide
// what approval holds back, and the catalogue ends as the documents say: 3's Replace lists
// 2451037 again, which 2 deleted, so it is on sale again.
func TestImportPeppolUseCases(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, err := f.s.CreateAgreement(ctx, f.manager, AgreementInput{
		Reference: "3299-RA-" + testenv.Unique(), Title: "Kontorsmateriell", CPVCode: "30190000",
		Currency: "NOK", ValidFrom: "2025-01-01", ValidTo: "2028-12-31", CeilingMinor: ptr(int64(5_000_000_00)),
		CallOffMethod: MethodRanking, MaxPriceIncreaseBP: 300, LeadTimeDays: 5, CatalogueApproval: ptr(true),
		Participants: []ParticipantInput{{OrgID: f.buyer.ID}}, Suppliers: []SupplierInput{{OrgID: f.sup1.ID, Rank: 1}},
	})
	testenv.Must(t, err)
	imp := func(n int) ImportReport {
		t.Helper()
		rep, err := f.s.ImportPeppolCatalogue(ctx, f.supplier1, a.ID, strings.NewReader(peppolUseCase(t, n, a)))
		var de *derr.Error
		if errors.As(err, &de) {
			t.Fatalf("use case %d: %v %+v", n, err, de.Fields)
		}
		testenv.Must(t, err)
		return rep
	}
	accept := func(rep ImportReport) {
		t.Helper()
		if rep.SubmissionID == "" {
			t.Fatalf("nothing awaits approval: %+v", rep)
		}
		_, err := f.s.DecideSubmission(ctx, f.manager, rep.SubmissionID, true, SubmissionDecision{Note: "ok"})
		testenv.Must(t, err)
	}
	items := func() map[string]Item {
		t.Helper()
		list, _, err := f.s.ListAgreementItems(ctx, f.supplier1, a.ID, "", auth.Page{PageSize: 100})
		testenv.Must(t, err)
		m := map[string]Item{}
		for _, it := range list {
			m[it.SKU] = it
		}
		return m
	}

	type counts struct{ Rows, Created, Updated, Unchanged, PricesApplied, PricesPending, Pending, Withdrawn, Reactivated int }
	countsOf := func(r ImportReport) counts {
		return counts{r.Rows, r.Created, r.Updated, r.Unchanged, r.PricesApplied, r.PricesPending, r.Pending, r.Withdrawn, r.Reactivated}
	}
	want := map[int]counts{
		1: {Rows: 7, Created: 7, Pending: 14},                                                             // seven new items and their first prices await the managers
		2: {Rows: 2, Created: 1, Updated: 1, Pending: 3},                                                  // a new item; a Delete line's accepted item waits
		3: {Rows: 12, Created: 4, Updated: 2, Unchanged: 6, PricesApplied: 1, Pending: 9, Reactivated: 1}, // start dates of 2019: today; 2451037, deleted by 2, is back
		4: {Pending: 1},                                                                                   // a Delete catalogue: its line's item (named by GTIN) waits
		5: {Rows: 4, Created: 2, Updated: 2, Pending: 6},
	}
	for n := 1; n <= 5; n++ {
		if n == 5 { // the supplier already sells the soda and its deposit: their lines carry no VAT category
			for _, sku := range []string{"4321", "1234"} {
				_, err := f.s.AddItem(ctx, f.supplier1, a.ID, ItemInput{SKU: sku, Name: "Brus " + sku, Unit: "EA", CPVCode: "30190000",
					VATRateBP: ptr(1200), PriceMinor: ptr(int64(100))})
				testenv.Must(t, err)
			}
		}
		rep := imp(n)
		if got := countsOf(rep); got != want[n] {
			t.Errorf("use case %d: report %+v, want %+v", n, got, want[n])
		}
		if n < 5 {
			accept(rep)
		}
	}
	got := items()
	if len(got) != 16 {
		t.Errorf("%d items, want 16", len(got))
	}
	for sku, active := range map[string]bool{"2451037": true, "2451015": false, "2451027": true, "D345gold": true, "MNTR011": true} {
		if it, ok := got[sku]; !ok || it.Active != active {
			t.Errorf("item %s: active %v (present %v), want %v", sku, it.Active, ok, active)
		}
	}
	if it := got["D345gold"]; it.PackSize != 5.2 || it.Unit != "MTK" {
		t.Errorf("wall paper: pack %v %s, want 5.2 MTK", it.PackSize, it.Unit)
	}
	for _, sku := range []string{"4321", "1234"} {
		if it := got[sku]; it.VATRateBP != 1200 {
			t.Errorf("%s without a VAT category: rate %d, want the item's 1200", sku, it.VATRateBP)
		}
	}
}

// TestImportPeppolReplaceDeleteAndVAT: on an agreement without catalogue approval a Replace
// catalogue withdraws at once the supplier's items it does not hold (never another
// supplier's), a Delete line withdraws its item, a line without a VAT category keeps the
// item's rate, and a new item without one refuses the whole document with nothing changed.
// With approval, a withdrawal the managers reject leaves the item on sale.
func TestImportPeppolReplaceDeleteAndVAT(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.agreement
	for _, sku := range []string{"R-1", "R-2", "R-3"} {
		f.item(f.supplier1, sku, "Handske "+sku)
	}
	other := f.item(f.supplier2, "R-1", "Annan leverantörs handske")
	doc := strings.Replace(peppolDoc(a,
		strings.Replace(peppolLine("R-1", map[string]string{"price": "100.00", "unit": "EA", "pack": "1", "start": "2020-01-01"}), "<cbc:Percent>25</cbc:Percent>", "", 1),
		peppolLine("R-4", map[string]string{"vat": "12"})),
		"<cbc:ID>1</cbc:ID>", "<cbc:ID>1</cbc:ID><cbc:ActionCode>Replace</cbc:ActionCode>", 1)
	rep, err := f.s.ImportPeppolCatalogue(ctx, f.supplier1, a.ID, strings.NewReader(doc))
	testenv.Must(t, err)
	// R-1's texts change, its price (the same, from a start date long passed) does not.
	if rep.Created != 1 || rep.Withdrawn != 2 || rep.Updated != 1 || rep.PricesApplied+rep.PricesPending != 0 || rep.Pending != 0 {
		t.Fatalf("report %+v, want R-4 created, R-2 and R-3 withdrawn, R-1 updated without a price change", rep)
	}
	active := func(c auth.Caller, sku string) bool {
		t.Helper()
		list, _, err := f.s.ListAgreementItems(ctx, c, a.ID, sku, auth.Page{PageSize: 10})
		testenv.Must(t, err)
		for _, it := range list {
			if it.SKU == sku {
				return it.Active
			}
		}
		t.Fatalf("no item %s", sku)
		return false
	}
	for sku, want := range map[string]bool{"R-1": true, "R-2": false, "R-3": false, "R-4": true} {
		if got := active(f.supplier1, sku); got != want {
			t.Errorf("%s active = %v, want %v", sku, got, want)
		}
	}
	if it, err := f.s.GetItem(ctx, f.supplier2, other.ID); err != nil || !it.Active {
		t.Errorf("another supplier's item with the same sku: %v %v", it.Active, err)
	}
	var r1 string
	testenv.Must(t, f.s.db.Get(&r1, `SELECT id FROM items WHERE agreement_id = $1 AND supplier_id = $2 AND sku = 'R-1'`, a.ID, f.sup1.ID))
	it, err := f.s.GetItem(ctx, f.supplier1, r1)
	testenv.Must(t, err)
	if it.VATRateBP != 2500 {
		t.Errorf("R-1 without a VAT category: rate %d, want its 2500", it.VATRateBP)
	}

	// A Delete line withdraws; a new item without a VAT category refuses everything.
	doc = peppolDoc(a, peppolLine("R-4", map[string]string{"action": "Delete"}),
		strings.Replace(peppolLine("R-9", nil), "<cbc:Percent>25</cbc:Percent>", "", 1))
	_, err = f.s.ImportPeppolCatalogue(ctx, f.supplier1, a.ID, strings.NewReader(doc))
	wantKind(t, err, derr.Invalid, "invalid_price_list")
	var de *derr.Error
	if !errors.As(err, &de) || len(de.Fields) != 1 || de.Fields[0].Line != 2 || de.Fields[0].Field != "vat_rate_bp" {
		t.Fatalf("a new item without VAT: %+v", err)
	}
	if !active(f.supplier1, "R-4") {
		t.Fatal("a refused document withdrew R-4")
	}
	rep, err = f.s.ImportPeppolCatalogue(ctx, f.supplier1, a.ID, strings.NewReader(peppolDoc(a, peppolLine("R-4", map[string]string{"action": "Delete"}))))
	testenv.Must(t, err)
	if rep.Withdrawn != 1 || active(f.supplier1, "R-4") {
		t.Fatalf("Delete line: %+v", rep)
	}
	// A later catalogue listing R-4 again puts it back on sale; R-2 (withdrawn by Replace,
	// not listed) stays withdrawn.
	rep, err = f.s.ImportPeppolCatalogue(ctx, f.supplier1, a.ID, strings.NewReader(peppolDoc(a, peppolLine("R-4", map[string]string{"vat": "12"}))))
	testenv.Must(t, err)
	if rep.Reactivated != 1 || rep.Updated != 1 || !active(f.supplier1, "R-4") || active(f.supplier1, "R-2") {
		t.Fatalf("R-4 listed again: %+v", rep)
	}
	if list, _, err := f.s.ListAgreementItems(ctx, f.orderer, a.ID, "R-4", auth.Page{PageSize: 10}); err != nil || len(list) != 1 {
		t.Fatalf("an orderer does not see R-4 listed again: %+v %v", list, err)
	}
	// Listing it once more changes nothing.
	rep, err = f.s.ImportPeppolCatalogue(ctx, f.supplier1, a.ID, strings.NewReader(peppolDoc(a, peppolLine("R-4", map[string]string{"vat": "12"}))))
	testenv.Must(t, err)
	if rep.Reactivated != 0 || rep.Unchanged != 1 {
		t.Fatalf("R-4 listed a third time: %+v", rep)
	}

	// Under catalogue approval a rejected withdrawal leaves the item on sale.
	_, err = f.s.UpdateAgreement(ctx, f.manager, a.ID, AgreementPatch{CatalogueApproval: ptr(true)})
	testenv.Must(t, err)
	rep, err = f.s.ImportPeppolCatalogue(ctx, f.supplier1, a.ID, strings.NewReader(peppolDoc(a, peppolLine("R-1", map[string]string{"action": "Delete"}))))
	testenv.Must(t, err)
	if rep.Withdrawn != 0 || rep.Pending != 1 || !active(f.supplier1, "R-1") {
		t.Fatalf("withdrawal under approval: %+v", rep)
	}
	sub, err := f.s.DecideSubmission(ctx, f.manager, rep.SubmissionID, false, SubmissionDecision{Reason: "Behövs i avtalet"})
	testenv.Must(t, err)
	if sub.Items[0].Kind != ChangeWithdrawal || !active(f.supplier1, "R-1") {
		t.Fatalf("rejected withdrawal: %+v", sub.Items)
	}
}
