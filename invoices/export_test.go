package invoices

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/postgres"
)

// FromBaseTables is a copy of the service that computes contract loyalty from the base
// tables, the definition the rollups of migration 00024 must match.
func (s *Service) FromBaseTables() *Service {
	c := *s
	c.loyaltyFromBase = true
	return &c
}

// WithLoyaltyCandidates is a copy of the service whose report by organisation computes n
// suppliers per organisation exactly before it sums an organisation whole.
func (s *Service) WithLoyaltyCandidates(n int) *Service {
	c := *s
	c.loyaltyCandidates = n
	return &c
}

// WithLoyaltySubtractAll is a copy of the service whose reports subtract the days outside the
// range from the months they cut whatever the scope's size (loyaltySubtractFrom).
func (s *Service) WithLoyaltySubtractAll() *Service {
	c := *s
	c.loyaltySubtractAll = true
	return &c
}

// LoyaltyPlan is EXPLAIN (ANALYZE, FORMAT JSON) of the statement a report from the rollups
// runs for the organisations ids (not the statement that sums organisations whole), and by
// organisation how many suppliers per organisation it computes exactly.
func (s *Service) LoyaltyPlan(ctx context.Context, ids []string, by LoyaltyGroup, from, to string) (plan string, candidates int, err error) {
	_, f, t, err := LoyaltyFilter{GroupBy: by, From: from, To: to}.normalize(s.now())
	if err != nil {
		return "", 0, err
	}
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		st, err := s.loyaltyStatement(ctx, tx, ids, f, t, by)
		if err != nil {
			return err
		}
		args := st.args
		candidates = st.k
		if by == ByOrganization {
			args = append(args, st.k+1)
		}
		return tx.GetContext(ctx, &plan, "EXPLAIN (ANALYZE, FORMAT JSON) "+st.q, args...)
	})
	return plan, candidates, err
}
