package placements

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Revaluation is the change of one placement's committed value when its agreement's valid_to
// moved: Delta is added to the ceilings (negative: released). The caller (orders, which owns
// the ceilings) applies it to the order's usage slot and the organisation's participant row.
type Revaluation struct {
	PlacementID string
	OrderID     string
	OrgID       string
	Delta       int64
}

// Revalue works out again the committed value of every open-ended placement (ordered or
// installed, no end_date) of an agreement whose valid_to is now validTo, inside tx (the
// agreement's change, which holds the agreement's row exclusively, so no order debits
// meanwhile). The placements are locked in (order, line) order, the order in which an order's
// cancellation locks them; each change is recorded as a "revalue" event. A placement's value
// never goes below its minimum term (CommittedValue).
func (s *Service) Revalue(ctx context.Context, tx *sqlx.Tx, agreementID, actorID string, validTo time.Time) ([]Revaluation, error) {
	var ps []struct {
		ID        string `db:"id"`
		OrderID   string `db:"order_id"`
		OrgID     string `db:"org_id"`
		Status    Status `db:"status"`
		StartDate string `db:"start_date"`
		Monthly   int64  `db:"monthly_price_minor"`
		Setup     int64  `db:"setup_price_minor"`
		MinTerm   int    `db:"min_term_months"`
		Committed int64  `db:"committed_minor"`
	}
	if err := tx.SelectContext(ctx, &ps, `SELECT id, order_id, org_id, status, start_date::text, monthly_price_minor,
		setup_price_minor, min_term_months, committed_minor FROM placements
		WHERE agreement_id = $1 AND end_date IS NULL AND status IN ('ordered', 'installed')
		ORDER BY order_id, line_no FOR UPDATE`, agreementID); err != nil {
		return nil, fmt.Errorf("open placements: %w", err)
	}
	var out []Revaluation
	for _, p := range ps {
		start, _ := Date(p.StartDate)
		value := CommittedValue(Terms{MonthlyPriceMinor: p.Monthly, SetupPriceMinor: p.Setup, MinTermMonths: p.MinTerm}, start, nil, validTo)
		delta := value - p.Committed
		if delta == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE placements SET committed_minor = $2, adjusted_minor = adjusted_minor + $3,
			updated_at = now() WHERE id = $1`, p.ID, value, delta); err != nil {
			return nil, fmt.Errorf("revalue placement: %w", err)
		}
		st := p.Status
		if err := record(ctx, tx, p.ID, actorID, "revalue", &st, st, map[string]any{"valid_to": validTo.Format(time.DateOnly),
			"committed_minor": value, "from_committed_minor": p.Committed}); err != nil {
			return nil, err
		}
		out = append(out, Revaluation{PlacementID: p.ID, OrderID: p.OrderID, OrgID: p.OrgID, Delta: delta})
	}
	return out, nil
}
