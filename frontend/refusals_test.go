package frontend_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/orders"
)

// TestRefusalsSayWhatToDo: the cart says how much is missing to the minimum order (in the
// reader's language), a checkout below it says so too, and a checkout over the agreement's
// ceiling says how much room is left under it; nothing is ordered, and the totals show with
// and without VAT.
func TestRefusalsSayWhatToDo(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	c := s.client()
	c.login(w.orderer)
	date := time.Now().AddDate(0, 0, 10).Format("2006-01-02")
	checkout := url.Values{"agreement": {w.agreement.ID}, "supplier": {w.supplier.ID}, "delivery_address": {"Storgatan 1"},
		"cost_center": {"4410"}, "requested_delivery_date": {date}}

	// 59,00 kr of vinyl gloves against a minimum order of 100,00 kr: 41,00 kr missing.
	wantStatus(t, c.post("/cart/add", url.Values{"item_id": {w.gloveVinyl.ID}, "quantity": {"1"}}), http.StatusSeeOther)
	cart := c.get("/cart")
	for _, want := range []string{"Det fattas 41,00\u00a0kr till avtalets minsta ordervärde (100,00\u00a0kr exkl. moms)", "59,00\u00a0kr", "73,75\u00a0kr"} {
		if !strings.Contains(cart.Body, want) {
			t.Errorf("the cart lacks %q", want)
		}
	}
	p := c.post("/checkout", checkout)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !strings.Contains(p.Body, "Det fattas 41,00\u00a0kr till minsta ordervärdet") {
		t.Fatalf("checkout below the minimum does not say what is missing: %.3000s", p.Body)
	}

	// Room left under the agreement's ceiling: 1 000,00 kr, and the order is 3 × 1 234,50 kr.
	ceiling := int64(1000_00)
	_, err := s.Catalog.UpdateAgreement(t.Context(), callerOf(w.manager, auth.KindProcurementBody), w.agreement.ID,
		catalog.AgreementPatch{CeilingMinor: catalog.OptionalInt64{Set: true, Value: &ceiling}})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c.post("/cart/update", url.Values{"qty_" + w.gloveVinyl.ID: {"0"}}), http.StatusSeeOther)
	wantStatus(t, c.post("/cart/add", url.Values{"item_id": {w.compress.ID}, "quantity": {"3"}}), http.StatusSeeOther)
	p = c.post("/checkout", checkout)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !strings.Contains(p.Body, "Det finns 1\u00a0000,00\u00a0kr kvar under takbeloppet") {
		t.Fatalf("checkout over the ceiling does not say the room left: %.3000s", p.Body)
	}
	list, total, err := s.Orders.ListOrders(t.Context(), callerOf(w.orderer, auth.KindBuyer), orders.OrderFilter{})
	if err != nil || total != 0 {
		t.Fatalf("refused checkouts placed %d orders (%v, %v)", total, list, err)
	}
}
