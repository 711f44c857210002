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
	"github.com/avrop/avrop/placements"
)

// Subscription lines (SPEC §7). An order line of a subscription item is one device for one
// care recipient: quantity 1, a recipient reference, a start date and an optional end date.
// Its unit price and total are the placement's committed value (setup + monthly price ×
// months, at least the minimum term), so that the order's total is what the order commits
// against the ceilings, through the same debit as goods; the monthly and setup prices are kept
// on the placement. The placement itself is written by the placements package in the order's
// transaction, right after the order.

// Placements is the placements service this orders service writes placements through.
func (s *Service) Placements() *placements.Service { return s.placements }

// hasSubscriptionFields reports whether a line carries any of a subscription line's fields.
func (l LineInput) hasSubscriptionFields() bool {
	return l.RecipientRef != "" || l.StartDate != "" || l.EndDate != "" || l.Address != ""
}

// subscriptionLine checks line i of a subscription item and works out its placement draft.
func subscriptionLine(i int, l LineInput, it catalogItem, oc orderContext, deliveryAddress string, today time.Time) (placements.Draft, []lineError) {
	f := fmt.Sprintf("lines[%d].", i)
	var errs []lineError
	bad := func(code, field, msg string) { errs = append(errs, lineError{code, f + field, msg, ""}) }
	// invalid is a malformed field: the problem is validation_failed, the field's rule fieldCode.
	invalid := func(fieldCode, field, msg string) {
		errs = append(errs, lineError{"validation_failed", f + field, msg, fieldCode})
	}
	if l.Quantity != 1 {
		invalid("one_per_recipient", "quantity", "must be 1: each device is one line with its own recipient")
	}
	ref := strings.TrimSpace(l.RecipientRef)
	if e := placements.CheckRecipientRef(f+"recipient_ref", ref); e != nil {
		errs = append(errs, lineError{e.Code, f + "recipient_ref", e.Fields[0].Message, e.Fields[0].Code})
	}
	address := strings.TrimSpace(l.Address)
	if address == "" {
		address = deliveryAddress
	}
	if len(address) > placements.MaxAddress {
		invalid("too_long", "address", fmt.Sprintf("at most %d characters", placements.MaxAddress))
	}
	t := placements.Terms{MonthlyPriceMinor: it.PriceMinor.Int64, SetupPriceMinor: it.SetupMinor,
		MinTermMonths: it.MinTermMonths, NoticeMonths: it.NoticeMonths}
	d := placements.Draft{ID: newID(), LineNo: i + 1, ItemID: it.ID, RecipientRef: ref, Address: address, Terms: t}
	start, ok := placements.Date(strings.TrimSpace(l.StartDate))
	switch {
	case !ok:
		invalid("date", "start_date", "is required, a date YYYY-MM-DD")
	case start.Before(today):
		bad(placements.CodeStartInPast, "start_date", "may not be in the past")
	}
	validTo, _ := placements.Date(oc.ValidTo)
	if ok && start.After(validTo) {
		bad(placements.CodeEndAfterAgreement, "start_date", "is after the agreement's end "+oc.ValidTo)
	}
	if s := strings.TrimSpace(l.EndDate); s != "" {
		end, okEnd := placements.Date(s)
		switch {
		case !okEnd:
			invalid("date", "end_date", "must be a date YYYY-MM-DD or empty")
		case ok && end.Before(placements.TermEnd(start, t.MinTermMonths)):
			bad(placements.CodeEndBeforeMinTerm, "end_date", fmt.Sprintf("the minimum term is %d months: the earliest end date is %s",
				t.MinTermMonths, placements.TermEnd(start, t.MinTermMonths).Format(time.DateOnly)))
		case ok && end.After(validTo) && end.After(placements.TermEnd(start, t.MinTermMonths)):
			bad(placements.CodeEndAfterAgreement, "end_date", "is after the agreement's end "+oc.ValidTo)
		}
		d.EndDate = &end
	}
	if len(errs) > 0 {
		return d, errs
	}
	d.StartDate = start
	d.Committed = placements.CommittedValue(t, start, d.EndDate, validTo)
	return d, nil
}

// writePlacements creates the placements of a new order in its transaction, after the order.
func (s *Service) writePlacements(ctx context.Context, tx *sqlx.Tx, o *Order) error {
	if len(o.drafts) == 0 {
		return nil
	}
	_, err := s.placements.Create(ctx, tx, o.ID, o.AgreementID, o.BuyerOrgID, o.SupplierID, o.OrderedBy, o.drafts)
	return err
}

// EndPlacement gives notice on a placement (SPEC §7 /end) and releases the committed value
// beyond its end date from the agreement's and the participant's ceilings, in one transaction.
// Errors: those of placements.Service.End.
func (s *Service) EndPlacement(ctx context.Context, c auth.Caller, id string, in placements.EndInput) (placements.Placement, error) {
	var out placements.Placement
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		e, err := s.placements.End(ctx, tx, c, id, in)
		if err != nil {
			return err
		}
		if e.Released > 0 {
			var slot int
			if err := tx.GetContext(ctx, &slot, `SELECT usage_slot FROM orders WHERE id = $1`, e.OrderID); err != nil {
				return fmt.Errorf("placement order: %w", err)
			}
			if err := credit(ctx, tx, e.AgreementID, e.OrgID, slot, e.Released); err != nil {
				return err
			}
		}
		out, err = s.placements.GetIn(ctx, tx, c, id)
		return err
	})
	return out, err
}

// describePlacement names a subscription line's placement in the order's response.
func (l *Line) describePlacement(d placements.Draft) {
	id, ref, start := d.ID, d.RecipientRef, d.StartDate.Format(time.DateOnly)
	l.PlacementID, l.RecipientRef, l.StartDate = &id, &ref, &start
	if d.EndDate != nil {
		end := d.EndDate.Format(time.DateOnly)
		l.EndDate = &end
	}
}

// ReportOutage records a service outage of an installed device (SPEC §7) as a deviation of
// kind service_outage on the placement's order, naming the placement; the supplier answers it
// like any deviation, and the scorecard counts the answers given within the agreement's
// service_response_hours. Errors: Forbidden (not an orderer or approver), NotFound (not the
// caller's organisation's placement), Invalid (description), Conflict (deviation_not_allowed:
// the device is not installed).
func (s *Service) ReportOutage(ctx context.Context, c auth.Caller, placementID, description string) (Deviation, error) {
	if !c.HasAny(auth.RoleOrderer, auth.RoleApprover) {
		return Deviation{}, derr.Forbiddenf("Only the buyer organisation reports a service outage.")
	}
	description = strings.TrimSpace(description)
	var v derr.Validator
	checkText(&v, description, "description", 4000, true, true)
	if err := v.Err(); err != nil {
		return Deviation{}, err
	}
	buyer := auth.Caller{UserID: c.UserID, OrgID: c.OrgID, OrgKind: c.OrgKind, Roles: []auth.Role{auth.RoleOrderer}}
	p, err := s.placements.Get(ctx, buyer, placementID)
	if err != nil {
		return Deviation{}, err
	}
	if p.Status != placements.StatusInstalled && !(p.Status == placements.StatusEnded && p.InstalledOn != nil) {
		return Deviation{}, derr.Conflictf(CodeDeviationNotAllowed, "A service outage is reported on an installed device; this placement is %s.", p.Status)
	}
	var d Deviation
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var id string
		if err := tx.GetContext(ctx, &id, `INSERT INTO deviations (order_id, kind, description, reported_by, placement_id)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, p.OrderID, string(DeviationServiceOutage), description, c.UserID, p.ID); err != nil {
			return postgres.Error(err, "deviation")
		}
		d, err = deviationByID(ctx, tx, p.OrderID, id, false)
		return err
	})
	return d, err
}
