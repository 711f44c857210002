package api

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestAgreementControlAPI(t *testing.T) {
	w := newCatalogWorld(t)
	a := w.a
	path := "/api/v1/agreements/" + w.agreementID
	t.Run("four-year rule", func(t *testing.T) {
		b := w.agreementBody()
		delete(b, "duration_justification")
		res := a.do("POST", "/api/v1/agreements", w.manager, b)
		wantProblem(t, res, http.StatusUnprocessableEntity, "agreement_too_long")
		if errs, _ := res.JSON["errors"].([]any); len(errs) != 1 {
			t.Errorf("errors = %v", res.JSON["errors"])
		}
	})
	t.Run("patch, then history", func(t *testing.T) {
		res := a.do("PATCH", path, w.manager, map[string]any{"response_time_hours": 24, "note": "beslut",
			"participants": []map[string]any{{"org_id": w.outsider.ID, "ends_on": "2030-12-31"}}})
		wantStatus(t, res, http.StatusOK)
		if res.JSON["response_time_hours"] != float64(24) {
			t.Errorf("agreement = %s", res.Body)
		}
		res = a.do("GET", path+"/history", w.manager, nil)
		wantStatus(t, res, http.StatusOK)
		items := res.JSON["items"].([]any)
		first := items[0].(map[string]any)
		if res.JSON["total"] != float64(3) || first["term"] != "participant" || first["note"] != "beslut" || first["before"] != nil {
			t.Errorf("history = %s", res.Body)
		}
		wantProblem(t, a.do("GET", path+"/history", w.otherManager, nil), http.StatusNotFound, "not_found")
		wantStatus(t, a.do("GET", path+"/history", w.orderer, nil), http.StatusForbidden)
		wantStatus(t, a.do("GET", path+"/history", w.supplier1, nil), http.StatusForbidden)
	})
	t.Run("remove a party", func(t *testing.T) {
		wantStatus(t, a.do("DELETE", path+"/participants/"+w.outsider.ID, w.supplier1, nil), http.StatusForbidden)
		wantProblem(t, a.do("DELETE", path+"/participants/"+w.outsider.ID, w.otherManager, nil), http.StatusNotFound, "not_found")
		wantStatus(t, a.do("DELETE", path+"/participants/"+w.outsider.ID+"?note=fel", w.manager, nil), http.StatusNoContent)
		wantProblem(t, a.do("DELETE", path+"/participants/"+w.outsider.ID, w.manager, nil), http.StatusNotFound, "not_found")
	})
	t.Run("catalogue approval", func(t *testing.T) {
		wantStatus(t, a.do("PATCH", path, w.manager, map[string]any{"catalogue_approval": true}), http.StatusOK)
		res := a.do("POST", path+"/items", w.supplier1, map[string]any{"sku": "EVO-300", "name": "Läkemedelsautomat Evondos E300",
			"unit": "EA", "pack_size": 1, "cpv_code": "33190000", "vat_rate_bp": 2500, "price_minor": 2490000})
		wantStatus(t, res, http.StatusAccepted)
		item, sub := res.JSON["id"].(string), res.JSON["submission_id"].(string)
		if res.JSON["status"] != "pending" {
			t.Errorf("202 answer's status = %v, want pending (SPEC §6)", res.JSON["status"])
		}
		wantProblem(t, a.do("GET", "/api/v1/catalog/items/"+item, w.orderer, nil), http.StatusNotFound, "not_found")
		res = a.do("GET", "/api/v1/catalog/items?q=evondos", w.orderer, nil)
		if res.JSON["total"] != float64(0) {
			t.Errorf("buyer's search = %s", res.Body)
		}
		res = a.do("GET", "/api/v1/catalogue-submissions?status=pending", w.supplier1, nil)
		wantStatus(t, res, http.StatusOK)
		if res.JSON["total"] != float64(1) {
			t.Errorf("supplier's submissions = %s", res.Body)
		}
		wantStatus(t, a.do("GET", "/api/v1/catalogue-submissions", w.orderer, nil), http.StatusForbidden)
		wantStatus(t, a.do("POST", "/api/v1/catalogue-submissions/"+sub+"/accept", w.supplier1, nil), http.StatusForbidden)
		wantProblem(t, a.do("POST", "/api/v1/catalogue-submissions/"+sub+"/accept", w.otherManager, nil), http.StatusNotFound, "not_found")
		wantProblem(t, a.do("POST", "/api/v1/catalogue-submissions/"+sub+"/reject", w.manager, map[string]any{}), http.StatusUnprocessableEntity, "validation_failed")
		res = a.do("POST", "/api/v1/catalogue-submissions/"+sub+"/accept", w.manager, map[string]any{"note": "ok"})
		wantStatus(t, res, http.StatusOK)
		if res.JSON["status"] != "accepted" {
			t.Errorf("decision = %s", res.Body)
		}
		wantStatus(t, a.do("GET", "/api/v1/catalog/items/"+item, w.orderer, nil), http.StatusOK)
		res = a.do("PATCH", "/api/v1/catalog/items/"+item, w.supplier1, map[string]any{"pack_size": 2})
		wantStatus(t, res, http.StatusAccepted)
		if res.JSON["pack_size"] != float64(1) {
			t.Errorf("pack size changed before acceptance: %s", res.Body)
		}
		csvBody := "sku,name,description,unit,pack_size,cpv_code,gtin,eco_labels,vat_rate_bp,price_minor,effective_from\n" +
			"EVO-400,Läkemedelsautomat Evondos E400,,EA,1,33190000,,,2500,2590000,\n"
		res = a.do("POST", path+"/price-list", w.supplier1, []byte(csvBody), "Content-Type", "text/csv")
		wantStatus(t, res, http.StatusAccepted)
		if res.JSON["pending"] != float64(2) || res.JSON["submission_id"] == nil { // the new item and its first price
			t.Fatalf("report = %s", res.Body)
		}
		res = a.do("GET", "/api/v1/catalogue-submissions/"+res.JSON["submission_id"].(string), w.manager, nil)
		wantStatus(t, res, http.StatusOK)
		var kinds []string
		for _, ch := range res.JSON["changes"].([]any) {
			kinds = append(kinds, ch.(map[string]any)["kind"].(string))
		}
		if slices.Sort(kinds); strings.Join(kinds, ",") != "first_price,new_item" {
			t.Errorf("changes = %v, want new_item and first_price", kinds)
		}
	})
}

func TestCascadeOrdersCSV(t *testing.T) {
	w := newOrderWorld(t, nil)
	res := w.a.do("POST", "/api/v1/orders", w.orderer, map[string]any{"agreement_id": w.agr, "supplier_id": w.sup2.ID,
		"delivery_address": "Storgatan 1", "lines": []map[string]any{{"item_id": w.item2, "quantity": 1}},
		"cascade_reason": "higher_rank_cannot_deliver", "cascade_note": "=HYPERLINK(\"x\")"})
	wantStatus(t, res, http.StatusCreated)
	res = w.a.do("GET", "/api/v1/orders?cascade=true", w.manager, nil, "Accept", "text/csv")
	wantStatus(t, res, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type = %q", ct)
	}
	rows, err := csv.NewReader(bytes.NewReader(res.Body)).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][0] != "id" || rows[0][10] != "cascade_reason" {
		t.Fatalf("csv = %q (%v)", res.Body, err)
	}
	if rows[1][10] != "higher_rank_cannot_deliver" || strings.HasPrefix(rows[1][11], "=") {
		t.Errorf("row = %q (the note must be defused)", rows[1])
	}
}
