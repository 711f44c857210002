package frontend_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestCheckoutRefusalsInWords: rule refusals of the orders service are shown in words beside
// the field that caused them, and nothing is ordered.
func TestCheckoutRefusalsInWords(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	c := s.client()
	c.login(w.orderer)
	date := time.Now().AddDate(0, 0, 10).Format("2006-01-02")

	t.Run("search fragment for htmx", func(t *testing.T) {
		p := c.do(http.MethodGet, "/catalog?q=handskr", nil, "HX-Request", "true", "HX-Target", "results")
		wantStatus(t, p, http.StatusOK)
		if strings.Contains(p.Body, "<html") || !strings.Contains(p.Body, "Nitrilhandskar") || strings.Contains(p.Body, "Kompresser") {
			t.Fatalf("fragment wrong: %.1500s", p.Body)
		}
	})
	t.Run("named eco-label filter", func(t *testing.T) {
		p := c.get("/catalog?eco=bra_miljoval")
		wantStatus(t, p, http.StatusOK)
		if !strings.Contains(p.Body, "Tvållösning") || strings.Contains(p.Body, "Nitrilhandskar") {
			t.Fatalf("eco=bra_miljoval did not filter: %.3000s", p.Body)
		}
	})
	t.Run("cart add without htmx redirects", func(t *testing.T) {
		p := c.post("/cart/add", url.Values{"item_id": {w.soap.ID}, "quantity": {"1"}})
		wantStatus(t, p, http.StatusSeeOther)
	})
	t.Run("below the minimum order value", func(t *testing.T) {
		p := c.post("/checkout", url.Values{"agreement": {w.agreement.ID}, "supplier": {w.supplier2.ID},
			"delivery_address": {"Storgatan 1"}, "cost_center": {"4410"}, "requested_delivery_date": {date},
			"cascade_reason": {"higher_rank_cannot_deliver"}, "cascade_note": {"Rang 1 saknar tvållösning i lager."}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !strings.Contains(p.Body, "understiger avtalets minsta ordervärde") {
			t.Fatalf("no below-min-order message: %s", p.Body)
		}
	})
	t.Run("raise the quantity", func(t *testing.T) {
		wantStatus(t, c.post("/cart/update", url.Values{"qty_" + w.soap.ID: {"5"}}), http.StatusSeeOther)
	})
	t.Run("cascade reason required for rank 2", func(t *testing.T) {
		p := c.post("/checkout", url.Values{"agreement": {w.agreement.ID}, "supplier": {w.supplier2.ID},
			"delivery_address": {"Storgatan 1"}, "cost_center": {"4410"}, "requested_delivery_date": {date}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !strings.Contains(p.Body, `id="cascade_reason-error"`) {
			t.Fatalf("no error beside the cascade reason: %s", p.Body)
		}
		if !strings.Contains(p.Body, "Skäl att gå förbi rangordningen") {
			t.Fatalf("no cascade fieldset: %s", p.Body)
		}
	})
	t.Run("cascade order placed with reason", func(t *testing.T) {
		p := c.post("/checkout", url.Values{"agreement": {w.agreement.ID}, "supplier": {w.supplier2.ID},
			"delivery_address": {"Storgatan 1"}, "cost_center": {"4410"}, "requested_delivery_date": {date},
			"cascade_reason": {"higher_rank_cannot_deliver"}, "cascade_note": {"Rang 1 saknar tvållösning i lager."}, "idem": {"test-key-1"}})
		wantStatus(t, p, http.StatusSeeOther)
		loc := p.Header.Get("Location")
		if !strings.HasPrefix(loc, "/orders/") {
			t.Fatalf("Location = %q", loc)
		}
		page := c.get(loc)
		if !strings.Contains(page.Body, "Leverantören med högre rang kan inte leverera") {
			t.Fatalf("order page lacks the cascade reason: %s", page.Body)
		}
		if strings.Contains(c.get("/cart").Body, "Tvållösning") {
			t.Fatal("ordered lines are still in the cart")
		}
	})
	t.Run("unknown checkout group is 404", func(t *testing.T) {
		wantStatus(t, c.get("/checkout?agreement=x&supplier=y"), http.StatusNotFound)
	})
	t.Run("approver cannot approve own order", func(t *testing.T) {
		a := s.client()
		a.login(w.approver)
		p := a.post("/cart/add", url.Values{"item_id": {w.compress.ID}, "quantity": {"1"}})
		wantStatus(t, p, http.StatusSeeOther)
		p = a.post("/checkout", url.Values{"agreement": {w.agreement.ID}, "supplier": {w.supplier.ID},
			"delivery_address": {"Storgatan 1"}, "cost_center": {"4410"}, "requested_delivery_date": {date}})
		wantStatus(t, p, http.StatusSeeOther)
		loc := p.Header.Get("Location")
		id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/orders/")
		if strings.Contains(a.get("/approvals").Body, id) {
			t.Fatal("own order in the approval queue")
		}
		p = a.post("/orders/"+id+"/approve", nil)
		if p.Status != http.StatusForbidden && p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("approving own order: status %d", p.Status)
		}
	})
	t.Run("supplier decline needs a reason", func(t *testing.T) {
		o := s.client()
		o.login(w.orderer)
		o.post("/cart/add", url.Values{"item_id": {w.compress.ID}, "quantity": {"1"}})
		p := o.post("/checkout", url.Values{"agreement": {w.agreement.ID}, "supplier": {w.supplier.ID},
			"delivery_address": {"Storgatan 1"}, "cost_center": {"4410"}, "requested_delivery_date": {date}})
		wantStatus(t, p, http.StatusSeeOther)
		id := strings.TrimPrefix(strings.SplitN(p.Header.Get("Location"), "?", 2)[0], "/orders/")
		a := s.client()
		a.login(w.approver)
		wantStatus(t, a.post("/orders/"+id+"/approve", url.Values{"note": {"ok"}}), http.StatusSeeOther)
		sup := s.client()
		sup.login(w.seller)
		p = sup.post("/orders/"+id+"/decline", url.Values{"reason": {""}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !strings.Contains(p.Body, `id="decline-reason-error"`) {
			t.Fatalf("no reason error: %s", p.Body)
		}
		wantStatus(t, sup.post("/orders/"+id+"/decline", url.Values{"reason": {"Slut i lager"}}), http.StatusSeeOther)
		if !strings.Contains(o.get("/orders/"+id).Body, "Slut i lager") {
			t.Fatal("decline reason not shown to the orderer")
		}
		// A move the lifecycle does not allow answers 409 with words.
		p = sup.post("/orders/"+id+"/ship", nil)
		wantStatus(t, p, http.StatusConflict)
		if !strings.Contains(p.Body, "kan inte flyttas") {
			t.Fatalf("no invalid-transition message: %s", p.Body)
		}
	})
}
