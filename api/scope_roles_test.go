package api

import (
	"net/http"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/orders"
)

// Scope of the platform administrator and of a procurement body that also buys (see
// scope_test.go for the two worlds).

// scopeAdmin is what a platform administrator is due on each row with world B's ids: the
// administrator runs organisations and users and sees every agreement, item and price change
// (200; writes they may make are not called: 0), but changes no agreement, decides no price
// change (SPEC §1: managers do) and has no orders, deviations, usage or supplier writes at all
// (403, as GET /orders and GET /deviations answer).
var scopeAdmin = map[string]int{
	"GET /api/v1/organizations/:id":                      200,
	"PATCH /api/v1/organizations/:id":                    0,
	"GET /api/v1/users/:id":                              200,
	"PATCH /api/v1/users/:id":                            0,
	"GET /api/v1/agreements/:id":                         200,
	"PATCH /api/v1/agreements/:id":                       403,
	"GET /api/v1/agreements/:id/items":                   200,
	"POST /api/v1/agreements/:id/items":                  403,
	"POST /api/v1/agreements/:id/price-list":             403,
	"GET /api/v1/agreements/:id/usage":                   403,
	"GET /api/v1/suppliers/:id/scorecard":                403,
	"GET /api/v1/catalog/items/:id":                      200,
	"PATCH /api/v1/catalog/items/:id":                    403,
	"PUT /api/v1/catalog/items/:id/price":                403,
	"GET /api/v1/price-changes/:id":                      200,
	"POST /api/v1/price-changes/:id/approve":             403,
	"POST /api/v1/price-changes/:id/reject":              403,
	"GET /api/v1/orders/:id":                             403,
	"POST /api/v1/orders/:id/approve":                    403,
	"POST /api/v1/orders/:id/reject":                     403,
	"POST /api/v1/orders/:id/cancel":                     403,
	"POST /api/v1/orders/:id/accept":                     403,
	"POST /api/v1/orders/:id/decline":                    403,
	"POST /api/v1/orders/:id/ship":                       403,
	"POST /api/v1/orders/:id/deliver":                    403,
	"GET /api/v1/orders/:id/deviations":                  403,
	"POST /api/v1/orders/:id/deviations":                 403,
	"POST /api/v1/orders/:id/deviations/:did/respond":    403,
	"POST /api/v1/orders/:id/deviations/:did/close":      403,
	"GET /api/v1/orders/:id/peppol":                      403,
	"GET /api/v1/agreements/:id/history":                 200,
	"DELETE /api/v1/agreements/:id/participants/:org_id": 0,
	"DELETE /api/v1/agreements/:id/suppliers/:org_id":    0,
	"GET /api/v1/catalogue-submissions/:id":              200,
	"POST /api/v1/catalogue-submissions/:id/accept":      0,
	"POST /api/v1/catalogue-submissions/:id/reject":      0,
	"GET /api/v1/orders/:id/peppol-response":             403,
	"POST /api/v1/orders/:id/respond":                    403,
	"GET /api/v1/placements/:id":                         403,
	"POST /api/v1/placements/:id/install":                403,
	"POST /api/v1/placements/:id/end":                    403,
	"POST /api/v1/placements/:id/return":                 403,
	"POST /api/v1/placements/:id/move":                   403,
	"POST /api/v1/placements/:id/outages":                403,
	"GET /api/v1/invoices/:id":                           403,
	"POST /api/v1/invoices/:id/accept":                   403,
	"POST /api/v1/invoices/:id/dispute":                  403,
	// Saved delivery addresses and cost centres: the administrator maintains any buyer's;
	// favourites are a buyer's own.
	"GET /api/v1/organizations/:id/saved-details":         200,
	"POST /api/v1/organizations/:id/saved-details":        0,
	"DELETE /api/v1/organizations/:id/saved-details/:did": 0,
	"PUT /api/v1/catalog/items/:id/favourite":             403,
	"DELETE /api/v1/catalog/items/:id/favourite":          403,
}

// checkScopeAdmin calls every row for which only is true as a platform administrator with
// world B's ids.
func checkScopeAdmin(t *testing.T, only func(key string) bool) {
	a := newTestAPI(t)
	wb := newScopeWorld(t, a, "B")
	_, adminTok := a.user(a.org(auth.KindPlatform), auth.RoleAdmin)
	before := wb.snapshot(t)
	for _, row := range scopeRows() {
		want, ok := scopeAdmin[row.key()]
		if !ok {
			t.Errorf("%s has no entry in scopeAdmin", row.key())
			continue
		}
		if want == 0 || !only(row.key()) {
			continue
		}
		t.Run(row.key(), func(t *testing.T) {
			res := a.do(row.method, row.path(row.ids(wb)), adminTok, row.body, row.headers()...)
			if row.planned && res.Status == http.StatusNotFound && res.JSON["detail"] == "No resource at this path." {
				return
			}
			if res.Status != want {
				t.Errorf("%s as admin: status %d, want %d; body: %s", row.key(), res.Status, want, res.Body)
			}
			if after := wb.snapshot(t); after != before {
				t.Fatalf("%s as admin changed world B", row.key())
			}
		})
	}
}

// TestScopeAdmin: SPEC §1 for the platform administrator.
func TestScopeAdmin(t *testing.T) {
	checkScopeAdmin(t, func(string) bool { return true })
}

// TestScopeBuyingBody: a procurement body that also buys takes part in the other world's
// agreement as a participant, with one user who is both manager and approver and one orderer.
// Managing its own agreements gives it nothing on the other body's agreement beyond a
// participant's share.
func TestScopeBuyingBody(t *testing.T) {
	a := newTestAPI(t)
	wa, wb := newScopeWorld(t, a, "A"), newScopeWorld(t, a, "B")
	u, bothTok := a.user(wa.body, auth.RoleManager, auth.RoleApprover)
	both := scopeUser{User: u, tok: bothTok}
	bodyOrderer := a.scopeUser(wa.body, auth.RoleOrderer)
	wantStatus(t, a.do("PATCH", "/api/v1/agreements/"+wb.agreement, wb.manager.tok,
		map[string]any{"participants": []map[string]any{{"org_id": wa.body.ID, "ceiling_minor": nil}}}), http.StatusOK)
	res := a.do("POST", "/api/v1/orders", bodyOrderer.tok, map[string]any{"agreement_id": wb.agreement, "supplier_id": wb.sup.ID,
		"lines": []map[string]any{{"item_id": wb.items[1], "quantity": 1}}, "delivery_address": "Regionhuset"})
	wantStatus(t, res, http.StatusCreated)
	own := res.JSON["id"].(string)
	before := wb.snapshot(t)

	// As a participant it sees the agreement, its catalogue and its own order.
	for _, p := range []string{"/api/v1/agreements/" + wb.agreement, "/api/v1/agreements/" + wb.agreement + "/items",
		"/api/v1/catalog/items/" + wb.items[0], "/api/v1/orders/" + own} {
		wantStatus(t, a.do("GET", p, both.tok, nil), http.StatusOK)
	}
	// Not the other body's management, nor the other buyer's orders.
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"PATCH", "/api/v1/agreements/" + wb.agreement, map[string]any{"status": "terminated"}},
		{"GET", "/api/v1/price-changes/" + wb.pendingPC, nil},
		{"POST", "/api/v1/price-changes/" + wb.pendingPC + "/approve", map[string]any{"note": "kapad"}},
		{"POST", "/api/v1/price-changes/" + wb.pendingPC + "/reject", nil},
		{"POST", "/api/v1/orders/" + wb.orders[orders.StatusDelivered] + "/deviations/" + wb.deviation + "/close", nil},
		{"GET", "/api/v1/orders/" + wb.orders[orders.StatusDelivered], nil},
		{"GET", "/api/v1/orders/" + wb.orders[orders.StatusDelivered] + "/deviations", nil},
		{"POST", "/api/v1/orders/" + wb.orders[orders.StatusPendingApproval] + "/approve", nil},
		{"POST", "/api/v1/orders/" + wb.orders[orders.StatusApproved] + "/cancel", nil},
		{"GET", "/api/v1/users/" + wb.manager.ID, nil},
	} {
		wantProblem(t, a.do(c.method, c.path, both.tok, c.body), http.StatusNotFound, "not_found")
	}
	if after := wb.snapshot(t); after != before {
		t.Fatalf("world B changed:\nbefore %s\nafter  %s", before, after)
	}
	bIDs := map[string]bool{wb.pendingPC: true, wb.appliedPC: true, wb.deviation: true, wb.respondedDeviation: true}
	for _, id := range wb.orderIDs() {
		bIDs[id] = true
	}
	for _, p := range []string{"/api/v1/price-changes?page_size=100", "/api/v1/price-changes?agreement_id=" + wb.agreement,
		"/api/v1/orders?page_size=100", "/api/v1/orders?agreement_id=" + wb.agreement, "/api/v1/orders/approval-queue",
		"/api/v1/deviations?page_size=100", "/api/v1/deviations?agreement_id=" + wb.agreement} {
		for _, id := range scopeListIDs(t, a, p, both.tok) {
			if bIDs[id] {
				t.Errorf("%s as the buying body's manager-approver lists world B's %s", p, id)
			}
		}
	}
	res = a.do("GET", "/api/v1/agreements/"+wb.agreement+"/usage", both.tok, nil)
	wantStatus(t, res, http.StatusOK)
	if parts := res.JSON["participants"].([]any); len(parts) != 1 || parts[0].(map[string]any)["org_id"] != wa.body.ID {
		t.Errorf("usage as the buying body shows participants %v, want only its own", parts)
	}
}
