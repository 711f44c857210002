package orders_test

import (
	"context"
	"sync"
	"testing"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

// TestPartialDelivery proves SPEC §8's partial shipments and receipts: shipments up to the
// confirmed quantities, a short receipt opening a missing deviation per line, and concurrent
// shipments never shipping more than confirmed.
func TestPartialDelivery(t *testing.T) {
	w := newWorld(t, agreementOpts{threshold: 1_000_000})
	ctx := context.Background()
	accepted := func(q int64, change []orders.ResponseLineInput) orders.Order {
		o := w.place(w.Orderer, w.input(q))
		in := orders.ResponseInput{Decision: orders.DecisionAccepted}
		if change != nil {
			in = orders.ResponseInput{Decision: orders.DecisionChanged, Lines: change}
		}
		_, err := w.svc.Respond(ctx, w.Sup1C, o.ID, in)
		testenv.Must(t, err)
		return o
	}

	t.Run("shipments, then a short receipt", func(t *testing.T) {
		o := accepted(5, []orders.ResponseLineInput{{LineNo: 3, Quantity: 4}}) // confirmed 5, 5, 4
		got, err := w.svc.Ship(ctx, w.Sup1C, o.ID, []orders.QuantityLine{{LineNo: 1, Quantity: 2}}, "första leveransen")
		testenv.Must(t, err)
		if got.Status != orders.StatusShipped || got.Lines[0].QuantityShipped != 2 || got.Lines[1].QuantityShipped != 0 {
			t.Fatalf("after the first shipment = %+v", got.Lines)
		}
		_, err = w.svc.Ship(ctx, w.Sup1C, o.ID, []orders.QuantityLine{{LineNo: 1, Quantity: 4}}, "")
		if derr.KindOf(err) != derr.Invalid {
			t.Fatalf("shipping more than left: err = %v, want Invalid", err)
		}
		got, err = w.svc.Ship(ctx, w.Sup1C, o.ID, nil, "resten")
		testenv.Must(t, err)
		if got.Lines[0].QuantityShipped != 5 || got.Lines[1].QuantityShipped != 5 || got.Lines[2].QuantityShipped != 4 {
			t.Fatalf("after shipping the rest = %+v", got.Lines)
		}
		if _, err := w.svc.Ship(ctx, w.Sup1C, o.ID, nil, ""); derr.CodeOf(err) != orders.CodeInvalidTransition {
			t.Fatalf("nothing left to ship: err = %v", err)
		}
		if _, err := w.svc.Deliver(ctx, w.Sup1C, o.ID, nil, ""); derr.KindOf(err) != derr.Forbidden {
			t.Fatalf("the supplier confirming receipt: err = %v", err)
		}
		got, err = w.svc.Deliver(ctx, w.Orderer, o.ID, []orders.QuantityLine{{LineNo: 2, Quantity: 3}, {LineNo: 3, Quantity: 4}}, "")
		testenv.Must(t, err)
		if got.Status != orders.StatusDelivered || *got.Lines[0].QuantityReceived != 5 || *got.Lines[1].QuantityReceived != 3 {
			t.Fatalf("delivered = %+v", got.Lines)
		}
		ds, err := w.svc.ListOrderDeviations(ctx, w.Orderer, o.ID)
		testenv.Must(t, err)
		if len(ds) != 1 || ds[0].Kind != orders.DeviationMissing || ds[0].LineNo == nil || *ds[0].LineNo != 2 ||
			ds[0].QuantityMissing == nil || *ds[0].QuantityMissing != 2 {
			t.Fatalf("deviations = %+v, want one missing of 2 on line 2", ds)
		}
	})

	t.Run("the moves still ship and deliver everything", func(t *testing.T) {
		o := accepted(2, nil)
		_, err := w.svc.Move(ctx, w.Sup1C, o.ID, orders.ActionShip, "")
		testenv.Must(t, err)
		got, err := w.svc.Move(ctx, w.Orderer, o.ID, orders.ActionDeliver, "")
		testenv.Must(t, err)
		if got.Status != orders.StatusDelivered || got.Lines[0].QuantityShipped != 2 || *got.Lines[0].QuantityReceived != 2 {
			t.Fatalf("delivered = %+v", got)
		}
	})

	t.Run("concurrent shipments never exceed the confirmed quantity", func(t *testing.T) {
		o := accepted(3, nil)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := w.svc.Ship(ctx, w.Sup1C, o.ID, []orders.QuantityLine{{LineNo: 1, Quantity: 1}}, ""); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		got, err := w.svc.GetOrder(ctx, w.Orderer, o.ID)
		testenv.Must(t, err)
		if ok != 3 || got.Lines[0].QuantityShipped != 3 {
			t.Fatalf("%d shipments succeeded, shipped %d; want 3 and 3", ok, got.Lines[0].QuantityShipped)
		}
	})
}
