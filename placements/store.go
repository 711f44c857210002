package placements

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/postgres"
)

const placementColumns = `p.id, p.order_id, o.number AS order_number, p.line_no, p.agreement_id, p.item_id, i.name AS item_name,
	p.org_id, bo.name AS org_name, p.supplier_id, so.name AS supplier_name, p.recipient_ref, p.address,
	to_char(p.start_date, 'YYYY-MM-DD') AS start_date, to_char(p.end_date, 'YYYY-MM-DD') AS end_date,
	to_char(p.installed_on, 'YYYY-MM-DD') AS installed_on, to_char(p.returned_on, 'YYYY-MM-DD') AS returned_on,
	p.status, trim(a.currency) AS currency, p.monthly_price_minor, p.setup_price_minor, p.min_term_months, p.notice_months,
	p.committed_minor, p.released_minor, p.created_at, p.updated_at`

const placementFrom = `placements p
	JOIN orders o ON o.id = p.order_id
	JOIN items i ON i.id = p.item_id
	JOIN agreements a ON a.id = p.agreement_id
	JOIN organizations bo ON bo.id = p.org_id
	JOIN organizations so ON so.id = p.supplier_id`

// scope is the SQL condition (on p, o and a) for the placements a caller may see: a buyer's
// organisation's, a supplier's own from its order's approval on (like its order inbox), a
// manager's on the procurement body's agreements. Its arguments start at $first.
func scope(c auth.Caller, first int) (string, []any) {
	cond := fmt.Sprintf(`(($%d AND p.org_id = $%d) OR ($%d AND p.supplier_id = $%d AND o.approved_at IS NOT NULL)
		OR ($%d AND a.procurement_body_id = $%d))`, first, first+3, first+1, first+3, first+2, first+3)
	return cond, []any{c.HasAny(auth.RoleOrderer, auth.RoleApprover), c.Has(auth.RoleSupplier), c.Has(auth.RoleManager), c.OrgID}
}

// side narrows a caller to the roles of one side of a move, so that a manager who is also a
// buyer acts on the buyer's side only with the buyer's scope.
func side(c auth.Caller, roles ...auth.Role) auth.Caller {
	return auth.Caller{UserID: c.UserID, OrgID: c.OrgID, OrgKind: c.OrgKind, Roles: roles}
}

func placementInScope(ctx context.Context, db sqlx.QueryerContext, c auth.Caller, id string, forUpdate bool) (Placement, error) {
	cond, args := scope(c, 2)
	q := `SELECT ` + placementColumns + ` FROM ` + placementFrom + ` WHERE p.id = $1 AND ` + cond
	if forUpdate {
		q += ` FOR UPDATE OF p`
	}
	var p Placement
	if err := sqlx.GetContext(ctx, db, &p, q, append([]any{id}, args...)...); err != nil {
		return p, postgres.Error(err, "placement")
	}
	return p, nil
}

func placementEvents(ctx context.Context, db sqlx.QueryerContext, id string) ([]Event, error) {
	var es []Event
	err := sqlx.SelectContext(ctx, db, &es, `SELECT e.id, e.actor_id, u.name AS actor_name, e.action, e.from_status, e.to_status,
		e.detail, e.created_at FROM placement_events e JOIN users u ON u.id = e.actor_id WHERE e.placement_id = $1 ORDER BY e.id`, id)
	if err != nil {
		return nil, fmt.Errorf("placement events: %w", err)
	}
	return es, nil
}

// record writes one event of a placement.
func record(ctx context.Context, tx sqlx.ExecerContext, id, actor, action string, from *Status, to Status, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	var fromArg any
	if from != nil {
		fromArg = string(*from)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO placement_events (placement_id, actor_id, action, from_status, to_status, detail)
		VALUES ($1, $2, $3, $4, $5, $6)`, id, actor, action, fromArg, string(to), string(b)); err != nil {
		return fmt.Errorf("placement event: %w", err)
	}
	return nil
}

// Filter narrows a list of placements. Empty fields do not filter.
type Filter struct {
	AgreementID string
	OrgID       string
	SupplierID  string
	Status      []Status
	Page        auth.Page
}

func listPlacements(ctx context.Context, db sqlx.QueryerContext, c auth.Caller, f Filter) ([]Placement, int, error) {
	cond, args := scope(c, 1)
	where := []string{cond}
	add := func(format string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(format, len(args)))
	}
	if f.AgreementID != "" {
		add("p.agreement_id = $%d", f.AgreementID)
	}
	if f.OrgID != "" {
		add("p.org_id = $%d", f.OrgID)
	}
	if f.SupplierID != "" {
		add("p.supplier_id = $%d", f.SupplierID)
	}
	if len(f.Status) > 0 {
		ss := make([]string, len(f.Status))
		for i, s := range f.Status {
			ss[i] = string(s)
		}
		add("p.status = ANY($%d::text[])", pq.Array(ss))
	}
	pg := f.Page.Normalize()
	var total int
	if err := sqlx.GetContext(ctx, db, &total, `SELECT count(*) FROM `+placementFrom+` WHERE `+strings.Join(where, " AND "), args...); err != nil {
		return nil, 0, fmt.Errorf("count placements: %w", err)
	}
	args = append(args, pg.PageSize, pg.Offset())
	q := `SELECT ` + placementColumns + ` FROM ` + placementFrom + ` WHERE ` + strings.Join(where, " AND ") +
		fmt.Sprintf(` ORDER BY p.start_date DESC, p.created_at DESC, p.id LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	var out []Placement
	if err := sqlx.SelectContext(ctx, db, &out, q, args...); err != nil {
		return nil, 0, fmt.Errorf("list placements: %w", err)
	}
	return out, total, nil
}

// chargeRow is what a month's charges need of a placement.
type chargeRow struct {
	ID                string  `db:"id"`
	OrgID             string  `db:"org_id"`
	OrgName           string  `db:"org_name"`
	SupplierID        string  `db:"supplier_id"`
	SupplierName      string  `db:"supplier_name"`
	AgreementID       string  `db:"agreement_id"`
	RecipientRef      string  `db:"recipient_ref"`
	ItemName          string  `db:"item_name"`
	InstalledOn       string  `db:"installed_on"`
	EndDate           *string `db:"end_date"`
	MonthlyPriceMinor int64   `db:"monthly_price_minor"`
	SetupPriceMinor   int64   `db:"setup_price_minor"`
}

// installedBetween reads the placements that were installed and active at some day of
// [from, to], in scope (cond and its args), optionally narrowed to an agreement, supplier and
// organisation.
func installedBetween(ctx context.Context, db sqlx.QueryerContext, cond string, args []any, from, to time.Time, agreementID, supplierID, orgID string) ([]chargeRow, error) {
	where := []string{cond, "p.installed_on IS NOT NULL"}
	add := func(format string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(format, len(args)))
	}
	add("p.installed_on <= $%d::date", to.Format(time.DateOnly))
	add("(p.end_date IS NULL OR p.end_date >= $%d::date)", from.Format(time.DateOnly))
	if agreementID != "" {
		add("p.agreement_id = $%d", agreementID)
	}
	if supplierID != "" {
		add("p.supplier_id = $%d", supplierID)
	}
	if orgID != "" {
		add("p.org_id = $%d", orgID)
	}
	q := `SELECT p.id, p.org_id, bo.name AS org_name, p.supplier_id, so.name AS supplier_name, p.agreement_id, p.recipient_ref,
		i.name AS item_name, to_char(p.installed_on, 'YYYY-MM-DD') AS installed_on, to_char(p.end_date, 'YYYY-MM-DD') AS end_date,
		p.monthly_price_minor, p.setup_price_minor
		FROM ` + placementFrom + ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY so.name, bo.name, p.installed_on, p.id`
	var rows []chargeRow
	if err := sqlx.SelectContext(ctx, db, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("installed placements: %w", err)
	}
	return rows, nil
}
