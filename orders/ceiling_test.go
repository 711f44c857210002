package orders_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

// placeConcurrently places n orders of input(1) (60000 each) at once, spread over the given
// services (one per "server process") and callers, and counts the outcomes by error code.
func placeConcurrently(t *testing.T, w *world, n int, svcs []*orders.Service, callers []auth.Caller) map[string]int {
	t.Helper()
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	var internal atomic.Value
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, _, err := svcs[i%len(svcs)].CreateOrder(context.Background(), callers[i%len(callers)], w.input(1), "")
			code := "ok"
			if err != nil {
				code = derr.CodeOf(err)
				if derr.KindOf(err) == derr.Internal {
					internal.Store(err)
				}
			}
			mu.Lock()
			got[code]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if err, ok := internal.Load().(error); ok {
		t.Fatalf("internal error under concurrency: %v", err)
	}
	return got
}

// secondProcess is another "avrop serve" on the same database: its own pool, its own
// connections, its own services and prepared statements.
func secondProcess(t *testing.T) *orders.Service {
	t.Helper()
	db2, err := postgres.Open(context.Background(), testenv.DatabaseURL(t))
	testenv.Must(t, err)
	db2.SetMaxOpenConns(10)
	t.Cleanup(func() { db2.Close() })
	return orders.NewService(db2, catalog.NewService(db2, nil, testenv.RedisPrefix()))
}

func TestCeilingUnderConcurrency(t *testing.T) {
	const fits, tries = 50, 200
	for _, tc := range []struct {
		name        string
		opts        agreementOpts
		code        string
		twoServices bool
	}{
		{"agreement ceiling", agreementOpts{ceiling: ptr(int64(fits * 60000))}, orders.CodeCeilingExceeded, false},
		{"participant ceiling", agreementOpts{participantCeiling: ptr(int64(fits * 60000))}, orders.CodeParticipantCeiling, false},
		{"agreement ceiling, two server processes", agreementOpts{ceiling: ptr(int64(fits * 60000))}, orders.CodeCeilingExceeded, true},
		{"participant ceiling, two server processes", agreementOpts{participantCeiling: ptr(int64(fits * 60000))}, orders.CodeParticipantCeiling, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, tc.opts)
			svcs := []*orders.Service{w.svc}
			if tc.twoServices {
				svcs = append(svcs, secondProcess(t))
			}
			got := placeConcurrently(t, w, tries, svcs, []auth.Caller{w.Orderer, w.Orderer2, w.Approver})
			if got["ok"] != fits || got[tc.code] != tries-fits {
				t.Fatalf("outcomes = %v, want %d ok and %d %s", got, fits, tries-fits, tc.code)
			}
			a, p := w.committed()
			if sum := w.sumCommitted(); a != sum || p != sum || sum != fits*60000 {
				t.Fatalf("committed agreement %d, participant %d, sum of orders %d; want all %d", a, p, sum, fits*60000)
			}
			var n int
			testenv.Must(t, w.db.Get(&n, `SELECT count(*) FROM orders WHERE agreement_id = $1`, w.Agr))
			if n != fits {
				t.Fatalf("orders stored = %d, want %d", n, fits)
			}
		})
	}
}

func TestCeilingBoundaryAndRelease(t *testing.T) {
	ctx := context.Background()
	// Room for exactly two orders of 60000.
	w := newWorld(t, agreementOpts{ceiling: ptr(int64(120000)), participantCeiling: ptr(int64(120000))})
	first := w.place(w.Orderer, w.input(1))
	second := w.place(w.Orderer, w.input(1)) // reaches the ceiling exactly
	_, _, err := w.svc.CreateOrder(ctx, w.Orderer, w.input(1), "")
	wantCode(t, err, derr.Invalid, orders.CodeCeilingExceeded)

	release := func(t *testing.T, name string, move func() error) {
		t.Helper()
		before, _ := w.committed()
		testenv.Must(t, move())
		after, p := w.committed()
		if after != before-60000 || p != after || after != w.sumCommitted() {
			t.Fatalf("%s: committed %d → %d (participant %d, orders %d), want a release of 60000", name, before, after, p, w.sumCommitted())
		}
		o := w.place(w.Orderer, w.input(1)) // the room is back
		if o.TotalMinor != 60000 {
			t.Fatal(o.TotalMinor)
		}
	}
	t.Run("reject", func(t *testing.T) {
		release(t, "reject", func() error { _, err := w.svc.Move(ctx, w.Approver, first.ID, orders.ActionReject, "no"); return err })
	})
	t.Run("cancel", func(t *testing.T) {
		release(t, "cancel", func() error { _, err := w.svc.Move(ctx, w.Orderer, second.ID, orders.ActionCancel, ""); return err })
	})
	t.Run("decline", func(t *testing.T) {
		list, _, err := w.svc.ListOrders(ctx, w.Orderer, orders.OrderFilter{Status: []orders.Status{orders.StatusPendingApproval}})
		testenv.Must(t, err)
		o := list[0]
		_, err = w.svc.Move(ctx, w.Approver, o.ID, orders.ActionApprove, "")
		testenv.Must(t, err)
		_, err = w.svc.Move(ctx, w.Sup1C, o.ID, orders.ActionAccept, "")
		testenv.Must(t, err)
		release(t, "decline", func() error {
			_, err := w.svc.Move(ctx, w.Sup1C, o.ID, orders.ActionDecline, "cannot deliver")
			return err
		})
	})
	t.Run("a lowered ceiling is read inside the order's transaction", func(t *testing.T) {
		exec(t, w.db, `UPDATE agreements SET ceiling_minor = 60000 WHERE id = $1`, w.Agr)
		_, _, err := w.svc.CreateOrder(ctx, w.OtherC, w.input(1), "")
		wantCode(t, err, derr.Invalid, orders.CodeCeilingExceeded)
		exec(t, w.db, `UPDATE agreements SET ceiling_minor = NULL WHERE id = $1`, w.Agr)
		_, _, err = w.svc.CreateOrder(ctx, w.OtherC, w.input(1), "")
		testenv.Must(t, err)
	})
	t.Run("the database refuses a committed value above the ceiling", func(t *testing.T) {
		_, err := w.db.Exec(`UPDATE participant_usage SET committed_minor = ceiling_minor + 1 WHERE agreement_id = $1 AND org_id = $2`, w.Agr, w.Buyer.ID)
		if err == nil {
			t.Fatal("the CHECK backstop let a committed value above the ceiling through")
		}
	})
}

func TestMovesAreConcurrencySafe(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, agreementOpts{ceiling: ptr(int64(10_000_000))})
	o := w.place(w.Orderer, w.input(1))
	// Twenty approvers reject and cancel at once: exactly one move wins, the value is
	// released once.
	var wg sync.WaitGroup
	var wins atomic.Int32
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if i%2 == 0 {
				_, err = w.svc.Move(ctx, w.Approver, o.ID, orders.ActionReject, "över budget")
			} else {
				_, err = w.svc.Move(ctx, w.Approver, o.ID, orders.ActionCancel, "")
			}
			if err == nil {
				wins.Add(1)
			} else if derr.CodeOf(err) != orders.CodeInvalidTransition {
				t.Errorf("err = %v, want invalid_transition", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d moves won, want 1", wins.Load())
	}
	if a, p := w.committed(); a != 0 || p != 0 {
		t.Fatalf("committed = %d/%d after one release, want 0", a, p)
	}
	var events int
	testenv.Must(t, w.db.Get(&events, `SELECT count(*) FROM order_events WHERE order_id = $1`, o.ID))
	if events != 2 {
		t.Fatalf("events = %d, want 2 (created, one move)", events)
	}
}

func TestEventsCannotBeChanged(t *testing.T) {
	w := newWorld(t, agreementOpts{})
	o := w.place(w.Orderer, w.input(1))
	for name, q := range map[string]string{
		"update":   `UPDATE order_events SET note = 'rewritten' WHERE order_id = $1`,
		"delete":   `DELETE FROM order_events WHERE order_id = $1`,
		"truncate": `TRUNCATE order_events`,
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			if name == "truncate" {
				_, err = w.db.Exec(q)
			} else {
				_, err = w.db.Exec(q, o.ID)
			}
			if err == nil {
				t.Fatalf("%s of an event succeeded; the database must refuse it", name)
			}
		})
	}
	got, err := w.svc.GetOrder(context.Background(), w.Orderer, o.ID)
	testenv.Must(t, err)
	if len(got.Events) != 1 || got.Events[0].Note != "" {
		t.Fatalf("events after the attempts = %+v", got.Events)
	}
}

func TestIdempotencyUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, agreementOpts{})
	svc2 := secondProcess(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	outcomes := map[string]int{}
	ids := map[string]bool{}
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := w.svc
			if i%2 == 1 {
				svc = svc2
			}
			o, _, err := svc.CreateOrder(ctx, w.Orderer, w.input(1), "key-one")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				outcomes[derr.CodeOf(err)]++
				return
			}
			outcomes["ok"]++
			ids[o.ID] = true
		}()
	}
	wg.Wait()
	var n int
	testenv.Must(t, w.db.Get(&n, `SELECT count(*) FROM orders WHERE agreement_id = $1`, w.Agr))
	if n != 1 || len(ids) != 1 || outcomes["ok"]+outcomes[orders.CodeIdempotencyKeyInFlight] != 100 {
		t.Fatalf("orders = %d, distinct ids answered = %d, outcomes = %v; want one order", n, len(ids), outcomes)
	}
	t.Run("replay", func(t *testing.T) {
		o, replayed, err := w.svc.CreateOrder(ctx, w.Orderer, w.input(1), "key-one")
		testenv.Must(t, err)
		if !replayed || !ids[o.ID] || len(o.Lines) != 3 {
			t.Fatalf("replay = %v, id %s", replayed, o.ID)
		}
		stored, err := w.svc.GetOrder(ctx, w.Orderer, o.ID)
		testenv.Must(t, err)
		if o.Number != stored.Number || len(o.Events) != 1 || o.Events[0].ID != stored.Events[0].ID || o.Events[0].ID == 0 ||
			!o.CreatedAt.Equal(stored.CreatedAt) || o.TotalMinor != stored.TotalMinor {
			t.Fatalf("replayed %+v, stored %+v", o, stored)
		}
	})
	t.Run("another body", func(t *testing.T) {
		_, _, err := w.svc.CreateOrder(ctx, w.Orderer, w.input(2), "key-one")
		wantCode(t, err, derr.Invalid, orders.CodeIdempotencyKeyReused)
	})
	t.Run("keys are per user", func(t *testing.T) {
		o, replayed, err := w.svc.CreateOrder(ctx, w.Orderer2, w.input(1), "key-one")
		testenv.Must(t, err)
		if replayed || ids[o.ID] {
			t.Fatal("another user's key was replayed")
		}
	})
	t.Run("expired after 24 hours", func(t *testing.T) {
		exec(t, w.db, `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE user_id = $1 AND key = 'key-one'`, w.Orderer.UserID)
		o, replayed, err := w.svc.CreateOrder(ctx, w.Orderer, w.input(2), "key-one")
		testenv.Must(t, err)
		if replayed || ids[o.ID] {
			t.Fatal("an expired key was replayed")
		}
	})
	t.Run("a refused request stores nothing", func(t *testing.T) {
		in := w.input(1)
		in.SupplierID = w.Other.ID
		_, _, err := w.svc.CreateOrder(ctx, w.Orderer, in, "key-two")
		wantCode(t, err, derr.Invalid, orders.CodeSupplierNotInAgreement)
		_, replayed, err := w.svc.CreateOrder(ctx, w.Orderer, w.input(1), "key-two")
		testenv.Must(t, err)
		if replayed {
			t.Fatal("replayed a key whose first request was refused")
		}
	})
	t.Run("bad keys", func(t *testing.T) {
		for _, k := range []string{string(make([]byte, 256)), "tab\tkey", "åäö"} {
			_, _, err := w.svc.CreateOrder(ctx, w.Orderer, w.input(1), k)
			wantCode(t, err, derr.BadRequest, orders.CodeInvalidIdempotencyKey)
		}
	})
}
