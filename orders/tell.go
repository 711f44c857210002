package orders

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/notify"
)

// tell queues the mails of SPEC §8 ("People are told") for order o reaching status to, inside
// the transaction that moves it, so a mail exists exactly when the move commits: approvers
// when an order awaits them (not the orderer, who may not approve it), the supplier's users
// when it reaches them, the orderer when it is rejected, declined or shipped. note is the
// reason given, shown in the mail.
func tell(ctx context.Context, tx sqlx.ExecerContext, o Order, to Status, note string) error {
	ev := notify.Event{SubjectID: o.ID, Reference: o.Number, Note: note}
	switch to {
	case StatusPendingApproval:
		ev.Kind, ev.Note = notify.OrderAwaitingApproval, ""
		return notify.ToRole(ctx, tx, o.BuyerOrgID, string(auth.RoleApprover), o.OrderedBy, ev)
	case StatusApproved:
		ev.Kind, ev.Note = notify.OrderReceived, "" // an approver's note is the buyer's own
		return notify.ToRole(ctx, tx, o.SupplierID, string(auth.RoleSupplier), "", ev)
	case StatusRejected:
		ev.Kind = notify.OrderRejected
	case StatusDeclined:
		ev.Kind = notify.OrderDeclined
	case StatusShipped:
		ev.Kind = notify.OrderShipped
	default:
		return nil
	}
	return notify.ToUser(ctx, tx, o.OrderedBy, ev)
}

// tellChanged queues the orderer's mail about a supplier's acceptance with changes.
func tellChanged(ctx context.Context, tx *sqlx.Tx, o Order, reason string) error {
	return notify.ToUser(ctx, tx, o.OrderedBy, notify.Event{Kind: notify.OrderChanged, SubjectID: o.ID, Reference: o.Number, Note: reason})
}
