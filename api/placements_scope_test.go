package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
)

// newScopePlacement adds a subscription item to the scope world's agreement and places one
// device for a recipient on an approved order: the placement the other world's users try.
func newScopePlacement(t *testing.T, a *testAPI, w *scopeWorld) string {
	t.Helper()
	res := a.do("POST", "/api/v1/agreements/"+w.agreement+"/items", w.supplier.tok, map[string]any{
		"sku": "SC-DISP", "name": "Scopeautomat per månad", "unit": "MON", "pack_size": 1, "cpv_code": "33190000", "vat_rate_bp": 2500,
		"price_minor": 10000, "kind": "subscription", "setup_price_minor": 50000, "min_term_months": 12, "notice_months": 3})
	// A subscription item goes through catalogue approval like goods (SPEC §6): the manager
	// accepts it before anyone can order it.
	wantStatus(t, res, http.StatusAccepted)
	item := res.JSON["id"].(string)
	wantStatus(t, a.do("POST", "/api/v1/catalogue-submissions/"+res.JSON["submission_id"].(string)+"/accept", w.manager.tok,
		map[string]any{"note": "Antagen"}), http.StatusOK)
	w.items = append(w.items, item)
	res = a.do("POST", "/api/v1/orders", w.orderer.tok, map[string]any{"agreement_id": w.agreement, "supplier_id": w.sup.ID,
		"lines":            []map[string]any{{"item_id": item, "quantity": 1, "recipient_ref": "SC-" + w.name, "start_date": time.Now().UTC().Format(time.DateOnly)}},
		"delivery_address": "Storgatan 1"})
	wantStatus(t, res, http.StatusCreated)
	order := res.JSON["id"].(string)
	line := res.JSON["lines"].([]any)[0].(map[string]any)
	wantStatus(t, a.do("POST", "/api/v1/orders/"+order+"/approve", w.approver.tok, nil), http.StatusOK)
	return line["placement_id"].(string)
}

// placementScopeRows are the scope table's rows of SPEC §7's placement routes: another
// world's placement answers 404 to every role that may use the route.
func placementScopeRows() []scopeRow {
	placement := scopeID(func(w *scopeWorld) string { return w.placement })
	return []scopeRow{
		{method: "GET", route: "/api/v1/placements/:id", ids: placement, roles: scopeAllRoles},
		{method: "POST", route: "/api/v1/placements/:id/install", ids: placement,
			body: map[string]any{"installed_on": time.Now().UTC().Format(time.DateOnly)}, roles: scopeSupplierOnly},
		{method: "POST", route: "/api/v1/placements/:id/end", ids: placement, body: map[string]any{"end_date": "2098-12-31"}, roles: scopeBuyerRoles},
		{method: "POST", route: "/api/v1/placements/:id/return", ids: placement, roles: scopeSupplierOnly},
		{method: "POST", route: "/api/v1/placements/:id/move", ids: placement, body: map[string]any{"address": "Kapad"}, roles: scopeBuyerRoles},
		{method: "POST", route: "/api/v1/placements/:id/outages", ids: placement, body: map[string]any{"description": "kapad"},
			roles: []auth.Role{auth.RoleOrderer, auth.RoleApprover}},
	}
}
