package orders

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/postgres"
)

// Deviations.

const deviationColumns = `d.id, d.order_id, o.number AS order_number, o.agreement_id, a.reference AS agreement_reference,
	o.supplier_id, so.name AS supplier_name, o.buyer_org_id, bo.name AS buyer_org_name, d.kind,
	d.description, d.status, d.reported_by, d.response, d.responded_by, d.responded_at, d.close_note, d.closed_by, d.closed_at,
	d.placement_id, d.created_at, d.updated_at, d.line_no, d.quantity_missing`

const deviationFrom = `deviations d JOIN orders o ON o.id = d.order_id JOIN agreements a ON a.id = o.agreement_id
	JOIN organizations so ON so.id = o.supplier_id JOIN organizations bo ON bo.id = o.buyer_org_id`

func deviationByID(ctx context.Context, db sqlx.QueryerContext, orderID, id string, forUpdate bool) (Deviation, error) {
	q := `SELECT ` + deviationColumns + ` FROM ` + deviationFrom + ` WHERE d.order_id = $1 AND d.id = $2`
	if forUpdate {
		q += ` FOR UPDATE OF d`
	}
	var d Deviation
	err := sqlx.GetContext(ctx, db, &d, q, orderID, id)
	return d, postgres.Error(err, "deviation")
}

type deviationRow struct {
	Deviation
	Total int `db:"total_count"`
}

func listDeviations(ctx context.Context, db sqlx.QueryerContext, c auth.Caller, where []string, args []any, p auth.Page) ([]Deviation, int, error) {
	cond, sargs := scope(c, len(args)+1)
	args = append(args, sargs...)
	where = append(where, cond)
	p = p.Normalize()
	args = append(args, p.PageSize, p.Offset())
	q := `SELECT ` + deviationColumns + `, count(*) OVER () AS total_count FROM ` + deviationFrom + ` WHERE ` +
		strings.Join(where, " AND ") + fmt.Sprintf(` ORDER BY d.created_at DESC, d.id LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	var rows []deviationRow
	if err := sqlx.SelectContext(ctx, db, &rows, q, args...); err != nil {
		return nil, 0, fmt.Errorf("list deviations: %w", err)
	}
	out := make([]Deviation, len(rows))
	total := 0
	for i, r := range rows {
		out[i] = r.Deviation
		total = r.Total
	}
	if len(rows) == 0 && p.Offset() > 0 {
		cq := `SELECT count(*) FROM ` + deviationFrom + ` WHERE ` + strings.Join(where, " AND ")
		if err := sqlx.GetContext(ctx, db, &total, cq, args[:len(args)-2]...); err != nil {
			return nil, 0, fmt.Errorf("count deviations: %w", err)
		}
	}
	return out, total, nil
}
