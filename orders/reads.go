package orders

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/postgres"
)

// SetReads lets follow-up (usage, spend, scorecards) read from the streaming replica of
// DATABASE_REPLICA_URL when it is up, not lagging, and has replayed the caller's own last
// write (postgres.Reads); without it they read from the primary. Call before serving.
func (s *Service) SetReads(r *postgres.Reads) { s.reads = r }

// read runs one follow-up statement on the replica or the primary, as s.reads decides. Each
// statement decides for itself, so the statements of one answer may come from different
// servers — each at least as new as the caller's last write.
func (s *Service) read(ctx context.Context, q func(db sqlx.QueryerContext) error) error {
	return s.reads.Query(ctx, s.db, func(db *sqlx.DB) error { return q(db) })
}
