package frontend_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/testenv"
)

// TestCartNoSilentLoss: the cart never drops what the orderer typed. Enter submits the form's
// default button, which updates quantities (it was "remove" once); checkout takes the
// quantities on screen; a bad quantity changes nothing and says so; a removal can be undone.
func TestCartNoSilentLoss(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	c := s.client()
	c.login(w.orderer)
	for _, id := range []string{w.gloveM.ID, w.gloveL.ID} {
		wantStatus(t, c.post("/cart/add", url.Values{"item_id": {id}, "quantity": {"2"}}), http.StatusSeeOther)
	}

	t.Run("the default button updates", func(t *testing.T) {
		body := c.get("/cart").Body
		form := body[strings.Index(body, `action="/cart/update"`):]
		first := regexp.MustCompile(`<button[^>]*type="submit"[^>]*>`).FindString(form)
		if !strings.Contains(first, `name="update"`) {
			t.Fatalf("the cart form's first submit button is %s; Enter would not update", first)
		}
	})
	t.Run("Enter in a quantity updates that line and keeps the others", func(t *testing.T) {
		p := c.post("/cart/update", url.Values{"update": {"1"}, "qty_" + w.gloveM.ID: {"5"}, "qty_" + w.gloveL.ID: {"2"}})
		wantStatus(t, p, http.StatusSeeOther)
		body := c.get("/cart").Body
		if !strings.Contains(body, `id="qty_`+w.gloveM.ID+`" name="qty_`+w.gloveM.ID+`" type="number" inputmode="numeric" min="0" max="1000000" value="5"`) ||
			!strings.Contains(body, "Nitrilhandskar puderfria, storlek L") {
			t.Fatalf("cart after Enter: %.3000s", body)
		}
	})
	t.Run("checkout takes the quantities on screen", func(t *testing.T) {
		p := c.post("/cart/update", url.Values{"checkout": {w.agreement.ID + "/" + w.supplier.ID}, "qty_" + w.gloveM.ID: {"7"}, "qty_" + w.gloveL.ID: {"2"}})
		wantStatus(t, p, http.StatusSeeOther)
		loc := p.Header.Get("Location")
		if !strings.HasPrefix(loc, "/checkout?agreement="+w.agreement.ID) {
			t.Fatalf("Location = %q, want the checkout", loc)
		}
		if body := c.get(loc).Body; !strings.Contains(body, "7 ask Nitrilhandskar puderfria, storlek M") {
			t.Fatalf("checkout does not show the typed quantity 7: %.3000s", body)
		}
	})
	t.Run("a bad quantity changes nothing and says so", func(t *testing.T) {
		for _, bad := range []string{"abc", "-1", "1000001", ""} {
			p := c.post("/cart/update", url.Values{"update": {"1"}, "qty_" + w.gloveM.ID: {bad}, "qty_" + w.gloveL.ID: {"9"}})
			wantStatus(t, p, http.StatusUnprocessableEntity)
			if !strings.Contains(p.Body, `id="err_`+w.gloveM.ID+`"`) || !strings.Contains(p.Body, "Inget har ändrats") {
				t.Fatalf("quantity %q: no error beside the line: %.3000s", bad, p.Body)
			}
		}
		if body := c.get("/cart").Body; !strings.Contains(body, `value="7"`) || strings.Contains(body, `value="9"`) {
			t.Fatalf("a refused update changed the cart: %.3000s", body)
		}
	})
	t.Run("removal is explicit and undoable", func(t *testing.T) {
		p := c.post("/cart/update", url.Values{"remove": {w.gloveL.ID}, "qty_" + w.gloveM.ID: {"7"}, "qty_" + w.gloveL.ID: {"2"}})
		wantStatus(t, p, http.StatusSeeOther)
		body := c.get(p.Header.Get("Location")).Body
		if !strings.Contains(body, "2 × Nitrilhandskar puderfria, storlek L togs bort ur varukorgen.") || !strings.Contains(body, `action="/cart/restore"`) {
			t.Fatalf("no undo offer: %.3000s", body)
		}
		if strings.Contains(body, `id="qty_`+w.gloveL.ID+`"`) {
			t.Fatal("the removed line is still in the cart")
		}
		items := regexp.MustCompile(`name="items" value="([^"]+)"`).FindStringSubmatch(body)
		if items == nil {
			t.Fatalf("undo form lacks its items: %.2000s", body)
		}
		wantStatus(t, c.post("/cart/restore", url.Values{"items": {items[1]}}), http.StatusSeeOther)
		if body := c.get("/cart?msg=cart_restored").Body; !strings.Contains(body, `id="qty_`+w.gloveL.ID+`"`) || !strings.Contains(body, "Raden är tillbaka i varukorgen.") {
			t.Fatalf("undo did not put the line back: %.3000s", body)
		}
	})
	t.Run("totals are the order's: VAT rounded per line as placing rounds it", func(t *testing.T) {
		// 7 × 89,50 = 626,50 kr; 25 % = 156,625 → 156,63 (rounded, never truncated).
		wantStatus(t, c.post("/cart/update", url.Values{"update": {"1"}, "qty_" + w.gloveM.ID: {"7"}, "qty_" + w.gloveL.ID: {"0"}}), http.StatusSeeOther)
		body := c.get("/cart").Body
		if !strings.Contains(body, "156,63\u00a0kr") || !strings.Contains(body, "783,13\u00a0kr") {
			t.Fatalf("cart VAT is not the order's rounding: %.4000s", body)
		}
		date := time.Now().AddDate(0, 0, 10).Format("2006-01-02")
		p := c.post("/checkout", url.Values{"agreement": {w.agreement.ID}, "supplier": {w.supplier.ID},
			"delivery_address": {"Storgatan 1"}, "cost_center": {"4410"}, "requested_delivery_date": {date}, "idem": {"cart-vat-1"}})
		wantStatus(t, p, http.StatusSeeOther)
		if order := c.get(p.Header.Get("Location")).Body; !strings.Contains(order, "783,13\u00a0kr") {
			t.Fatalf("the placed order's total incl. VAT differs from the cart's 783,13 kr: %.4000s", order)
		}
	})
}

// TestCartAddFeedback: an htmx add answers with the confirmation for beside the button and
// the header's new cart count, swapped out of band.
func TestCartAddFeedback(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	c := s.client()
	c.login(w.orderer)
	p := c.do(http.MethodPost, "/cart/add", url.Values{"csrf": {c.csrf()}, "item_id": {w.gloveM.ID}, "quantity": {"3"}}, "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	if !strings.Contains(p.Body, "3 st Nitrilhandskar puderfria, storlek M har lagts i varukorgen.") ||
		!strings.Contains(p.Body, `<a id="nav-cart" href="/cart" hx-swap-oob="true">Varukorg (1)</a>`) {
		t.Fatalf("htmx add answer: %s", p.Body)
	}
	p = c.do(http.MethodPost, "/cart/add", url.Values{"csrf": {c.csrf()}, "item_id": {w.gloveM.ID}, "quantity": {"0"}}, "HX-Request", "true")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if strings.Contains(p.Body, "nav-cart") || !strings.Contains(p.Body, "heltal") {
		t.Fatalf("refused add: %s", p.Body)
	}
}

// TestOrderAgain: "order again" puts a previous order's items in the cart with its quantities;
// another organisation's order is not found.
func TestOrderAgain(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	c := s.client()
	c.login(w.orderer)
	wantStatus(t, c.post("/cart/add", url.Values{"item_id": {w.gloveM.ID}, "quantity": {"3"}}), http.StatusSeeOther)
	date := time.Now().AddDate(0, 0, 10).Format("2006-01-02")
	p := c.post("/checkout", url.Values{"agreement": {w.agreement.ID}, "supplier": {w.supplier.ID},
		"delivery_address": {"Storgatan 1"}, "cost_center": {"4410"}, "requested_delivery_date": {date}, "idem": {"again-1"}})
	wantStatus(t, p, http.StatusSeeOther)
	orderPath := strings.SplitN(p.Header.Get("Location"), "?", 2)[0]
	if !strings.Contains(c.get(orderPath).Body, `action="`+orderPath+`/reorder"`) {
		t.Fatal("the order page offers no order again")
	}
	p = c.post(orderPath+"/reorder", nil)
	wantStatus(t, p, http.StatusSeeOther)
	body := c.get(p.Header.Get("Location")).Body
	if !strings.Contains(body, `name="qty_`+w.gloveM.ID+`" type="number" inputmode="numeric" min="0" max="1000000" value="3"`) || !strings.Contains(body, "dagens priser") {
		t.Fatalf("cart after order again: %.3000s", body)
	}
	other := newWorld(t, s)
	o := s.client()
	o.login(other.orderer)
	wantStatus(t, o.post(orderPath+"/reorder", nil), http.StatusNotFound)
}

// TestCartKeepsTheOrderItemsWereAdded: the cart lists its lines in the order they were put in
// (not by id), a changed quantity keeps its place, and the placed order's lines follow it.
func TestCartKeepsTheOrderItemsWereAdded(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	c := s.client()
	c.login(w.orderer)
	// Added against the order of their ids, which the cart once listed by.
	added := []catalog.Item{w.gloveVinyl, w.gloveM, w.gloveL}
	slices.SortFunc(added, func(a, b catalog.Item) int { return strings.Compare(b.ID, a.ID) })
	for _, it := range added {
		wantStatus(t, c.post("/cart/add", url.Values{"item_id": {it.ID}, "quantity": {"2"}}), http.StatusSeeOther)
	}
	wantStatus(t, c.post("/cart/update", url.Values{"update": {"1"}, "qty_" + w.gloveM.ID: {"5"}}), http.StatusSeeOther)
	body := c.get("/cart").Body
	last := -1
	for _, it := range added {
		at := strings.Index(body, it.Name)
		if at < 0 || at < last {
			t.Fatalf("the cart does not list %v in the order added: %q at %d after %d", names(added), it.Name, at, last)
		}
		last = at
	}
	date := time.Now().AddDate(0, 0, 10).Format("2006-01-02")
	p := c.post("/checkout", url.Values{"agreement": {w.agreement.ID}, "supplier": {w.supplier.ID},
		"delivery_address": {"Storgatan 1"}, "cost_center": {"4410"}, "requested_delivery_date": {date}, "idem": {"cart-order-1"}})
	wantStatus(t, p, http.StatusSeeOther)
	o, err := s.Orders.GetOrder(t.Context(), callerOf(w.orderer, auth.KindBuyer), strings.TrimPrefix(strings.Split(p.Header.Get("Location"), "?")[0], "/orders/"))
	testenv.Must(t, err)
	var got []string
	for _, l := range o.Lines {
		got = append(got, l.ItemID)
	}
	want := []string{added[0].ID, added[1].ID, added[2].ID}
	if !slices.Equal(got, want) {
		t.Fatalf("order lines %v, want the cart's order %v", got, want)
	}
	for _, l := range o.Lines {
		if wantQty := map[bool]int{true: 5, false: 2}[l.ItemID == w.gloveM.ID]; l.Quantity != wantQty {
			t.Fatalf("line %s quantity %d, want %d", l.ItemID, l.Quantity, wantQty)
		}
	}
}

func names(items []catalog.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Name
	}
	return out
}
