package orders_test

import (
	"context"
	"testing"

	"github.com/avrop/avrop/internal/testenv"
)

// The purge deletes keys older than 24 hours, in batches past the first 1,000, and keeps the
// younger ones with their orders' replays.
func TestPurgeIdempotencyKeys(t *testing.T) {
	w := newWorld(t, agreementOpts{})
	ctx := context.Background()
	fresh, _, err := w.svc.CreateOrder(ctx, w.Orderer, w.input(1), "fresh-"+testenv.Unique())
	testenv.Must(t, err)
	exec(t, w.db, `INSERT INTO idempotency_keys (user_id, key, fingerprint, created_at)
		SELECT $1, 'old-' || g, '\x00', now() - interval '25 hours' FROM generate_series(1, 2500) g`, w.Orderer2.UserID)

	n, err := w.svc.PurgeIdempotencyKeys(ctx)
	testenv.Must(t, err)
	if n < 2500 {
		t.Fatalf("purged %d keys, want at least the 2,500 expired ones", n)
	}
	var left, kept int
	testenv.Must(t, w.db.Get(&left, `SELECT count(*) FROM idempotency_keys WHERE user_id = $1`, w.Orderer2.UserID))
	testenv.Must(t, w.db.Get(&kept, `SELECT count(*) FROM idempotency_keys WHERE order_id = $1`, fresh.ID))
	if left != 0 || kept != 1 {
		t.Fatalf("after the purge: %d expired keys left, %d fresh kept; want 0 and 1", left, kept)
	}
}
