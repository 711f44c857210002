package orders_test

import (
	"context"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

// TestIdempotencyKeyRaceWithAWaitingRead: request D is held up by a lock on its agreement row
// in the middle of its transaction; meanwhile request A, with the same key and another body
// (an order on a second agreement), runs to its end. The key stays with one request: exactly
// one order is stored, and the other request is told the key is in flight (409) or was used
// with another body (422). (D claims the key in the statement that reads the agreement,
// before it locks the agreement's row, so A is the one told 409; the claim takes the key's
// lock and inserts the key, which needs no snapshot. A design that only read the key in that
// statement would have to cope with a snapshot taken before A committed: see README, Speed.)
func TestIdempotencyKeyRaceWithAWaitingRead(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, agreementOpts{})
	var agr2, item2 string
	testenv.Must(t, w.db.GetContext(ctx, &agr2, `INSERT INTO agreements (procurement_body_id, reference, title, cpv_code, currency,
		valid_from, valid_to, call_off_method, min_order_minor, lead_time_days)
		VALUES ($1, $2, 'Second agreement', '33190000', 'SEK', current_date - 30, current_date + 30, 'ranking', 0, 10) RETURNING id`,
		w.Body.ID, "RA-"+testenv.Unique()))
	exec(t, w.db, `INSERT INTO agreement_participants (agreement_id, org_id) VALUES ($1, $2)`, agr2, w.Buyer.ID)
	exec(t, w.db, `INSERT INTO agreement_suppliers (agreement_id, org_id, rank) VALUES ($1, $2, 1)`, agr2, w.Sup1.ID)
	testenv.Must(t, w.db.GetContext(ctx, &item2, `INSERT INTO items (agreement_id, supplier_id, sku, name, unit, cpv_code, eco_labels, vat_rate_bp)
		VALUES ($1, $2, $3, 'Item', 'EA', '33190000', $4, 2500) RETURNING id`, agr2, w.Sup1.ID, "SKU-"+testenv.Unique(), pq.Array([]string{})))
	exec(t, w.db, `INSERT INTO item_prices (item_id, price_minor, effective_from) VALUES ($1, 10000, current_date - 1)`, item2)

	// An earlier order creates the agreement's usage slots, so that D's order takes the fast
	// path in its first transaction (a first order on an agreement starts again on the exact
	// path, in a new transaction, which would hide the race).
	w.place(w.OtherC, w.input(1))

	blocker, err := w.db.BeginTxx(ctx, nil)
	testenv.Must(t, err)
	defer blocker.Rollback() //nolint:errcheck
	exec(t, blocker, `SELECT 1 FROM agreements WHERE id = $1 FOR UPDATE`, w.Agr)

	done := make(chan error, 1)
	go func() {
		_, _, err := w.svc.CreateOrder(ctx, w.Orderer, w.input(1), "race-key")
		done <- err
	}()
	// Wait until D waits for the agreement row.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var waiting int
		testenv.Must(t, w.db.GetContext(ctx, &waiting, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`))
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the order never waited for the locked agreement")
		}
	}
	inA := orders.OrderInput{AgreementID: agr2, SupplierID: w.Sup1.ID, Lines: []orders.LineInput{{ItemID: item2, Quantity: 1}},
		DeliveryAddress: "Hemtjänst Norr, Storgatan 1", CostCenter: "4410"}
	_, _, errA := w.svc.CreateOrder(ctx, w.Orderer, inA, "race-key")
	testenv.Must(t, blocker.Rollback())
	errD := <-done

	var stored int
	testenv.Must(t, w.db.GetContext(ctx, &stored, `SELECT count(*) FROM orders WHERE ordered_by = $1`, w.Orderer.UserID))
	t.Logf("A: %v; D: %v", errA, errD)
	switch {
	case stored != 1:
		t.Fatalf("%d orders stored under one key (A: %v; D: %v)", stored, errA, errD)
	case errA == nil && errD != nil:
		wantCode(t, errD, derr.Invalid, orders.CodeIdempotencyKeyReused)
	case errD == nil && errA != nil:
		wantCode(t, errA, derr.Conflict, orders.CodeIdempotencyKeyInFlight)
	default:
		t.Fatalf("A: %v; D: %v; want one success and one refusal", errA, errD)
	}
}

// TestIdempotencyKeyWhenTheContextReadsNothing: the key is claimed in the statement that reads
// the order's context, and an organisation that no longer takes part reads nothing. A repeat
// of a request that succeeded before the participation ended is still replayed; a new key is
// refused as not_participant and stores nothing.
func TestIdempotencyKeyWhenTheContextReadsNothing(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, agreementOpts{})
	first, _, err := w.svc.CreateOrder(ctx, w.Orderer, w.input(1), "before-the-end")
	testenv.Must(t, err)
	exec(t, w.db, `UPDATE agreement_participants SET ends_on = current_date - 1 WHERE agreement_id = $1 AND org_id = $2`, w.Agr, w.Buyer.ID)

	again, replayed, err := w.svc.CreateOrder(ctx, w.Orderer, w.input(1), "before-the-end")
	testenv.Must(t, err)
	if !replayed || again.ID != first.ID {
		t.Fatalf("replayed %v, order %s; want the first order %s replayed", replayed, again.ID, first.ID)
	}
	_, _, err = w.svc.CreateOrder(ctx, w.Orderer, w.input(1), "after-the-end")
	wantCode(t, err, derr.Invalid, orders.CodeNotParticipant)
	var keys int
	testenv.Must(t, w.db.GetContext(ctx, &keys, `SELECT count(*) FROM idempotency_keys WHERE user_id = $1 AND key = 'after-the-end'`, w.Orderer.UserID))
	if keys != 0 {
		t.Errorf("a refused request stored its key")
	}
}
