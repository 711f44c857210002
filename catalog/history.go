package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
)

// AgreementEvent is one change of an agreement's terms (SPEC §6 "History"): who, when, which
// term, its value before and after (JSON; null when the term had or has no value), and the
// manager's note. The database refuses to change or delete one.
type AgreementEvent struct {
	ID        int64           `db:"id" json:"id"`
	At        time.Time       `db:"created_at" json:"at"`
	ActorID   string          `db:"actor_id" json:"actor_id"`
	ActorName string          `db:"actor_name" json:"actor_name"`
	Term      string          `db:"term" json:"term"`
	Before    json.RawMessage `db:"before" json:"before"`
	After     json.RawMessage `db:"after" json:"after"`
	Note      string          `db:"note" json:"note"`
}

// Terms of the history besides the agreement's own fields (which are named by their JSON
// field, such as ceiling_minor or valid_to).
const (
	TermCreated     = "created"
	TermParticipant = "participant" // before/after: {org_id, name, ceiling_minor, ends_on}
	TermSupplier    = "supplier"    // before/after: {org_id, name, rank, ends_on}
)

type termChange struct {
	term          string
	before, after any
}

// termChanges lists what differs between two states of an agreement, term by term, in a fixed
// order: the agreement's own fields, then each participant and supplier that was added,
// changed or removed.
func termChanges(before, after Agreement) []termChange {
	fields := []termChange{
		{"title", before.Title, after.Title},
		{"description", before.Description, after.Description},
		{"valid_from", before.ValidFrom, after.ValidFrom},
		{"valid_to", before.ValidTo, after.ValidTo},
		{"duration_justification", before.DurationJustification, after.DurationJustification},
		{"ceiling_minor", before.CeilingMinor, after.CeilingMinor},
		{"min_order_minor", before.MinOrderMinor, after.MinOrderMinor},
		{"max_price_increase_bp", before.MaxPriceIncreaseBP, after.MaxPriceIncreaseBP},
		{"price_adjustment_interval_months", before.PriceAdjustmentIntervalMonths, after.PriceAdjustmentIntervalMonths},
		{"lead_time_days", before.LeadTimeDays, after.LeadTimeDays},
		{"response_time_hours", before.ResponseTimeHours, after.ResponseTimeHours},
		{"catalogue_approval", before.CatalogueApproval, after.CatalogueApproval},
		{"status", before.Status, after.Status},
	}
	var out []termChange
	for _, f := range fields {
		if !sameJSON(f.before, f.after) {
			out = append(out, f)
		}
	}
	type party = map[string]any
	parts := func(a Agreement) map[string]party {
		m := map[string]party{}
		for _, p := range a.Participants {
			m[p.OrgID] = party{"org_id": p.OrgID, "name": p.Name, "ceiling_minor": p.CeilingMinor, "ends_on": p.EndsOn}
		}
		return m
	}
	sups := func(a Agreement) map[string]party {
		m := map[string]party{}
		for _, s := range a.Suppliers {
			m[s.OrgID] = party{"org_id": s.OrgID, "name": s.Name, "rank": s.Rank, "ends_on": s.EndsOn}
		}
		return m
	}
	diff := func(term string, b, a map[string]party, order []string) {
		for _, id := range order {
			var bv, av any
			if x, ok := b[id]; ok {
				bv = x
			}
			if x, ok := a[id]; ok {
				av = x
			}
			if !sameJSON(bv, av) {
				out = append(out, termChange{term, bv, av})
			}
		}
	}
	var pOrder, sOrder []string
	for _, p := range before.Participants {
		pOrder = append(pOrder, p.OrgID)
	}
	for _, p := range after.Participants {
		if !containsParty(before.Participants, p.OrgID) {
			pOrder = append(pOrder, p.OrgID)
		}
	}
	for _, s := range before.Suppliers {
		sOrder = append(sOrder, s.OrgID)
	}
	for _, s := range after.Suppliers {
		if !containsSupplier(before.Suppliers, s.OrgID) {
			sOrder = append(sOrder, s.OrgID)
		}
	}
	diff(TermParticipant, parts(before), parts(after), pOrder)
	diff(TermSupplier, sups(before), sups(after), sOrder)
	return out
}

func containsParty(ps []Participant, id string) bool {
	for _, p := range ps {
		if p.OrgID == id {
			return true
		}
	}
	return false
}

func containsSupplier(ss []AwardedSupplier, id string) bool {
	for _, s := range ss {
		if s.OrgID == id {
			return true
		}
	}
	return false
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// recordEvents appends the changes to the agreement's history inside tx, so a change and its
// trace commit together or not at all.
func recordEvents(ctx context.Context, tx *sqlx.Tx, agreementID, actorID, note string, changes []termChange) error {
	for _, ch := range changes {
		b, err := jsonOrNull(ch.before)
		if err != nil {
			return err
		}
		a, err := jsonOrNull(ch.after)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO agreement_events (agreement_id, actor_id, term, before, after, note)
			VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6)`, agreementID, actorID, ch.term, b, a, note); err != nil {
			return fmt.Errorf("agreement event: %w", err)
		}
	}
	return nil
}

// jsonOrNull encodes v for a jsonb column; a nil value (or a nil pointer) is SQL NULL.
func jsonOrNull(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("agreement event: %w", err)
	}
	if string(b) == "null" {
		return nil, nil
	}
	return string(b), nil
}

// createdSnapshot is what the creation event records: the agreement's terms as created.
func createdSnapshot(a Agreement) any {
	a.CreatedAt, a.UpdatedAt = time.Time{}, time.Time{}
	type snapshot struct {
		Agreement
		CreatedAt any `json:"created_at,omitempty"`
		UpdatedAt any `json:"updated_at,omitempty"`
	}
	return snapshot{Agreement: a}
}

// History lists an agreement's events, newest first. Only the agreement's body's managers (and
// admins) read it. Errors: Forbidden (buyers, suppliers), NotFound (absent, another body's).
func (s *Service) History(ctx context.Context, c auth.Caller, agreementID string, page auth.Page) ([]AgreementEvent, int, error) {
	if !c.HasAny(auth.RoleManager, auth.RoleAdmin) {
		return nil, 0, derr.Forbiddenf("Only the agreement's managers read its history.")
	}
	page = page.Normalize()
	if err := s.managedAgreement(ctx, s.db, c, agreementID); err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT count(*) FROM agreement_events WHERE agreement_id = $1`, agreementID); err != nil {
		return nil, 0, fmt.Errorf("history: %w", err)
	}
	list := []AgreementEvent{}
	err := s.db.SelectContext(ctx, &list, `SELECT e.id, e.created_at, e.actor_id, u.name AS actor_name, e.term,
		COALESCE(e.before, 'null'::jsonb) AS before, COALESCE(e.after, 'null'::jsonb) AS after, e.note
		FROM agreement_events e JOIN users u ON u.id = e.actor_id
		WHERE e.agreement_id = $1 ORDER BY e.id DESC LIMIT $2 OFFSET $3`, agreementID, page.PageSize, page.Offset())
	if err != nil {
		return nil, 0, fmt.Errorf("history: %w", err)
	}
	return list, total, nil
}

// managedAgreement checks that the caller manages the agreement (its body's manager, or an
// admin). Errors: NotFound.
func (s *Service) managedAgreement(ctx context.Context, db sqlx.QueryerContext, c auth.Caller, id string) error {
	if !auth.ValidUUID(id) {
		return derr.NotFoundf("agreement not found")
	}
	var body string
	err := sqlx.GetContext(ctx, db, &body, `SELECT procurement_body_id FROM agreements WHERE id = $1`, id)
	if err != nil {
		return postgres.Error(err, "agreement")
	}
	if !c.Has(auth.RoleAdmin) && !(c.Has(auth.RoleManager) && body == c.OrgID) {
		return derr.NotFoundf("agreement not found")
	}
	return nil
}

// Party kinds of RemoveParty.
const (
	PartyParticipant = "participant"
	PartySupplier    = "supplier"
)

// RemoveParty removes a participant or an awarded supplier that has no orders on the
// agreement, with a history event; a supplier's items (never ordered) go with it. A party with
// orders is ended instead (ends_on in a PATCH). Errors: Forbidden (not a manager), NotFound
// (agreement out of scope, or the organisation is no such party), Invalid (party_has_orders),
// Conflict (agreement terminated).
func (s *Service) RemoveParty(ctx context.Context, c auth.Caller, agreementID, kind, orgID, note string) error {
	if !c.HasAny(auth.RoleManager, auth.RoleAdmin) {
		return derr.Forbiddenf("Only managers and admins change agreements.")
	}
	if !auth.ValidUUID(agreementID) {
		return derr.NotFoundf("agreement not found")
	}
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		a, err := agreementForUpdate(ctx, tx, agreementID)
		if err != nil {
			return err
		}
		if !c.Has(auth.RoleAdmin) && a.ProcurementBodyID != c.OrgID {
			return derr.NotFoundf("agreement not found")
		}
		if a.Status == StatusTerminated {
			return derr.Conflictf("agreement_terminated", "A terminated agreement cannot change.")
		}
		if !auth.ValidUUID(orgID) {
			return derr.NotFoundf("%s not found", kind)
		}
		before, err := s.getAgreement(ctx, tx, agreementID)
		if err != nil {
			return err
		}
		column, table := "buyer_org_id", "agreement_participants"
		if kind == PartySupplier {
			column, table = "supplier_id", "agreement_suppliers"
		}
		var hasOrders bool
		if err := tx.GetContext(ctx, &hasOrders, `SELECT EXISTS (SELECT 1 FROM orders WHERE agreement_id = $1 AND `+column+` = $2)`,
			agreementID, orgID); err != nil {
			return fmt.Errorf("party orders: %w", err)
		}
		if hasOrders {
			return &derr.Error{Kind: derr.Invalid, Code: CodePartyHasOrders,
				Message: "This party has orders on the agreement and cannot be removed; end it instead with ends_on.",
				Fields:  []derr.FieldError{{Field: "ends_on", Code: "party_has_orders", Message: "set the party's last day in a PATCH of the agreement"}}}
		}
		if kind == PartySupplier {
			// The supplier's items were never ordered (no orders), so they and their prices,
			// price changes and catalogue changes leave with the award.
			for _, q := range []string{
				`DELETE FROM catalogue_changes WHERE item_id IN (SELECT id FROM items WHERE agreement_id = $1 AND supplier_id = $2)`,
				`DELETE FROM item_prices WHERE item_id IN (SELECT id FROM items WHERE agreement_id = $1 AND supplier_id = $2)`,
				`DELETE FROM price_changes WHERE item_id IN (SELECT id FROM items WHERE agreement_id = $1 AND supplier_id = $2)`,
				`DELETE FROM catalogue_submissions cs WHERE agreement_id = $1 AND supplier_id = $2
					AND NOT EXISTS (SELECT 1 FROM catalogue_changes cc WHERE cc.submission_id = cs.id)`,
				`DELETE FROM items WHERE agreement_id = $1 AND supplier_id = $2`,
			} {
				if _, err := tx.ExecContext(ctx, q, agreementID, orgID); err != nil {
					return fmt.Errorf("remove supplier: %w", err)
				}
			}
		} else if _, err := tx.ExecContext(ctx, `DELETE FROM participant_usage WHERE agreement_id = $1 AND org_id = $2`, agreementID, orgID); err != nil {
			return fmt.Errorf("remove participant: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE agreement_id = $1 AND org_id = $2`, agreementID, orgID)
		if err != nil {
			return fmt.Errorf("remove %s: %w", kind, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return derr.NotFoundf("%s not found", kind)
		}
		after, err := s.getAgreement(ctx, tx, agreementID)
		if err != nil {
			return err
		}
		return recordEvents(ctx, tx, agreementID, c.UserID, note, termChanges(before, after))
	})
	if err != nil {
		return err
	}
	s.cache.bump(ctx)
	return nil
}
