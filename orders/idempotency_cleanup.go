package orders

import (
	"context"
	"fmt"
)

// PurgeIdempotencyKeys deletes idempotency keys older than 24 hours, in batches of 1,000 so
// that no statement holds many row locks or runs long beside order placement, and returns
// how many it deleted. A key past its 24 hours is also taken over in place by a new request
// with the same key, so the purge only keeps the table small. `avrop serve` runs it as a
// background job, once per interval across all replicas (internal/jobs).
func (s *Service) PurgeIdempotencyKeys(ctx context.Context) (int64, error) {
	var total int64
	for {
		res, err := s.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE ctid IN (
			SELECT ctid FROM idempotency_keys WHERE created_at < now() - interval '24 hours' LIMIT 1000)`)
		if err != nil {
			return total, fmt.Errorf("purge idempotency keys: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		if n < 1000 {
			return total, nil
		}
	}
}
