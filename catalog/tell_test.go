package catalog

import (
	"context"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/notify"
)

// mails lists the kinds of the mails queued for a person about a subject.
func (f *fixture) mails(c auth.Caller, subjectID string) []string {
	f.t.Helper()
	var kinds []string
	testenv.Must(f.t, testenv.DB(f.t).Select(&kinds, `SELECT kind FROM mail_outbox WHERE user_id = $1 AND subject_id = $2 ORDER BY id`, c.UserID, subjectID))
	return kinds
}

// SPEC §8 "People are told": the agreement's managers, and only they, are mailed when a price
// change or a catalogue submission awaits them.
func TestManagersAreToldWhatAwaitsThem(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	it := f.item(f.supplier1, "SKU-"+testenv.Unique(), "Nitrilhandske M")

	pending, err := f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(12000)), Reason: "KPI"})
	testenv.Must(t, err)
	if pending.Status != PricePending {
		t.Fatalf("status %s, want pending", pending.Status)
	}
	if got := f.mails(f.manager, pending.ID); len(got) != 1 || got[0] != string(notify.PriceChangeAwaiting) {
		t.Errorf("manager's mails %v, want one %s", got, notify.PriceChangeAwaiting)
	}
	for name, c := range map[string]auth.Caller{"other body's manager": f.otherManager, "supplier": f.supplier1, "orderer": f.orderer} {
		if got := f.mails(c, pending.ID); len(got) != 0 {
			t.Errorf("%s got mails %v, want none", name, got)
		}
	}
	applied, err := f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(9000))})
	testenv.Must(t, err)
	if got := f.mails(f.manager, applied.ID); applied.Status != PriceApplied || len(got) != 0 {
		t.Errorf("an applied decrease (%s) mailed %v, want nothing", applied.Status, got)
	}

	a, err := f.s.CreateAgreement(ctx, f.manager, AgreementInput{
		Reference: "RA-" + testenv.Unique(), Title: "Hjälpmedel", CPVCode: "33140000", Currency: "SEK",
		ValidFrom: "2025-01-01", ValidTo: "2028-12-31", CallOffMethod: MethodRanking, CatalogueApproval: ptr(true),
		Participants: []ParticipantInput{{OrgID: f.buyer.ID}}, Suppliers: []SupplierInput{{OrgID: f.sup1.ID, Rank: 1}},
	})
	testenv.Must(t, err)
	proposed, err := f.s.AddItem(ctx, f.supplier1, a.ID, ItemInput{SKU: "SKU-" + testenv.Unique(), Name: "Rollator",
		Unit: "EA", CPVCode: "33141420", VATRateBP: ptr(2500), PriceMinor: ptr(int64(150000))})
	testenv.Must(t, err)
	if proposed.SubmissionID == "" {
		t.Fatal("the new item was not submitted for approval")
	}
	if got := f.mails(f.manager, proposed.SubmissionID); len(got) != 1 || got[0] != string(notify.SubmissionAwaiting) {
		t.Errorf("manager's mails %v, want one %s", got, notify.SubmissionAwaiting)
	}
	if got := f.mails(f.otherManager, proposed.SubmissionID); len(got) != 0 {
		t.Errorf("other body's manager got %v, want none", got)
	}
}
