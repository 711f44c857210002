package orders_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
	"github.com/avrop/avrop/placements"
)

// The subscription tests run on a fixed clock: 1 December 2026, on an agreement valid from
// 1 January 2026 to 30 September 2027, so that every figure can be worked out by hand.
var subToday = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

const (
	monthly = 69500  // a medication dispenser, 695 kr a month
	setup   = 150000 // installation, 1,500 kr
)

// subWorld is a world on the fixed clock, with buyers' orders approved automatically unless
// needApproval, and a subscription item of Sup1 (minimum 12 months, notice 3).
func subWorld(t *testing.T, o agreementOpts, needApproval bool) (*world, string) {
	t.Helper()
	o.validFrom, o.validTo = "2026-01-01", "2027-09-30"
	if !needApproval {
		o.threshold = 1 << 50
	}
	w := newWorld(t, o)
	w.svc.SetClock(func() time.Time { return subToday })
	return w, w.subItem(monthly, setup, 12, 3)
}

// subItem adds a subscription item of Sup1 priced since 2000.
func (w *world) subItem(monthlyPrice, setupPrice int64, minTerm, notice int) string {
	w.t.Helper()
	var id string
	testenv.Must(w.t, w.db.GetContext(context.Background(), &id, `INSERT INTO items (agreement_id, supplier_id, sku, name, unit, cpv_code,
		eco_labels, vat_rate_bp, kind, min_term_months, notice_months) VALUES ($1, $2, $3, 'Läkemedelsautomat', 'MON', '33190000', $4, 2500,
		'subscription', $5, $6) RETURNING id`, w.Agr, w.Sup1.ID, "DISP-"+testenv.Unique(), pq.Array([]string{}), minTerm, notice))
	exec(w.t, w.db, `INSERT INTO item_prices (item_id, price_minor, setup_price_minor, effective_from) VALUES ($1, $2, $3, '2000-01-01')`,
		id, monthlyPrice, setupPrice)
	return id
}

func subOrder(w *world, item string, lines ...orders.LineInput) orders.OrderInput {
	for i := range lines {
		lines[i].ItemID = item
		if lines[i].Quantity == 0 {
			lines[i].Quantity = 1
		}
	}
	return orders.OrderInput{AgreementID: w.Agr, SupplierID: w.Sup1.ID, DeliveryAddress: "Storgatan 1, Karlstad", Lines: lines}
}

func TestSubscriptionCommittedValueAtOrderTime(t *testing.T) {
	w, item := subWorld(t, agreementOpts{}, false)
	for _, tc := range []struct {
		name       string
		start, end string
		want       int64
	}{
		// 1 Dec 2026 – 30 Sep 2027 (the agreement's end) is 10 months: the minimum 12 applies.
		{"open-ended: to the agreement's end, at least the minimum term", "2026-12-01", "", setup + 12*monthly},
		{"end date at the minimum term", "2026-12-01", "2027-11-30", setup + 12*monthly},
		// 15 Dec 2026 – 14 Dec 2027 is 12 months, past the agreement's end but within the term.
		{"end date at the minimum term past the agreement's end", "2026-12-15", "2027-12-14", setup + 12*monthly},
		// One month before the agreement ends, the minimum term still commits 12 months.
		{"starting in the agreement's last month", "2027-09-01", "", setup + 12*monthly},
	} {
		t.Run(tc.name, func(t *testing.T) {
			beforeA, beforeP := w.committed()
			o := w.place(w.Orderer, subOrder(w, item, orders.LineInput{RecipientRef: "KS-" + testenv.Unique(), StartDate: tc.start, EndDate: tc.end}))
			if o.TotalMinor != tc.want || o.Lines[0].LineTotalMinor != tc.want || o.Lines[0].Quantity != 1 {
				t.Errorf("order total %d (line %d × %d), want %d", o.TotalMinor, o.Lines[0].Quantity, o.Lines[0].LineTotalMinor, tc.want)
			}
			if o.Lines[0].PlacementID == nil {
				t.Fatal("the line names no placement")
			}
			p, err := w.svc.Placements().Get(context.Background(), w.Orderer, *o.Lines[0].PlacementID)
			testenv.Must(t, err)
			if p.CommittedMinor != tc.want || p.MonthlyPriceMinor != monthly || p.SetupPriceMinor != setup || p.Status != placements.StatusOrdered {
				t.Errorf("placement %+v, want committed %d, ordered", p, tc.want)
			}
			a, pa := w.committed()
			if a-beforeA != tc.want || pa-beforeP != tc.want {
				t.Errorf("ceilings debited %d and %d, want %d", a-beforeA, pa-beforeP, tc.want)
			}
		})
	}
}

func TestSubscriptionLineRules(t *testing.T) {
	w, item := subWorld(t, agreementOpts{}, false)
	ref := "KS-0042"
	for _, tc := range []struct {
		name  string
		line  orders.LineInput
		code  string
		field string
	}{
		{"quantity other than 1", orders.LineInput{Quantity: 3, RecipientRef: ref, StartDate: "2026-12-01"}, "validation_failed", "lines[0].quantity"},
		{"missing recipient", orders.LineInput{StartDate: "2026-12-01"}, "validation_failed", "lines[0].recipient_ref"},
		{"missing start", orders.LineInput{RecipientRef: ref}, "validation_failed", "lines[0].start_date"},
		{"start in the past", orders.LineInput{RecipientRef: ref, StartDate: "2026-11-30"}, placements.CodeStartInPast, "lines[0].start_date"},
		{"end before the minimum term", orders.LineInput{RecipientRef: ref, StartDate: "2026-12-01", EndDate: "2027-11-29"},
			placements.CodeEndBeforeMinTerm, "lines[0].end_date"},
		{"end after the agreement and the term", orders.LineInput{RecipientRef: ref, StartDate: "2026-12-01", EndDate: "2027-12-01"},
			placements.CodeEndAfterAgreement, "lines[0].end_date"},
		{"Swedish personnummer", orders.LineInput{RecipientRef: "19121212-1212", StartDate: "2026-12-01"}, placements.CodePersonalData, "lines[0].recipient_ref"},
		{"Swedish samordningsnummer", orders.LineInput{RecipientRef: "701063-2391", StartDate: "2026-12-01"}, placements.CodePersonalData, "lines[0].recipient_ref"},
		{"Norwegian fødselsnummer", orders.LineInput{RecipientRef: "15076500565", StartDate: "2026-12-01"}, placements.CodePersonalData, "lines[0].recipient_ref"},
		{"Danish CPR", orders.LineInput{RecipientRef: "070761-4285", StartDate: "2026-12-01"}, placements.CodePersonalData, "lines[0].recipient_ref"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := w.sumCommitted()
			_, _, err := w.svc.CreateOrder(context.Background(), w.Orderer, subOrder(w, item, tc.line), "")
			assertRefused(t, err, tc.code, tc.field)
			if after := w.sumCommitted(); after != before {
				t.Errorf("committed %d → %d after a refused order", before, after)
			}
		})
	}
	t.Run("goods line with a recipient", func(t *testing.T) {
		in := w.input(1)
		in.Lines[0].RecipientRef = ref
		_, _, err := w.svc.CreateOrder(context.Background(), w.Orderer, in, "")
		assertRefused(t, err, "validation_failed", "lines[0].recipient_ref")
	})
	var n int
	testenv.Must(t, w.db.Get(&n, `SELECT count(*) FROM placements WHERE agreement_id = $1`, w.Agr))
	if n != 0 {
		t.Errorf("%d placements written by refused orders", n)
	}
}

func assertRefused(t *testing.T, err error, code, field string) {
	t.Helper()
	if derr.KindOf(err) != derr.Invalid || derr.CodeOf(err) != code {
		t.Fatalf("got %v, want 422 %s", err, code)
	}
	var e *derr.Error
	if !errors.As(err, &e) {
		t.Fatal("not a derr.Error")
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return
		}
	}
	t.Errorf("fields %+v, want one on %s", e.Fields, field)
}

// TestSubscriptionAndGoodsRaceForTheCeiling races subscription orders (984,000 each) and
// goods orders (60,000 each) from many goroutines against one ceiling: it is never passed, the
// counters equal the orders committed, and every committed subscription order has its
// placement.
func TestSubscriptionAndGoodsRaceForTheCeiling(t *testing.T) {
	const ceiling = 5_000_000
	for _, tc := range []struct {
		name string
		opts agreementOpts
		code string
	}{
		{"agreement ceiling", agreementOpts{ceiling: ptr(int64(ceiling))}, orders.CodeCeilingExceeded},
		{"participant ceiling", agreementOpts{participantCeiling: ptr(int64(ceiling))}, orders.CodeParticipantCeiling},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, item := subWorld(t, tc.opts, false)
			var mu sync.Mutex
			got := map[string]int{}
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 120 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					in := w.input(1)
					kind := "goods"
					if i%2 == 0 {
						in = subOrder(w, item, orders.LineInput{RecipientRef: "R-" + testenv.Unique(), StartDate: "2026-12-01"})
						kind = "subscription"
					}
					_, _, err := w.svc.CreateOrder(context.Background(), w.Orderer, in, "")
					code := "ok"
					if err != nil {
						code = derr.CodeOf(err)
						if derr.KindOf(err) == derr.Internal {
							t.Errorf("internal error: %v", err)
						}
					}
					mu.Lock()
					got[kind+" "+code]++
					mu.Unlock()
				}()
			}
			close(start)
			wg.Wait()
			a, p := w.committed()
			sum := w.sumCommitted()
			if sum > ceiling || a != sum || p != sum {
				t.Errorf("committed: orders %d, agreement %d, participant %d; ceiling %d (%v)", sum, a, p, ceiling, got)
			}
			if got["subscription ok"] == 0 || got["goods ok"] == 0 || got["subscription "+tc.code]+got["goods "+tc.code] == 0 {
				t.Errorf("outcomes %v: want both kinds placed and some refused with %s", got, tc.code)
			}
			var placed int
			testenv.Must(t, w.db.Get(&placed, `SELECT count(*) FROM placements WHERE agreement_id = $1`, w.Agr))
			if placed != got["subscription ok"] {
				t.Errorf("%d placements for %d subscription orders", placed, got["subscription ok"])
			}
			// Nothing more fits than the room left: the ceiling minus what was committed.
			if room := ceiling - sum; room >= 60000 && got["goods "+tc.code] > 0 && got["goods ok"] < 60 {
				t.Errorf("goods refused while %d of room was left", room)
			}
		})
	}
}

func TestPlacementLifecycle(t *testing.T) {
	ctx := context.Background()
	w, item := subWorld(t, agreementOpts{}, true)
	o := w.place(w.Orderer, subOrder(w, item, orders.LineInput{RecipientRef: "KS-0001", StartDate: "2026-12-01"}))
	pid := *o.Lines[0].PlacementID
	ps := w.svc.Placements()

	// The supplier does not see the placement before the order is approved.
	if _, err := ps.Get(ctx, w.Sup1C, pid); derr.KindOf(err) != derr.NotFound {
		t.Fatalf("supplier before approval: got %v, want 404", err)
	}
	_, err := w.svc.Move(ctx, w.Approver, o.ID, orders.ActionApprove, "")
	testenv.Must(t, err)

	if _, err := ps.Install(ctx, w.Sup1C, pid, placements.InstallInput{InstalledOn: "2026-12-02"}); derr.KindOf(err) != derr.Invalid {
		t.Errorf("installed in the future: got %v, want 422", err)
	}
	p, err := ps.Install(ctx, w.Sup1C, pid, placements.InstallInput{InstalledOn: "2026-12-01"})
	testenv.Must(t, err)
	if p.Status != placements.StatusInstalled || p.InstalledOn == nil || *p.InstalledOn != "2026-12-01" {
		t.Fatalf("after install: %+v", p)
	}
	if _, err := ps.Install(ctx, w.Sup1C, pid, placements.InstallInput{InstalledOn: "2026-12-01"}); derr.CodeOf(err) != placements.CodeInvalidTransition || derr.KindOf(err) != derr.Conflict {
		t.Errorf("second install: got %v, want 409 invalid_transition", err)
	}
	// An installed device keeps its order: the supplier cannot decline it any more.
	if _, err := w.svc.Move(ctx, w.Sup1C, o.ID, orders.ActionDecline, "nej"); derr.KindOf(err) != derr.Conflict {
		t.Errorf("decline with an installed device: got %v, want 409", err)
	}
	if _, err := ps.Return(ctx, w.Sup1C, pid); derr.KindOf(err) != derr.Conflict {
		t.Errorf("return before ending: got %v, want 409", err)
	}

	p, err = ps.Move(ctx, w.Orderer, pid, placements.MoveInput{Address: "Vårdboendet Solgläntan, rum 12", RecipientRef: ptr("KS-0001b")})
	testenv.Must(t, err)
	if p.Address != "Vårdboendet Solgläntan, rum 12" || p.RecipientRef != "KS-0001b" || p.Status != placements.StatusInstalled {
		t.Errorf("after move: %+v", p)
	}
	if _, err := ps.Move(ctx, w.Orderer, pid, placements.MoveInput{Address: "x", RecipientRef: ptr("811228-9874")}); derr.CodeOf(err) != placements.CodePersonalData {
		t.Errorf("move to a personnummer: got %v, want personal_data_not_allowed", err)
	}

	// Notice on 1 Dec 2026: 3 months' notice allows 28 Feb 2027, the minimum term 30 Nov 2027.
	if _, err := w.svc.EndPlacement(ctx, w.Orderer, pid, placements.EndInput{EndDate: "2027-02-27"}); derr.CodeOf(err) != placements.CodeNoticeTooShort {
		t.Errorf("end inside the notice period: got %v, want notice_too_short", err)
	}
	if _, err := w.svc.EndPlacement(ctx, w.Orderer, pid, placements.EndInput{EndDate: "2027-11-29"}); derr.CodeOf(err) != placements.CodeEndBeforeMinTerm {
		t.Errorf("end inside the minimum term: got %v, want end_before_min_term", err)
	}
	if _, err := w.svc.EndPlacement(ctx, w.Sup1C, pid, placements.EndInput{EndDate: "2027-11-30"}); derr.KindOf(err) != derr.Forbidden {
		t.Errorf("supplier ends: got %v, want 403", err)
	}

	// The clock moves to 1 Sep 2027 and the placement was ordered open-ended, committing 12
	// months (the agreement's 10 months being less); ending it on 30 Nov 2027 releases nothing.
	// Extend the agreement so that a later end is possible, then order an open one that commits
	// to the new end.
	beforeA, beforeP := w.committed()
	p, err = w.svc.EndPlacement(ctx, w.Orderer, pid, placements.EndInput{EndDate: "2027-11-30"})
	testenv.Must(t, err)
	a, pa := w.committed()
	if p.Status != placements.StatusEnded || p.CommittedMinor != setup+12*monthly || a != beforeA || pa != beforeP {
		t.Errorf("ended at the minimum term: %s committed %d, ceilings %d → %d: want ended, %d, unchanged", p.Status, p.CommittedMinor, beforeA, a, setup+12*monthly)
	}
	if _, err := ps.Move(ctx, w.Orderer, pid, placements.MoveInput{Address: "Ny adress 1"}); derr.KindOf(err) != derr.Conflict {
		t.Errorf("move after ending: got %v, want 409", err)
	}
	if _, err := ps.Return(ctx, w.Sup1C, pid); derr.KindOf(err) != derr.Conflict {
		t.Errorf("return before the end date: got %v, want 409", err)
	}
	w.svc.SetClock(func() time.Time { return time.Date(2027, 12, 1, 8, 0, 0, 0, time.UTC) })
	p, err = ps.Return(ctx, w.Sup1C, pid)
	testenv.Must(t, err)
	if p.Status != placements.StatusReturned {
		t.Errorf("after return: %s", p.Status)
	}
	var actions []string
	for _, e := range p.Events {
		actions = append(actions, e.Action)
	}
	if want := []string{"order", "install", "move", "end", "return"}; !equalStrings(actions, want) {
		t.Errorf("events %v, want %v", actions, want)
	}
	if _, err := w.db.Exec(`UPDATE placement_events SET detail = '{}' WHERE placement_id = $1`, pid); err == nil {
		t.Error("a placement event was updated")
	}
	if _, err := w.db.Exec(`DELETE FROM placement_events WHERE placement_id = $1`, pid); err == nil {
		t.Error("a placement event was deleted")
	}
}

// TestEndingReleasesValue: an open placement on a long agreement commits to the agreement's
// end; notice for an earlier end gives the rest back to both ceilings.
func TestEndingReleasesValue(t *testing.T) {
	ctx := context.Background()
	w, item := subWorld(t, agreementOpts{}, false)
	exec(t, w.db, `UPDATE agreements SET valid_to = '2029-09-30' WHERE id = $1`, w.Agr)
	o := w.place(w.Orderer, subOrder(w, item, orders.LineInput{RecipientRef: "KS-0002", StartDate: "2026-12-01"}))
	// 1 Dec 2026 – 30 Sep 2029 is 34 months.
	if want := int64(setup + 34*monthly); o.TotalMinor != want {
		t.Fatalf("committed %d, want %d", o.TotalMinor, want)
	}
	pid := *o.Lines[0].PlacementID
	_, err := w.svc.Placements().Install(ctx, w.Sup1C, pid, placements.InstallInput{InstalledOn: "2026-12-01"})
	testenv.Must(t, err)
	beforeA, beforeP := w.committed()
	// Ending on 31 Dec 2027 is 13 months: 21 months (1,459,500) go back.
	p, err := w.svc.EndPlacement(ctx, w.Orderer, pid, placements.EndInput{EndDate: "2027-12-31"})
	testenv.Must(t, err)
	const released = 21 * monthly
	a, pa := w.committed()
	if p.CommittedMinor != setup+13*monthly || p.ReleasedMinor != released || beforeA-a != released || beforeP-pa != released {
		t.Errorf("committed %d released %d, ceilings released %d and %d; want %d and %d", p.CommittedMinor, p.ReleasedMinor,
			beforeA-a, beforeP-pa, setup+13*monthly, released)
	}
	if _, err := w.svc.EndPlacement(ctx, w.Orderer, pid, placements.EndInput{EndDate: "2027-12-31"}); derr.KindOf(err) != derr.Conflict {
		t.Errorf("second notice: got %v, want 409", err)
	}
}

// TestCancelledOrderCancelsPlacements: cancelling an order takes its placements with it and
// gives back exactly what is still committed, also after a placement was ended unused.
func TestCancelledOrderCancelsPlacements(t *testing.T) {
	ctx := context.Background()
	w, item := subWorld(t, agreementOpts{}, true)
	exec(t, w.db, `UPDATE agreements SET valid_to = '2029-09-30' WHERE id = $1`, w.Agr)
	beforeA, beforeP := w.committed()
	o := w.place(w.Orderer, subOrder(w, item,
		orders.LineInput{RecipientRef: "KS-A", StartDate: "2026-12-01"}, orders.LineInput{RecipientRef: "KS-B", StartDate: "2026-12-01"}))
	// Not a duplicate item: two devices of one item on two lines are allowed for subscriptions.
	_, err := w.svc.EndPlacement(ctx, w.Orderer, *o.Lines[1].PlacementID, placements.EndInput{EndDate: "2027-11-30"})
	testenv.Must(t, err)
	_, err = w.svc.Move(ctx, w.Orderer, o.ID, orders.ActionCancel, "")
	testenv.Must(t, err)
	a, pa := w.committed()
	if a != beforeA || pa != beforeP {
		t.Errorf("after cancel: ceilings %d/%d, want back at %d/%d", a, pa, beforeA, beforeP)
	}
	for _, l := range o.Lines {
		p, err := w.svc.Placements().Get(ctx, w.Orderer, *l.PlacementID)
		testenv.Must(t, err)
		if p.Status != placements.StatusCancelled {
			t.Errorf("placement %s is %s, want cancelled", p.RecipientRef, p.Status)
		}
	}
}

func TestPlacementScope(t *testing.T) {
	ctx := context.Background()
	w, item := subWorld(t, agreementOpts{}, false)
	o := w.place(w.Orderer, subOrder(w, item, orders.LineInput{RecipientRef: "KS-0003", StartDate: "2026-12-01"}))
	pid := *o.Lines[0].PlacementID
	otherBody := w.org(auth.KindProcurementBody, 0)
	for _, tc := range []struct {
		name   string
		caller auth.Caller
	}{
		{"another buyer organisation", w.OtherC},
		{"another supplier on the agreement", w.Sup2C},
		{"a manager of another procurement body", w.user(otherBody, auth.RoleManager)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := w.svc.Placements().Get(ctx, tc.caller, pid); derr.KindOf(err) != derr.NotFound {
				t.Errorf("get: got %v, want 404", err)
			}
			list, _, err := w.svc.Placements().List(ctx, tc.caller, placements.Filter{})
			testenv.Must(t, err)
			if len(list) != 0 {
				t.Errorf("list shows %d placements", len(list))
			}
			ch, err := w.svc.Placements().Charges(ctx, tc.caller, placements.ChargeFilter{Month: "2026-12"})
			testenv.Must(t, err)
			if len(ch.Lines) != 0 {
				t.Errorf("charges show %d lines", len(ch.Lines))
			}
		})
	}
	if _, err := w.svc.Placements().Install(ctx, w.Sup2C, pid, placements.InstallInput{InstalledOn: "2026-12-01"}); derr.KindOf(err) != derr.NotFound {
		t.Errorf("another supplier installs: got %v, want 404", err)
	}
	if _, err := w.svc.EndPlacement(ctx, w.OtherC, pid, placements.EndInput{EndDate: "2027-11-30"}); derr.KindOf(err) != derr.NotFound {
		t.Errorf("another organisation ends: got %v, want 404", err)
	}
	for _, c := range []auth.Caller{w.Orderer, w.Sup1C, w.Manager} {
		if _, err := w.svc.Placements().Get(ctx, c, pid); err != nil {
			t.Errorf("%v: %v", c.Roles, err)
		}
	}
}

// TestChargesAndInstalledBase installs two devices mid-month and checks a month's charges and
// the installed base by hand.
func TestChargesAndInstalledBase(t *testing.T) {
	ctx := context.Background()
	w, item := subWorld(t, agreementOpts{}, false)
	ps := w.svc.Placements()
	// Installed on 1 Dec 2026 and on 20 Dec 2026 (clock moved on).
	o1 := w.place(w.Orderer, subOrder(w, item, orders.LineInput{RecipientRef: "KS-1", StartDate: "2026-12-01"}))
	_, err := ps.Install(ctx, w.Sup1C, *o1.Lines[0].PlacementID, placements.InstallInput{InstalledOn: "2026-12-01"})
	testenv.Must(t, err)
	o2 := w.place(w.OtherC, subOrder(w, item, orders.LineInput{RecipientRef: "KS-2", StartDate: "2026-12-10"}))
	w.svc.SetClock(func() time.Time { return time.Date(2026, 12, 20, 8, 0, 0, 0, time.UTC) })
	_, err = ps.Install(ctx, w.Sup1C, *o2.Lines[0].PlacementID, placements.InstallInput{InstalledOn: "2026-12-20"})
	testenv.Must(t, err)

	ch, err := ps.Charges(ctx, w.Manager, placements.ChargeFilter{Month: "2026-12"})
	testenv.Must(t, err)
	// KS-1: 31 of 31 days + setup = 219,500. KS-2: 20–31 Dec, 12 days: 69500 × 12 / 31 =
	// 26903.2 → 26,903, + setup = 176,903.
	want := map[string]int64{"KS-1": monthly + setup, "KS-2": 26903 + setup}
	if len(ch.Lines) != 2 || ch.TotalMinor != want["KS-1"]+want["KS-2"] || len(ch.Totals) != 2 {
		t.Fatalf("charges %+v", ch)
	}
	for _, l := range ch.Lines {
		if l.ChargeMinor != want[l.RecipientRef] {
			t.Errorf("%s: %d, want %d", l.RecipientRef, l.ChargeMinor, want[l.RecipientRef])
		}
	}
	// The buyer sees its own organisation's line only; the supplier both.
	own, err := ps.Charges(ctx, w.Orderer, placements.ChargeFilter{Month: "2026-12"})
	testenv.Must(t, err)
	if len(own.Lines) != 1 || own.TotalMinor != want["KS-1"] {
		t.Errorf("buyer's charges %+v", own)
	}
	expected, err := ps.MonthCharges(ctx, nil, "2027-01", w.Sup1.ID, w.Other.ID)
	testenv.Must(t, err)
	if expected.TotalMinor != monthly {
		t.Errorf("January's expected invoice from Sup1 to Other: %d, want %d", expected.TotalMinor, monthly)
	}
	if _, err := ps.Charges(ctx, w.Manager, placements.ChargeFilter{Month: "2026-13"}); derr.KindOf(err) != derr.Invalid {
		t.Errorf("month 13: got %v, want 422", err)
	}

	base, err := ps.InstalledBase(ctx, w.Manager, placements.BaseFilter{AgreementID: w.Agr, From: "2026-11", To: "2027-01"})
	testenv.Must(t, err)
	// November: nothing; December: one each, with the charges above; January: one each, a month each.
	got := map[string]int64{}
	active := 0
	for _, b := range base {
		got[b.Month+" "+b.OrgID] = b.ChargeMinor
		active += b.Active
	}
	if len(base) != 4 || active != 4 || got["2026-12 "+w.Buyer.ID] != want["KS-1"] || got["2026-12 "+w.Other.ID] != want["KS-2"] ||
		got["2027-01 "+w.Buyer.ID] != monthly {
		t.Errorf("installed base %+v", base)
	}
}

// TestServiceOutageAnsweredInTime: outages answered within the agreement's
// service_response_hours count as in time on the scorecard.
func TestServiceOutageAnsweredInTime(t *testing.T) {
	ctx := context.Background()
	w, item := subWorld(t, agreementOpts{}, false)
	exec(t, w.db, `UPDATE agreements SET service_response_hours = 24 WHERE id = $1`, w.Agr)
	o := w.place(w.Orderer, subOrder(w, item, orders.LineInput{RecipientRef: "KS-9", StartDate: "2026-12-01"}))
	pid := *o.Lines[0].PlacementID
	if _, err := w.svc.ReportOutage(ctx, w.Orderer, pid, "Automaten larmar inte"); derr.KindOf(err) != derr.Conflict {
		t.Errorf("outage before installation: got %v, want 409", err)
	}
	_, err := w.svc.Placements().Install(ctx, w.Sup1C, pid, placements.InstallInput{InstalledOn: "2026-12-01"})
	testenv.Must(t, err)
	late, err := w.svc.ReportOutage(ctx, w.Orderer, pid, "Automaten larmar inte")
	testenv.Must(t, err)
	onTime, err := w.svc.ReportOutage(ctx, w.Orderer, pid, "Dosfacket fastnar")
	testenv.Must(t, err)
	if _, err := w.svc.ReportOutage(ctx, w.OtherC, pid, "x"); derr.KindOf(err) != derr.NotFound {
		t.Errorf("another organisation reports: got %v, want 404", err)
	}
	for _, d := range []orders.Deviation{late, onTime} {
		_, err := w.svc.RespondDeviation(ctx, w.Sup1C, o.ID, d.ID, "Tekniker skickad")
		testenv.Must(t, err)
	}
	// The first was reported 30 hours before its answer.
	exec(t, w.db, `UPDATE deviations SET created_at = responded_at - interval '30 hours' WHERE id = $1`, late.ID)
	sc, err := w.svc.Scorecard(ctx, w.Manager, w.Sup1.ID, w.Agr)
	testenv.Must(t, err)
	if sc.DeviationsByKind["service_outage"] != 2 || sc.OutagesAnsweredInTime != 1 || sc.OutagesInTimeRateBP != 5000 {
		t.Errorf("scorecard outages %d, in time %d (%d bp); want 2, 1, 5000", sc.DeviationsByKind["service_outage"], sc.OutagesAnsweredInTime, sc.OutagesInTimeRateBP)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
