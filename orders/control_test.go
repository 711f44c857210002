package orders_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

// rank2Order is an order from the world's rank-2 supplier for qty units of its item.
func (w *world) rank2Order(reason, earlier string, qty int64) orders.OrderInput {
	return orders.OrderInput{AgreementID: w.Agr, SupplierID: w.Sup2.ID, DeliveryAddress: "Storgatan 1",
		Lines: []orders.LineInput{{ItemID: w.Items2[0], Quantity: qty}}, CascadeReason: reason, CascadeNote: "rank 1 did not deliver",
		DeclinedOrderID: earlier}
}

// approvedOrder places an order to rank 1 and has it approved.
func (w *world) approvedOrder() orders.Order {
	w.t.Helper()
	o := w.place(w.Orderer, w.input(1))
	if o.Status == orders.StatusPendingApproval {
		var err error
		o, err = w.svc.Move(context.Background(), w.Approver, o.ID, orders.ActionApprove, "")
		testenv.Must(w.t, err)
	}
	return o
}

func TestCascadeDeclinedOrderJustifiesOneOrder(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, agreementOpts{})
	first := w.approvedOrder()
	_, err := w.svc.Move(ctx, w.Sup1C, first.ID, orders.ActionDecline, "out of stock")
	testenv.Must(t, err)

	// Ten cascade orders race to name the same declined order: exactly one is placed.
	var wg sync.WaitGroup
	var mu sync.Mutex
	placed, refused := 0, 0
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := w.svc.CreateOrder(ctx, w.Orderer, w.rank2Order(orders.CascadeHigherRankDeclined, first.ID, 1), "")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				placed++
			case derr.CodeOf(err) == orders.CodeCascadeOrderInvalid:
				refused++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}()
	}
	wg.Wait()
	if placed != 1 || refused != 9 {
		t.Fatalf("placed %d, refused %d; want 1 and 9", placed, refused)
	}

	t.Run("free again once its cascade order is cancelled", func(t *testing.T) {
		list, _, err := w.svc.ListOrders(ctx, w.Manager, orders.OrderFilter{Cascade: true})
		testenv.Must(t, err)
		if len(list) != 1 {
			t.Fatalf("cascade orders = %d, want 1", len(list))
		}
		_, err = w.svc.Move(ctx, w.Orderer, list[0].ID, orders.ActionCancel, "wrong quantity")
		testenv.Must(t, err)
		_, _, err = w.svc.CreateOrder(ctx, w.Orderer, w.rank2Order(orders.CascadeHigherRankDeclined, first.ID, 1), "")
		testenv.Must(t, err)
	})
	t.Run("declined more than 30 days ago", func(t *testing.T) {
		old := w.approvedOrder()
		_, err := w.svc.Move(ctx, w.Sup1C, old.ID, orders.ActionDecline, "out of stock")
		testenv.Must(t, err)
		exec(t, w.db, `UPDATE orders SET updated_at = now() - interval '31 days' WHERE id = $1`, old.ID)
		_, _, err = w.svc.CreateOrder(ctx, w.Orderer, w.rank2Order(orders.CascadeHigherRankDeclined, old.ID, 1), "")
		wantCode(t, err, derr.Invalid, orders.CodeCascadeOrderInvalid)
	})
	t.Run("an order to the same rank", func(t *testing.T) {
		own, _, err := w.svc.CreateOrder(ctx, w.Orderer, w.rank2Order(orders.CascadeHigherRankCannotDeliver, "", 1), "")
		testenv.Must(t, err)
		_, _, err = w.svc.CreateOrder(ctx, w.Orderer, w.rank2Order(orders.CascadeHigherRankNoReply, own.ID, 1), "")
		wantCode(t, err, derr.Invalid, orders.CodeCascadeOrderInvalid)
	})
}

func TestCascadeNoReply(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, agreementOpts{})

	t.Run("names the order", func(t *testing.T) {
		_, _, err := w.svc.CreateOrder(ctx, w.Orderer, w.rank2Order(orders.CascadeHigherRankNoReply, "", 1), "")
		wantCode(t, err, derr.Invalid, orders.CodeCascadeReasonRequired)
	})
	t.Run("within the response time", func(t *testing.T) {
		waiting := w.approvedOrder()
		_, _, err := w.svc.CreateOrder(ctx, w.Orderer, w.rank2Order(orders.CascadeHigherRankNoReply, waiting.ID, 1), "")
		wantCode(t, err, derr.Invalid, orders.CodeCascadeOrderInvalid)
		// The agreement's own response time decides: 2 hours, and the order is 3 hours old.
		exec(t, w.db, `UPDATE agreements SET response_time_hours = 2 WHERE id = $1`, w.Agr)
		exec(t, w.db, `UPDATE orders SET approved_at = now() - interval '3 hours' WHERE id = $1`, waiting.ID)
		o, _, err := w.svc.CreateOrder(ctx, w.Orderer, w.rank2Order(orders.CascadeHigherRankNoReply, waiting.ID, 1), "")
		testenv.Must(t, err)
		if o.DeclinedOrderID == nil || *o.DeclinedOrderID != waiting.ID {
			t.Errorf("declined_order_id = %v, want %s", o.DeclinedOrderID, waiting.ID)
		}
		got, err := w.svc.GetOrder(ctx, w.Orderer, waiting.ID)
		testenv.Must(t, err)
		last := got.Events[len(got.Events)-1]
		if got.Status != orders.StatusCancelled || last.Note != orders.NoteNoReply || last.Code != orders.NoteNoReply {
			t.Errorf("named order = %s, last event %+v; want cancelled with no_reply", got.Status, last)
		}
		if a, p := w.committed(); a != w.sumCommitted() || p != w.sumCommitted() {
			t.Errorf("committed = %d/%d, want %d (the cancelled order released)", a, p, w.sumCommitted())
		}
		exec(t, w.db, `UPDATE agreements SET response_time_hours = 48 WHERE id = $1`, w.Agr)
	})
	t.Run("an answered order cannot be passed over", func(t *testing.T) {
		accepted := w.approvedOrder()
		_, err := w.svc.Move(ctx, w.Sup1C, accepted.ID, orders.ActionAccept, "")
		testenv.Must(t, err)
		exec(t, w.db, `UPDATE orders SET approved_at = now() - interval '100 hours' WHERE id = $1`, accepted.ID)
		_, _, err = w.svc.CreateOrder(ctx, w.Orderer, w.rank2Order(orders.CascadeHigherRankNoReply, accepted.ID, 1), "")
		wantCode(t, err, derr.Invalid, orders.CodeCascadeOrderInvalid)
	})
}

func TestCascadeNoReplyIsAtomic(t *testing.T) {
	// The cascade order breaks the agreement's ceiling: the named order stays approved and
	// committed, as if nothing had happened.
	ctx := context.Background()
	w := newWorld(t, agreementOpts{ceiling: ptr(int64(100000))})
	waiting := w.approvedOrder() // 60000 committed
	exec(t, w.db, `UPDATE orders SET approved_at = now() - interval '49 hours' WHERE id = $1`, waiting.ID)
	_, _, err := w.svc.CreateOrder(ctx, w.Orderer, w.rank2Order(orders.CascadeHigherRankNoReply, waiting.ID, 20), "")
	wantCode(t, err, derr.Invalid, orders.CodeCeilingExceeded)
	got, err := w.svc.GetOrder(ctx, w.Orderer, waiting.ID)
	testenv.Must(t, err)
	if got.Status != orders.StatusApproved || len(got.Events) != len(waiting.Events) {
		t.Errorf("named order = %s with %d events, want approved, untouched", got.Status, len(got.Events))
	}
	if a, _ := w.committed(); a != 60000 {
		t.Errorf("committed = %d, want 60000", a)
	}
}

func TestOrderSplitting(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, agreementOpts{threshold: 150000})
	a := w.place(w.Orderer, w.input(1)) // 60000
	b := w.place(w.Orderer2, w.input(1))
	if a.Status != orders.StatusApproved || b.Status != orders.StatusApproved || a.Events[0].Code != "" {
		t.Fatalf("first two = %s, %s; want approved", a.Status, b.Status)
	}
	third := w.place(w.Orderer, w.input(1)) // 180000 within 7 days: reaches 150000
	if third.Status != orders.StatusPendingApproval || third.Events[0].Code != orders.CodeSplitSuspected {
		t.Fatalf("third = %s with code %q, want pending_approval with split_suspected", third.Status, third.Events[0].Code)
	}
	got, err := w.svc.GetOrder(ctx, w.Approver, third.ID)
	testenv.Must(t, err)
	if got.Events[0].Code != orders.CodeSplitSuspected {
		t.Errorf("stored creation event code = %q", got.Events[0].Code)
	}

	t.Run("cancelled, rejected and old orders do not count", func(t *testing.T) {
		_, err := w.svc.Move(ctx, w.Approver, third.ID, orders.ActionReject, "split")
		testenv.Must(t, err)
		_, err = w.svc.Move(ctx, w.Orderer2, b.ID, orders.ActionCancel, "")
		testenv.Must(t, err)
		exec(t, w.db, `UPDATE orders SET created_at = now() - interval '8 days' WHERE id = $1`, a.ID)
		if o := w.place(w.Orderer, w.input(1)); o.Status != orders.StatusApproved {
			t.Errorf("status = %s, want approved", o.Status)
		}
	})
	t.Run("another supplier's orders do not count", func(t *testing.T) {
		o, _, err := w.svc.CreateOrder(ctx, w.OtherC, w.rank2Order(orders.CascadeHigherRankCannotDeliver, "", 14), "")
		testenv.Must(t, err)
		o2 := w.place(w.OtherC, w.input(1))
		if o.Status != orders.StatusApproved || o2.Status != orders.StatusApproved {
			t.Errorf("statuses = %s, %s; want approved", o.Status, o2.Status)
		}
	})
}

// TestOrderSplittingSimultaneous places many orders of one organisation to one supplier at the
// same moment: each is below the threshold, together they pass it. Judged one after the other,
// exactly the first two fit under 150000 and every later one carries split_suspected.
func TestOrderSplittingSimultaneous(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, agreementOpts{threshold: 150000})
	const n = 12
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([]orders.Order, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			caller := w.Orderer
			if i%2 == 1 {
				caller = w.Orderer2
			}
			results[i], _, errs[i] = w.svc.CreateOrder(ctx, caller, w.input(1), "") // 60000 each
		}()
	}
	close(start)
	wg.Wait()
	approved, split := 0, 0
	for i, o := range results {
		if errs[i] != nil {
			t.Fatalf("order %d: %v", i, errs[i])
		}
		switch {
		case o.Status == orders.StatusApproved && o.Events[0].Code == "":
			approved++
		case o.Status == orders.StatusPendingApproval && o.Events[0].Code == orders.CodeSplitSuspected:
			split++
		default:
			t.Errorf("order %d: %s with code %q", i, o.Status, o.Events[0].Code)
		}
	}
	if approved != 2 || split != n-2 {
		t.Errorf("approved %d, split_suspected %d; want 2 and %d", approved, split, n-2)
	}
}

func TestForecastNeverPassesValidTo(t *testing.T) {
	ctx := context.Background()
	today := time.Now().UTC()
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
	tests := []struct {
		name      string
		ceiling   int64
		validTo   string
		wantDate  bool
		projected int64
	}{
		// 60000 committed in the last 90 days: 666.67 a day.
		{"pace reaches the ceiling in time", 80000, day(100), true, 60000 + 66667},
		{"pace too slow before valid_to", 10_000_000_000, day(30), false, 60000 + 20000},
		{"a tiny pace over a huge ceiling", 9_000_000_000_000_000, day(365), false, 60000 + 243333},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, agreementOpts{ceiling: ptr(tt.ceiling), validTo: tt.validTo})
			w.place(w.Orderer, w.input(1))
			u, err := w.svc.Usage(ctx, w.Manager, w.Agr)
			testenv.Must(t, err)
			if (u.ForecastExhaustionDate != nil) != tt.wantDate || (u.ForecastExhaustionDate != nil && *u.ForecastExhaustionDate > tt.validTo) {
				t.Errorf("forecast = %v, valid_to %s", u.ForecastExhaustionDate, tt.validTo)
			}
			if u.ProjectedAtEndMinor != tt.projected || u.ValidTo != tt.validTo {
				t.Errorf("projected = %d at %s, want %d at %s", u.ProjectedAtEndMinor, u.ValidTo, tt.projected, tt.validTo)
			}
		})
	}
}

func TestCeilingLoweredWhileOrdersRace(t *testing.T) {
	// Orders race a manager who lowers the agreement's and the participant's ceilings step by
	// step: a ceiling is never set below what is committed, and no order ever passes one.
	ctx := context.Background()
	w := newWorld(t, agreementOpts{ceiling: ptr(int64(3_000_000)), participantCeiling: ptr(int64(2_400_000))})
	cat := catalog.NewService(w.db, nil, testenv.RedisPrefix())
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	count := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			codes["ok"]++
			return
		}
		if derr.KindOf(err) != derr.Invalid {
			t.Errorf("unexpected error: %v", err)
		}
		codes[derr.CodeOf(err)]++
	}
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 6; i++ {
				_, _, err := w.svc.CreateOrder(ctx, w.Orderer, w.input(1), "")
				count(err)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for c := int64(3_000_000); c >= 600_000; c -= 120_000 {
			_, err := cat.UpdateAgreement(ctx, w.Manager, w.Agr, catalog.AgreementPatch{CeilingMinor: catalog.OptionalInt64{Set: true, Value: ptr(c)},
				Participants: []catalog.ParticipantPatch{{OrgID: w.Buyer.ID, CeilingMinor: catalog.OptionalInt64{Set: true, Value: ptr(c - 300_000)}}}})
			count(err)
		}
	}()
	wg.Wait()
	a, err := cat.GetAgreement(ctx, w.Manager, w.Agr)
	testenv.Must(t, err)
	committed, participant := w.committed()
	if committed != w.sumCommitted() || participant != w.sumCommitted() {
		t.Fatalf("counters %d/%d, orders %d", committed, participant, w.sumCommitted())
	}
	var pc int64
	for _, p := range a.Participants {
		if p.OrgID == w.Buyer.ID {
			pc = *p.CeilingMinor
		}
	}
	if committed > *a.CeilingMinor || participant > pc {
		t.Fatalf("committed %d over ceiling %d, participant %d over %d", committed, *a.CeilingMinor, participant, pc)
	}
	if codes[catalog.CodeCeilingBelowCommitted]+codes[catalog.CodeParticipantCeilingBelowCommitted] == 0 {
		t.Errorf("no ceiling change was refused: %v", codes)
	}
	t.Logf("outcomes: %v", codes)
	events, _, err := cat.History(ctx, w.Manager, w.Agr, auth.Page{Page: 1, PageSize: 100})
	testenv.Must(t, err)
	if len(events) == 0 || events[0].Term != "ceiling_minor" && events[0].Term != catalog.TermParticipant {
		t.Errorf("history = %+v", events)
	}
}

func TestProposedItemsAndEndedPartiesCannotBeOrdered(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, agreementOpts{})
	t.Run("a proposed item", func(t *testing.T) {
		exec(t, w.db, `UPDATE items SET approval = 'proposed' WHERE id = $1`, w.Items1[1])
		_, _, err := w.svc.CreateOrder(ctx, w.Orderer, w.input(1), "")
		wantCode(t, err, derr.Invalid, orders.CodeItemNotInAgreement)
		exec(t, w.db, `UPDATE items SET approval = 'accepted' WHERE id = $1`, w.Items1[1])
	})
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	today := time.Now().UTC().Format(time.DateOnly)
	t.Run("a participant ended today may still order", func(t *testing.T) {
		exec(t, w.db, `UPDATE agreement_participants SET ends_on = $3 WHERE agreement_id = $1 AND org_id = $2`, w.Agr, w.Buyer.ID, today)
		w.place(w.Orderer, w.input(1))
	})
	t.Run("an ended participant", func(t *testing.T) {
		exec(t, w.db, `UPDATE agreement_participants SET ends_on = $3 WHERE agreement_id = $1 AND org_id = $2`, w.Agr, w.Buyer.ID, yesterday)
		_, _, err := w.svc.CreateOrder(ctx, w.Orderer, w.input(1), "")
		wantCode(t, err, derr.Invalid, orders.CodeNotParticipant)
	})
	t.Run("an ended supplier", func(t *testing.T) {
		exec(t, w.db, `UPDATE agreement_suppliers SET ends_on = $3 WHERE agreement_id = $1 AND org_id = $2`, w.Agr, w.Sup1.ID, yesterday)
		in := w.input(1)
		_, _, err := w.svc.CreateOrder(ctx, w.OtherC, in, "")
		wantCode(t, err, derr.Invalid, orders.CodeSupplierNotInAgreement)
	})
}
