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
	if org, role, except, kind, ok := roleMail(o, to); ok {
		ev.Kind, ev.Note = kind, "" // an approver's note is the buyer's own
		return notify.ToRole(ctx, tx, org, role, except, ev)
	}
	switch to {
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

// roleMail says who is told when order o reaches status to, when they are a role of an
// organisation: the approvers of the buyer when it awaits approval (except the orderer, who may
// not approve it), the supplier's users when it reaches them. Placing an order queues this mail
// in the statement that writes it (debitSQL); later moves through tell.
func roleMail(o Order, to Status) (org, role, except string, kind notify.Kind, ok bool) {
	switch to {
	case StatusPendingApproval:
		return o.BuyerOrgID, string(auth.RoleApprover), o.OrderedBy, notify.OrderAwaitingApproval, true
	case StatusApproved:
		return o.SupplierID, string(auth.RoleSupplier), "", notify.OrderReceived, true
	}
	return "", "", "", "", false
}

// tellChanged queues the orderer's mail about a supplier's acceptance with changes.
func tellChanged(ctx context.Context, tx *sqlx.Tx, o Order, reason string) error {
	return notify.ToUser(ctx, tx, o.OrderedBy, notify.Event{Kind: notify.OrderChanged, SubjectID: o.ID, Reference: o.Number, Note: reason})
}
