package orders

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
)

// ReportDeviation records a buyer's deviation on an accepted, shipped or delivered order of
// the caller's organisation. Errors: Forbidden (not an orderer or approver), NotFound (not the
// caller's organisation's order), Invalid (kind, description), Conflict (deviation_not_allowed:
// the order is not accepted, shipped or delivered).
func (s *Service) ReportDeviation(ctx context.Context, c auth.Caller, orderID string, in DeviationInput) (Deviation, error) {
	if !c.HasAny(auth.RoleOrderer, auth.RoleApprover) {
		return Deviation{}, derr.Forbiddenf("Only the buyer organisation reports deviations.")
	}
	in.Description = strings.TrimSpace(in.Description)
	var v derr.Validator
	v.Check(ValidDeviationKind(in.Kind), "kind", "choice", "must be late, wrong_item, damaged, missing, quality or other")
	checkText(&v, in.Description, "description", 4000, true, true)
	if err := v.Err(); err != nil {
		return Deviation{}, err
	}
	if !auth.ValidUUID(orderID) {
		return Deviation{}, derr.NotFoundf("order not found")
	}
	buyer := auth.Caller{UserID: c.UserID, OrgID: c.OrgID, Roles: []auth.Role{auth.RoleOrderer}}
	var d Deviation
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		o, err := orderInScope(ctx, tx, buyer, orderID, true)
		if err != nil {
			return err
		}
		if o.Status != StatusAccepted && o.Status != StatusShipped && o.Status != StatusDelivered {
			return derr.Conflictf(CodeDeviationNotAllowed, "Deviations are reported on accepted, shipped or delivered orders; this one is %s.", o.Status)
		}
		var id string
		if err := tx.GetContext(ctx, &id, `INSERT INTO deviations (order_id, kind, description, reported_by) VALUES ($1, $2, $3, $4) RETURNING id`,
			o.ID, string(in.Kind), in.Description, c.UserID); err != nil {
			return postgres.Error(err, "deviation")
		}
		d, err = deviationByID(ctx, tx, o.ID, id, false)
		return err
	})
	return d, err
}

// ListOrderDeviations lists the deviations of an order in the caller's scope. Errors: NotFound.
func (s *Service) ListOrderDeviations(ctx context.Context, c auth.Caller, orderID string) ([]Deviation, error) {
	if !hasOrders(c) {
		return nil, derr.Forbiddenf("Your role has no orders.")
	}
	if !auth.ValidUUID(orderID) {
		return nil, derr.NotFoundf("order not found")
	}
	if _, err := orderInScope(ctx, s.db, c, orderID, false); err != nil {
		return nil, err
	}
	ds, _, err := listDeviations(ctx, s.db, c, []string{"d.order_id = $1"}, []any{orderID}, auth.Page{Page: 1, PageSize: 100})
	return ds, err
}

// RespondDeviation records the order's supplier's response to a deviation that is not closed
// (a later response replaces the earlier one). Errors: Forbidden (not a supplier), NotFound,
// Invalid (response), Conflict (deviation_closed).
func (s *Service) RespondDeviation(ctx context.Context, c auth.Caller, orderID, deviationID, response string) (Deviation, error) {
	if !c.Has(auth.RoleSupplier) {
		return Deviation{}, derr.Forbiddenf("Only the order's supplier responds to deviations.")
	}
	response = strings.TrimSpace(response)
	var v derr.Validator
	checkText(&v, response, "response", 4000, true, true)
	if err := v.Err(); err != nil {
		return Deviation{}, err
	}
	side := auth.Caller{UserID: c.UserID, OrgID: c.OrgID, Roles: []auth.Role{auth.RoleSupplier}}
	return s.changeDeviation(ctx, side, orderID, deviationID, func(tx *sqlx.Tx, d Deviation) error {
		_, err := tx.ExecContext(ctx, `UPDATE deviations SET response = $2, responded_by = $3, responded_at = now(), status = 'responded',
			updated_at = now() WHERE id = $1`, d.ID, response, c.UserID)
		return err
	})
}

// CloseDeviation closes a deviation; only a manager of the order's agreement may. Errors:
// Forbidden (not a manager), NotFound, Invalid (note), Conflict (deviation_closed).
func (s *Service) CloseDeviation(ctx context.Context, c auth.Caller, orderID, deviationID, note string) (Deviation, error) {
	if !c.Has(auth.RoleManager) {
		return Deviation{}, derr.Forbiddenf("Only the agreement's managers close deviations.")
	}
	note = strings.TrimSpace(note)
	var v derr.Validator
	checkText(&v, note, "note", maxTextLen, false, true)
	if err := v.Err(); err != nil {
		return Deviation{}, err
	}
	side := auth.Caller{UserID: c.UserID, OrgID: c.OrgID, Roles: []auth.Role{auth.RoleManager}}
	return s.changeDeviation(ctx, side, orderID, deviationID, func(tx *sqlx.Tx, d Deviation) error {
		_, err := tx.ExecContext(ctx, `UPDATE deviations SET status = 'closed', close_note = $2, closed_by = $3, closed_at = now(),
			updated_at = now() WHERE id = $1`, d.ID, note, c.UserID)
		return err
	})
}

func (s *Service) changeDeviation(ctx context.Context, side auth.Caller, orderID, deviationID string, change func(*sqlx.Tx, Deviation) error) (Deviation, error) {
	if !auth.ValidUUID(orderID) || !auth.ValidUUID(deviationID) {
		return Deviation{}, derr.NotFoundf("deviation not found")
	}
	var d Deviation
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := orderInScope(ctx, tx, side, orderID, false); err != nil {
			return err
		}
		cur, err := deviationByID(ctx, tx, orderID, deviationID, true)
		if err != nil {
			return err
		}
		if cur.Status == "closed" {
			return derr.Conflictf(CodeDeviationClosed, "The deviation is closed.")
		}
		if err := change(tx, cur); err != nil {
			return fmt.Errorf("deviation: %w", err)
		}
		d, err = deviationByID(ctx, tx, orderID, deviationID, false)
		return err
	})
	return d, err
}

// ListDeviations lists deviations in the caller's scope, newest first, for supplier
// follow-up: a supplier sees those on its own orders, a buyer its organisation's, a manager
// those on its body's agreements. Errors: Forbidden (admin), Invalid (bad filter).
func (s *Service) ListDeviations(ctx context.Context, c auth.Caller, f DeviationFilter) ([]Deviation, int, error) {
	if !c.HasAny(auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier, auth.RoleManager) {
		return nil, 0, derr.Forbiddenf("Your role has no deviations.")
	}
	var v derr.Validator
	v.Check(f.SupplierID == "" || auth.ValidUUID(f.SupplierID), "supplier_id", "invalid_id", "must be a UUID")
	v.Check(f.AgreementID == "" || auth.ValidUUID(f.AgreementID), "agreement_id", "invalid_id", "must be a UUID")
	v.Check(f.Status == "" || f.Status == "open" || f.Status == "responded" || f.Status == "closed", "status", "choice", "must be open, responded or closed")
	if err := v.Err(); err != nil {
		return nil, 0, err
	}
	var where []string
	var args []any
	add := func(format string, val any) {
		args = append(args, val)
		where = append(where, fmt.Sprintf(format, len(args)))
	}
	if f.SupplierID != "" {
		add("o.supplier_id = $%d", f.SupplierID)
	}
	if f.AgreementID != "" {
		add("o.agreement_id = $%d", f.AgreementID)
	}
	if f.Status != "" {
		add("d.status = $%d", f.Status)
	}
	return listDeviations(ctx, s.db, c, where, args, f.Page)
}

// hasOrders reports whether the caller's role ever sees orders: a platform administrator
// manages organisations and users, never orders, so order reads answer 403 rather than 404.
func hasOrders(c auth.Caller) bool {
	return c.HasAny(auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier, auth.RoleManager)
}
