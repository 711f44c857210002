package orders_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

// revalueWorld is subWorld whose orders service shares its catalog with the test, so that an
// agreement change runs the placements' revaluation.
func revalueWorld(t *testing.T, o agreementOpts) (*world, *catalog.Service, string) {
	t.Helper()
	w, item := subWorld(t, o, false)
	cat := catalog.NewService(w.db, nil, testenv.RedisPrefix())
	w.svc = orders.NewService(w.db, cat)
	w.svc.SetClock(func() time.Time { return subToday })
	return w, cat, item
}

// placementsCommitted is what the orders commit now: their totals at order time, less what
// their placements released, plus what revaluations added.
func (w *world) placementsCommitted() int64 {
	w.t.Helper()
	var n int64
	testenv.Must(w.t, w.db.Get(&n, `SELECT COALESCE((SELECT sum(total_minor) FROM orders WHERE agreement_id = $1
		AND status IN ('pending_approval', 'approved', 'accepted', 'shipped', 'delivered')), 0)
		+ COALESCE((SELECT sum(p.adjusted_minor - p.released_minor) FROM placements p JOIN orders o ON o.id = p.order_id
		WHERE p.agreement_id = $1 AND o.status IN ('pending_approval', 'approved', 'accepted', 'shipped', 'delivered')), 0)`, w.Agr))
	return n
}

func (w *world) placementCommitted(id string) int64 {
	w.t.Helper()
	var n int64
	testenv.Must(w.t, w.db.Get(&n, `SELECT committed_minor FROM placements WHERE id = $1`, id))
	return n
}

// An open-ended placement's committed value runs to the agreement's valid_to, so changing
// valid_to revalues it in the same transaction. Figures (today 1 Dec 2026, 695.00 a month,
// setup 1,500.00, minimum 12 months): to 30 Sep 2027 is 10 months, so the minimum applies,
// 1,500 + 12 × 695 = 9,840.00; to 31 May 2028 is 18 months, 1,500 + 18 × 695 = 14,010.00.
func TestValidToRevaluesOpenPlacements(t *testing.T) {
	ctx := context.Background()
	validTo := func(d string) catalog.AgreementPatch { return catalog.AgreementPatch{ValidTo: &d} }
	const short, long = setup + 12*monthly, setup + 18*monthly

	t.Run("extend and shorten: the placement, both ceilings and its event follow", func(t *testing.T) {
		w, cat, item := revalueWorld(t, agreementOpts{})
		open := w.place(w.Orderer, subOrder(w, item, orders.LineInput{RecipientRef: "KS-1", StartDate: "2026-12-01"}))
		fixed := w.place(w.Orderer, subOrder(w, item, orders.LineInput{RecipientRef: "KS-2", StartDate: "2026-12-01", EndDate: "2027-11-30"}))
		openID, fixedID := *open.Lines[0].PlacementID, *fixed.Lines[0].PlacementID
		_, err := cat.UpdateAgreement(ctx, w.Manager, w.Agr, validTo("2028-05-31"))
		testenv.Must(t, err)
		if got := w.placementCommitted(openID); got != long {
			t.Errorf("open placement after extension: %d, want %d", got, long)
		}
		if got := w.placementCommitted(fixedID); got != short {
			t.Errorf("placement with an end date: %d, want %d unchanged", got, short)
		}
		if a, p := w.committed(); a != short+long || p != short+long || a != w.placementsCommitted() {
			t.Errorf("counters %d/%d after extension, want %d", a, p, short+long)
		}
		pl, err := w.svc.Placements().Get(ctx, w.Orderer, openID)
		testenv.Must(t, err)
		if last := pl.Events[len(pl.Events)-1]; last.Action != "revalue" {
			t.Errorf("last event %s, want revalue", last.Action)
		}
		_, err = cat.UpdateAgreement(ctx, w.Manager, w.Agr, validTo("2027-09-30"))
		testenv.Must(t, err)
		if got := w.placementCommitted(openID); got != short {
			t.Errorf("open placement after shortening: %d, want %d (the minimum term)", got, short)
		}
		if a, p := w.committed(); a != 2*short || p != 2*short {
			t.Errorf("counters %d/%d after shortening, want %d", a, p, 2*short)
		}
		// Extended again, then the order is cancelled: it credits what its placement commits now.
		_, err = cat.UpdateAgreement(ctx, w.Manager, w.Agr, validTo("2028-05-31"))
		testenv.Must(t, err)
		_, err = w.svc.Move(ctx, w.Orderer, open.ID, orders.ActionCancel, "")
		testenv.Must(t, err)
		if a, p := w.committed(); a != short || p != short {
			t.Errorf("counters %d/%d after cancelling the extended order, want %d", a, p, short)
		}
	})

	for _, tc := range []struct {
		name  string
		opts  agreementOpts
		code  string
		raise catalog.AgreementPatch
	}{
		{"past the agreement's ceiling", agreementOpts{ceiling: ptr(int64(2_000_000))}, orders.CodePlacementsPassCeiling,
			catalog.AgreementPatch{CeilingMinor: catalog.OptionalInt64{Set: true, Value: ptr(int64(3_000_000))}}},
		{"past the participant's ceiling", agreementOpts{participantCeiling: ptr(int64(2_000_000))}, orders.CodePlacementsPassParticipantCeiling, catalog.AgreementPatch{}},
	} {
		t.Run("an extension "+tc.name+" is refused whole", func(t *testing.T) {
			w, cat, item := revalueWorld(t, tc.opts)
			o1 := w.place(w.Orderer, subOrder(w, item, orders.LineInput{RecipientRef: "KS-1", StartDate: "2026-12-01"}))
			w.place(w.Orderer, subOrder(w, item, orders.LineInput{RecipientRef: "KS-2", StartDate: "2026-12-01"}))
			// 2 × 9,840 = 19,680 fits under 20,000; 2 × 14,010 = 28,020 does not.
			_, err := cat.UpdateAgreement(ctx, w.Manager, w.Agr, validTo("2028-05-31"))
			wantCode(t, err, derr.Invalid, tc.code)
			a, err2 := cat.GetAgreement(ctx, w.Manager, w.Agr)
			testenv.Must(t, err2)
			if a.ValidTo != "2027-09-30" || w.placementCommitted(*o1.Lines[0].PlacementID) != short {
				t.Errorf("after the refusal: valid_to %s, placement %d; want nothing changed", a.ValidTo, w.placementCommitted(*o1.Lines[0].PlacementID))
			}
			if ac, p := w.committed(); ac != 2*short || p != 2*short {
				t.Errorf("counters %d/%d after the refusal, want %d", ac, p, 2*short)
			}
			if tc.code == orders.CodePlacementsPassParticipantCeiling {
				tc.raise = catalog.AgreementPatch{Participants: []catalog.ParticipantPatch{{OrgID: w.Buyer.ID,
					CeilingMinor: catalog.OptionalInt64{Set: true, Value: ptr(int64(3_000_000))}}}}
			}
			tc.raise.ValidTo = ptr("2028-05-31")
			_, err = cat.UpdateAgreement(ctx, w.Manager, w.Agr, tc.raise)
			testenv.Must(t, err)
			if ac, p := w.committed(); ac != 2*long || p != 2*long {
				t.Errorf("counters %d/%d with the ceiling raised in the same change, want %d", ac, p, 2*long)
			}
		})
	}

	t.Run("valid_to changes race subscription and goods orders: no ceiling is ever passed", func(t *testing.T) {
		const ceiling = 6_000_000
		w, cat, item := revalueWorld(t, agreementOpts{ceiling: ptr(int64(ceiling))})
		var wg sync.WaitGroup
		var mu sync.Mutex
		got := map[string]int{}
		count := func(what string, err error) {
			code := "ok"
			if err != nil {
				code = derr.CodeOf(err)
				if derr.KindOf(err) != derr.Invalid {
					t.Errorf("%s: %v", what, err)
				}
			}
			mu.Lock()
			got[what+" "+code]++
			mu.Unlock()
		}
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 8; i++ {
					in := w.input(1)
					if (g+i)%2 == 0 {
						in = subOrder(w, item, orders.LineInput{RecipientRef: "R-" + testenv.Unique(), StartDate: "2026-12-01"})
					}
					_, _, err := w.svc.CreateOrder(ctx, w.Orderer, in, "")
					count("order", err)
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 12; i++ {
				d := "2028-05-31"
				if i%2 == 1 {
					d = "2027-09-30"
				}
				_, err := cat.UpdateAgreement(ctx, w.Manager, w.Agr, validTo(d))
				count("valid_to", err)
			}
		}()
		wg.Wait()
		a, p := w.committed()
		if sum := w.placementsCommitted(); a != sum || p != sum || a > ceiling {
			t.Errorf("counters %d/%d, orders and placements %d, ceiling %d (%v)", a, p, sum, ceiling, got)
		}
		var wrong int
		testenv.Must(t, w.db.Get(&wrong, `SELECT count(*) FROM placements p JOIN agreements a ON a.id = p.agreement_id
			WHERE p.agreement_id = $1 AND p.status = 'ordered' AND p.end_date IS NULL
			AND p.committed_minor <> $2 + $3 * GREATEST(12, (EXTRACT(YEAR FROM age(a.valid_to + 1, p.start_date)) * 12
				+ EXTRACT(MONTH FROM age(a.valid_to + 1, p.start_date)))::int)`, w.Agr, setup, monthly))
		if wrong != 0 {
			t.Errorf("%d open placements whose committed value is not the one to the agreement's valid_to", wrong)
		}
		t.Logf("outcomes: %v", got)
	})
}

// A subscription line's PEPPOL BIS Order states the monthly price, the months and the period,
// with the setup as its own line, and passes the schema and the official T01 rules. Figures:
// open-ended from 1 Dec 2026 on an agreement to 30 Sep 2027 commits the minimum 12 months,
// 12 × 695.00 = 8,340.00 through 30 Nov 2027, plus setup 1,500.00 = 9,840.00 (the line total).
func TestPeppolOrderOfASubscription(t *testing.T) {
	ctx := context.Background()
	w, item := subWorld(t, agreementOpts{}, false)
	o := w.place(w.Orderer, subOrder(w, item, orders.LineInput{RecipientRef: "KS-1", StartDate: "2026-12-01"},
		orders.LineInput{RecipientRef: "KS-2", StartDate: "2026-12-15", EndDate: "2027-12-14"}))
	doc, err := w.svc.PeppolOrder(ctx, w.Orderer, o.ID)
	testenv.Must(t, err)
	testenv.ValidateUBL(t, doc.XML, "UBL-Order-2.1.xsd")
	testenv.ValidatePeppolRules(t, "T01", map[string][]byte{"subscription order": doc.XML})
	x := string(doc.XML)
	for _, want := range []string{
		`<cbc:ID>1</cbc:ID>`, `<cbc:Quantity unitCode="MON">12</cbc:Quantity>`, `<cbc:LineExtensionAmount currencyID="SEK">8340.00</cbc:LineExtensionAmount>`,
		`<cbc:PriceAmount currencyID="SEK">695.00</cbc:PriceAmount>`, `<cbc:StartDate>2026-12-01</cbc:StartDate>`, `<cbc:EndDate>2027-11-30</cbc:EndDate>`,
		`<cbc:ID>1-setup</cbc:ID>`, `<cbc:Quantity unitCode="C62">1</cbc:Quantity>`, `<cbc:LineExtensionAmount currencyID="SEK">1500.00</cbc:LineExtensionAmount>`,
		`<cbc:StartDate>2026-12-15</cbc:StartDate>`, `<cbc:EndDate>2027-12-14</cbc:EndDate>`, `<cbc:ID>2-setup</cbc:ID>`,
		`<cbc:Name>notice_months</cbc:Name>`, `open-ended`,
		// The document's total is still the order's: 2 × 9,840.00.
		`<cbc:LineExtensionAmount currencyID="SEK">19680.00</cbc:LineExtensionAmount>`,
	} {
		if !strings.Contains(x, want) {
			t.Errorf("the document lacks %s\n%s", want, x)
		}
	}
}
