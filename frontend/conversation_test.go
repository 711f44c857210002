package frontend_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

// TestConversationFormsRefuseBadQuantities: the order page's quantity forms refuse what the
// domain refuses, beside the line's input and with nothing changed — a confirmation above the
// ordered quantity or not a number, a shipment above what is left or of nothing, a receipt
// above what was confirmed — and with every line as ordered the answer is a plain accept.
func TestConversationFormsRefuseBadQuantities(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	ctx := context.Background()
	o := approvedOrder(t, s, w, orders.LineInput{ItemID: w.gloveM.ID, Quantity: 10}, orders.LineInput{ItemID: w.gloveL.ID, Quantity: 2})
	path := "/orders/" + o.ID
	seller := s.client()
	seller.login(w.seller)
	state := func() string {
		got, err := s.Orders.GetOrder(ctx, callerOf(w.seller, auth.KindSupplier), o.ID)
		testenv.Must(t, err)
		var b strings.Builder
		b.WriteString(string(got.Status))
		for _, l := range got.Lines {
			b.WriteString(" " + strings.Trim(strings.Join([]string{itoa(l.Quantity), itoa(intOr(l.QuantityConfirmed)), itoa(l.QuantityShipped), itoa(intOr(l.QuantityReceived))}, "/"), " "))
		}
		return b.String()
	}
	refused := func(c *client, p string, form url.Values, field, text string) {
		t.Helper()
		before := state()
		res := c.post(p, form)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, `id="`+field+`-error"`) || !strings.Contains(res.Body, text) {
			t.Errorf("POST %s %v: no error %q beside %s: %.3000s", p, form, text, field, res.Body)
		}
		if after := state(); after != before {
			t.Errorf("POST %s %v changed the order: %s → %s", p, form, before, after)
		}
	}
	refused(seller, path+"/respond", url.Values{"confirm-1": {"11"}}, "confirm-1", "Ange ett heltal från 0 till 10.")
	refused(seller, path+"/respond", url.Values{"confirm-2": {"två"}}, "confirm-2", "Ange ett heltal från 0 till 2.")
	refused(seller, path+"/respond", url.Values{"confirm-1": {"5"}, "promised_delivery_date": {"2001-01-01"}}, "promised", "")

	// Every line as ordered: accepted (AP), not a change.
	res := seller.post(path+"/respond", url.Values{"confirm-1": {"10"}, "confirm-2": {"2"}, "answer_note": {"Levereras tisdag."}})
	wantStatus(t, res, http.StatusSeeOther)
	got, err := s.Orders.GetOrder(ctx, callerOf(w.seller, auth.KindSupplier), o.ID)
	testenv.Must(t, err)
	if got.Status != orders.StatusAccepted || got.ResponseCode == nil || *got.ResponseCode != "AP" || got.ResponseReason != "Levereras tisdag." {
		t.Fatalf("an answer with every line as ordered: %s %v %q", got.Status, got.ResponseCode, got.ResponseReason)
	}

	refused(seller, path+"/ship", url.Values{"qty-1": {"11"}, "qty-2": {"0"}}, "qty-1", "Ange ett heltal från 0 till 10.")
	refused(seller, path+"/ship", url.Values{"qty-1": {"0"}, "qty-2": {"0"}}, "ship", "Ange minst en rad")
	res = seller.post(path+"/ship", url.Values{"qty-1": {"4"}, "qty-2": {"0"}})
	wantStatus(t, res, http.StatusSeeOther)
	refused(seller, path+"/ship", url.Values{"qty-1": {"7"}}, "qty-1", "Ange ett heltal från 0 till 6.")

	buyer := s.client()
	buyer.login(w.orderer)
	refused(buyer, path+"/deliver", url.Values{"qty-1": {"11"}, "qty-2": {"2"}}, "qty-1", "Ange ett heltal från 0 till 10.")
	refused(buyer, path+"/deliver", url.Values{"qty-1": {"-1"}, "qty-2": {"2"}}, "qty-1", "Ange ett heltal från 0 till 10.")
	res = buyer.post(path+"/deliver", url.Values{"qty-1": {"4"}, "qty-2": {"0"}})
	wantStatus(t, res, http.StatusSeeOther)
	if st := state(); st != "delivered 10/10/4/4 2/2/0/0" {
		t.Errorf("after a short receipt: %s", st)
	}
}

func intOr(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

func itoa(n int) string { return strconv.Itoa(n) }

// approvedOrder is an order of lines from the world's first supplier, approved.
func approvedOrder(t *testing.T, s *stack, w *world, lines ...orders.LineInput) orders.Order {
	t.Helper()
	ctx := context.Background()
	o, _, err := s.Orders.CreateOrder(ctx, callerOf(w.orderer, auth.KindBuyer), orders.OrderInput{AgreementID: w.agreement.ID,
		SupplierID: w.supplier.ID, DeliveryAddress: "Hemtjänst Norr, Storgatan 1, 652 24 Karlstad", CostCenter: "4410", Lines: lines}, "")
	testenv.Must(t, err)
	if o.Status == orders.StatusPendingApproval {
		o, err = s.Orders.Move(ctx, callerOf(w.approver, auth.KindBuyer), o.ID, orders.ActionApprove, "")
		testenv.Must(t, err)
	}
	return o
}
