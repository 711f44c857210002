package api

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
)

// catalogWorld is a procurement body with an agreement, a participating buyer, an outside
// buyer and two awarded suppliers, each with a token.
type catalogWorld struct {
	a                                                                               *testAPI
	body, buyer, outsider, sup1, sup2, other                                        auth.Organization
	manager, otherManager, orderer, outsiderOrderer, supplier1, supplier2, adminTok string
	agreementID                                                                     string
}

func newCatalogWorld(t testing.TB) *catalogWorld {
	t.Helper()
	a := newTestAPI(t)
	w := &catalogWorld{a: a}
	w.body, w.other = a.org(auth.KindProcurementBody), a.org(auth.KindProcurementBody)
	w.buyer, w.outsider = a.org(auth.KindBuyer), a.org(auth.KindBuyer)
	w.sup1, w.sup2 = a.org(auth.KindSupplier), a.org(auth.KindSupplier)
	_, w.manager = a.user(w.body, auth.RoleManager)
	_, w.otherManager = a.user(w.other, auth.RoleManager)
	_, w.orderer = a.user(w.buyer, auth.RoleOrderer)
	_, w.outsiderOrderer = a.user(w.outsider, auth.RoleOrderer)
	_, w.supplier1 = a.user(w.sup1, auth.RoleSupplier)
	_, w.supplier2 = a.user(w.sup2, auth.RoleSupplier)
	res := a.do("POST", "/api/v1/agreements", w.manager, w.agreementBody())
	wantStatus(t, res, http.StatusCreated)
	w.agreementID = res.JSON["id"].(string)
	return w
}

func (w *catalogWorld) agreementBody() map[string]any {
	return map[string]any{"reference": "RA-" + testenv.Unique(), "title": "Läkemedelsautomater", "cpv_code": "33190000",
		"currency": "SEK", "valid_from": "2023-10-01", "valid_to": "2099-09-30", "duration_justification": "test world", "catalogue_approval": false, "ceiling_minor": 5000000000,
		"call_off_method": "ranking", "min_order_minor": 50000, "max_price_increase_bp": 300,
		"price_adjustment_interval_months": 12, "lead_time_days": 10,
		"participants": []map[string]any{{"org_id": w.buyer.ID, "ceiling_minor": nil}},
		"suppliers":    []map[string]any{{"org_id": w.sup1.ID, "rank": 1}, {"org_id": w.sup2.ID, "rank": 2}}}
}

func (w *catalogWorld) addItem(t testing.TB, token, sku, name string) string {
	t.Helper()
	res := w.a.do("POST", "/api/v1/agreements/"+w.agreementID+"/items", token, map[string]any{"sku": sku,
		"name": name, "unit": "EA", "pack_size": 1, "cpv_code": "33190000", "eco_labels": []string{"eu_ecolabel"},
		"vat_rate_bp": 2500, "price_minor": 2490000})
	wantStatus(t, res, http.StatusCreated)
	return res.JSON["id"].(string)
}

func TestAgreementsAPI(t *testing.T) {
	w := newCatalogWorld(t)
	a := w.a
	t.Run("validation answers 422 with fields", func(t *testing.T) {
		b := w.agreementBody()
		b["valid_to"] = "2020-01-01"
		b["currency"] = "KRONOR"
		res := a.do("POST", "/api/v1/agreements", w.manager, b)
		wantProblem(t, res, http.StatusUnprocessableEntity, "validation_failed")
		if errs, _ := res.JSON["errors"].([]any); len(errs) != 2 {
			t.Fatalf("errors = %v", res.JSON["errors"])
		}
	})
	t.Run("unknown field answers 400", func(t *testing.T) {
		b := w.agreementBody()
		b["status"] = "terminated"
		wantProblem(t, a.do("POST", "/api/v1/agreements", w.manager, b), http.StatusBadRequest, "unknown_field")
	})
	t.Run("orderer and supplier may not create", func(t *testing.T) {
		wantProblem(t, a.do("POST", "/api/v1/agreements", w.orderer, w.agreementBody()), http.StatusForbidden, "")
		wantProblem(t, a.do("POST", "/api/v1/agreements", w.supplier1, w.agreementBody()), http.StatusForbidden, "")
	})
	for _, c := range []struct {
		name   string
		token  func() string
		status int
	}{
		{"participating buyer", func() string { return w.orderer }, 200},
		{"buyer not participating", func() string { return w.outsiderOrderer }, 404},
		{"awarded supplier", func() string { return w.supplier2 }, 200},
		{"manager", func() string { return w.manager }, 200},
		{"other body's manager", func() string { return w.otherManager }, 404},
	} {
		t.Run("get as "+c.name, func(t *testing.T) {
			res := a.do("GET", "/api/v1/agreements/"+w.agreementID, c.token(), nil)
			if c.status == 404 {
				wantProblem(t, res, 404, "not_found")
				return
			}
			wantStatus(t, res, c.status)
			if sups, _ := res.JSON["suppliers"].([]any); len(sups) != 2 {
				t.Fatalf("suppliers = %v", res.JSON["suppliers"])
			}
		})
	}
	t.Run("list is scoped", func(t *testing.T) {
		res := a.do("GET", "/api/v1/agreements", w.outsiderOrderer, nil)
		wantStatus(t, res, 200)
		if res.JSON["total"].(float64) != 0 {
			t.Fatalf("outsider sees %v", res.JSON["total"])
		}
		res = a.do("GET", "/api/v1/agreements?status=active", w.orderer, nil)
		wantStatus(t, res, 200)
		if res.JSON["total"].(float64) != 1 || res.JSON["page_size"].(float64) != 20 {
			t.Fatalf("list = %s", res.Body)
		}
	})
	t.Run("patch extends, sets ceilings, terminates", func(t *testing.T) {
		res := a.do("PATCH", "/api/v1/agreements/"+w.agreementID, w.otherManager, map[string]any{"valid_to": "2100-01-01"})
		wantProblem(t, res, 404, "")
		res = a.do("PATCH", "/api/v1/agreements/"+w.agreementID, w.orderer, map[string]any{"valid_to": "2100-01-01"})
		wantProblem(t, res, 403, "")
		res = a.do("PATCH", "/api/v1/agreements/"+w.agreementID, w.manager, map[string]any{"valid_to": "2100-01-01",
			"ceiling_minor": 6000000000, "participants": []map[string]any{{"org_id": w.buyer.ID, "ceiling_minor": 100000}}})
		wantStatus(t, res, 200)
		if res.JSON["valid_to"] != "2100-01-01" || res.JSON["ceiling_minor"].(float64) != 6000000000 {
			t.Fatalf("patched = %s", res.Body)
		}
	})
}

func TestCatalogAPI(t *testing.T) {
	w := newCatalogWorld(t)
	a := w.a
	itemID := w.addItem(t, w.supplier1, "EVO-200", "Läkemedelsautomat Evondos E300")
	w.addItem(t, w.supplier2, "MED-1", "Läkemedelsdispenser Medido")

	t.Run("search shape", func(t *testing.T) {
		res := a.do("GET", "/api/v1/catalog/items?q=l%C3%A4kemedel&eco=true&page=1&page_size=20", w.orderer, nil)
		wantStatus(t, res, 200)
		items := res.JSON["items"].([]any)
		if res.JSON["total"].(float64) != 2 || len(items) != 2 {
			t.Fatalf("search = %s", res.Body)
		}
		first := items[0].(map[string]any)
		for _, k := range []string{"id", "sku", "name", "unit", "price_minor", "currency", "vat_rate_bp", "eco_labels", "agreement_id", "supplier_id", "supplier_rank"} {
			if _, ok := first[k]; !ok {
				t.Fatalf("item lacks %s: %v", k, first)
			}
		}
	})
	t.Run("search bad input", func(t *testing.T) {
		wantProblem(t, a.do("GET", "/api/v1/catalog/items?page_size=101", w.orderer, nil), 400, "invalid_query")
		wantProblem(t, a.do("GET", "/api/v1/catalog/items?eco=Maybe!", w.orderer, nil), 422, "validation_failed")
		res := a.do("GET", "/api/v1/catalog/items?eco=svanen", w.orderer, nil)
		wantStatus(t, res, 200)
		if res.JSON["total"].(float64) != 0 {
			t.Fatalf("eco=svanen found %v", res.JSON["total"])
		}
		res = a.do("GET", "/api/v1/catalog/items?eco=eu_ecolabel", w.orderer, nil)
		wantStatus(t, res, 200)
		if res.JSON["total"].(float64) != 2 {
			t.Fatalf("eco=eu_ecolabel found %v", res.JSON["total"])
		}
		wantProblem(t, a.do("GET", "/api/v1/catalog/items?agreement_id=nope", w.orderer, nil), 422, "validation_failed")
	})
	t.Run("item scope", func(t *testing.T) {
		wantStatus(t, a.do("GET", "/api/v1/catalog/items/"+itemID, w.orderer, nil), 200)
		wantProblem(t, a.do("GET", "/api/v1/catalog/items/"+itemID, w.outsiderOrderer, nil), 404, "not_found")
		wantProblem(t, a.do("GET", "/api/v1/catalog/items/"+itemID, w.supplier2, nil), 404, "not_found")
		wantProblem(t, a.do("GET", "/api/v1/catalog/items/not-a-uuid", w.orderer, nil), 404, "not_found")
		wantProblem(t, a.do("GET", "/api/v1/agreements/"+w.agreementID+"/items", w.outsiderOrderer, nil), 404, "")
		res := a.do("GET", "/api/v1/agreements/"+w.agreementID+"/items", w.supplier1, nil)
		wantStatus(t, res, 200)
		if res.JSON["total"].(float64) != 1 {
			t.Fatalf("supplier 1 sees %v items", res.JSON["total"])
		}
	})
	t.Run("adding items", func(t *testing.T) {
		path := "/api/v1/agreements/" + w.agreementID + "/items"
		body := map[string]any{"sku": "X-1", "name": "X", "unit": "EA", "cpv_code": "33190000", "vat_rate_bp": 2500, "price_minor": 1}
		wantProblem(t, a.do("POST", path, w.orderer, body), 403, "")
		stranger := a.org(auth.KindSupplier)
		_, tok := a.user(stranger, auth.RoleSupplier)
		wantProblem(t, a.do("POST", path, tok, body), 404, "")
		body["sku"] = "EVO-200"
		wantProblem(t, a.do("POST", path, w.supplier1, body), 409, "")
		body["sku"], body["effective_from"] = "X-2", "2000-01-01"
		wantProblem(t, a.do("POST", path, w.supplier1, body), 422, "price_effective_in_past")
	})
	t.Run("price changes", func(t *testing.T) {
		path := "/api/v1/catalog/items/" + itemID + "/price"
		wantProblem(t, a.do("PUT", path, w.orderer, map[string]any{"price_minor": 1}), 403, "")
		wantProblem(t, a.do("PUT", path, w.manager, map[string]any{"price_minor": 1}), 403, "")
		wantProblem(t, a.do("PUT", path, w.supplier2, map[string]any{"price_minor": 1}), 404, "")
		wantProblem(t, a.do("PUT", path, w.supplier1, map[string]any{"price_minor": 2400000, "effective_from": "2001-01-01"}), 422, "price_effective_in_past")
		res := a.do("PUT", path, w.supplier1, map[string]any{"price_minor": 2400000, "reason": "kampanj"})
		wantStatus(t, res, 200)
		if res.JSON["status"] != "applied" || res.JSON["old_price_minor"].(float64) != 2490000 {
			t.Fatalf("decrease = %s", res.Body)
		}
		res = a.do("PUT", path, w.supplier1, map[string]any{"price_minor": 2540000, "effective_from": "2099-12-01", "reason": "KPI"})
		wantStatus(t, res, 202)
		pcID := res.JSON["id"].(string)
		if res.JSON["status"] != "pending" || res.JSON["status_reason"] != "exceeds_max_increase" {
			t.Fatalf("increase = %s", res.Body)
		}
		res = a.do("GET", "/api/v1/price-changes?status=pending", w.manager, nil)
		wantStatus(t, res, 200)
		if res.JSON["total"].(float64) != 1 {
			t.Fatalf("pending = %s", res.Body)
		}
		wantProblem(t, a.do("GET", "/api/v1/price-changes", w.orderer, nil), 403, "")
		wantProblem(t, a.do("POST", "/api/v1/price-changes/"+pcID+"/approve", w.supplier1, nil), 403, "")
		wantProblem(t, a.do("POST", "/api/v1/price-changes/"+pcID+"/approve", w.otherManager, nil), 404, "")
		res = a.do("POST", "/api/v1/price-changes/"+pcID+"/approve", w.manager, map[string]any{"note": "enligt avtal"})
		wantStatus(t, res, 200)
		if res.JSON["status"] != "approved" {
			t.Fatalf("approved = %s", res.Body)
		}
		wantProblem(t, a.do("POST", "/api/v1/price-changes/"+pcID+"/reject", w.manager, nil), 409, "invalid_transition")
		res = a.do("GET", "/api/v1/catalog/items/"+itemID, w.orderer, nil)
		wantStatus(t, res, 200)
		if res.JSON["price_minor"].(float64) != 2400000 || res.JSON["next_price_minor"].(float64) != 2540000 {
			t.Fatalf("item = %s", res.Body)
		}
		wantStatus(t, a.do("GET", "/api/v1/price-changes/"+pcID, w.supplier1, nil), 200)
		wantProblem(t, a.do("GET", "/api/v1/price-changes/"+pcID, w.supplier2, nil), 404, "")
	})
	t.Run("patch item", func(t *testing.T) {
		res := a.do("PATCH", "/api/v1/catalog/items/"+itemID, w.supplier1, map[string]any{"name": "Läkemedelsautomat Evondos E300 v2"})
		wantStatus(t, res, 200)
		res = a.do("GET", "/api/v1/catalog/items?q=evondos", w.orderer, nil)
		if !strings.Contains(string(res.Body), "E300 v2") {
			t.Fatalf("search after patch = %s", res.Body)
		}
		wantProblem(t, a.do("PATCH", "/api/v1/catalog/items/"+itemID, w.supplier2, map[string]any{"name": "x"}), 404, "")
	})
}

func TestPriceListAPI(t *testing.T) {
	w := newCatalogWorld(t)
	a := w.a
	path := "/api/v1/agreements/" + w.agreementID + "/price-list"
	head := "sku,name,description,unit,pack_size,cpv_code,gtin,eco_labels,vat_rate_bp,price_minor,effective_from\n"
	csv := func(body string) []byte { return []byte(head + body) }
	t.Run("not csv", func(t *testing.T) {
		wantProblem(t, a.do("POST", path, w.supplier1, map[string]any{"x": 1}), 415, "unsupported_media_type")
	})
	t.Run("over 64 MiB answers 413", func(t *testing.T) {
		big := append(csv(""), bytes.Repeat([]byte("x"), maxPriceListBody)...)
		wantProblem(t, a.do("POST", path, w.supplier1, big, "Content-Type", "text/csv"), 413, "body_too_large")
	})
	t.Run("roles and scope", func(t *testing.T) {
		wantProblem(t, a.do("POST", path, w.orderer, csv(""), "Content-Type", "text/csv"), 403, "")
		stranger := a.org(auth.KindSupplier)
		_, tok := a.user(stranger, auth.RoleSupplier)
		wantProblem(t, a.do("POST", path, tok, csv(""), "Content-Type", "text/csv"), 404, "")
	})
	t.Run("bad rows answer 422 by line and field", func(t *testing.T) {
		res := a.do("POST", path, w.supplier1, csv("A-1,Handske,,EA,1,33141420,,,2500,100,\nA-2,,,EA,1,33141420,,,2500,x,\nA-3,Förband,,EA,1,bad,,,2500,5,\n"),
			"Content-Type", "text/csv; charset=utf-8")
		wantProblem(t, res, 422, "invalid_price_list")
		errs := res.JSON["errors"].([]any)
		got := map[string]bool{}
		for _, e := range errs {
			m := e.(map[string]any)
			got[fmt.Sprintf("%v:%v", m["line"], m["field"])] = true
		}
		for _, k := range []string{"3:name", "3:price_minor", "4:cpv_code"} {
			if !got[k] {
				t.Fatalf("missing %s in %s", k, res.Body)
			}
		}
		res = a.do("GET", "/api/v1/agreements/"+w.agreementID+"/items", w.supplier1, nil)
		if res.JSON["total"].(float64) != 0 {
			t.Fatalf("bad file changed items: %s", res.Body)
		}
	})
	t.Run("good file answers the report", func(t *testing.T) {
		res := a.do("POST", path, w.supplier1, csv("A-1,Handske,,EA,1,33141420,,svanen,2500,100,\nA-2,Förband,,EA,1,33141420,,,2500,200,\n"),
			"Content-Type", "text/csv")
		wantStatus(t, res, 200)
		if res.JSON["created"].(float64) != 2 || res.JSON["prices_applied"].(float64) != 0 {
			t.Fatalf("report = %s", res.Body)
		}
		res = a.do("POST", path, w.supplier1, csv("A-1,Handske,,EA,1,33141420,,svanen,2500,90,\nA-2,Förband,,EA,1,33141420,,,2500,400,\n"),
			"Content-Type", "text/csv")
		wantStatus(t, res, 200)
		if res.JSON["updated"].(float64) != 2 || res.JSON["prices_applied"].(float64) != 1 || res.JSON["prices_pending"].(float64) != 1 {
			t.Fatalf("report = %s", res.Body)
		}
	})
}
