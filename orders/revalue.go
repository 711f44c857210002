package orders

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/placements"
)

// Rule codes of an agreement change that the placements' committed value refuses.
const (
	CodePlacementsPassCeiling            = "placements_exceed_ceiling"
	CodePlacementsPassParticipantCeiling = "placements_exceed_participant_ceiling"
)

// revalueOpenPlacements runs inside an agreement's change of valid_to (catalog's ValidToHook,
// with the agreement's row held exclusively, so no order debits meanwhile). Open-ended
// placements commit their value up to valid_to (SPEC §7), so each is worked out again
// (placements.Revalue) and the difference applied to the ceilings in the same transaction:
// a shorter agreement releases value from the order's usage slot and the organisation's
// participant row; a longer one debits them, and when that would pass the agreement's ceiling
// or an organisation's, the whole change is refused (422 naming valid_to) — a ceiling is never
// overrun; the manager raises the ceiling in the same change or leaves valid_to. Rows are locked
// as debit locks them: every usage slot in slot order, then participant rows in org order.
func (s *Service) revalueOpenPlacements(ctx context.Context, tx *sqlx.Tx, agreementID, actorID, validTo string) error {
	end, ok := placements.Date(validTo)
	if !ok {
		return fmt.Errorf("revalue placements: valid_to %q", validTo)
	}
	revs, err := s.placements.Revalue(ctx, tx, agreementID, actorID, end)
	if err != nil || len(revs) == 0 {
		return err
	}
	orderIDs := make([]string, 0, len(revs))
	for _, r := range revs {
		orderIDs = append(orderIDs, r.OrderID)
	}
	var slots []struct {
		ID   string `db:"id"`
		Slot int    `db:"usage_slot"`
	}
	if err := tx.SelectContext(ctx, &slots, `SELECT id, usage_slot FROM orders WHERE id = ANY($1::uuid[])`, pq.Array(orderIDs)); err != nil {
		return fmt.Errorf("placement orders: %w", err)
	}
	slotOf := map[string]int{}
	for _, o := range slots {
		slotOf[o.ID] = o.Slot
	}
	bySlot, byOrg := map[int]int64{}, map[string]int64{}
	var total int64
	for _, r := range revs {
		bySlot[slotOf[r.OrderID]] += r.Delta
		byOrg[r.OrgID] += r.Delta
		total += r.Delta
	}
	var ceiling sql.NullInt64
	if err := tx.GetContext(ctx, &ceiling, `SELECT ceiling_minor FROM agreements WHERE id = $1`, agreementID); err != nil {
		return fmt.Errorf("agreement ceiling: %w", err)
	}
	var committed []int64
	if err := tx.SelectContext(ctx, &committed, `SELECT committed_minor FROM agreement_usage WHERE agreement_id = $1 ORDER BY slot FOR UPDATE`,
		agreementID); err != nil {
		return fmt.Errorf("lock usage slots: %w", err)
	}
	var sum int64
	for _, c := range committed {
		sum += c
	}
	if ceiling.Valid && total > 0 && sum+total > ceiling.Int64 {
		return placementsPassCeiling(CodePlacementsPassCeiling, fmt.Sprintf(
			"Open-ended placements commit their value up to valid_to: this valid_to adds %d, and the agreement's committed value would pass its ceiling by %d. Raise the ceiling in the same change.",
			total, sum+total-ceiling.Int64))
	}
	keys := make([]int, 0, len(bySlot))
	for k := range bySlot {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	// Releases first, so that a debit's room counts them.
	sort.SliceStable(keys, func(i, j int) bool { return bySlot[keys[i]] <= 0 && bySlot[keys[j]] > 0 })
	for _, slot := range keys {
		d := bySlot[slot]
		if d <= 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE agreement_usage SET committed_minor = committed_minor + $3 WHERE agreement_id = $1 AND slot = $2`,
				agreementID, slot, d); err != nil {
				return fmt.Errorf("release agreement: %w", err)
			}
			continue
		}
		// A debit may pass the slot's allowance: rebalance shares out the ceiling's room again.
		if ok, err := rebalance(ctx, tx, agreementID, slot, d, ceiling); err != nil {
			return err
		} else if !ok {
			return placementsPassCeiling(CodePlacementsPassCeiling, "Open-ended placements commit their value up to valid_to: this valid_to would pass the agreement's ceiling.")
		}
	}
	orgs := make([]string, 0, len(byOrg))
	for o := range byOrg {
		orgs = append(orgs, o)
	}
	sort.Strings(orgs)
	for _, org := range orgs {
		var pc sql.NullInt64
		if err := tx.GetContext(ctx, &pc, `SELECT ceiling_minor FROM agreement_participants WHERE agreement_id = $1 AND org_id = $2`,
			agreementID, org); err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("participant ceiling: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE participant_usage SET committed_minor = committed_minor + $3, ceiling_minor = $4
			WHERE agreement_id = $1 AND org_id = $2 AND ($3 <= 0 OR $4::bigint IS NULL OR committed_minor + $3 <= $4::bigint)`,
			agreementID, org, byOrg[org], pc)
		if err != nil {
			return fmt.Errorf("participant usage: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return placementsPassCeiling(CodePlacementsPassParticipantCeiling, fmt.Sprintf(
				"Open-ended placements commit their value up to valid_to: this valid_to would pass the ceiling of participant %s by more than its room. Raise its ceiling in the same change.", org))
		}
	}
	return nil
}

func placementsPassCeiling(code, msg string) error {
	return &derr.Error{Kind: derr.Invalid, Code: code, Message: msg,
		Fields: []derr.FieldError{{Field: "valid_to", Code: code, Message: msg}}}
}
