package orders

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
)

// mustUUID returns id when it is a UUID and the nil UUID otherwise, so that it can be put into
// SQL text safely.
func mustUUID(id string) string {
	if auth.ValidUUID(id) {
		return id
	}
	return "00000000-0000-0000-0000-000000000000"
}

// move is one edge set of the lifecycle: the statuses it leaves, the one it reaches, the
// roles that may make it and whose side of the order it is on.
type move struct {
	from     []Status
	to       Status
	roles    []auth.Role
	supplier bool // the supplier's move; otherwise the buyer organisation's
}

var moves = map[Action]move{
	ActionApprove: {from: []Status{StatusPendingApproval}, to: StatusApproved, roles: []auth.Role{auth.RoleApprover}},
	ActionReject:  {from: []Status{StatusPendingApproval}, to: StatusRejected, roles: []auth.Role{auth.RoleApprover}},
	ActionCancel:  {from: []Status{StatusPendingApproval, StatusApproved}, to: StatusCancelled, roles: []auth.Role{auth.RoleOrderer, auth.RoleApprover}},
	ActionAccept:  {from: []Status{StatusApproved}, to: StatusAccepted, roles: []auth.Role{auth.RoleSupplier}, supplier: true},
	ActionDecline: {from: []Status{StatusApproved, StatusAccepted}, to: StatusDeclined, roles: []auth.Role{auth.RoleSupplier}, supplier: true},
	ActionShip:    {from: []Status{StatusAccepted}, to: StatusShipped, roles: []auth.Role{auth.RoleSupplier}, supplier: true},
	ActionDeliver: {from: []Status{StatusShipped}, to: StatusDelivered, roles: []auth.Role{auth.RoleOrderer, auth.RoleApprover}},
}

// Move makes a lifecycle move on an order and records it as an event; rejected, declined and
// cancelled orders give their value back to the ceilings in the same transaction. note is
// optional, except for decline, where it is the required reason. The order's row is locked
// for the move, so two concurrent moves never both succeed from the same status.
//
// Who may move: approve and reject — approvers of the order's organisation, never on an order
// they placed (Forbidden, code own_order); cancel — the order's orderer or an approver of its
// organisation; accept, decline, ship — the order's supplier; deliver — orderers and approvers
// of the buyer organisation.
//
// Errors: NotFound (unknown action, absent order, or the order is not on the caller's side of
// this move), Forbidden (role may never make this move; own order; someone else's order to
// cancel), Invalid (reason missing on a decline or reject, note too long), Conflict (invalid_transition).
func (s *Service) Move(ctx context.Context, c auth.Caller, id string, action Action, note string) (Order, error) {
	switch action { // shipping and delivering go line by line (SPEC §8); as a move, everything left
	case ActionShip:
		return s.Ship(ctx, c, id, nil, note)
	case ActionDeliver:
		return s.Deliver(ctx, c, id, nil, note)
	}
	m, ok := moves[action]
	if !ok {
		return Order{}, derr.NotFoundf("no such order action")
	}
	if !c.HasAny(m.roles...) {
		return Order{}, derr.Forbiddenf("Your role may not %s orders.", action)
	}
	note = strings.TrimSpace(note)
	var v derr.Validator
	field := "note"
	if action == ActionDecline {
		field = "reason"
	}
	// A refusal says why: the supplier's decline and the approver's reject need a reason.
	checkText(&v, note, field, maxTextLen, action == ActionDecline || action == ActionReject, true)
	if err := v.Err(); err != nil {
		return Order{}, err
	}
	if !auth.ValidUUID(id) {
		return Order{}, derr.NotFoundf("order not found")
	}
	// The caller acts in the role of this move only: a manager who is also an approver sees
	// other organisations' orders, but approves only their own organisation's.
	side := auth.Caller{UserID: c.UserID, OrgID: c.OrgID, OrgKind: c.OrgKind, Roles: m.roles}
	var out Order
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		o, err := orderInScope(ctx, tx, side, id, true)
		if err != nil {
			return err
		}
		switch {
		case (action == ActionApprove || action == ActionReject) && o.OrderedBy == c.UserID:
			return derr.New(derr.Forbidden, CodeOwnOrder, "You may not %s an order you placed yourself.", action)
		case action == ActionCancel && o.OrderedBy != c.UserID && !c.Has(auth.RoleApprover):
			return derr.New(derr.Forbidden, "not_your_order", "Only the order's orderer or an approver may cancel it.")
		}
		if !slices.Contains(m.from, o.Status) {
			return derr.Conflictf(CodeInvalidTransition, "An order that is %s cannot be %s.", o.Status, pastTense(action))
		}
		if err := updateStatus(ctx, tx, o.ID, o.Status, m.to, action, note); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO order_events (order_id, actor_id, from_status, to_status, note) VALUES ($1, $2, $3, $4, $5)`,
			o.ID, c.UserID, string(o.Status), string(m.to), note); err != nil {
			return fmt.Errorf("order event: %w", err)
		}
		if err := tell(ctx, tx, o, m.to, note); err != nil {
			return err
		}
		if o.Status.Committed() && !m.to.Committed() {
			// The order's placements go with it; what ending them already released is not
			// credited twice.
			released, err := s.placements.CancelWithOrder(ctx, tx, o.ID, c.UserID)
			if err != nil {
				return err
			}
			if err := credit(ctx, tx, o.AgreementID, o.BuyerOrgID, o.UsageSlot, o.TotalMinor-released); err != nil {
				return err
			}
		}
		if out, err = orderInScope(ctx, tx, side, id, false); err != nil {
			return err
		}
		return withDetails(ctx, tx, &out)
	})
	if err != nil {
		return Order{}, err
	}
	return out, nil
}

func pastTense(a Action) string {
	switch a {
	case ActionShip:
		return "shipped"
	case ActionApprove, ActionDecline, ActionDeliver:
		return string(a) + "d"
	case ActionCancel:
		return "cancelled"
	}
	return string(a) + "ed"
}

// updateStatus moves the order from from to to; the WHERE on the old status makes the move
// safe even without the row lock.
func updateStatus(ctx context.Context, tx *sqlx.Tx, id string, from, to Status, action Action, note string) error {
	set := "status = $3, updated_at = now()"
	switch to {
	case StatusApproved:
		set += ", approved_at = now()"
	case StatusAccepted:
		set += ", accepted_at = now()"
	case StatusShipped:
		set += ", shipped_at = now()"
	case StatusDelivered:
		set += ", delivered_at = now()"
	}
	args := []any{id, string(from), string(to)}
	if action == ActionDecline {
		set += ", decline_reason = $4"
		args = append(args, note)
	}
	res, err := tx.ExecContext(ctx, `UPDATE orders SET `+set+` WHERE id = $1 AND status = $2`, args...)
	if err != nil {
		return fmt.Errorf("move order: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return derr.Conflictf(CodeInvalidTransition, "The order changed status meanwhile.")
	}
	return nil
}
