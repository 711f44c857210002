package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
)

// TestSavedDetailsAndFavouritesAPI: the saved details and favourites endpoints answer their
// users, and bad input gets a problem document naming the field and nothing changes.
func TestSavedDetailsAndFavouritesAPI(t *testing.T) {
	a := newTestAPI(t)
	w := newScopeWorld(t, a, "A")
	path := "/api/v1/organizations/" + w.buyer.ID + "/saved-details"

	res := a.do("POST", path, w.approver.tok, map[string]any{"kind": "cost_center", "label": "Hemtjänst Norr", "value": "4410"})
	wantStatus(t, res, http.StatusCreated)
	id, _ := res.JSON["id"].(string)
	for _, tt := range []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"unknown field", map[string]any{"kind": "cost_center", "value": "1", "org_id": w.buyer2.ID}, 400, "unknown_field", "org_id"},
		{"duplicate", map[string]any{"kind": "cost_center", "value": "4410"}, 409, "duplicate", "value"},
		{"empty value", map[string]any{"kind": "delivery_address", "value": " "}, 422, "validation_failed", "value"},
		{"cost centre too long", map[string]any{"kind": "cost_center", "value": strings.Repeat("1", 101)}, 422, "validation_failed", "value"},
		{"unknown kind", map[string]any{"kind": "phone", "value": "1"}, 422, "validation_failed", "kind"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := a.do("POST", path, w.approver.tok, tt.body)
			wantProblem(t, res, tt.status, tt.code)
			if !hasFieldError(res, tt.field) {
				t.Fatalf("no field error for %s: %s", tt.field, res.Body)
			}
		})
	}
	res = a.do("GET", path, w.orderer.tok, nil)
	wantStatus(t, res, http.StatusOK)
	if items, _ := res.JSON["items"].([]any); len(items) != 2 || res.JSON["total"] != float64(2) { // the world's address and this cost centre
		t.Fatalf("list = %s", res.Body)
	}
	wantProblem(t, a.do("POST", path, w.orderer.tok, map[string]any{"kind": "cost_center", "value": "9"}), 403, "forbidden")
	wantStatus(t, a.do("DELETE", path+"/"+id, w.approver.tok, nil), http.StatusNoContent)
	wantProblem(t, a.do("DELETE", path+"/"+id, w.approver.tok, nil), 404, "not_found")

	fav := "/api/v1/catalog/items/" + w.items[1] + "/favourite"
	wantStatus(t, a.do("PUT", fav, w.approver.tok, nil), http.StatusNoContent)
	wantStatus(t, a.do("PUT", fav, w.approver.tok, nil), http.StatusNoContent)
	res = a.do("GET", "/api/v1/favourites", w.approver.tok, nil)
	wantStatus(t, res, http.StatusOK)
	if items, _ := res.JSON["items"].([]any); len(items) != 1 || res.JSON["total"] != float64(1) || res.JSON["ended"] != float64(0) {
		t.Fatalf("favourites = %s", res.Body)
	}
	wantStatus(t, a.do("DELETE", fav, w.approver.tok, nil), http.StatusNoContent)
	wantProblem(t, a.do("GET", "/api/v1/favourites?page_size=101", w.approver.tok, nil), 400, "invalid_query")
	_, supTok := a.user(a.org(auth.KindSupplier), auth.RoleSupplier)
	wantProblem(t, a.do("GET", "/api/v1/favourites", supTok, nil), 403, "forbidden")
}
