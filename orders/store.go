package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/postgres"
)

// statements are the order-placement queries, prepared once per pool: lib/pq otherwise
// spends an extra round trip on every unprepared query with arguments, and placement runs
// three or four of them per order (context, split rule, debit; a key's claim).
type statements struct {
	db   *sqlx.DB
	mu   sync.Mutex
	byID map[string]*sqlx.Stmt
}

func newStatements(db *sqlx.DB) *statements {
	return &statements{db: db, byID: map[string]*sqlx.Stmt{}}
}

// hot lists the statements of order placement.
var hot = []string{orderContextSQL, splitSQL, debitSQL, debitAfterRebalanceSQL}

// prepare prepares the hot statements on the pool once. It must run outside any transaction:
// preparing on the pool takes a connection of its own, and transactions already holding every
// connection would wait for it forever.
func (st *statements) prepare(ctx context.Context) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.byID) == len(hot) {
		return nil
	}
	for _, q := range hot {
		if _, ok := st.byID[q]; ok {
			continue
		}
		stmt, err := st.db.PreparexContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		st.byID[q] = stmt
	}
	return nil
}

// in returns a prepared hot statement bound to tx (database/sql reuses the statement already
// prepared on tx's connection, or prepares it there); other queries run unprepared.
func (st *statements) in(ctx context.Context, tx *sqlx.Tx, query string) (*sqlx.Stmt, error) {
	st.mu.Lock()
	stmt, ok := st.byID[query]
	st.mu.Unlock()
	if !ok {
		return tx.PreparexContext(ctx, query)
	}
	return tx.StmtxContext(ctx, stmt), nil
}

// orderContext is what an order's rules need about its agreement, the buyer's participation
// and the supplier's award, read with the agreement and participant rows share-locked so that
// a concurrent change of ceiling, status or validity waits for the order (or the order for it).
// The same statement sets the transaction's plan_cache_mode for the statements after it (g,
// see createOnce); claims the order's idempotency key $7 (NULL when there is none) under a
// transaction-scoped advisory lock on it, inserting the key or taking over one older than 24
// hours (kl, kc; when the claim fails, c reads nothing and keyState tells why); and, when the
// buyer has an approval threshold, takes the splitting rule's lock on (buyer, agreement,
// supplier) after the share locks (x): held to the end of the transaction, it serialises the
// buyer's orders to the supplier so that the splitting rule's sum (splitSQL, a later
// statement with a later snapshot) sees every one committed before. Each of the three used to
// be a round trip of its own. The claim needs no snapshot: the key's lock tells a request in
// flight, and ON CONFLICT sees a key committed after the statement began.
type orderContext struct {
	AgreementID        string         `db:"agreement_id"`
	Reference          string         `db:"reference"`
	Status             string         `db:"status"`
	InValidity         bool           `db:"in_validity"`
	Currency           string         `db:"currency"`
	CeilingMinor       sql.NullInt64  `db:"ceiling_minor"`
	CallOffMethod      string         `db:"call_off_method"`
	MinOrderMinor      int64          `db:"min_order_minor"`
	ResponseTimeHours  int            `db:"response_time_hours"`
	ValidTo            string         `db:"valid_to"`
	ParticipantCeiling sql.NullInt64  `db:"participant_ceiling_minor"`
	SupplierRank       sql.NullInt64  `db:"supplier_rank"`
	SupplierName       sql.NullString `db:"supplier_name"`
	OrgName            string         `db:"org_name"`
	ApprovalThreshold  int64          `db:"approval_threshold_minor"`
	UserName           string         `db:"user_name"`
}

const orderContextSQL = `
WITH g AS (SELECT set_config('plan_cache_mode', 'force_generic_plan', true) AS plan_cache_mode),
kl AS (SELECT $7::text IS NULL OR pg_try_advisory_xact_lock(hashtextextended($5::uuid::text || ':' || $7::text, 4711)) AS locked),
kc AS (
    INSERT INTO idempotency_keys AS k (user_id, key, fingerprint) SELECT $5::uuid, $7::text, $8::bytea FROM kl WHERE kl.locked AND $7::text IS NOT NULL
    ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, order_id = NULL, response = NULL, created_at = now()
        WHERE k.created_at < now() - interval '24 hours'
    RETURNING true AS took),
claim AS (SELECT kl.locked AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM kc)) AS ok FROM kl, g),
c AS (
    SELECT a.id AS agreement_id, a.reference, a.status, (a.valid_from <= $4::date AND $4::date <= a.valid_to) AS in_validity,
           a.currency, a.ceiling_minor, a.call_off_method, a.min_order_minor, a.response_time_hours, a.valid_to::text AS valid_to,
           p.ceiling_minor AS participant_ceiling_minor,
           s.rank AS supplier_rank, so.name AS supplier_name,
           bo.name AS org_name, bo.approval_threshold_minor,
           u.name AS user_name
    FROM agreements a
    JOIN agreement_participants p ON p.agreement_id = a.id AND p.org_id = $2 AND (p.ends_on IS NULL OR $4::date <= p.ends_on)
    JOIN organizations bo ON bo.id = p.org_id
    JOIN users u ON u.id = $5
    LEFT JOIN agreement_suppliers s ON s.agreement_id = a.id AND s.org_id = $3 AND (s.ends_on IS NULL OR $4::date <= s.ends_on)
    LEFT JOIN organizations so ON so.id = s.org_id
    WHERE a.id = $1 AND (SELECT ok FROM claim)
    FOR SHARE OF a, p),
x AS (
    SELECT (SELECT count(pg_advisory_xact_lock(hashtextextended('split:' || $2::uuid::text || ':' || c.agreement_id::text || ':' || $3::uuid::text, 0)))
         FROM c WHERE c.approval_threshold_minor > 0) AS split_locks)
SELECT c.*, i.id AS item_id, i.agreement_id AS item_agreement_id, i.supplier_id AS item_supplier_id, i.sku AS item_sku,
       i.name AS item_name, i.unit AS item_unit, i.vat_rate_bp AS item_vat_rate_bp, i.active AS item_active, pr.price_minor AS item_price_minor,
       i.eco_labels AS item_eco_labels, i.pack_size AS item_pack_size,
       i.kind AS item_kind, i.min_term_months AS item_min_term_months, i.notice_months AS item_notice_months,
       pr.setup_price_minor AS item_setup_price_minor
FROM c CROSS JOIN x
LEFT JOIN items i ON i.id = ANY($6::uuid[]) AND i.approval = 'accepted'
LEFT JOIN LATERAL (
    SELECT ip.price_minor, ip.setup_price_minor FROM item_prices ip
    WHERE ip.item_id = i.id AND ip.effective_from <= $4::date
    ORDER BY ip.effective_from DESC, ip.created_at DESC
    LIMIT 1) pr ON true`

// catalogItem is an item with its current price (invalid when no price has come into effect).
type catalogItem struct {
	ID, AgreementID, SupplierID, SKU, Name, Unit string
	VATRateBP                                    int
	Active                                       bool
	PriceMinor                                   sql.NullInt64
	EcoLabels                                    []string
	PackSize                                     float64
	// Subscription terms (SPEC §7): kind, the setup price in effect with the price, terms.
	Kind                        string
	SetupMinor                  int64
	MinTermMonths, NoticeMonths int
}

// itemRow is an item's columns of orderContextSQL: all NULL when no item matched.
type itemRow struct {
	ID          sql.NullString  `db:"item_id"`
	AgreementID sql.NullString  `db:"item_agreement_id"`
	SupplierID  sql.NullString  `db:"item_supplier_id"`
	SKU         sql.NullString  `db:"item_sku"`
	Name        sql.NullString  `db:"item_name"`
	Unit        sql.NullString  `db:"item_unit"`
	VATRateBP   sql.NullInt64   `db:"item_vat_rate_bp"`
	Active      sql.NullBool    `db:"item_active"`
	PriceMinor  sql.NullInt64   `db:"item_price_minor"`
	EcoLabels   pq.StringArray  `db:"item_eco_labels"`
	PackSize    sql.NullFloat64 `db:"item_pack_size"`
	Kind        sql.NullString  `db:"item_kind"`
	MinTerm     sql.NullInt64   `db:"item_min_term_months"`
	Notice      sql.NullInt64   `db:"item_notice_months"`
	SetupMinor  sql.NullInt64   `db:"item_setup_price_minor"`
}

// loadOrderContext claims the order's key (none when key is empty) and reads the order's
// context (agreement, participation, award) with the agreement's and participant's rows
// share-locked, and the requested items with their current prices, in one round trip. found
// is false when the organisation does not take part or the key's claim failed (keyState).
func (s *Service) loadOrderContext(ctx context.Context, tx *sqlx.Tx, agreementID, orgID, supplierID string, today time.Time, userID string,
	itemIDs []string, key string, fingerprint []byte) (oc orderContext, items map[string]catalogItem, found bool, err error) {
	stmt, err := s.stmts.in(ctx, tx, orderContextSQL)
	if err != nil {
		return oc, nil, false, fmt.Errorf("order context: %w", err)
	}
	var rows []struct {
		orderContext
		itemRow
	}
	var keyArg any
	if key != "" {
		keyArg = key
	}
	if err := stmt.SelectContext(ctx, &rows, agreementID, orgID, supplierID, today.Format(time.DateOnly), userID, pq.Array(itemIDs),
		keyArg, fingerprint); err != nil {
		return oc, nil, false, fmt.Errorf("order context: %w", err)
	}
	if len(rows) == 0 {
		return oc, nil, false, nil
	}
	items = make(map[string]catalogItem, len(rows))
	for _, r := range rows {
		if it := r.itemRow; it.ID.Valid {
			items[it.ID.String] = catalogItem{ID: it.ID.String, AgreementID: it.AgreementID.String, SupplierID: it.SupplierID.String,
				SKU: it.SKU.String, Name: it.Name.String, Unit: it.Unit.String, VATRateBP: int(it.VATRateBP.Int64),
				Active: it.Active.Bool, PriceMinor: it.PriceMinor, EcoLabels: it.EcoLabels, PackSize: it.PackSize.Float64,
				Kind: it.Kind.String, SetupMinor: it.SetupMinor.Int64, MinTermMonths: int(it.MinTerm.Int64), NoticeMonths: int(it.Notice.Int64)}
		}
	}
	return rows[0].orderContext, items, true, nil
}

func nullString(p *string) any {
	if p == nil || *p == "" {
		return nil
	}
	return *p
}

// Idempotency keys.

type idempotencyRow struct {
	Fingerprint []byte  `db:"fingerprint"`
	Response    []byte  `db:"response"`
	OrderID     *string `db:"order_id"`
}

type claimResult int

const (
	claimed claimResult = iota
	claimInFlight
	claimExisting
)

// keyState tells, when the order's context statement returned nothing for a keyed order,
// whether that was its claim of the key: the key's row is not visible when another request
// holds it (in flight: its claim took the key's lock and the row is not committed yet), it is
// visible with a response when an earlier request committed it (existing), and it is this
// transaction's own, without a response, when the claim took it (the organisation then does
// not take part).
func keyState(ctx context.Context, tx *sqlx.Tx, userID, key string) (claimResult, idempotencyRow, error) {
	var row idempotencyRow
	err := tx.GetContext(ctx, &row, `SELECT fingerprint, response, order_id FROM idempotency_keys WHERE user_id = $1 AND key = $2`, userID, key)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return claimInFlight, row, nil
	case err != nil:
		return 0, row, fmt.Errorf("idempotency read: %w", err)
	case row.Response == nil:
		return claimed, row, nil
	}
	return claimExisting, row, nil
}

// Reading orders.

const orderColumns = `o.id, o.number, o.buyer_org_id, bo.name AS buyer_org_name, o.ordered_by, u.name AS ordered_by_name,
	o.agreement_id, a.reference AS agreement_reference, o.supplier_id, so.name AS supplier_name, o.supplier_rank, o.status,
	o.currency, o.total_minor, o.vat_minor, o.delivery_address, o.cost_center,
	to_char(o.requested_delivery_date, 'YYYY-MM-DD') AS requested_delivery_date, o.note, o.cascade_reason, o.cascade_note,
	o.declined_order_id, o.decline_reason, o.usage_slot, o.approved_at, o.accepted_at, o.shipped_at, o.delivered_at, o.created_at, o.updated_at,
	o.response_code, o.response_reason, to_char(o.promised_delivery_date, 'YYYY-MM-DD') AS promised_delivery_date, o.responded_at`

const orderFrom = `orders o
	JOIN organizations bo ON bo.id = o.buyer_org_id
	JOIN organizations so ON so.id = o.supplier_id
	JOIN users u ON u.id = o.ordered_by
	JOIN agreements a ON a.id = o.agreement_id`

// scope is the SQL condition (on o and a) for the orders a caller may see: a buyer's own
// organisation's orders, a supplier's orders from approval on, a manager's body's agreements.
// Its arguments start at $first.
func scope(c auth.Caller, first int) (string, []any) {
	cond := fmt.Sprintf(`(($%d AND o.buyer_org_id = $%d) OR ($%d AND o.supplier_id = $%d AND o.approved_at IS NOT NULL)
		OR ($%d AND a.procurement_body_id = $%d))`, first, first+3, first+1, first+3, first+2, first+3)
	return cond, []any{c.HasAny(auth.RoleOrderer, auth.RoleApprover), c.Has(auth.RoleSupplier), c.Has(auth.RoleManager), c.OrgID}
}

func (o *Order) finish() {
	o.TotalInclVATMinor = o.TotalMinor + o.VATMinor
	o.Currency = strings.TrimSpace(o.Currency)
}

// orderInScope returns an order visible to c; forUpdate locks its row for a move.
func orderInScope(ctx context.Context, db sqlx.QueryerContext, c auth.Caller, id string, forUpdate bool) (Order, error) {
	cond, args := scope(c, 2)
	q := `SELECT ` + orderColumns + ` FROM ` + orderFrom + ` WHERE o.id = $1 AND ` + cond
	if forUpdate {
		q += ` FOR UPDATE OF o`
	}
	var o Order
	if err := sqlx.GetContext(ctx, db, &o, q, append([]any{id}, args...)...); err != nil {
		return o, postgres.Error(err, "order")
	}
	o.finish()
	return o, nil
}

func orderLines(ctx context.Context, db sqlx.QueryerContext, id string) ([]Line, error) {
	var ls []Line
	err := sqlx.SelectContext(ctx, db, &ls, `SELECT l.line_no, l.item_id, l.sku, l.name, l.unit, l.quantity, l.unit_price_minor, l.vat_rate_bp,
		l.line_total_minor, l.line_vat_minor, l.eco_labels, l.pack_size, l.quantity_confirmed, l.quantity_shipped, l.quantity_received,
		p.id AS placement_id, p.recipient_ref, p.start_date::text AS start_date, p.end_date::text AS end_date
		FROM order_lines l LEFT JOIN placements p ON p.order_id = l.order_id AND p.line_no = l.line_no
		WHERE l.order_id = $1 ORDER BY l.line_no`, id)
	return ls, err
}

func orderEvents(ctx context.Context, db sqlx.QueryerContext, id string) ([]Event, error) {
	var es []Event
	err := sqlx.SelectContext(ctx, db, &es, `SELECT e.id, e.actor_id, u.name AS actor_name, e.from_status, e.to_status, e.note, e.code, e.created_at
		FROM order_events e JOIN users u ON u.id = e.actor_id WHERE e.order_id = $1 ORDER BY e.id`, id)
	return es, err
}

func withDetails(ctx context.Context, db sqlx.QueryerContext, o *Order) error {
	var err error
	if o.Lines, err = orderLines(ctx, db, o.ID); err != nil {
		return fmt.Errorf("order lines: %w", err)
	}
	o.VATByRate = VATByRate(o.Lines)
	if o.Events, err = orderEvents(ctx, db, o.ID); err != nil {
		return fmt.Errorf("order events: %w", err)
	}
	return nil
}

type orderRow struct {
	Order
	Total int `db:"total_count"`
}

func listOrders(ctx context.Context, db sqlx.QueryerContext, c auth.Caller, f OrderFilter, extra string) ([]Order, int, error) {
	cond, args := scope(c, 1)
	where := []string{cond}
	add := func(format string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(format, len(args)))
	}
	if len(f.Status) > 0 {
		ss := make([]string, len(f.Status))
		for i, s := range f.Status {
			ss[i] = string(s)
		}
		add("o.status = ANY($%d::text[])", pq.Array(ss))
	}
	if f.AgreementID != "" {
		add("o.agreement_id = $%d", f.AgreementID)
	}
	if f.SupplierID != "" {
		add("o.supplier_id = $%d", f.SupplierID)
	}
	if f.BuyerOrgID != "" {
		add("o.buyer_org_id = $%d", f.BuyerOrgID)
	}
	if f.Mine {
		add("o.ordered_by = $%d", c.UserID)
	}
	if f.Cascade {
		where = append(where, "o.cascade_reason IS NOT NULL")
	}
	if extra != "" {
		where = append(where, extra)
	}
	p := f.Page.Normalize()
	args = append(args, p.PageSize, p.Offset())
	q := `SELECT ` + orderColumns + `, count(*) OVER () AS total_count FROM ` + orderFrom + ` WHERE ` + strings.Join(where, " AND ") +
		fmt.Sprintf(` ORDER BY o.created_at DESC, o.id LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	var rows []orderRow
	if err := sqlx.SelectContext(ctx, db, &rows, q, args...); err != nil {
		return nil, 0, fmt.Errorf("list orders: %w", err)
	}
	out := make([]Order, len(rows))
	total := 0
	for i, r := range rows {
		out[i] = r.Order
		out[i].finish()
		total = r.Total
	}
	if len(rows) == 0 && p.Offset() > 0 {
		// count(*) OVER () has no row to ride on past the last page.
		cq := `SELECT count(*) FROM ` + orderFrom + ` WHERE ` + strings.Join(where, " AND ")
		if err := sqlx.GetContext(ctx, db, &total, cq, args[:len(args)-2]...); err != nil {
			return nil, 0, fmt.Errorf("count orders: %w", err)
		}
	}
	return out, total, nil
}
