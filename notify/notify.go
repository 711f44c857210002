// Package notify tells people by e-mail what waits for them or what happened to their order
// (SPEC §8 "People are told"). Domain packages queue a mail with ToUser or ToRole inside the
// transaction of the change that causes it, so the mail exists exactly when the change
// commits: a rolled-back change leaves no mail. The Worker sends queued mails over SMTP,
// once each however many `avrop serve` processes run one, retrying with exponential backoff
// while the mail server is down. Each person may turn mails off (Settings); the worker honours
// that when it sends, so turning mails off also stops mails already queued.
//
// notify is a leaf: it imports no domain package. It owns the mail_outbox and mail_settings
// tables and reads users and organizations (auth's) only to find recipients.
package notify

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// Kind is what a mail is about; it picks the mail's text and the page it links to.
type Kind string

// The mails of SPEC §8, each with who gets it.
const (
	// OrderAwaitingApproval goes to the approvers of the buyer organisation.
	OrderAwaitingApproval Kind = "order_awaiting_approval"
	// OrderReceived goes to the supplier's users when an order reaches them (approved).
	OrderReceived Kind = "order_received"
	// OrderRejected goes to the orderer when an approver rejects the order.
	OrderRejected Kind = "order_rejected"
	// OrderDeclined goes to the orderer when the supplier declines the order.
	OrderDeclined Kind = "order_declined"
	// OrderChanged goes to the orderer when the supplier accepts the order with changes.
	OrderChanged Kind = "order_changed"
	// OrderShipped goes to the orderer for each shipment of the order.
	OrderShipped Kind = "order_shipped"
	// PriceChangeAwaiting goes to the agreement's managers when a price change needs a decision.
	PriceChangeAwaiting Kind = "price_change_awaiting"
	// SubmissionAwaiting goes to the agreement's managers when a catalogue submission waits.
	SubmissionAwaiting Kind = "submission_awaiting"
)

// Kinds lists every kind, for tests and documentation.
var Kinds = []Kind{OrderAwaitingApproval, OrderReceived, OrderRejected, OrderDeclined, OrderChanged,
	OrderShipped, PriceChangeAwaiting, SubmissionAwaiting}

// Event is one change to tell people about.
type Event struct {
	Kind Kind
	// SubjectID is the order, price change or submission the mail is about; its link opens it.
	SubjectID string
	// Reference is what the mail calls the subject: an order number, an item's name.
	Reference string
	// Note is the reason or message given with the change, if any.
	Note string
}

// Limits of the stored texts (the table's CHECKs); longer texts are cut, never refused, so a
// long note never fails the change it describes.
const (
	maxReference = 200
	maxNote      = 2000
)

func (ev Event) check() (Event, error) {
	if !knownKind(ev.Kind) {
		return ev, fmt.Errorf("notify: unknown mail kind %q", ev.Kind)
	}
	ev.Reference = cut(ev.Reference, maxReference)
	ev.Note = cut(ev.Note, maxNote)
	return ev, nil
}

// cut shortens s to at most n characters, on a character boundary.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

const (
	toUserSQL = `
		INSERT INTO mail_outbox (user_id, kind, subject_id, reference, note)
		SELECT id, $2, $3, $4, $5 FROM users WHERE id = $1 AND active`
	toRoleSQL = `
		INSERT INTO mail_outbox (user_id, kind, subject_id, reference, note)
		SELECT id, $4, $5, $6, $7 FROM users
		WHERE org_id = $1 AND $2 = ANY (roles) AND active AND id::text <> $3
		ORDER BY id`
)

// ToRoleWith is ToRole's insert as the body of a data-modifying CTE, for a caller that writes
// the mail's subject in the same statement and so spares the mail a round trip of its own
// (order placement): subject names a CTE of at most one row whose columns id and number are
// the mail's subject and reference (no row, no mail); org, role, except and kind are SQL
// expressions for what ToRole takes, kind one of Kinds (knownKind). The note is empty.
func ToRoleWith(subject, org, role, except, kind string) string {
	return `
		INSERT INTO mail_outbox (user_id, kind, subject_id, reference, note)
		SELECT u.id, ` + kind + `, s.id, left(s.number, ` + fmt.Sprint(maxReference) + `), '' FROM ` + subject + ` s
		JOIN users u ON u.org_id = ` + org + ` AND ` + role + ` = ANY (u.roles) AND u.active AND u.id::text <> ` + except + `
		ORDER BY u.id`
}

// knownKind reports whether k is one of Kinds, as ToUser and ToRole check before they queue.
func knownKind(k Kind) bool {
	_, ok := texts[k]
	return ok
}

// ToUser queues a mail about ev to one person, inside the caller's transaction.
func ToUser(ctx context.Context, tx sqlx.ExecerContext, userID string, ev Event) error {
	ev, err := ev.check()
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, toUserSQL,
		userID, string(ev.Kind), ev.SubjectID, ev.Reference, ev.Note); err != nil {
		return fmt.Errorf("notify: queue mail: %w", err)
	}
	return nil
}

// ToRole queues a mail about ev to every active person holding role in the organisation,
// except the person who made the change (except; may be empty), inside the caller's
// transaction.
func ToRole(ctx context.Context, tx sqlx.ExecerContext, orgID, role, except string, ev Event) error {
	ev, err := ev.check()
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, toRoleSQL,
		orgID, role, except, string(ev.Kind), ev.SubjectID, ev.Reference, ev.Note); err != nil {
		return fmt.Errorf("notify: queue mail: %w", err)
	}
	return nil
}
