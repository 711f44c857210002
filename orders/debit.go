package orders

// The ceilings' ledger: placing an order debits its agreement's usage slot and its
// participant's row; cancelling or lowering it credits them back.

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/notify"
)

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
	if !ok {
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
