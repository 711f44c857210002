package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
)

func TestFourYearRule(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := func(from, to, why string) AgreementInput {
		return AgreementInput{Reference: "RA-" + testenv.Unique(), Title: "Avtal", CPVCode: "33190000", Currency: "SEK",
			ValidFrom: from, ValidTo: to, CallOffMethod: MethodRanking, DurationJustification: why,
			Suppliers: []SupplierInput{{OrgID: f.sup1.ID}}}
	}
	t.Run("exactly four years", func(t *testing.T) {
		_, err := f.s.CreateAgreement(ctx, f.manager, in("2023-10-01", "2027-09-30", ""))
		testenv.Must(t, err)
	})
	t.Run("a day more", func(t *testing.T) {
		_, err := f.s.CreateAgreement(ctx, f.manager, in("2023-10-01", "2027-10-01", ""))
		wantKind(t, err, derr.Invalid, CodeAgreementTooLong)
	})
	t.Run("a day more with a justification", func(t *testing.T) {
		a, err := f.s.CreateAgreement(ctx, f.manager, in("2023-10-01", "2035-10-01", "Investeringar i automater skrivs av på åtta år"))
		testenv.Must(t, err)
		if a.DurationJustification == "" || a.ResponseTimeHours != 48 || !a.CatalogueApproval {
			t.Errorf("agreement = %+v", a)
		}
	})
	t.Run("an extension past four years", func(t *testing.T) {
		a, err := f.s.CreateAgreement(ctx, f.manager, in("2025-01-01", "2026-12-31", ""))
		testenv.Must(t, err)
		_, err = f.s.UpdateAgreement(ctx, f.manager, a.ID, AgreementPatch{ValidTo: ptr("2035-12-31")})
		wantKind(t, err, derr.Invalid, CodeAgreementTooLong)
		got, err := f.s.GetAgreement(ctx, f.manager, a.ID)
		testenv.Must(t, err)
		if got.ValidTo != "2026-12-31" {
			t.Errorf("valid_to = %s after a refused extension", got.ValidTo)
		}
		_, err = f.s.UpdateAgreement(ctx, f.manager, a.ID, AgreementPatch{ValidTo: ptr("2029-06-30"),
			DurationJustification: ptr("Option om förlängning utnyttjad efter ny prövning"), Note: "förlängt"})
		testenv.Must(t, err)
	})
}

func TestUpdateKeepsTheParticipantCap(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var patch AgreementPatch
	for i := 0; i < MaxParticipants; i++ { // 2 already take part: 1,002 in all
		patch.Participants = append(patch.Participants, ParticipantPatch{OrgID: newUUID(i)})
	}
	_, err := f.s.UpdateAgreement(ctx, f.manager, f.agreement.ID, patch)
	wantKind(t, err, derr.Invalid, "validation_failed")
	if e := err.(*derr.Error); e.Fields[0].Field != "participants" {
		t.Errorf("fields = %+v, want participants first", e.Fields)
	}
}

func newUUID(i int) string {
	return strings.Replace("00000000-0000-4000-8000-000000000000", "000000000000", leftPad(i), 1)
}

func leftPad(i int) string {
	s := strings.Repeat("0", 12) + itoa(i)
	return s[len(s)-12:]
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func TestPartiesRemovedOrEnded(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.item(f.supplier2, "S2-1", "Handske nitril")
	t.Run("a party without orders is removed", func(t *testing.T) {
		testenv.Must(t, f.s.RemoveParty(ctx, f.manager, f.agreement.ID, PartySupplier, f.sup2.ID, "fel leverantör"))
		testenv.Must(t, f.s.RemoveParty(ctx, f.manager, f.agreement.ID, PartyParticipant, f.body.ID, ""))
		a, err := f.s.GetAgreement(ctx, f.manager, f.agreement.ID)
		testenv.Must(t, err)
		if len(a.Suppliers) != 1 || len(a.Participants) != 1 {
			t.Errorf("parties = %+v %+v", a.Suppliers, a.Participants)
		}
	})
	t.Run("not a party", func(t *testing.T) {
		err := f.s.RemoveParty(ctx, f.manager, f.agreement.ID, PartySupplier, f.sup2.ID, "")
		wantKind(t, err, derr.NotFound, "")
	})
	t.Run("another body's manager", func(t *testing.T) {
		err := f.s.RemoveParty(ctx, f.otherManager, f.agreement.ID, PartyParticipant, f.buyer.ID, "")
		wantKind(t, err, derr.NotFound, "")
	})
	t.Run("a party with orders is ended instead", func(t *testing.T) {
		it := f.item(f.supplier1, "S1-1", "Förkläde")
		var userID string
		testenv.Must(t, f.s.db.GetContext(ctx, &userID, `SELECT id FROM users WHERE org_id = $1`, f.buyer.ID))
		if _, err := f.s.db.ExecContext(ctx, `INSERT INTO orders (number, buyer_org_id, ordered_by, agreement_id, supplier_id,
			supplier_rank, status, currency, total_minor, vat_minor, delivery_address) VALUES ('X-1', $1, $2, $3, $4, 1,
			'delivered', 'SEK', 100, 25, 'Storgatan 1')`, f.buyer.ID, userID, f.agreement.ID, it.SupplierID); err != nil {
			t.Fatal(err)
		}
		err := f.s.RemoveParty(ctx, f.manager, f.agreement.ID, PartyParticipant, f.buyer.ID, "")
		wantKind(t, err, derr.Invalid, CodePartyHasOrders)
		err = f.s.RemoveParty(ctx, f.manager, f.agreement.ID, PartySupplier, f.sup1.ID, "")
		wantKind(t, err, derr.Invalid, CodePartyHasOrders)
		a, err := f.s.UpdateAgreement(ctx, f.manager, f.agreement.ID, AgreementPatch{
			Participants: []ParticipantPatch{{OrgID: f.buyer.ID, EndsOn: OptionalString{Set: true, Value: ptr("2026-03-31")}}}})
		testenv.Must(t, err)
		if a.Participants[0].EndsOn == nil || *a.Participants[0].EndsOn != "2026-03-31" {
			t.Errorf("participant = %+v", a.Participants[0])
		}
	})
}

func TestSupplierRanksSwap(t *testing.T) {
	f := newFixture(t)
	a, err := f.s.UpdateAgreement(context.Background(), f.manager, f.agreement.ID, AgreementPatch{
		Suppliers: []SupplierPatch{{OrgID: f.sup1.ID, Rank: ptr(2)}, {OrgID: f.sup2.ID, Rank: ptr(1)}}, Note: "omprövning"})
	testenv.Must(t, err)
	if a.Suppliers[0].OrgID != f.sup2.ID || a.Suppliers[0].Rank != 1 {
		t.Errorf("suppliers = %+v", a.Suppliers)
	}
	_, err = f.s.UpdateAgreement(context.Background(), f.manager, f.agreement.ID, AgreementPatch{
		Suppliers: []SupplierPatch{{OrgID: f.sup1.ID, Rank: ptr(1)}}})
	wantKind(t, err, derr.Invalid, "validation_failed")
}

func TestAgreementHistory(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.s.UpdateAgreement(ctx, f.manager, f.agreement.ID, AgreementPatch{CeilingMinor: OptionalInt64{Set: true, Value: ptr(int64(4_000_000_00))},
		ResponseTimeHours: ptr(24), Participants: []ParticipantPatch{{OrgID: f.outsider.ID, CeilingMinor: OptionalInt64{Set: true, Value: ptr(int64(1000))}}},
		Note: "beslut 2026-01-15"})
	testenv.Must(t, err)
	events, total, err := f.s.History(ctx, f.manager, f.agreement.ID, auth.Page{})
	testenv.Must(t, err)
	var terms []string
	for _, e := range events {
		terms = append(terms, e.Term)
	}
	if total != 4 || strings.Join(terms, ",") != "participant,response_time_hours,ceiling_minor,created" {
		t.Fatalf("history = %v (%d)", terms, total)
	}
	c := events[2]
	if string(c.Before) != "500000000" || string(c.After) != "400000000" || c.Note != "beslut 2026-01-15" || c.ActorID != f.manager.UserID {
		t.Errorf("ceiling event = %+v", c)
	}
	if !bytes.Contains(events[0].After, []byte(f.outsider.ID)) || string(events[0].Before) != "null" {
		t.Errorf("participant event = %s → %s", events[0].Before, events[0].After)
	}

	t.Run("scope", func(t *testing.T) {
		_, _, err := f.s.History(ctx, f.otherManager, f.agreement.ID, auth.Page{})
		wantKind(t, err, derr.NotFound, "")
		_, _, err = f.s.History(ctx, f.orderer, f.agreement.ID, auth.Page{})
		wantKind(t, err, derr.Forbidden, "")
		_, _, err = f.s.History(ctx, f.supplier1, f.agreement.ID, auth.Page{})
		wantKind(t, err, derr.Forbidden, "")
	})
	t.Run("the database refuses to change or delete an event", func(t *testing.T) {
		for _, q := range []string{`UPDATE agreement_events SET note = 'rewritten' WHERE agreement_id = $1`,
			`DELETE FROM agreement_events WHERE agreement_id = $1`} {
			if _, err := f.s.db.ExecContext(ctx, q, f.agreement.ID); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want refused", q, err)
			}
		}
		if _, err := f.s.db.ExecContext(ctx, `TRUNCATE agreement_events`); err == nil {
			t.Error("TRUNCATE was allowed")
		}
	})
	t.Run("a refused change leaves no trace", func(t *testing.T) {
		_, err := f.s.UpdateAgreement(ctx, f.manager, f.agreement.ID, AgreementPatch{Title: ptr("Nytt namn"), ValidTo: ptr("2040-01-01")})
		wantKind(t, err, derr.Invalid, CodeAgreementTooLong)
		_, n, err := f.s.History(ctx, f.manager, f.agreement.ID, auth.Page{})
		testenv.Must(t, err)
		if n != total {
			t.Errorf("events = %d after a refused change, want %d", n, total)
		}
	})
}

func TestCatalogueApproval(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.s.UpdateAgreement(ctx, f.manager, f.agreement.ID, AgreementPatch{CatalogueApproval: ptr(true)})
	testenv.Must(t, err)
	accepted := f.item(f.supplier1, "ACC-1", "Handske nitril accepterad")
	if accepted.Approval != ApprovalProposed || accepted.SubmissionID == "" {
		t.Fatalf("item = %s, submission %q; want proposed", accepted.Approval, accepted.SubmissionID)
	}
	visibleToBuyer := func(id string) bool {
		t.Helper()
		_, err := f.s.GetItem(ctx, f.orderer, id)
		if err != nil && !derr.Is(err, derr.NotFound) {
			t.Fatal(err)
		}
		readable := err == nil
		page, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: "handske", Page: auth.Page{Page: 1, PageSize: 100}})
		testenv.Must(t, err)
		inSearch := false
		for _, it := range page.Items {
			inSearch = inSearch || it.ID == id
		}
		list, _, err := f.s.ListAgreementItems(ctx, f.orderer, f.agreement.ID, "", auth.Page{Page: 1, PageSize: 100})
		testenv.Must(t, err)
		inList := false
		for _, it := range list {
			inList = inList || it.ID == id
		}
		if readable != inSearch || inSearch != inList {
			t.Fatalf("item read %v, search %v, list %v disagree", readable, inSearch, inList)
		}
		return inSearch
	}
	// The buyer looks first, so that a cache would hold the proposed item if it could.
	if visibleToBuyer(accepted.ID) {
		t.Fatal("a proposed item is visible to a buyer")
	}
	if _, err := f.s.GetItem(ctx, f.supplier1, accepted.ID); err != nil {
		t.Errorf("its supplier cannot read it: %v", err)
	}
	if _, err := f.s.GetItem(ctx, f.manager, accepted.ID); err != nil {
		t.Errorf("the manager cannot read it: %v", err)
	}

	sub, err := f.s.GetSubmission(ctx, f.supplier1, accepted.SubmissionID)
	testenv.Must(t, err)
	if sub.Status != SubmissionPending || len(sub.Items) != 2 || changeOf(sub, accepted.ID, ChangeNewItem) == nil ||
		changeOf(sub, accepted.ID, ChangeFirstPrice) == nil {
		t.Fatalf("submission = %+v, want a new_item and a first_price change", sub)
	}
	if fp := changeOf(sub, accepted.ID, ChangeFirstPrice); string(fp.Before) != "null" || !strings.Contains(string(fp.After), `"price_minor": 10000`) {
		t.Errorf("first_price change: before %s, after %s", fp.Before, fp.After)
	}
	if it, _ := f.s.GetItem(ctx, f.supplier1, accepted.ID); it.PriceMinor != nil {
		t.Errorf("a proposed item's first price is in effect before acceptance: %d", *it.PriceMinor)
	}
	t.Run("the supplier cannot decide its own", func(t *testing.T) {
		_, err := f.s.DecideSubmission(ctx, f.supplier1, sub.ID, true, SubmissionDecision{})
		wantKind(t, err, derr.Forbidden, "")
		_, err = f.s.DecideSubmission(ctx, f.otherManager, sub.ID, true, SubmissionDecision{})
		wantKind(t, err, derr.NotFound, "")
		_, err = f.s.GetSubmission(ctx, f.supplier2, sub.ID)
		wantKind(t, err, derr.NotFound, "")
		_, err = f.s.GetSubmission(ctx, f.orderer, sub.ID)
		wantKind(t, err, derr.Forbidden, "")
	})
	t.Run("accepted, it is visible", func(t *testing.T) {
		got, err := f.s.DecideSubmission(ctx, f.manager, sub.ID, true, SubmissionDecision{Note: "ok"})
		testenv.Must(t, err)
		if got.Status != SubmissionAccepted || got.Items[0].Status != SubmissionAccepted || got.Items[1].Status != SubmissionAccepted {
			t.Fatalf("submission = %+v", got)
		}
		if !visibleToBuyer(accepted.ID) {
			t.Fatal("an accepted item is invisible")
		}
		if it, _ := f.s.GetItem(ctx, f.orderer, accepted.ID); it.PriceMinor == nil || *it.PriceMinor != 10000 {
			t.Errorf("accepted item's price = %v, want 10000", it.PriceMinor)
		}
		_, err = f.s.DecideSubmission(ctx, f.manager, sub.ID, false, SubmissionDecision{Reason: "ångrar"})
		wantKind(t, err, derr.Conflict, "submission_decided")
	})
	t.Run("a terms change waits; other fields change at once", func(t *testing.T) {
		it, err := f.s.UpdateItem(ctx, f.supplier1, accepted.ID, ItemPatch{Name: ptr("Handske nitril blå"), PackSize: ptr(100.0), Unit: ptr("XBX")})
		testenv.Must(t, err)
		if it.Name != "Handske nitril blå" || it.PackSize != 1 || it.Unit != "EA" || it.SubmissionID == "" {
			t.Fatalf("item = %+v", it)
		}
		_, err = f.s.DecideSubmission(ctx, f.manager, it.SubmissionID, false, SubmissionDecision{})
		wantKind(t, err, derr.Invalid, "validation_failed")
		got, err := f.s.DecideSubmission(ctx, f.manager, it.SubmissionID, false, SubmissionDecision{Reason: "förpackningen är inte upphandlad"})
		testenv.Must(t, err)
		if got.Status != SubmissionRejected || got.Items[0].DecisionNote != "förpackningen är inte upphandlad" {
			t.Fatalf("submission = %+v", got)
		}
		if it, _ := f.s.GetItem(ctx, f.orderer, accepted.ID); it.PackSize != 1 {
			t.Errorf("pack size = %v after rejection", it.PackSize)
		}
	})
	t.Run("a price list: accept some, reject others", func(t *testing.T) {
		csv := "sku,name,description,unit,pack_size,cpv_code,gtin,eco_labels,vat_rate_bp,price_minor,effective_from\n" +
			"ACC-1,Handske nitril blå,,EA,1,33141420,,,1200,10000,\n" +
			"NEW-1,Handske latex,,EA,1,33141420,,,2500,9000,\n" +
			"NEW-2,Handske vinyl,,EA,1,33141420,,,2500,8000,\n"
		rep, err := f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, strings.NewReader(csv))
		testenv.Must(t, err)
		if rep.Pending != 5 || rep.SubmissionID == "" || rep.Created != 2 { // terms of ACC-1; item and first price of NEW-1 and NEW-2
			t.Fatalf("report = %+v", rep)
		}
		sub, err := f.s.GetSubmission(ctx, f.manager, rep.SubmissionID)
		testenv.Must(t, err)
		var pick []string
		for _, ch := range sub.Items {
			if ch.SKU == "NEW-1" || ch.Kind == ChangeTerms {
				pick = append(pick, ch.ID)
			}
		}
		got, err := f.s.DecideSubmission(ctx, f.manager, sub.ID, true, SubmissionDecision{ChangeIDs: pick})
		testenv.Must(t, err)
		if got.Status != SubmissionPending {
			t.Errorf("status = %s with one change left, want pending", got.Status)
		}
		got, err = f.s.DecideSubmission(ctx, f.manager, sub.ID, false, SubmissionDecision{Reason: "vinyl ingår inte"})
		testenv.Must(t, err)
		if got.Status != SubmissionPartlyAccepted {
			t.Errorf("status = %s, want partly_accepted", got.Status)
		}
		it, err := f.s.GetItem(ctx, f.orderer, accepted.ID)
		testenv.Must(t, err)
		if it.VATRateBP != 1200 {
			t.Errorf("vat = %d, want the accepted 1200", it.VATRateBP)
		}
		page, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: "handske", Page: auth.Page{Page: 1, PageSize: 100}})
		testenv.Must(t, err)
		var skus []string
		for _, it := range page.Items {
			skus = append(skus, it.SKU)
		}
		if strings.Join(skus, ",") != "ACC-1,NEW-1" && strings.Join(skus, ",") != "NEW-1,ACC-1" {
			t.Errorf("buyer sees %v, want ACC-1 and NEW-1", skus)
		}
		list, n, err := f.s.ListSubmissions(ctx, f.supplier1, SubmissionFilter{Status: SubmissionPartlyAccepted})
		testenv.Must(t, err)
		if n != 1 || list[0].ID != sub.ID {
			t.Errorf("supplier's partly accepted = %d", n)
		}
	})
	t.Run("a rejected sku may be proposed again", func(t *testing.T) {
		it, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, ItemInput{SKU: "NEW-2", Name: "Handske vinyl ny", Unit: "EA",
			CPVCode: "33141420", VATRateBP: ptr(2500), PriceMinor: ptr(int64(7000))})
		testenv.Must(t, err)
		if it.Approval != ApprovalProposed || it.SubmissionID == "" {
			t.Errorf("item = %s %q", it.Approval, it.SubmissionID)
		}
	})
}

// changeOf is the submission's change of kind on item, or nil.
func changeOf(sub CatalogueSubmission, itemID, kind string) *CatalogueChange {
	for i := range sub.Items {
		if sub.Items[i].ItemID == itemID && sub.Items[i].Kind == kind {
			return &sub.Items[i]
		}
	}
	return nil
}

// TestFirstPrice: a new item's first price is a change of its own. Accepting the item alone
// makes it visible without a price (nothing to order); a price on an item that has none is
// again a first_price change, in effect only once accepted; rejecting a new item rejects its
// first price with it.
func TestFirstPrice(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.s.UpdateAgreement(ctx, f.manager, f.agreement.ID, AgreementPatch{CatalogueApproval: ptr(true)})
	testenv.Must(t, err)
	it := f.item(f.supplier1, "FP-1", "Handske första pris")
	sub, err := f.s.GetSubmission(ctx, f.manager, it.SubmissionID)
	testenv.Must(t, err)
	newItem, first := changeOf(sub, it.ID, ChangeNewItem), changeOf(sub, it.ID, ChangeFirstPrice)
	if newItem == nil || first == nil {
		t.Fatalf("submission = %+v", sub)
	}
	_, err = f.s.DecideSubmission(ctx, f.manager, sub.ID, true, SubmissionDecision{ChangeIDs: []string{newItem.ID}})
	testenv.Must(t, err)
	_, err = f.s.DecideSubmission(ctx, f.manager, sub.ID, false, SubmissionDecision{Reason: "priset är för högt"})
	testenv.Must(t, err)
	got, err := f.s.GetItem(ctx, f.orderer, it.ID)
	testenv.Must(t, err)
	if got.PriceMinor != nil || got.Approval != ApprovalAccepted {
		t.Fatalf("item accepted without its first price: approval %s, price %v", got.Approval, got.PriceMinor)
	}

	pc, err := f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(8500))})
	testenv.Must(t, err)
	if pc.Status != PricePending || pc.SubmissionID == "" || pc.StatusReason != ChangeFirstPrice {
		t.Fatalf("price on an item without one = %+v, want a pending first_price submission", pc)
	}
	if got, _ := f.s.GetItem(ctx, f.orderer, it.ID); got.PriceMinor != nil {
		t.Fatalf("the first price is in effect before acceptance: %d", *got.PriceMinor)
	}
	sub2, err := f.s.GetSubmission(ctx, f.supplier1, pc.SubmissionID)
	testenv.Must(t, err)
	if len(sub2.Items) != 1 || sub2.Items[0].Kind != ChangeFirstPrice {
		t.Fatalf("submission = %+v", sub2)
	}
	_, err = f.s.DecideSubmission(ctx, f.manager, sub2.ID, true, SubmissionDecision{})
	testenv.Must(t, err)
	if got, _ := f.s.GetItem(ctx, f.orderer, it.ID); got.PriceMinor == nil || *got.PriceMinor != 8500 {
		t.Fatalf("price after acceptance = %v, want 8500", got.PriceMinor)
	}
	// With a price in effect, a change follows the price clause again (no submission).
	pc, err = f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(8000))})
	testenv.Must(t, err)
	if pc.SubmissionID != "" || pc.Status != PriceApplied {
		t.Errorf("a decrease = %+v, want applied by the clause", pc)
	}

	t.Run("a price list row for an item without a price", func(t *testing.T) {
		it := f.item(f.supplier1, "FP-2", "Handske andra pris")
		sub, err := f.s.GetSubmission(ctx, f.manager, it.SubmissionID)
		testenv.Must(t, err)
		_, err = f.s.DecideSubmission(ctx, f.manager, sub.ID, true, SubmissionDecision{ChangeIDs: []string{changeOf(sub, it.ID, ChangeNewItem).ID}})
		testenv.Must(t, err)
		_, err = f.s.DecideSubmission(ctx, f.manager, sub.ID, false, SubmissionDecision{Reason: "nej"})
		testenv.Must(t, err)
		rep, err := f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, strings.NewReader(
			"sku,name,description,unit,pack_size,cpv_code,gtin,eco_labels,vat_rate_bp,price_minor,effective_from\n"+
				"FP-2,Handske andra pris,Beskrivning av Handske andra pris,EA,1,33141420,,,2500,9900,\n"))
		testenv.Must(t, err)
		if rep.Pending != 1 || rep.PricesApplied != 0 || rep.SubmissionID == "" {
			t.Fatalf("report = %+v, want one pending first price", rep)
		}
		sub, err = f.s.GetSubmission(ctx, f.manager, rep.SubmissionID)
		testenv.Must(t, err)
		if changeOf(sub, it.ID, ChangeFirstPrice) == nil {
			t.Fatalf("submission = %+v", sub)
		}
	})
	t.Run("rejecting a new item rejects its first price", func(t *testing.T) {
		it := f.item(f.supplier1, "FP-3", "Handske tredje")
		sub, err := f.s.GetSubmission(ctx, f.manager, it.SubmissionID)
		testenv.Must(t, err)
		got, err := f.s.DecideSubmission(ctx, f.manager, sub.ID, false, SubmissionDecision{Reason: "ingår inte",
			ChangeIDs: []string{changeOf(sub, it.ID, ChangeNewItem).ID}})
		testenv.Must(t, err)
		if got.Status != SubmissionRejected || changeOf(got, it.ID, ChangeFirstPrice).Status != SubmissionRejected {
			t.Errorf("submission = %s, first price %s", got.Status, changeOf(got, it.ID, ChangeFirstPrice).Status)
		}
	})
}

// TestSubscriptionTermsWaitForAcceptance: turning an accepted item into a subscription (kind,
// minimum term, notice) by a price list is a change of contract terms like a unit's: the item
// stays as it was until a manager accepts it (SPEC §6 with §7).
func TestSubscriptionTermsWaitForAcceptance(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.s.UpdateAgreement(ctx, f.manager, f.agreement.ID, AgreementPatch{CatalogueApproval: ptr(true)})
	testenv.Must(t, err)
	it, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, ItemInput{SKU: "DISP-1", Name: "Läkemedelsautomat", Unit: "MON",
		CPVCode: "33190000", VATRateBP: ptr(2500), PriceMinor: ptr(int64(69500))})
	testenv.Must(t, err)
	_, err = f.s.DecideSubmission(ctx, f.manager, it.SubmissionID, true, SubmissionDecision{})
	testenv.Must(t, err)
	rep, err := f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, strings.NewReader(
		"sku,name,description,unit,pack_size,cpv_code,gtin,eco_labels,vat_rate_bp,price_minor,effective_from,kind,setup_price_minor,min_term_months,notice_months\n"+
			"DISP-1,Läkemedelsautomat,,MON,1,33190000,,,2500,69500,,subscription,95000,12,3\n"))
	testenv.Must(t, err)
	if rep.Pending != 1 || rep.SubmissionID == "" {
		t.Fatalf("report = %+v, want the subscription terms pending", rep)
	}
	got, err := f.s.GetItem(ctx, f.orderer, it.ID)
	testenv.Must(t, err)
	if got.Kind != KindGoods || got.MinTermMonths != 0 || got.NoticeMonths != 0 {
		t.Fatalf("before acceptance the item is %s (%d, %d), want goods as it was", got.Kind, got.MinTermMonths, got.NoticeMonths)
	}
	sub, err := f.s.GetSubmission(ctx, f.manager, rep.SubmissionID)
	testenv.Must(t, err)
	if ch := changeOf(sub, it.ID, ChangeTerms); ch == nil || !strings.Contains(string(ch.After), `"kind": "subscription"`) ||
		!strings.Contains(string(ch.Before), `"kind": "goods"`) {
		t.Fatalf("submission = %+v", sub)
	}
	_, err = f.s.DecideSubmission(ctx, f.manager, sub.ID, true, SubmissionDecision{})
	testenv.Must(t, err)
	got, err = f.s.GetItem(ctx, f.orderer, it.ID)
	testenv.Must(t, err)
	if got.Kind != KindSubscription || got.MinTermMonths != 12 || got.NoticeMonths != 3 {
		t.Errorf("after acceptance the item is %s (%d, %d), want a subscription (12, 3)", got.Kind, got.MinTermMonths, got.NoticeMonths)
	}
}
