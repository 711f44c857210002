package invoices_test

import (
	"context"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/invoices"
)

func TestInvoiceScope(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	o := w.order(true, 1)
	inv := w.receive(w.SupC, w.draft("S-"+testenv.Unique(), o.Number, w.line(0, 1, 10000)))
	otherBody := w.org(auth.KindProcurementBody, "Annan region")
	otherManager := w.user(otherBody, auth.RoleManager)

	for name, c := range map[string]struct {
		caller auth.Caller
		kind   derr.Kind // 0 (Internal) means visible
	}{
		"the supplier":                       {w.SupC, -1},
		"the buyer's approver":               {w.Approver, -1},
		"the agreement's manager":            {w.Manager, -1},
		"another supplier":                   {w.Sup2C, derr.NotFound},
		"another participant's approver":     {w.OtherC, derr.NotFound},
		"another procurement body's manager": {otherManager, derr.NotFound},
		"an orderer":                         {w.Orderer, derr.Forbidden},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := w.svc.Get(ctx, c.caller, inv.ID)
			list, total, lerr := w.svc.List(ctx, c.caller, invoices.Filter{})
			if c.kind == -1 {
				testenv.Must(t, err)
				testenv.Must(t, lerr)
				if got.ID != inv.ID || total < 1 || !contains(list, inv.ID) {
					t.Errorf("got %s and a list of %d, want the invoice in both", got.ID, total)
				}
				return
			}
			if derr.KindOf(err) != c.kind {
				t.Errorf("get: got %v, want kind %d", err, c.kind)
			}
			if c.kind == derr.NotFound && (lerr != nil || contains(list, inv.ID)) {
				t.Errorf("list: got %v with the invoice %v, want it absent", lerr, contains(list, inv.ID))
			}
		})
	}
	t.Run("filters", func(t *testing.T) {
		list, _, err := w.svc.List(ctx, w.Approver, invoices.Filter{Status: invoices.StatusMatched, SupplierID: w.Sup.ID, OrgID: w.Buyer.ID, OrderID: o.ID})
		testenv.Must(t, err)
		if len(list) != 1 || list[0].ID != inv.ID {
			t.Errorf("got %d invoices, want the one", len(list))
		}
		list, _, err = w.svc.List(ctx, w.Approver, invoices.Filter{Status: invoices.StatusDisputed})
		testenv.Must(t, err)
		if contains(list, inv.ID) {
			t.Errorf("status filter: got the matched invoice among disputed ones")
		}
		if _, _, err := w.svc.List(ctx, w.Approver, invoices.Filter{Status: "paid"}); derr.KindOf(err) != derr.Invalid {
			t.Errorf("bad status: got %v, want Invalid", err)
		}
	})
}

func contains(list []invoices.Invoice, id string) bool {
	for _, i := range list {
		if i.ID == id {
			return true
		}
	}
	return false
}

func TestDecide(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	o := w.order(true, 1)
	deviating := w.receive(w.SupC, w.draft("V-"+testenv.Unique(), o.Number, w.line(0, 1, 12000)))

	if _, err := w.svc.Decide(ctx, w.Approver, deviating.ID, invoices.DecisionDispute, " "); derr.KindOf(err) != derr.Invalid {
		t.Errorf("dispute without a note: got %v, want Invalid", err)
	}
	if _, err := w.svc.Decide(ctx, w.OtherC, deviating.ID, invoices.DecisionAccept, ""); derr.KindOf(err) != derr.NotFound {
		t.Errorf("another organisation's approver: got %v, want NotFound", err)
	}
	if _, err := w.svc.Decide(ctx, w.SupC, deviating.ID, invoices.DecisionAccept, ""); derr.KindOf(err) != derr.Forbidden {
		t.Errorf("the supplier: got %v, want Forbidden", err)
	}
	got, err := w.svc.Decide(ctx, w.Approver, deviating.ID, invoices.DecisionDispute, "Priset är 100 kr enligt avtalet")
	testenv.Must(t, err)
	if got.Status != invoices.StatusDisputed || got.DecisionNote != "Priset är 100 kr enligt avtalet" || got.DecidedBy == nil {
		t.Errorf("got %s %q %v, want disputed with the note and the approver", got.Status, got.DecisionNote, got.DecidedBy)
	}
	if _, err := w.svc.Decide(ctx, w.Approver, deviating.ID, invoices.DecisionDispute, "igen"); derr.CodeOf(err) != "invalid_transition" {
		t.Errorf("dispute twice: got %v, want invalid_transition", err)
	}
	got, err = w.svc.Decide(ctx, w.Approver, deviating.ID, invoices.DecisionAccept, "Kreditnota mottagen")
	testenv.Must(t, err)
	if got.Status != invoices.StatusAccepted {
		t.Errorf("accept after dispute: got %s, want accepted", got.Status)
	}
	o2 := w.order(true, 1)
	ok := w.receive(w.SupC, w.draft("OK-"+testenv.Unique(), o2.Number, w.line(0, 1, 10000)))
	if _, err := w.svc.Decide(ctx, w.Approver, ok.ID, invoices.DecisionAccept, ""); derr.CodeOf(err) != "invalid_transition" {
		t.Errorf("accept a matched invoice: got %v, want invalid_transition", err)
	}
}
