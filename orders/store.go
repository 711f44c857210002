package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/notify"
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

// UsageSlots is the number of slots each agreement's committed counter is split into (see
// migration 00005): concurrent orders on one agreement contend on a slot, not on one row.
const UsageSlots = 16

// debitParticipantCTE debits the participant's row ($6, ceiling $5) when the agreement's slot
// s was debited; the slot is locked first because p reads s's rows.
const debitParticipantCTE = `
p AS (
    INSERT INTO participant_usage AS u (agreement_id, org_id, committed_minor, ceiling_minor)
    SELECT $1::uuid, $6::uuid, $3::bigint, $5::bigint FROM s WHERE $5::bigint IS NULL OR $3::bigint <= $5::bigint
    ON CONFLICT (agreement_id, org_id) DO UPDATE
        SET committed_minor = u.committed_minor + EXCLUDED.committed_minor, ceiling_minor = EXCLUDED.ceiling_minor
        WHERE EXCLUDED.ceiling_minor IS NULL OR u.committed_minor + EXCLUDED.committed_minor <= EXCLUDED.ceiling_minor
    RETURNING u.committed_minor)`

// writeOrderTail follows p in both final statements. Only when the participant's debit
// succeeded does it take the buyer's next order number (counter row per organisation and
// year), insert the order, its lines and its creation event, and store the idempotency key's
// response ($10 for key $8 of user $7, NULL when there is none) with the number and event id
// filled in, and queues the mail the new order's status sends (roleMail: its approvers, or the
// supplier's users; $39–$42). Writing the order last keeps every hot row (slot, participant, counter) locked
// only for this one statement and the COMMIT.
var writeOrderTail = `,
n AS (
    INSERT INTO order_counters AS c (org_id, year, last_value) SELECT $6::uuid, $12::int, 1 FROM p
    ON CONFLICT (org_id, year) DO UPDATE SET last_value = c.last_value + 1
    RETURNING $11::text || '-' || $12::int::text || '-' || lpad(c.last_value::text, 6, '0') AS number),
o AS (
    INSERT INTO orders (id, number, buyer_org_id, ordered_by, agreement_id, supplier_id, supplier_rank, status, currency,
        total_minor, vat_minor, delivery_address, cost_center, requested_delivery_date, note, cascade_reason, cascade_note,
        declined_order_id, approved_at, usage_slot, created_at, updated_at)
    SELECT $9::uuid, n.number, $6::uuid, $13::uuid, $1::uuid, $14::uuid, $15::int, $16::text, $17::text,
        $3::bigint, $18::bigint, $19::text, $20::text, $21::date, $22::text, $23::text, $24::text,
        $25::uuid, CASE WHEN $16::text = 'approved' THEN $26::timestamptz END, $2::int, $26::timestamptz, $26::timestamptz
    FROM n
    RETURNING id, number),
l AS (
    INSERT INTO order_lines (order_id, line_no, item_id, sku, name, unit, quantity, unit_price_minor, vat_rate_bp,
        line_total_minor, line_vat_minor)
    SELECT o.id, x.line_no, x.item_id, x.sku, x.name, x.unit, x.quantity, x.unit_price_minor, x.vat_rate_bp,
        x.line_total_minor, x.line_vat_minor
    FROM o, unnest($27::int[], $28::uuid[], $29::text[], $30::text[], $31::text[], $32::int[], $33::bigint[],
        $34::int[], $35::bigint[], $36::bigint[])
        AS x(line_no, item_id, sku, name, unit, quantity, unit_price_minor, vat_rate_bp, line_total_minor, line_vat_minor)),
e AS (
    INSERT INTO order_events (order_id, actor_id, from_status, to_status, note, code, created_at)
    SELECT o.id, $13::uuid, NULL, $16::text, $37::text, $38::text, $26::timestamptz FROM o
    RETURNING id),
k AS (
    UPDATE idempotency_keys
    SET order_id = o.id, response = jsonb_set(jsonb_set($10::jsonb, '{number}', to_jsonb(o.number)), '{events,0,id}', to_jsonb(e.id))
    FROM o, e WHERE user_id = $7::uuid AND key = $8::text),
m AS (` + notify.ToRoleWith("o", "$39::uuid", "$40::text", "$41::text", "$42::text") + `)
SELECT EXISTS (SELECT 1 FROM s) AS slot_ok, EXISTS (SELECT 1 FROM p) AS participant_ok,
    (SELECT number FROM o) AS number, (SELECT id FROM e) AS event_id`

// debitSQL is the usual end of an order's transaction, in one round trip: it debits one
// agreement slot ($2) when the slot's allowance has room and was shared from the ceiling in
// force ($4, read under the agreement row's share lock; NULL means no ceiling), then the
// participant, then writes the order (writeOrderTail). No slot row means: retry on the exact
// path.
var debitSQL = `
WITH s AS (
    UPDATE agreement_usage SET committed_minor = committed_minor + $3::bigint
    WHERE agreement_id = $1::uuid AND slot = $2::int AND ceiling_basis IS NOT DISTINCT FROM $4::bigint
      AND (allowance_minor IS NULL OR committed_minor + $3::bigint <= allowance_minor)
    RETURNING committed_minor),` + debitParticipantCTE + writeOrderTail

// debitAfterRebalanceSQL is debitSQL for an order whose slot rebalance has already debited.
var debitAfterRebalanceSQL = `
WITH s AS (SELECT $2::int AS slot, $4::bigint AS ceiling),` + debitParticipantCTE + writeOrderTail

// keyResponse is what an order's idempotency key stores: empty Key when there is none.
type keyResponse struct {
	UserID, Key string
	Response    []byte
}

// debitResult is the outcome of debit: whether the order fitted the agreement's ceiling and
// the participant's, and when it did, the order's number and creation event.
type debitResult struct {
	SlotOK        bool    `db:"slot_ok"`
	ParticipantOK bool    `db:"participant_ok"`
	Number        *string `db:"number"`
	EventID       *int64  `db:"event_id"`
}

// debit debits the order's value from the agreement's ceiling and the participant's, and
// writes the order with its number, lines and creation event and the key's response. Lock
// order, the same in every transaction so that debits and credits never deadlock: agreement
// slots (one, or all in slot order), then the participant's row, then the buyer's counter.
//
// On the fast path (exact false) it debits the order's own slot and answers errSlotFull when the
// slot has no room; the caller then retries the whole order in a new transaction with exact
// true, which locks every slot in order first (rebalance).
func (s *Service) debit(ctx context.Context, tx *sqlx.Tx, o *Order, ceiling, participantCeiling sql.NullInt64, prefix string, year int, k keyResponse, exact bool) (agreementOK, participantOK bool, err error) {
	var key, userID, response any
	if k.Key != "" {
		key, userID, response = k.Key, k.UserID, string(k.Response)
	}
	n := len(o.Lines)
	lineNo, qty, vat := make([]int64, n), make([]int64, n), make([]int64, n)
	ids, skus, names, units := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	price, total, lineVAT := make([]int64, n), make([]int64, n), make([]int64, n)
	for i, l := range o.Lines {
		lineNo[i], ids[i], skus[i], names[i], units[i] = int64(l.LineNo), l.ItemID, l.SKU, l.Name, l.Unit
		qty[i], price[i], vat[i], total[i], lineVAT[i] = int64(l.Quantity), l.UnitPriceMinor, int64(l.VATRateBP), l.LineTotalMinor, l.LineVATMinor
	}
	note, code := "", ""
	if len(o.Events) > 0 {
		note, code = o.Events[0].Note, o.Events[0].Code
	}
	mailOrg, mailRole, mailExcept, mailKind, ok := roleMail(*o, o.Status)
	if !ok || !notify.KnownKind(mailKind) {
		return false, false, fmt.Errorf("order: no mail for a new order in status %s", o.Status)
	}
	run := func(query string) (debitResult, error) {
		var got debitResult
		stmt, err := s.stmts.in(ctx, tx, query)
		if err == nil {
			err = stmt.GetContext(ctx, &got, o.AgreementID, o.UsageSlot, o.TotalMinor, ceiling, participantCeiling, o.BuyerOrgID,
				userID, key, o.ID, response, prefix, year,
				o.OrderedBy, o.SupplierID, o.SupplierRank, string(o.Status), o.Currency, o.VATMinor, o.DeliveryAddress, o.CostCenter,
				nullString(o.RequestedDeliveryDate), o.Note, nullString(o.CascadeReason), o.CascadeNote, nullString(o.DeclinedOrderID),
				o.CreatedAt, pq.Array(lineNo), pq.Array(ids), pq.Array(skus), pq.Array(names), pq.Array(units), pq.Array(qty),
				pq.Array(price), pq.Array(vat), pq.Array(total), pq.Array(lineVAT), note, code, mailOrg, mailRole, mailExcept, string(mailKind))
		}
		if err != nil {
			return got, postgres.Error(err, "order")
		}
		return got, nil
	}
	var got debitResult
	if !exact {
		if got, err = run(debitSQL); err != nil {
			return false, false, err
		}
		if !got.SlotOK {
			return false, false, errSlotFull
		}
	} else {
		ok, err := rebalance(ctx, tx, o.AgreementID, o.UsageSlot, o.TotalMinor, ceiling)
		if err != nil || !ok {
			return false, false, err
		}
		if got, err = run(debitAfterRebalanceSQL); err != nil {
			return false, false, err
		}
	}
	if !got.ParticipantOK || got.Number == nil || got.EventID == nil {
		return true, false, nil
	}
	o.Number = *got.Number
	o.Events[0].ID = *got.EventID
	return true, true, nil
}

// rebalance is the exact path: it locks every slot of the agreement in slot order, refuses
// amount when the sum of the slots plus amount passes the ceiling, and otherwise debits slot
// and shares what remains of the ceiling out as the slots' new allowances.
func rebalance(ctx context.Context, tx *sqlx.Tx, agreementID string, slot int, amount int64, ceiling sql.NullInt64) (bool, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO agreement_usage (agreement_id, slot, committed_minor, allowance_minor, ceiling_basis)
		SELECT $1, g, 0, NULL, NULL FROM generate_series(0, $2 - 1) g ON CONFLICT DO NOTHING`, agreementID, UsageSlots); err != nil {
		return false, fmt.Errorf("usage slots: %w", err)
	}
	var committed []int64
	if err := tx.SelectContext(ctx, &committed, `SELECT committed_minor FROM agreement_usage WHERE agreement_id = $1 ORDER BY slot FOR UPDATE`,
		agreementID); err != nil {
		return false, fmt.Errorf("lock usage slots: %w", err)
	}
	if len(committed) != UsageSlots || slot < 0 || slot >= UsageSlots {
		return false, fmt.Errorf("usage slots: %d rows for slot %d", len(committed), slot)
	}
	var total int64
	for _, c := range committed {
		total += c
	}
	if ceiling.Valid && total+amount > ceiling.Int64 {
		return false, nil
	}
	committed[slot] += amount
	allowance := make([]sql.NullInt64, UsageSlots)
	if ceiling.Valid {
		left := ceiling.Int64 - total - amount
		share := left / UsageSlots
		for i := range allowance {
			allowance[i] = sql.NullInt64{Int64: committed[i] + share, Valid: true}
		}
		allowance[slot].Int64 += left - share*UsageSlots
	}
	slots := make([]int64, UsageSlots)
	allow := make([]any, UsageSlots)
	for i := range slots {
		slots[i] = int64(i)
		if allowance[i].Valid {
			allow[i] = allowance[i].Int64
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE agreement_usage u SET committed_minor = x.committed, allowance_minor = x.allowance, ceiling_basis = $4
		FROM unnest($2::int[], $3::bigint[], $5::bigint[]) AS x(slot, committed, allowance)
		WHERE u.agreement_id = $1 AND u.slot = x.slot`, agreementID, pq.Array(slots), pq.Array(committed), ceiling, nullableInt64Array(allowance)); err != nil {
		return false, fmt.Errorf("rebalance usage slots: %w", err)
	}
	return true, nil
}

// nullableInt64Array renders a bigint[] literal that may hold NULLs (pq.Int64Array cannot).
func nullableInt64Array(vs []sql.NullInt64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = "NULL"
		if v.Valid {
			parts[i] = strconv.FormatInt(v.Int64, 10)
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// credit gives a rejected, declined or cancelled order's value back to the slot it was
// debited from and to the participant, in the same row order as debit. The slot's allowance
// stays, so the room is there for the next order.
func credit(ctx context.Context, tx sqlx.ExtContext, agreementID, orgID string, slot int, amount int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE agreement_usage SET committed_minor = committed_minor - $3 WHERE agreement_id = $1 AND slot = $2`,
		agreementID, slot, amount); err != nil {
		return fmt.Errorf("credit agreement: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE participant_usage SET committed_minor = committed_minor - $3 WHERE agreement_id = $1 AND org_id = $2`,
		agreementID, orgID, amount); err != nil {
		return fmt.Errorf("credit participant: %w", err)
	}
	return nil
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
