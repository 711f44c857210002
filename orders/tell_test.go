package orders_test

import (
	"context"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/notify"
	"github.com/avrop/avrop/orders"
)

// mailsTo lists the kinds of the mails queued for a person about an order, in order.
func (w *world) mailsTo(c auth.Caller, orderID string) []string {
	w.t.Helper()
	var kinds []string
	testenv.Must(w.t, w.db.Select(&kinds, `SELECT kind FROM mail_outbox WHERE user_id = $1 AND subject_id = $2 ORDER BY id`, c.UserID, orderID))
	return kinds
}

func (w *world) wantMails(who string, c auth.Caller, orderID string, want ...notify.Kind) {
	w.t.Helper()
	got := w.mailsTo(c, orderID)
	if len(got) != len(want) {
		w.t.Errorf("%s: mails %v, want %v", who, got, want)
		return
	}
	for i := range want {
		if got[i] != string(want[i]) {
			w.t.Errorf("%s: mails %v, want %v", who, got, want)
			return
		}
	}
}

// SPEC §8 "People are told": each move queues its mails in its own transaction, to the right
// people only.
func TestOrderMovesQueueTheirMails(t *testing.T) {
	ctx := context.Background()

	t.Run("awaiting approval, approved, shipped", func(t *testing.T) {
		w := newWorld(t, agreementOpts{threshold: 0}) // every order needs approval
		o := w.place(w.Orderer, w.input(1))
		w.wantMails("approver", w.Approver, o.ID, notify.OrderAwaitingApproval)
		w.wantMails("orderer", w.Orderer, o.ID)
		w.wantMails("supplier", w.Sup1C, o.ID)
		_, err := w.svc.Move(ctx, w.Approver, o.ID, orders.ActionApprove, "ok")
		testenv.Must(t, err)
		w.wantMails("supplier after approval", w.Sup1C, o.ID, notify.OrderReceived)
		w.wantMails("other supplier", w.Sup2C, o.ID)
		_, err = w.svc.Respond(ctx, w.Sup1C, o.ID, orders.ResponseInput{Decision: orders.DecisionAccepted})
		testenv.Must(t, err)
		w.wantMails("orderer after a plain accept", w.Orderer, o.ID)
		_, err = w.svc.Ship(ctx, w.Sup1C, o.ID, []orders.QuantityLine{{LineNo: 1, Quantity: 1}}, "")
		testenv.Must(t, err)
		_, err = w.svc.Ship(ctx, w.Sup1C, o.ID, nil, "")
		testenv.Must(t, err)
		w.wantMails("orderer after two shipments", w.Orderer, o.ID, notify.OrderShipped, notify.OrderShipped)
		_, err = w.svc.Deliver(ctx, w.Orderer, o.ID, nil, "")
		testenv.Must(t, err)
		w.wantMails("supplier at the end", w.Sup1C, o.ID, notify.OrderReceived)
	})

	t.Run("an approver's own order goes to the other approvers", func(t *testing.T) {
		w := newWorld(t, agreementOpts{threshold: 0})
		second := w.user(w.Buyer, auth.RoleApprover)
		o := w.place(w.Approver, w.input(1))
		w.wantMails("the approver who placed it", w.Approver, o.ID)
		w.wantMails("the other approver", second, o.ID, notify.OrderAwaitingApproval)
	})

	t.Run("approved at once reaches the supplier", func(t *testing.T) {
		w := newWorld(t, agreementOpts{threshold: 1_000_000})
		o := w.place(w.Orderer, w.input(1))
		w.wantMails("approver", w.Approver, o.ID)
		w.wantMails("supplier", w.Sup1C, o.ID, notify.OrderReceived)
		// The mail is queued in the statement that writes the order: it names the order's number.
		var ref, note string
		testenv.Must(t, w.db.QueryRow(`SELECT reference, note FROM mail_outbox WHERE user_id = $1 AND subject_id = $2`,
			w.Sup1C.UserID, o.ID).Scan(&ref, &note))
		if ref != o.Number || note != "" {
			t.Errorf("mail reference %q, note %q; want the order's number %q and no note", ref, note, o.Number)
		}
	})

	// The statement queues the mail only with the order it writes, and a refused order's
	// transaction is rolled back besides: whichever way the mail is queued, none may outlive it.
	t.Run("an order refused at its ceiling queues nothing", func(t *testing.T) {
		w := newWorld(t, agreementOpts{threshold: 0, participantCeiling: ptr[int64](1)})
		if _, _, err := w.svc.CreateOrder(ctx, w.Orderer, w.input(1), ""); err == nil {
			t.Fatal("placed an order over the participant's ceiling")
		}
		var n int
		testenv.Must(t, w.db.Get(&n, `SELECT count(*) FROM mail_outbox WHERE user_id = $1`, w.Approver.UserID))
		if n != 0 {
			t.Errorf("%d mails queued to the approver for a refused order", n)
		}
	})

	t.Run("rejected", func(t *testing.T) {
		w := newWorld(t, agreementOpts{threshold: 0})
		o := w.place(w.Orderer, w.input(1))
		_, err := w.svc.Move(ctx, w.Approver, o.ID, orders.ActionReject, "Fel kostnadsställe")
		testenv.Must(t, err)
		w.wantMails("orderer", w.Orderer, o.ID, notify.OrderRejected)
		w.wantMails("supplier", w.Sup1C, o.ID)
		var note string
		testenv.Must(t, w.db.Get(&note, `SELECT note FROM mail_outbox WHERE user_id = $1 AND subject_id = $2`, w.Orderer.UserID, o.ID))
		if note != "Fel kostnadsställe" {
			t.Errorf("mail note %q, want the approver's reason", note)
		}
	})

	t.Run("declined by answer and by move, changed", func(t *testing.T) {
		w := newWorld(t, agreementOpts{threshold: 1_000_000})
		d := w.place(w.Orderer, w.input(1))
		_, err := w.svc.Respond(ctx, w.Sup1C, d.ID, orders.ResponseInput{Decision: orders.DecisionDeclined, Reason: "Utgått"})
		testenv.Must(t, err)
		w.wantMails("orderer of the declined order", w.Orderer, d.ID, notify.OrderDeclined)
		m := w.place(w.Orderer, w.input(1))
		_, err = w.svc.Move(ctx, w.Sup1C, m.ID, orders.ActionDecline, "Slut i lager")
		testenv.Must(t, err)
		w.wantMails("orderer of the order declined by move", w.Orderer, m.ID, notify.OrderDeclined)
		c := w.place(w.Orderer, w.input(2))
		_, err = w.svc.Respond(ctx, w.Sup1C, c.ID, orders.ResponseInput{Decision: orders.DecisionChanged, Reason: "Restnoterat",
			Lines: []orders.ResponseLineInput{{LineNo: 1, Quantity: 1}}})
		testenv.Must(t, err)
		w.wantMails("orderer of the changed order", w.Orderer, c.ID, notify.OrderChanged)
	})

	t.Run("a refused move queues nothing", func(t *testing.T) {
		w := newWorld(t, agreementOpts{threshold: 0})
		o := w.place(w.Orderer, w.input(1))
		// The supplier may not ship an order that is not yet accepted: the move rolls back.
		if _, err := w.svc.Ship(ctx, w.Sup1C, o.ID, nil, ""); err == nil {
			t.Fatal("shipped an order awaiting approval")
		}
		if _, err := w.svc.Move(ctx, w.Approver, o.ID, orders.ActionReject, ""); err == nil {
			t.Fatal("rejected without a reason")
		}
		w.wantMails("orderer", w.Orderer, o.ID)
		w.wantMails("supplier", w.Sup1C, o.ID)
	})
}
