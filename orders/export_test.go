package orders

import (
	"context"

	"github.com/avrop/avrop/auth"
)

// SpendFromOrders is Spend computed from the base tables, for the tests that prove the
// rollups answer the same.
func (s *Service) SpendFromOrders(ctx context.Context, c auth.Caller, f SpendFilter) (Spend, error) {
	return s.spendFromOrders(ctx, c, f)
}

// ScorecardsFromOrders is Scorecards computed from the base tables.
func (s *Service) ScorecardsFromOrders(ctx context.Context, c auth.Caller, agreementID string) ([]Scorecard, error) {
	return s.scorecards(ctx, c, "", agreementID, scorecardQuery)
}
