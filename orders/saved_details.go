package orders

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
)

// DetailKind is what a saved order detail fills in at checkout.
type DetailKind string

// The kinds of saved order details (SPEC §5: saved delivery addresses and cost centres).
const (
	DetailDeliveryAddress DetailKind = "delivery_address"
	DetailCostCenter      DetailKind = "cost_center"
)

// Limits of an order's delivery address and cost centre; a saved detail obeys the same, so
// that choosing one never makes an order invalid.
const (
	MaxDeliveryAddressLen = 500
	MaxCostCenterLen      = 100
	maxDetailLabelLen     = 100
	// MaxSavedDetails is how many delivery addresses, and how many cost centres, one
	// organisation may save: a choice at checkout, not a register.
	MaxSavedDetails = 100
)

// SavedDetail is a delivery address or cost centre a buyer organisation keeps for its
// orderers to choose at checkout; the order copies its text.
type SavedDetail struct {
	ID        string     `db:"id" json:"id"`
	OrgID     string     `db:"org_id" json:"org_id"`
	Kind      DetailKind `db:"kind" json:"kind"`
	Label     string     `db:"label" json:"label"`
	Value     string     `db:"value" json:"value"`
	CreatedAt time.Time  `db:"created_at" json:"created_at"`
}

// SavedDetailInput adds a saved detail. Label is an optional short name ("Hemtjänst Norr").
type SavedDetailInput struct {
	Kind  DetailKind `json:"kind"`
	Label string     `json:"label"`
	Value string     `json:"value"`
}

const savedDetailColumns = `id, org_id, kind, label, value, created_at`

// detailsScope checks that c may see (write false) or maintain (write true) the saved details
// of orgID: its own organisation's orderers and approvers see them, its approvers maintain
// them, administrators do both for any organisation that buys. Errors: Forbidden for a role
// that never may, NotFound for another organisation, Invalid for an organisation that does
// not buy.
func (s *Service) detailsScope(ctx context.Context, c auth.Caller, orgID string, write bool) error {
	switch {
	case c.Has(auth.RoleAdmin):
	case write && !c.Has(auth.RoleApprover):
		return derr.Forbiddenf("Only approvers and administrators maintain saved delivery addresses and cost centres.")
	case !c.HasAny(auth.RoleOrderer, auth.RoleApprover):
		return derr.Forbiddenf("Only buyers use saved delivery addresses and cost centres.")
	case orgID != c.OrgID:
		return derr.NotFoundf("organisation not found")
	}
	if !auth.ValidUUID(orgID) {
		return derr.NotFoundf("organisation not found")
	}
	var kind auth.OrgKind
	if err := sqlx.GetContext(ctx, s.db, &kind, `SELECT kind FROM organizations WHERE id = $1`, orgID); err != nil {
		return postgres.Error(err, "organisation")
	}
	if kind != auth.KindBuyer && kind != auth.KindProcurementBody {
		return derr.Fields([]derr.FieldError{{Field: "org_id", Code: "org_kind", Message: "the organisation does not place orders"}})
	}
	return nil
}

// SavedDetails lists an organisation's saved delivery addresses and cost centres, by kind and
// label. Errors: see detailsScope.
func (s *Service) SavedDetails(ctx context.Context, c auth.Caller, orgID string) ([]SavedDetail, error) {
	if err := s.detailsScope(ctx, c, orgID, false); err != nil {
		return nil, err
	}
	out := []SavedDetail{}
	err := sqlx.SelectContext(ctx, s.db, &out, `SELECT `+savedDetailColumns+` FROM saved_order_details
		WHERE org_id = $1 ORDER BY kind, lower(coalesce(nullif(label, ''), value)), id`, orgID)
	return out, postgres.Error(err, "saved details")
}

// AddSavedDetail saves a delivery address or cost centre for an organisation. Its text follows
// the order's own rule for the field. Errors: see detailsScope; Invalid; Conflict (the same
// text is already saved).
func (s *Service) AddSavedDetail(ctx context.Context, c auth.Caller, orgID string, in SavedDetailInput) (SavedDetail, error) {
	if err := s.detailsScope(ctx, c, orgID, true); err != nil {
		return SavedDetail{}, err
	}
	in.Label, in.Value = strings.TrimSpace(in.Label), strings.TrimSpace(in.Value)
	var v derr.Validator
	switch in.Kind {
	case DetailDeliveryAddress:
		checkText(&v, in.Value, "value", MaxDeliveryAddressLen, true, true)
	case DetailCostCenter:
		checkText(&v, in.Value, "value", MaxCostCenterLen, true, false)
	default:
		v.Check(false, "kind", "choice", "must be delivery_address or cost_center")
	}
	checkText(&v, in.Label, "label", maxDetailLabelLen, false, false)
	if err := v.Err(); err != nil {
		return SavedDetail{}, err
	}
	var d SavedDetail
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		// One organisation's additions take turns, so that the count below holds under any
		// concurrency.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('saved_order_details:' || $1, 0))`, orgID); err != nil {
			return fmt.Errorf("lock saved details: %w", err)
		}
		var n int
		if err := sqlx.GetContext(ctx, tx, &n, `SELECT count(*) FROM saved_order_details WHERE org_id = $1 AND kind = $2`, orgID, in.Kind); err != nil {
			return fmt.Errorf("count saved details: %w", err)
		}
		if n >= MaxSavedDetails {
			return derr.Fields([]derr.FieldError{{Field: "value", Code: "too_many_saved", Message: fmt.Sprintf("at most %d of a kind may be saved", MaxSavedDetails)}})
		}
		err := sqlx.GetContext(ctx, tx, &d, `INSERT INTO saved_order_details (org_id, kind, label, value, created_by)
			VALUES ($1, $2, $3, $4, $5) RETURNING `+savedDetailColumns, orgID, in.Kind, in.Label, in.Value, c.UserID)
		if postgres.IsUniqueViolation(err, "saved_order_details_value_key") {
			return &derr.Error{Kind: derr.Conflict, Code: "duplicate", Message: "already saved",
				Fields: []derr.FieldError{{Field: "value", Code: "already_saved", Message: "is already saved"}}, Err: err}
		}
		return postgres.Error(err, "saved detail")
	})
	return d, err
}

// RemoveSavedDetail removes a saved detail of an organisation; orders placed with it keep
// their text. Errors: see detailsScope; NotFound.
func (s *Service) RemoveSavedDetail(ctx context.Context, c auth.Caller, orgID, id string) error {
	if err := s.detailsScope(ctx, c, orgID, true); err != nil {
		return err
	}
	if !auth.ValidUUID(id) {
		return derr.NotFoundf("saved detail not found")
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM saved_order_details WHERE id = $1 AND org_id = $2`, id, orgID)
	if err != nil {
		return postgres.Error(err, "saved detail")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return derr.NotFoundf("saved detail not found")
	}
	return nil
}
