package frontend_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/orders"
)

// TestFavourites: the star in the catalogue marks an item (htmx answers the star itself with
// aria-pressed), the favourites page lists it with an add-to-cart form, a colleague does not
// see it, and an item that ends is counted and can be cleared.
func TestFavourites(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	c := s.client()
	c.login(w.orderer)

	p := c.get("/catalog?q=nitrilhandskar")
	wantStatus(t, p, http.StatusOK)
	if !strings.Contains(p.Body, `action="/favourites/`+w.gloveM.ID+`"`) || !strings.Contains(p.Body, `aria-pressed="false"`) {
		t.Fatalf("no star in the catalogue: %.3000s", p.Body)
	}
	// The quantity field takes what an order line takes (one rule: orders.MaxQuantity).
	if !strings.Contains(p.Body, `id="qty-`+w.gloveM.ID+`" name="quantity" type="number" min="1" max="`+strconv.Itoa(orders.MaxQuantity)+`"`) {
		t.Fatalf("the catalogue's quantity field does not take orders.MaxQuantity: %.3000s", p.Body)
	}
	// htmx: the answer is the star, pressed.
	star := c.do(http.MethodPost, "/favourites/"+w.gloveM.ID, url.Values{"csrf": {c.csrf()}, "on": {"true"}, "back": {"/catalog?q=nitrilhandskar"}}, "HX-Request", "true")
	wantStatus(t, star, http.StatusOK)
	if !strings.Contains(star.Body, `aria-pressed="true"`) || !strings.Contains(star.Body, `name="on" value="false"`) || strings.Contains(star.Body, "<html") {
		t.Fatalf("htmx star: %.1000s", star.Body)
	}
	// A plain form returns to where it came from.
	p = c.post("/favourites/"+w.soap.ID, url.Values{"on": {"true"}, "back": {"/catalog?q=tv%C3%A5l"}})
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.Header.Get("Location"); loc != "/catalog?q=tv%C3%A5l" {
		t.Fatalf("back to %q", loc)
	}
	if p := c.get("/catalog?q=nitrilhandskar"); !strings.Contains(p.Body, `aria-pressed="true"`) {
		t.Fatal("the catalogue does not show the star pressed")
	}
	fav := c.get("/favourites")
	wantStatus(t, fav, http.StatusOK)
	if !strings.Contains(fav.Body, w.gloveM.Name) || !strings.Contains(fav.Body, w.soap.Name) || !strings.Contains(fav.Body, `name="item_id" value="`+w.gloveM.ID+`"`) {
		t.Fatalf("favourites page: %.3000s", fav.Body)
	}
	if p := c.post("/cart/add", url.Values{"item_id": {w.gloveM.ID}, "quantity": {"2"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("add from favourites: %d", p.Status)
	}

	colleague := s.client()
	colleague.login(w.approver)
	if p := colleague.get("/favourites"); strings.Contains(p.Body, w.gloveM.Name) {
		t.Fatal("a colleague sees the orderer's favourites")
	}

	_, err := s.Catalog.UpdateItem(t.Context(), callerOf(w.seller2, auth.KindSupplier), w.soap.ID, catalog.ItemPatch{Active: new(bool)})
	if err != nil {
		t.Fatal(err)
	}
	fav = c.get("/favourites")
	if strings.Contains(fav.Body, w.soap.Name) || !strings.Contains(fav.Body, "1 av dina favoriter går inte längre att beställa") {
		t.Fatalf("ended favourite: %.3000s", fav.Body)
	}
	wantStatus(t, c.post("/favourites/clear-ended", nil), http.StatusSeeOther)
	if fav = c.get("/favourites"); strings.Contains(fav.Body, "går inte längre att beställa") || !strings.Contains(fav.Body, w.gloveM.Name) {
		t.Fatalf("after clearing: %.3000s", fav.Body)
	}
	wantStatus(t, c.post("/favourites/"+w.gloveM.ID, url.Values{"on": {"false"}}), http.StatusSeeOther)
	if fav = c.get("/favourites"); strings.Contains(fav.Body, w.gloveM.Name) {
		t.Fatal("unmarked item still listed")
	}
	// A manager has no favourites.
	m := s.client()
	m.login(w.manager)
	wantStatus(t, m.get("/favourites"), http.StatusForbidden)
}

// TestSavedDetailsAtCheckout: the approver saves a delivery address and a cost centre; the
// orderer's checkout offers them chosen, the order carries the saved text, free text still
// works with "another", and the orderer cannot maintain them.
func TestSavedDetailsAtCheckout(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	a := s.client()
	a.login(w.approver)
	page := "/organizations/" + w.buyer.ID + "/details"
	wantStatus(t, a.get(page), http.StatusOK)
	p := a.post(page, url.Values{"kind": {"delivery_address"}, "label": {"Hemtjänst Norr"}, "value": {"Hemtjänst Norr\nStorgatan 1\n651 84 Karlstad"}})
	wantStatus(t, p, http.StatusSeeOther)
	wantStatus(t, a.post(page, url.Values{"kind": {"cost_center"}, "label": {"Hemtjänst Norr"}, "value": {"4410"}}), http.StatusSeeOther)
	p = a.post(page, url.Values{"kind": {"cost_center"}, "value": {"4410"}})
	wantStatus(t, p, http.StatusConflict)
	if !strings.Contains(p.Body, "Den finns redan sparad.") {
		t.Fatalf("duplicate cost centre: %.3000s", p.Body)
	}
	p = a.post(page, url.Values{"kind": {"cost_center"}, "value": {"44\n10"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)

	c := s.client()
	c.login(w.orderer)
	wantStatus(t, c.get(page), http.StatusForbidden)
	wantStatus(t, c.post(page, url.Values{"kind": {"cost_center"}, "value": {"9999"}}), http.StatusForbidden)

	saved, err := s.Orders.SavedDetails(t.Context(), callerOf(w.orderer, auth.KindBuyer), w.buyer.ID)
	if err != nil || len(saved) != 2 {
		t.Fatalf("saved = %v, %v", saved, err)
	}
	var addrID, ccID string
	for _, d := range saved {
		if d.Kind == orders.DetailDeliveryAddress {
			addrID = d.ID
		} else {
			ccID = d.ID
		}
	}
	wantStatus(t, c.post("/cart/add", url.Values{"item_id": {w.gloveM.ID}, "quantity": {"3"}}), http.StatusSeeOther)
	checkout := "/checkout?agreement=" + w.agreement.ID + "&supplier=" + w.supplier.ID
	p = c.get(checkout)
	wantStatus(t, p, http.StatusOK)
	if !strings.Contains(p.Body, `<option value="`+addrID+`" selected>Hemtjänst Norr – Hemtjänst Norr`) || !strings.Contains(p.Body, `<option value="`+ccID+`" selected>4410 – Hemtjänst Norr`) {
		t.Fatalf("checkout does not offer the saved choices: %.4000s", p.Body)
	}
	date := time.Now().AddDate(0, 0, 10).Format("2006-01-02")
	p = c.post("/checkout", url.Values{"agreement": {w.agreement.ID}, "supplier": {w.supplier.ID}, "delivery_address_choice": {addrID},
		"cost_center_choice": {ccID}, "delivery_address": {""}, "cost_center": {""}, "requested_delivery_date": {date}, "idem": {"saved-1"}})
	wantStatus(t, p, http.StatusSeeOther)
	o := orderAt(t, s, w, p.Header.Get("Location"))
	if o.DeliveryAddress != "Hemtjänst Norr\nStorgatan 1\n651 84 Karlstad" || o.CostCenter != "4410" {
		t.Fatalf("order with saved choices: %q, %q", o.DeliveryAddress, o.CostCenter)
	}

	// Another address typed by hand, and a forged choice of another organisation's: the typed
	// text is used, never the other organisation's.
	wantStatus(t, c.post("/cart/add", url.Values{"item_id": {w.gloveM.ID}, "quantity": {"3"}}), http.StatusSeeOther)
	p = c.post("/checkout", url.Values{"agreement": {w.agreement.ID}, "supplier": {w.supplier.ID}, "delivery_address_choice": {""},
		"cost_center_choice": {"6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f"}, "delivery_address": {"Vårdcentralen, Torget 2"}, "cost_center": {"5510"},
		"requested_delivery_date": {date}, "idem": {"saved-2"}})
	wantStatus(t, p, http.StatusSeeOther)
	o = orderAt(t, s, w, p.Header.Get("Location"))
	if o.DeliveryAddress != "Vårdcentralen, Torget 2" || o.CostCenter != "5510" {
		t.Fatalf("order with typed text: %q, %q", o.DeliveryAddress, o.CostCenter)
	}

	// Removing a saved one leaves the order's text alone.
	wantStatus(t, a.post(page+"/"+addrID+"/delete", nil), http.StatusSeeOther)
	if p := a.get(page); strings.Contains(p.Body, "Storgatan 1") {
		t.Fatal("removed address still listed")
	}
}

// orderAt reads the order a checkout redirected to.
func orderAt(t *testing.T, s *stack, w *world, location string) orders.Order {
	t.Helper()
	id := strings.TrimPrefix(strings.SplitN(location, "?", 2)[0], "/orders/")
	o, err := s.Orders.GetOrder(t.Context(), callerOf(w.orderer, auth.KindBuyer), id)
	if err != nil {
		t.Fatalf("order %s: %v", location, err)
	}
	return o
}

// TestApprovalQueueSaysWhy: an order below the threshold that the splitting rule sent to
// approval says so in the queue, beside its lines and who ordered it; a reject without a reason
// is refused and changes nothing; approve confirms on the queue.
func TestApprovalQueueSaysWhy(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	threshold := int64(300_00)
	if _, err := s.Auth.UpdateOrganization(t.Context(), adminCaller, w.buyer.ID, auth.OrganizationPatch{ApprovalThresholdMinor: &threshold}); err != nil {
		t.Fatal(err)
	}
	orderer := callerOf(w.orderer, auth.KindBuyer)
	place := func(key string) orders.Order {
		o, _, err := s.Orders.CreateOrder(t.Context(), orderer, orders.OrderInput{AgreementID: w.agreement.ID, SupplierID: w.supplier.ID,
			Lines: []orders.LineInput{{ItemID: w.gloveM.ID, Quantity: 2}}, DeliveryAddress: "Storgatan 1", CostCenter: "4410"}, key)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	if first := place("split-1"); first.Status != orders.StatusApproved {
		t.Fatalf("first order below the threshold: %s", first.Status)
	}
	second := place("split-2")
	if second.Status != orders.StatusPendingApproval {
		t.Fatalf("second order: %s, want pending approval (suspected splitting)", second.Status)
	}
	a := s.client()
	a.login(w.approver)
	q := a.get("/approvals")
	wantStatus(t, q, http.StatusOK)
	for _, want := range []string{second.Number, "Misstänkt uppdelning.", "300,00", w.gloveM.Name, w.orderer.Name} {
		if !strings.Contains(q.Body, want) {
			t.Errorf("the queue lacks %q", want)
		}
	}
	p := a.post("/orders/"+second.ID+"/reject", url.Values{"note": {"  "}, "back": {"/approvals"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	// The approver stays in the queue, told beside that order's note what is missing.
	for _, want := range []string{"Beställningar att attestera", second.Number, `id="note-` + second.ID + `-error"`,
		"Skriv varför beställningen avslås", `aria-describedby="note-` + second.ID + `-error"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the refused reject's page lacks %q", want)
		}
	}
	if o, _ := s.Orders.GetOrder(t.Context(), orderer, second.ID); o.Status != orders.StatusPendingApproval {
		t.Fatalf("a reject without a reason moved the order to %s", o.Status)
	}
	p = a.post("/orders/"+second.ID+"/approve", url.Values{"note": {""}, "back": {"/approvals"}})
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.Header.Get("Location"); loc != "/approvals?msg=order_approve" {
		t.Fatalf("after approving: %q", loc)
	}
	if q := a.get("/approvals?msg=order_approve"); !strings.Contains(q.Body, "role=\"status\"") && !strings.Contains(q.Body, "attesterad") {
		t.Fatalf("no confirmation on the queue: %.2000s", q.Body)
	}
}
