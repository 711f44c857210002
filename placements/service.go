package placements

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
)

// Limits of a placement's text fields.
const (
	MaxRecipientRef = 64
	MaxAddress      = 500
)

// Service is the placements entry point.
type Service struct {
	db  *sqlx.DB
	now func() time.Time
}

// NewService returns the placements service.
func NewService(db *sqlx.DB) *Service {
	return &Service{db: db, now: func() time.Time { return time.Now().UTC() }}
}

// SetClock replaces the service's clock (tests and the demo rollout).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Today is the service clock's UTC date.
func (s *Service) Today() time.Time {
	y, m, d := s.now().UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// CheckRecipientRef validates a recipient reference: required, short, one line, and never a
// personal identity number (personal_data_not_allowed).
func CheckRecipientRef(field, ref string) *derr.Error {
	switch {
	case ref == "":
		return &derr.Error{Kind: derr.Invalid, Code: "validation_failed", Message: "A recipient reference is required.",
			Fields: []derr.FieldError{{Field: field, Code: "required", Message: "is required: the municipality's own reference for the care recipient"}}}
	case len(ref) > MaxRecipientRef || !utf8.ValidString(ref) || strings.ContainsAny(ref, "\x00\r\n\t"):
		return &derr.Error{Kind: derr.Invalid, Code: "validation_failed", Message: "The recipient reference is not valid.",
			Fields: []derr.FieldError{{Field: field, Code: "too_long", Message: fmt.Sprintf("at most %d characters on one line", MaxRecipientRef)}}}
	case ContainsPersonalIdentityNumber(ref):
		return &derr.Error{Kind: derr.Invalid, Code: CodePersonalData,
			Message: "The recipient reference looks like a personal identity number. Use your organisation's own pseudonymous reference.",
			Fields:  []derr.FieldError{{Field: field, Code: CodePersonalData, Message: "must not be a personal identity number"}}}
	}
	return nil
}

func checkAddress(field, a string) *derr.Error {
	if a == "" || len(a) > MaxAddress || !utf8.ValidString(a) || strings.ContainsRune(a, 0) {
		return &derr.Error{Kind: derr.Invalid, Code: "validation_failed", Message: "The address is not valid.",
			Fields: []derr.FieldError{{Field: field, Code: "required", Message: fmt.Sprintf("is required, at most %d characters", MaxAddress)}}}
	}
	return nil
}

// Create writes the placements of a new order inside the order's transaction tx, each with
// its creation event. The order and its lines must already be written.
func (s *Service) Create(ctx context.Context, tx *sqlx.Tx, orderID, agreementID, orgID, supplierID, actorID string, drafts []Draft) ([]string, error) {
	ids := make([]string, len(drafts))
	for i, d := range drafts {
		var end any
		if d.EndDate != nil {
			end = d.EndDate.Format(time.DateOnly)
		}
		if err := tx.GetContext(ctx, &ids[i], `INSERT INTO placements (id, order_id, line_no, agreement_id, item_id, org_id, supplier_id,
			recipient_ref, address, start_date, end_date, status, monthly_price_minor, setup_price_minor, min_term_months,
			notice_months, committed_minor) VALUES ($16, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'ordered', $11, $12, $13, $14, $15)
			RETURNING id`, orderID, d.LineNo, agreementID, d.ItemID, orgID, supplierID, d.RecipientRef, d.Address,
			d.StartDate.Format(time.DateOnly), end, d.Terms.MonthlyPriceMinor, d.Terms.SetupPriceMinor, d.Terms.MinTermMonths,
			d.Terms.NoticeMonths, d.Committed, d.ID); err != nil {
			return nil, postgres.Error(err, "placement")
		}
		if err := record(ctx, tx, ids[i], actorID, "order", nil, StatusOrdered, map[string]any{"committed_minor": d.Committed}); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// CancelWithOrder cancels the placements of an order that is rejected, declined or cancelled,
// inside the order's transaction, and reports how much of the order's value the placements
// have already released (by ending, or by a shorter agreement), which the order must not
// credit twice; it is negative when a longer agreement added to their value since. A placement that
// has been installed cannot go with its order: Conflict (placement_installed).
func (s *Service) CancelWithOrder(ctx context.Context, tx *sqlx.Tx, orderID, actorID string) (released int64, err error) {
	var ps []struct {
		ID          string  `db:"id"`
		Status      Status  `db:"status"`
		InstalledOn *string `db:"installed_on"`
		Released    int64   `db:"released_minor"`
		Adjusted    int64   `db:"adjusted_minor"`
	}
	if err := tx.SelectContext(ctx, &ps, `SELECT id, status, installed_on::text, released_minor, adjusted_minor FROM placements WHERE order_id = $1
		ORDER BY line_no FOR UPDATE`, orderID); err != nil {
		return 0, fmt.Errorf("order placements: %w", err)
	}
	for _, p := range ps {
		if p.InstalledOn != nil {
			return 0, derr.Conflictf(CodePlacementActive, "A device of this order is installed; end its placement instead.")
		}
	}
	for _, p := range ps {
		// What a change of the agreement's valid_to added (Revalue) is credited with the order.
		released += p.Released - p.Adjusted
		if p.Status == StatusCancelled || p.Status == StatusReturned {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE placements SET status = 'cancelled', updated_at = now() WHERE id = $1`, p.ID); err != nil {
			return 0, fmt.Errorf("cancel placement: %w", err)
		}
		from := p.Status
		if err := record(ctx, tx, p.ID, actorID, "cancel", &from, StatusCancelled, nil); err != nil {
			return 0, err
		}
	}
	return released, nil
}

// Get returns a placement in the caller's scope with its events. Errors: Forbidden (a role
// without placements), NotFound (absent or out of scope).
func (s *Service) Get(ctx context.Context, c auth.Caller, id string) (Placement, error) {
	if !hasPlacements(c) {
		return Placement{}, derr.Forbiddenf("Your role has no placements.")
	}
	if !auth.ValidUUID(id) {
		return Placement{}, derr.NotFoundf("placement not found")
	}
	return s.get(ctx, s.db, c, id)
}

func (s *Service) get(ctx context.Context, db sqlx.QueryerContext, c auth.Caller, id string) (Placement, error) {
	p, err := placementInScope(ctx, db, c, id, false)
	if err != nil {
		return p, err
	}
	if p.Events, err = placementEvents(ctx, db, id); err != nil {
		return p, err
	}
	s.fill(&p)
	return p, nil
}

// fill sets the derived fields: the earliest end date notice given today may name.
func (s *Service) fill(p *Placement) {
	if p.Status != StatusOrdered && p.Status != StatusInstalled {
		return
	}
	start, _ := Date(p.StartDate)
	e := EarliestEnd(p.terms(), start, s.Today()).Format(time.DateOnly)
	p.EarliestEndDate = &e
}

func (p Placement) terms() Terms {
	return Terms{MonthlyPriceMinor: p.MonthlyPriceMinor, SetupPriceMinor: p.SetupPriceMinor, MinTermMonths: p.MinTermMonths, NoticeMonths: p.NoticeMonths}
}

func hasPlacements(c auth.Caller) bool {
	return c.HasAny(auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier, auth.RoleManager)
}

// List lists the placements in the caller's scope, latest start first, without events.
// Errors: Forbidden, Invalid (bad filter).
func (s *Service) List(ctx context.Context, c auth.Caller, f Filter) ([]Placement, int, error) {
	if !hasPlacements(c) {
		return nil, 0, derr.Forbiddenf("Your role has no placements.")
	}
	var v derr.Validator
	for _, st := range f.Status {
		v.Check(ValidStatus(st), "status", "choice", "must be one of ordered, installed, ended, returned, cancelled")
	}
	v.Check(f.AgreementID == "" || auth.ValidUUID(f.AgreementID), "agreement_id", "invalid_id", "must be a UUID")
	v.Check(f.OrgID == "" || auth.ValidUUID(f.OrgID), "org_id", "invalid_id", "must be a UUID")
	v.Check(f.SupplierID == "" || auth.ValidUUID(f.SupplierID), "supplier_id", "invalid_id", "must be a UUID")
	if err := v.Err(); err != nil {
		return nil, 0, err
	}
	ps, total, err := listPlacements(ctx, s.db, c, f)
	for i := range ps {
		s.fill(&ps[i])
	}
	return ps, total, err
}

// move runs one lifecycle move on a placement locked in tx, seen from the side's scope.
func (s *Service) move(ctx context.Context, c auth.Caller, sd auth.Caller, id string,
	fn func(tx *sqlx.Tx, p Placement) error) (Placement, error) {
	if !auth.ValidUUID(id) {
		return Placement{}, derr.NotFoundf("placement not found")
	}
	var out Placement
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		p, err := placementInScope(ctx, tx, sd, id, true)
		if err != nil {
			return err
		}
		if err := fn(tx, p); err != nil {
			return err
		}
		out, err = s.get(ctx, tx, sd, id)
		return err
	})
	return out, err
}

func invalidMove(p Placement, what string) error {
	return derr.Conflictf(CodeInvalidTransition, "A placement that is %s cannot be %s.", p.Status, what)
}

// InstallInput is the supplier's confirmation of an installation.
type InstallInput struct {
	InstalledOn string `json:"installed_on"`
}

// Install records that the supplier installed the device (ordered → installed). The order
// must have been approved (the supplier sees it only then); installed_on is a date from the
// placement's start to today. Errors: Forbidden (not a supplier), NotFound (not the caller's
// placement), Invalid, Conflict (invalid_transition).
func (s *Service) Install(ctx context.Context, c auth.Caller, id string, in InstallInput) (Placement, error) {
	if !c.Has(auth.RoleSupplier) {
		return Placement{}, derr.Forbiddenf("Only the supplier installs devices.")
	}
	on, ok := Date(in.InstalledOn)
	if !ok {
		return Placement{}, derr.Fields([]derr.FieldError{{Field: "installed_on", Code: "date", Message: "must be a date YYYY-MM-DD"}})
	}
	today := s.Today()
	return s.move(ctx, c, side(c, auth.RoleSupplier), id, func(tx *sqlx.Tx, p Placement) error {
		if p.Status != StatusOrdered {
			return invalidMove(p, "installed")
		}
		var orderStatus string
		if err := tx.GetContext(ctx, &orderStatus, `SELECT status FROM orders WHERE id = $1`, p.OrderID); err != nil {
			return fmt.Errorf("placement order: %w", err)
		}
		if orderStatus != "approved" && orderStatus != "accepted" && orderStatus != "shipped" && orderStatus != "delivered" {
			return derr.Conflictf(CodeInvalidTransition, "The placement's order is %s; it cannot be installed.", orderStatus)
		}
		start, _ := Date(p.StartDate)
		var v derr.Validator
		v.Check(!on.Before(start), "installed_on", "date_order", "may not be before the placement's start date "+p.StartDate)
		v.Check(!on.After(today), "installed_on", "future_date", "may not be in the future")
		if err := v.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE placements SET status = 'installed', installed_on = $2, updated_at = now() WHERE id = $1`,
			p.ID, on.Format(time.DateOnly)); err != nil {
			return fmt.Errorf("install: %w", err)
		}
		from := p.Status
		return record(ctx, tx, p.ID, c.UserID, "install", &from, StatusInstalled, map[string]any{"installed_on": on.Format(time.DateOnly)})
	})
}

// EndInput is the buyer's notice.
type EndInput struct {
	EndDate string `json:"end_date"`
}

// Ending is what End did: the placement's order, its agreement and organisation, and the
// value released from the ceilings, which the caller (orders) credits in the same transaction.
type Ending struct {
	OrderID, AgreementID, OrgID string
	Released                    int64
}

// End gives notice on an ordered or installed placement inside tx (the caller's transaction,
// which credits the released value to the ceilings). end_date must be at least notice_months
// after today and not before the minimum term has run; it may not pass the agreement's
// valid_to unless the minimum term does. The committed value is worked out again to end_date
// and the difference released. Errors: Forbidden (not an orderer or approver), NotFound,
// Invalid (notice_too_short, end_before_min_term, end_after_agreement), Conflict
// (invalid_transition).
func (s *Service) End(ctx context.Context, tx *sqlx.Tx, c auth.Caller, id string, in EndInput) (Ending, error) {
	if !c.HasAny(auth.RoleOrderer, auth.RoleApprover) {
		return Ending{}, derr.Forbiddenf("Only the buyer organisation gives notice on a placement.")
	}
	end, ok := Date(in.EndDate)
	if !ok {
		return Ending{}, derr.Fields([]derr.FieldError{{Field: "end_date", Code: "date", Message: "must be a date YYYY-MM-DD"}})
	}
	if !auth.ValidUUID(id) {
		return Ending{}, derr.NotFoundf("placement not found")
	}
	p, err := placementInScope(ctx, tx, side(c, auth.RoleOrderer, auth.RoleApprover), id, true)
	if err != nil {
		return Ending{}, err
	}
	if p.Status != StatusOrdered && p.Status != StatusInstalled {
		return Ending{}, invalidMove(p, "ended")
	}
	var validToS string
	if err := tx.GetContext(ctx, &validToS, `SELECT valid_to::text FROM agreements WHERE id = $1`, p.AgreementID); err != nil {
		return Ending{}, fmt.Errorf("placement agreement: %w", err)
	}
	validTo, _ := Date(validToS)
	start, _ := Date(p.StartDate)
	t := p.terms()
	today := s.Today()
	byNotice := EarliestEnd(Terms{NoticeMonths: t.NoticeMonths}, start, today)
	byTerm := TermEnd(start, t.MinTermMonths)
	switch {
	case end.Before(byNotice):
		return Ending{}, rule(CodeNoticeTooShort, "end_date", fmt.Sprintf("The notice period is %d months: the earliest end date is %s.",
			t.NoticeMonths, byNotice.Format(time.DateOnly)))
	case end.Before(byTerm) || end.Before(start):
		return Ending{}, rule(CodeEndBeforeMinTerm, "end_date", fmt.Sprintf("The minimum term is %d months: the earliest end date is %s.",
			t.MinTermMonths, byTerm.Format(time.DateOnly)))
	case p.InstalledOn != nil && end.Format(time.DateOnly) < *p.InstalledOn:
		return Ending{}, rule(CodeEndBeforeMinTerm, "end_date", "The end date may not be before the installation.")
	case end.After(validTo) && end.After(byTerm):
		return Ending{}, rule(CodeEndAfterAgreement, "end_date", fmt.Sprintf("The agreement runs to %s; the placement cannot end later.", validToS))
	}
	committed := CommittedValue(t, start, &end, validTo)
	released := p.CommittedMinor - committed
	if released < 0 {
		// The value at order time is the most a placement may commit; a later end than that
		// horizon would need a new debit, which the rules above never allow.
		released = 0
		committed = p.CommittedMinor
	}
	if _, err := tx.ExecContext(ctx, `UPDATE placements SET status = 'ended', end_date = $2, committed_minor = $3,
		released_minor = released_minor + $4, updated_at = now() WHERE id = $1`, p.ID, end.Format(time.DateOnly), committed, released); err != nil {
		return Ending{}, fmt.Errorf("end placement: %w", err)
	}
	from := p.Status
	if err := record(ctx, tx, p.ID, c.UserID, "end", &from, StatusEnded,
		map[string]any{"end_date": end.Format(time.DateOnly), "released_minor": released}); err != nil {
		return Ending{}, err
	}
	return Ending{OrderID: p.OrderID, AgreementID: p.AgreementID, OrgID: p.OrgID, Released: released}, nil
}

// GetIn is Get inside a transaction, for callers that moved the placement in it.
func (s *Service) GetIn(ctx context.Context, tx *sqlx.Tx, c auth.Caller, id string) (Placement, error) {
	return s.get(ctx, tx, c, id)
}

func rule(code, field, msg string) error {
	return &derr.Error{Kind: derr.Invalid, Code: code, Message: msg, Fields: []derr.FieldError{{Field: field, Code: code, Message: msg}}}
}

// Return records that the supplier took the device back (ended → returned): once end_date
// has come, or at once when the device was never installed. Errors: Forbidden, NotFound,
// Conflict (invalid_transition).
func (s *Service) Return(ctx context.Context, c auth.Caller, id string) (Placement, error) {
	if !c.Has(auth.RoleSupplier) {
		return Placement{}, derr.Forbiddenf("Only the supplier records a returned device.")
	}
	today := s.Today()
	return s.move(ctx, c, side(c, auth.RoleSupplier), id, func(tx *sqlx.Tx, p Placement) error {
		if p.Status != StatusEnded {
			return invalidMove(p, "returned")
		}
		if p.InstalledOn != nil && p.EndDate != nil && *p.EndDate > today.Format(time.DateOnly) {
			return derr.Conflictf(CodeInvalidTransition, "The placement runs to %s; the device is returned after that.", *p.EndDate)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE placements SET status = 'returned', returned_on = $2, updated_at = now() WHERE id = $1`,
			p.ID, today.Format(time.DateOnly)); err != nil {
			return fmt.Errorf("return: %w", err)
		}
		from := p.Status
		return record(ctx, tx, p.ID, c.UserID, "return", &from, StatusReturned, map[string]any{"returned_on": today.Format(time.DateOnly)})
	})
}

// MoveInput moves a placement to another address, optionally under a new recipient reference.
type MoveInput struct {
	Address      string  `json:"address"`
	RecipientRef *string `json:"recipient_ref"`
}

// Move records that the device moves with the recipient to another address (an ordered or
// installed placement; the status stays). Errors: Forbidden (not an orderer or approver),
// NotFound, Invalid (address, personal_data_not_allowed), Conflict (invalid_transition).
func (s *Service) Move(ctx context.Context, c auth.Caller, id string, in MoveInput) (Placement, error) {
	if !c.HasAny(auth.RoleOrderer, auth.RoleApprover) {
		return Placement{}, derr.Forbiddenf("Only the buyer organisation moves a placement.")
	}
	in.Address = strings.TrimSpace(in.Address)
	if err := checkAddress("address", in.Address); err != nil {
		return Placement{}, err
	}
	if in.RecipientRef != nil {
		*in.RecipientRef = strings.TrimSpace(*in.RecipientRef)
		if err := CheckRecipientRef("recipient_ref", *in.RecipientRef); err != nil {
			return Placement{}, err
		}
	}
	return s.move(ctx, c, side(c, auth.RoleOrderer, auth.RoleApprover), id, func(tx *sqlx.Tx, p Placement) error {
		if p.Status != StatusOrdered && p.Status != StatusInstalled {
			return invalidMove(p, "moved")
		}
		ref := p.RecipientRef
		detail := map[string]any{"address": in.Address, "from_address": p.Address}
		if in.RecipientRef != nil {
			ref = *in.RecipientRef
			detail["recipient_ref"] = ref
		}
		if _, err := tx.ExecContext(ctx, `UPDATE placements SET address = $2, recipient_ref = $3, updated_at = now() WHERE id = $1`,
			p.ID, in.Address, ref); err != nil {
			return fmt.Errorf("move placement: %w", err)
		}
		st := p.Status
		return record(ctx, tx, p.ID, c.UserID, "move", &st, st, detail)
	})
}
