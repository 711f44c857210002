package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

// Scope, route by route: every route with a path parameter called with the other world's
// ids, mixed ids, malformed ids, and the neighbours on the same agreement (see scope_test.go
// for the two worlds).

// scopeRows is one row per route of the engine with a path parameter. Each points at the
// resource of the other world on which the move would be allowed, so that a missing scope
// check shows as a change rather than a 409.
func scopeRows() []scopeRow {
	agreement := scopeID(func(w *scopeWorld) string { return w.agreement })
	item := scopeID(func(w *scopeWorld) string { return w.items[0] })
	pending := scopeID(func(w *scopeWorld) string { return w.pendingPC })
	submission := scopeID(func(w *scopeWorld) string { return w.submission })
	itemBody := map[string]any{"sku": "SC-LEAK", "name": "Läcka", "unit": "EA", "pack_size": 1, "cpv_code": "33190000",
		"vat_rate_bp": 2500, "price_minor": 1}
	deviation := func(st orders.Status, dev func(w *scopeWorld) string) func(w *scopeWorld) map[string]string {
		return func(w *scopeWorld) map[string]string { return map[string]string{"id": w.orders[st], "did": dev(w)} }
	}
	openDev := deviation(orders.StatusDelivered, func(w *scopeWorld) string { return w.deviation })
	rows := []scopeRow{
		// Organisations and users (auth). Managers pick participants and suppliers for their
		// agreements from every organisation, so they read any organisation by design.
		{method: "GET", route: "/api/v1/organizations/:id", ids: scopeID(func(w *scopeWorld) string { return w.buyer.ID }), roles: scopeAllRoles,
			own: func(w *scopeWorld, role auth.Role) map[string]string {
				return map[string]string{"id": w.userOf(role).OrgID}
			},
			visible: map[auth.Role]string{auth.RoleManager: "managers pick participants and suppliers from every organisation"}},
		{method: "PATCH", route: "/api/v1/organizations/:id", ids: scopeID(func(w *scopeWorld) string { return w.buyer.ID }),
			body: map[string]any{"name": "Kapad", "approval_threshold_minor": 999999999}, roles: scopeNoRole},
		{method: "GET", route: "/api/v1/users/:id", ids: scopeID(func(w *scopeWorld) string { return w.orderer.ID }), roles: scopeAllRoles,
			own: func(w *scopeWorld, role auth.Role) map[string]string {
				return map[string]string{"id": w.userOf(role).ID}
			}},
		{method: "PATCH", route: "/api/v1/users/:id", ids: scopeID(func(w *scopeWorld) string { return w.orderer.ID }),
			body: map[string]any{"name": "Kapad", "active": false}, roles: scopeNoRole},

		// Saved delivery addresses and cost centres (SPEC §5): the organisation's own buyers
		// read them, its approvers maintain them.
		{method: "GET", route: "/api/v1/organizations/:id/saved-details", ids: scopeID(func(w *scopeWorld) string { return w.buyer.ID }), roles: scopeBuyerRoles,
			own: func(w *scopeWorld, role auth.Role) map[string]string { return map[string]string{"id": w.buyer.ID} }},
		{method: "POST", route: "/api/v1/organizations/:id/saved-details", ids: scopeID(func(w *scopeWorld) string { return w.buyer.ID }),
			body: map[string]any{"kind": "cost_center", "value": "kapad"}, roles: []auth.Role{auth.RoleApprover}},
		{method: "DELETE", route: "/api/v1/organizations/:id/saved-details/:did", roles: []auth.Role{auth.RoleApprover},
			ids: func(w *scopeWorld) map[string]string {
				return map[string]string{"id": w.buyer.ID, "did": w.savedDetail}
			}},
		// Favourites: a buyer marks only items of their own catalogue.
		{method: "PUT", route: "/api/v1/catalog/items/:id/favourite", ids: item, roles: scopeBuyerRoles, nb: nbBuyWrit},
		{method: "DELETE", route: "/api/v1/catalog/items/:id/favourite", ids: item, roles: scopeBuyerRoles, nb: nbBuyWrit},

		// Agreements and the catalogue.
		{method: "GET", route: "/api/v1/agreements/:id", ids: agreement, roles: scopeAllRoles, nb: nbAll},
		{method: "PATCH", route: "/api/v1/agreements/:id", ids: agreement,
			body: map[string]any{"valid_to": "2100-01-01", "status": "terminated"}, roles: scopeManagerOnly},
		{method: "GET", route: "/api/v1/agreements/:id/items", ids: agreement, roles: scopeAllRoles, nb: nbAll},
		{method: "POST", route: "/api/v1/agreements/:id/items", ids: agreement, body: itemBody, roles: scopeSupplierOnly, nb: nbSupWrit},
		{method: "POST", route: "/api/v1/agreements/:id/price-list", ids: agreement, body: scopeCSV, contentType: "text/csv", roles: scopeSupplierOnly, nb: nbSupWrit},
		{method: "GET", route: "/api/v1/agreements/:id/usage", ids: agreement, roles: []auth.Role{auth.RoleOrderer, auth.RoleApprover, auth.RoleManager}, nb: nbBuyers},
		{method: "GET", route: "/api/v1/suppliers/:id/scorecard", ids: scopeID(func(w *scopeWorld) string { return w.sup.ID }), roles: scopeAllRoles, nb: nbBuyers},
		{method: "GET", route: "/api/v1/catalog/items/:id", ids: item, roles: scopeAllRoles, nb: nbBuyers},
		{method: "PATCH", route: "/api/v1/catalog/items/:id", ids: item, body: map[string]any{"name": "Kapad", "active": false}, roles: scopeSupplierOnly},
		{method: "PUT", route: "/api/v1/catalog/items/:id/price", ids: item, body: map[string]any{"price_minor": 1, "reason": "kapad"}, roles: scopeSupplierOnly},
		{method: "GET", route: "/api/v1/price-changes/:id", ids: pending, roles: []auth.Role{auth.RoleSupplier, auth.RoleManager}},
		{method: "POST", route: "/api/v1/price-changes/:id/approve", ids: pending, body: map[string]any{"note": "kapad"}, roles: scopeManagerOnly},
		{method: "POST", route: "/api/v1/price-changes/:id/reject", ids: pending, body: map[string]any{"note": "kapad"}, roles: scopeManagerOnly},

		// The agreement under control (SPEC §6).
		{method: "GET", route: "/api/v1/agreements/:id/history", ids: agreement, roles: scopeManagerOnly},
		{method: "DELETE", route: "/api/v1/agreements/:id/participants/:org_id", roles: scopeManagerOnly,
			ids: func(w *scopeWorld) map[string]string {
				return map[string]string{"id": w.agreement, "org_id": w.buyer2.ID}
			}},
		{method: "DELETE", route: "/api/v1/agreements/:id/suppliers/:org_id", roles: scopeManagerOnly,
			ids: func(w *scopeWorld) map[string]string {
				return map[string]string{"id": w.agreement, "org_id": w.sup2.ID}
			}},
		{method: "GET", route: "/api/v1/catalogue-submissions/:id", ids: submission, roles: []auth.Role{auth.RoleSupplier, auth.RoleManager}},
		{method: "POST", route: "/api/v1/catalogue-submissions/:id/accept", ids: submission, body: map[string]any{"note": "kapad"}, roles: scopeManagerOnly},
		{method: "POST", route: "/api/v1/catalogue-submissions/:id/reject", ids: submission, body: map[string]any{"reason": "kapad"}, roles: scopeManagerOnly},

		// Orders, their moves and deviations.
		{method: "GET", route: "/api/v1/orders/:id", ids: scopeOrderIn(orders.StatusDelivered), roles: scopeAllRoles},
		{method: "POST", route: "/api/v1/orders/:id/approve", ids: scopeOrderIn(orders.StatusPendingApproval), body: map[string]any{"note": "ok"}, roles: []auth.Role{auth.RoleApprover}},
		{method: "POST", route: "/api/v1/orders/:id/reject", ids: scopeOrderIn(orders.StatusPendingApproval), body: map[string]any{"reason": "nej"}, roles: []auth.Role{auth.RoleApprover}},
		{method: "POST", route: "/api/v1/orders/:id/cancel", ids: scopeOrderIn(orders.StatusApproved), body: map[string]any{"note": "bort"}, roles: scopeBuyerRoles},
		{method: "POST", route: "/api/v1/orders/:id/accept", ids: scopeOrderIn(orders.StatusApproved), body: map[string]any{"note": "ok"}, roles: scopeSupplierOnly},
		{method: "POST", route: "/api/v1/orders/:id/decline", ids: scopeOrderIn(orders.StatusApproved), body: map[string]any{"reason": "slut i lager"}, roles: scopeSupplierOnly},
		{method: "POST", route: "/api/v1/orders/:id/ship", ids: scopeOrderIn(orders.StatusAccepted), body: map[string]any{"note": "kolli 1"}, roles: scopeSupplierOnly},
		{method: "POST", route: "/api/v1/orders/:id/deliver", ids: scopeOrderIn(orders.StatusShipped), body: map[string]any{"note": "mottaget"}, roles: scopeBuyerRoles},
		{method: "GET", route: "/api/v1/orders/:id/deviations", ids: scopeOrderIn(orders.StatusDelivered), roles: scopeAllRoles},
		{method: "POST", route: "/api/v1/orders/:id/deviations", ids: scopeOrderIn(orders.StatusDelivered),
			body: map[string]any{"kind": "quality", "description": "kapad"}, roles: scopeBuyerRoles},
		{method: "POST", route: "/api/v1/orders/:id/deviations/:did/respond", ids: openDev, body: map[string]any{"response": "kapad"}, roles: scopeSupplierOnly},
		{method: "POST", route: "/api/v1/orders/:id/deviations/:did/close", ids: openDev, body: map[string]any{"note": "kapad"}, roles: scopeManagerOnly},

		{method: "GET", route: "/api/v1/orders/:id/peppol", ids: scopeOrderIn(orders.StatusDelivered), roles: scopeAllRoles},
		{method: "GET", route: "/api/v1/orders/:id/peppol-response", ids: scopeOrderIn(orders.StatusDelivered), roles: scopeAllRoles},
		{method: "POST", route: "/api/v1/orders/:id/respond", ids: scopeOrderIn(orders.StatusApproved), body: map[string]any{"decision": "accepted"}, roles: scopeSupplierOnly},

		// Invoices (SPEC §9): the issuing supplier, the receiving organisation's approvers and
		// managers, and the agreement's managers; orderers never.
		{method: "GET", route: "/api/v1/invoices/:id", ids: scopeInvoice, roles: scopeInvoiceRoles},
		{method: "POST", route: "/api/v1/invoices/:id/accept", ids: scopeInvoice, body: map[string]any{"note": "kapad"}, roles: []auth.Role{auth.RoleApprover}},
		{method: "POST", route: "/api/v1/invoices/:id/dispute", ids: scopeInvoice, body: map[string]any{"note": "kapad"}, roles: []auth.Role{auth.RoleApprover}},
	}
	rows = append(rows, placementScopeRows()...)
	return rows
}

// scopeNoneIDs fills every parameter of row with a fresh UUID that names nothing.
func scopeNoneIDs(row scopeRow) map[string]string {
	ids := map[string]string{}
	for _, p := range ginParam.FindAllString(row.route, -1) {
		ids[p[1:]] = uuid.NewString()
	}
	return ids
}

// wantScoped fails unless res is the 404 (or 403) problem document the role is due.
func wantScoped(t *testing.T, res response, row scopeRow, role auth.Role) {
	t.Helper()
	if why, ok := row.visible[role]; ok {
		if res.Status != http.StatusOK {
			t.Errorf("%s as %s: status %d, want 200 (by design: %s); body: %s", row.key(), role, res.Status, why, res.Body)
		}
		return
	}
	want, code := http.StatusForbidden, "forbidden"
	if slices.Contains(row.roles, role) {
		want, code = http.StatusNotFound, "not_found"
	}
	if res.Status != want || res.Header.Get("Content-Type") != "application/problem+json" || res.JSON["code"] != code {
		t.Errorf("%s as %s of world A with world B's id: status %d, want %d %s; body: %s", row.key(), role, res.Status, want, code, res.Body)
	}
}

// TestScopeEveryRouteWithAnID lets every user of world A call every route with a path
// parameter using world B's ids: 404 where the role could use the endpoint, 403 where it
// never may, and nothing in world B changes.
func TestScopeEveryRouteWithAnID(t *testing.T) {
	a := newTestAPI(t)
	wa, wb := newScopeWorld(t, a, "A"), newScopeWorld(t, a, "B")
	// World B's own users read everything first (their answers are the control that the
	// paths are right), so that world A's reads below meet warm caches.
	for _, row := range scopeRows() {
		if row.method != "GET" {
			continue
		}
		for _, role := range row.roles {
			res := a.do("GET", row.path(row.ownIDs(wb, role)), wb.userOf(role).tok, nil)
			if row.planned && res.Status == http.StatusNotFound && res.JSON["detail"] == "No resource at this path." {
				continue // not routed yet
			}
			if res.Status != http.StatusOK {
				t.Errorf("control: %s as %s with world B's own id: status %d; body: %s", row.key(), role, res.Status, res.Body)
			}
		}
	}
	before, viewBefore := wb.snapshot(t), wb.view(t, a)
	for _, row := range scopeRows() {
		t.Run(row.key(), func(t *testing.T) {
			defer func() {
				if after := wb.view(t, a); after != viewBefore {
					t.Fatalf("%s by world A changed what world B's users see:\nbefore %s\nafter  %s", row.key(), viewBefore, after)
				}
			}()
			for _, role := range scopeRoles {
				res := a.do(row.method, row.path(row.ids(wb)), wa.userOf(role).tok, row.body, row.headers()...)
				wantScoped(t, res, row, role)
				// Existence is not revealed: ids that name nothing answer exactly the same.
				if _, visible := row.visible[role]; !visible {
					none := a.do(row.method, row.path(scopeNoneIDs(row)), wa.userOf(role).tok, row.body, row.headers()...)
					if none.Status != res.Status || none.JSON["code"] != res.JSON["code"] || none.JSON["detail"] != res.JSON["detail"] {
						t.Errorf("%s as %s tells world B's resource from a missing one:\nB's:     %d %s\nmissing: %d %s",
							row.key(), role, res.Status, res.Body, none.Status, none.Body)
					}
				}
				if after := wb.snapshot(t); after != before {
					t.Fatalf("%s as %s of world A changed world B:\nbefore %s\nafter  %s", row.key(), role, before, after)
				}
			}
		})
	}
	// Control: the detectors see a change when world B's own approver makes one.
	wantStatus(t, a.do("POST", "/api/v1/orders/"+wb.orders[orders.StatusPendingApproval]+"/approve", wb.approver.tok, nil), http.StatusOK)
	if wb.snapshot(t) == before || wb.view(t, a) == viewBefore {
		t.Fatal("control: world B's own approval changed neither the snapshot nor the view")
	}
}

// TestScopeNeighbours lets the neighbours of world B (a second buyer on the same agreement,
// a second awarded supplier) call every route with world B's ids: the shared agreement and
// its catalogue are theirs too, the first buyer's orders, users and organisation and the
// first supplier's items, prices, orders and deviations are not.
func TestScopeNeighbours(t *testing.T) {
	a := newTestAPI(t)
	w := newScopeWorld(t, a, "B")
	before := w.snapshot(t)
	for _, row := range scopeRows() {
		t.Run(row.key(), func(t *testing.T) {
			for _, role := range []auth.Role{auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier} {
				want, ok := row.nb[role]
				if ok && want == nbAllowed {
					continue
				}
				res := a.do(row.method, row.path(row.ids(w)), w.neighbourOf(role).tok, row.body, row.headers()...)
				if ok {
					if res.Status != want {
						t.Errorf("%s as neighbour %s: status %d, want %d; body: %s", row.key(), role, res.Status, want, res.Body)
					}
				} else {
					r := row
					r.visible = nil
					wantScoped(t, res, r, role)
				}
				if after := w.snapshot(t); after != before {
					t.Fatalf("%s as neighbour %s changed the world:\nbefore %s\nafter  %s", row.key(), role, before, after)
				}
			}
		})
	}
	// What the neighbours see of the shared agreement is their own part only.
	first := map[string]string{}
	for _, id := range w.orderIDs() {
		first[id] = "the first buyer's order"
	}
	for _, id := range w.items {
		first[id] = "the first supplier's item"
	}
	for _, id := range []string{w.pendingPC, w.appliedPC} {
		first[id] = "the first supplier's price change"
	}
	for _, id := range []string{w.deviation, w.respondedDeviation} {
		first[id] = "the first buyer's deviation"
	}
	first[w.invoice] = "the first buyer's invoice"
	for _, id := range []string{w.manager.ID, w.orderer.ID, w.approver.ID, w.supplier.ID, w.buyer.ID, w.sup.ID, w.body.ID} {
		first[id] = "the first organisations' users and organisations"
	}
	seeItems := map[auth.Role]bool{auth.RoleOrderer: true, auth.RoleApprover: true}
	for _, c := range []struct {
		path  string
		roles []auth.Role
	}{
		{"/api/v1/orders?page_size=100", []auth.Role{auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier}},
		{"/api/v1/orders?agreement_id=" + w.agreement, []auth.Role{auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier}},
		{"/api/v1/orders/approval-queue", []auth.Role{auth.RoleApprover}},
		{"/api/v1/deviations?page_size=100", []auth.Role{auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier}},
		{"/api/v1/price-changes?page_size=100", []auth.Role{auth.RoleSupplier}},
		{"/api/v1/price-changes?agreement_id=" + w.agreement, []auth.Role{auth.RoleSupplier}},
		{"/api/v1/agreements/" + w.agreement + "/items?page_size=100", []auth.Role{auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier}},
		{"/api/v1/catalog/items?page_size=100", []auth.Role{auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier}},
		{"/api/v1/catalog/items?q=scopedosett&agreement_id=" + w.agreement, []auth.Role{auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier}},
		{"/api/v1/users?page_size=100", []auth.Role{auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier}},
		{"/api/v1/organizations?page_size=100", []auth.Role{auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier}},
		{"/api/v1/invoices?page_size=100", []auth.Role{auth.RoleApprover, auth.RoleSupplier}},
	} {
		t.Run("list "+c.path, func(t *testing.T) {
			for _, role := range c.roles {
				ids := scopeListIDs(t, a, c.path, w.neighbourOf(role).tok)
				for _, id := range ids {
					what, bad := first[id]
					if bad && !(seeItems[role] && strings.HasSuffix(what, "item")) {
						t.Errorf("%s as neighbour %s lists %s %s", c.path, role, what, id)
					}
				}
				if seeItems[role] && strings.Contains(c.path, "items") && !strings.Contains(c.path, "q=") && len(ids) != len(w.items) {
					t.Errorf("control: %s as neighbour %s lists %d items, want the agreement's %d", c.path, role, len(ids), len(w.items))
				}
			}
		})
	}
	t.Run("the second supplier's items with the first's SKUs are its own", func(t *testing.T) {
		firstItems := func() string {
			var s string
			testenv.Must(t, testenv.DB(t).Get(&s, `SELECT json_agg(t ORDER BY t.id)::text FROM (SELECT i.*, (SELECT json_agg(p ORDER BY p.id)
				FROM item_prices p WHERE p.item_id = i.id) AS prices FROM items i WHERE i.supplier_id = $1) t`, w.sup.ID))
			return s
		}
		before := firstItems()
		res := a.do("POST", "/api/v1/agreements/"+w.agreement+"/price-list", w.supplier2.tok, scopeCSV, "Content-Type", "text/csv")
		wantStatus(t, res, http.StatusAccepted) // the world takes catalogue approval
		if res.JSON["created"] != float64(2) || res.JSON["updated"] != float64(0) {
			t.Errorf("import of the first supplier's SKUs by the second = %s, want 2 created", res.Body)
		}
		res = a.do("POST", "/api/v1/agreements/"+w.agreement+"/items", w.supplier2.tok, map[string]any{"sku": "SC-1", "name": "Egen",
			"unit": "EA", "pack_size": 1, "cpv_code": "33190000", "vat_rate_bp": 2500, "price_minor": 1})
		wantStatus(t, res, http.StatusAccepted)
		if res.JSON["supplier_id"] != w.sup2.ID {
			t.Errorf("item added by the second supplier = %s", res.Body)
		}
		if firstItems() != before {
			t.Errorf("the second supplier's import or item changed the first supplier's items")
		}
	})
	t.Run("usage shows the neighbour only its own participant row", func(t *testing.T) {
		for _, role := range []auth.Role{auth.RoleOrderer, auth.RoleApprover} {
			for _, accept := range []string{"application/json", "text/csv"} {
				res := a.do("GET", "/api/v1/agreements/"+w.agreement+"/usage", w.neighbourOf(role).tok, nil, "Accept", accept)
				wantStatus(t, res, http.StatusOK)
				if strings.Contains(string(res.Body), w.buyer.ID) || strings.Contains(string(res.Body), w.buyer.Name) {
					t.Errorf("usage (%s) as neighbour %s names the first buyer: %s", accept, role, res.Body)
				}
			}
		}
	})
}

// TestScopeMixedIDs combines an id of the caller's own world with one of the other world: an
// own order with the other world's deviation, and own-agreement filters with the other
// world's ids in the body.
func TestScopeMixedIDs(t *testing.T) {
	a := newTestAPI(t)
	wa, wb := newScopeWorld(t, a, "A"), newScopeWorld(t, a, "B")
	before := wb.snapshot(t)
	check := func(t *testing.T) {
		t.Helper()
		if after := wb.snapshot(t); after != before {
			t.Fatalf("world B changed:\nbefore %s\nafter  %s", before, after)
		}
	}
	for _, c := range []struct {
		name, path string
		u          scopeUser
		body       any
	}{
		{"respond: own order, B's deviation", "/api/v1/orders/" + wa.orders[orders.StatusDelivered] + "/deviations/" + wb.deviation + "/respond",
			wa.supplier, map[string]any{"response": "kapad"}},
		{"close: own order, B's deviation", "/api/v1/orders/" + wa.orders[orders.StatusDelivered] + "/deviations/" + wb.deviation + "/close",
			wa.manager, map[string]any{"note": "kapad"}},
		{"close: own order, B's responded deviation", "/api/v1/orders/" + wa.orders[orders.StatusShipped] + "/deviations/" + wb.respondedDeviation + "/close",
			wa.manager, map[string]any{"note": "kapad"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantProblem(t, a.do("POST", c.path, c.u.tok, c.body), http.StatusNotFound, "not_found")
			check(t)
		})
	}
	// Ordering with the other world's agreement, supplier or items creates nothing and never
	// names the other world's data beyond the rule.
	// A PEPPOL catalogue for world B's agreement is refused before it is read, as for an
	// agreement that does not exist.
	t.Run("PEPPOL catalogue for B's agreement", func(t *testing.T) {
		xml := `<?xml version="1.0" encoding="UTF-8"?><Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"/>`
		res := a.do("POST", "/api/v1/agreements/"+wb.agreement+"/price-list", wa.supplier.tok, xml, "Content-Type", "application/xml")
		none := a.do("POST", "/api/v1/agreements/"+uuid.NewString()+"/price-list", wa.supplier.tok, xml, "Content-Type", "application/xml")
		if res.Status != none.Status || res.JSON["code"] != none.JSON["code"] || res.JSON["detail"] != none.JSON["detail"] {
			t.Errorf("B's agreement tells from a missing one:\nB's:     %d %s\nmissing: %d %s", res.Status, res.Body, none.Status, none.Body)
		}
		if res.Status != http.StatusNotFound && res.JSON["code"] != "unsupported_media_type" {
			t.Errorf("status %d, want 404; body: %s", res.Status, res.Body)
		}
		check(t)
	})
	// Ids in a body are not an oracle either: world B's agreement, supplier or item answers
	// what an id naming nothing answers.
	orderBody := func(agreement, supplier, item string) map[string]any {
		return map[string]any{"agreement_id": agreement, "supplier_id": supplier,
			"lines": []map[string]any{{"item_id": item, "quantity": 1}}, "delivery_address": "x"}
	}
	for _, c := range []struct {
		name        string
		bBody, none map[string]any
	}{
		{"agreement", orderBody(wb.agreement, wb.sup.ID, wb.items[0]), orderBody(uuid.NewString(), wb.sup.ID, wb.items[0])},
		{"agreement with unknown supplier and item", orderBody(wb.agreement, uuid.NewString(), uuid.NewString()),
			orderBody(uuid.NewString(), uuid.NewString(), uuid.NewString())},
		{"supplier", orderBody(wa.agreement, wb.sup.ID, wa.items[0]), orderBody(wa.agreement, uuid.NewString(), wa.items[0])},
		{"item", orderBody(wa.agreement, wa.sup.ID, wb.items[0]), orderBody(wa.agreement, wa.sup.ID, uuid.NewString())},
	} {
		t.Run("order naming B's "+c.name+" answers as a missing one", func(t *testing.T) {
			res := a.do("POST", "/api/v1/orders", wa.orderer.tok, c.bBody)
			none := a.do("POST", "/api/v1/orders", wa.orderer.tok, c.none)
			if res.Status != none.Status || res.JSON["code"] != none.JSON["code"] || fmt.Sprint(res.JSON["errors"]) != fmt.Sprint(none.JSON["errors"]) {
				t.Errorf("B's %s tells from a missing one:\nB's:     %d %s\nmissing: %d %s", c.name, res.Status, res.Body, none.Status, none.Body)
			}
			check(t)
		})
	}
	for _, c := range []struct {
		name string
		body map[string]any
	}{
		{"B's agreement", map[string]any{"agreement_id": wb.agreement, "supplier_id": wb.sup.ID,
			"lines": []map[string]any{{"item_id": wb.items[0], "quantity": 1}}, "delivery_address": "x"}},
		{"own agreement, B's supplier and item", map[string]any{"agreement_id": wa.agreement, "supplier_id": wb.sup.ID,
			"lines": []map[string]any{{"item_id": wb.items[0], "quantity": 1}}, "delivery_address": "x"}},
		{"own agreement and supplier, B's item", map[string]any{"agreement_id": wa.agreement, "supplier_id": wa.sup.ID,
			"lines": []map[string]any{{"item_id": wb.items[0], "quantity": 1}}, "delivery_address": "x"}},
	} {
		t.Run("order with "+c.name, func(t *testing.T) {
			ownBefore := wa.snapshot(t)
			res := a.do("POST", "/api/v1/orders", wa.orderer.tok, c.body)
			if res.Status != http.StatusNotFound && res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 404 or 422; body: %s", res.Status, res.Body)
			}
			wantProblem(t, res, res.Status, "")
			if strings.Contains(string(res.Body), "Scopedosett") {
				t.Errorf("the refusal names B's item: %s", res.Body)
			}
			if wa.snapshot(t) != ownBefore {
				t.Errorf("a refused order changed world A")
			}
			check(t)
		})
	}
}

// TestScopeMalformedIDs sends "not-a-uuid" (and other junk) for every path parameter of every
// route: 404 for roles that may use the endpoint, 403 for the others, never a 500.
func TestScopeMalformedIDs(t *testing.T) {
	a := newTestAPI(t)
	w := newScopeWorld(t, a, "A")
	junk := []string{"not-a-uuid", "00000000-0000-0000-0000-00000000000Z", "6F1C1C3E-3B4A-4C55-9F0E-0A1B2C3D4E5F0", "%27%3B--", "0"}
	for _, row := range scopeRows() {
		params := ginParam.FindAllString(row.route, -1)
		t.Run(row.key(), func(t *testing.T) {
			for _, p := range params {
				for _, bad := range junk {
					ids := row.ids(w)
					ids[p[1:]] = bad
					for _, role := range scopeRoles {
						res := a.do(row.method, row.path(ids), w.userOf(role).tok, row.body, row.headers()...)
						if res.Status >= 500 {
							t.Fatalf("%s with %s=%q as %s: status %d; body: %s", row.key(), p, bad, role, res.Status, res.Body)
						}
						r := row
						r.visible = nil // a malformed id is nobody's
						wantScoped(t, res, r, role)
					}
				}
			}
		})
	}
}

// TestScopeTableCoversEveryRoute fails when the engine has a route with a path parameter
// that scopeRows does not test, so that a route added later cannot skip its scope test; and
// when a row names a route that no longer exists (unless it is planned).
func TestScopeTableCoversEveryRoute(t *testing.T) {
	a := newTestAPI(t)
	rows := map[string]scopeRow{}
	for _, r := range scopeRows() {
		if _, dup := rows[r.key()]; dup {
			t.Errorf("two rows for %s", r.key())
		}
		rows[r.key()] = r
	}
	engine := map[string]bool{}
	for _, r := range newEngine(a.Deps).Routes() {
		if !strings.Contains(r.Path, ":") && !strings.Contains(r.Path, "*") {
			continue
		}
		engine[r.Method+" "+r.Path] = true
		if _, ok := rows[r.Method+" "+r.Path]; !ok {
			t.Errorf("route %s %s takes an id but has no row in scopeRows (api/scope_test.go): add one", r.Method, r.Path)
		}
	}
	for k, r := range rows {
		if !r.planned && !engine[k] {
			t.Errorf("row %s names no route of the engine", k)
		}
	}
	if len(engine) == 0 {
		t.Fatal("the engine has no routes with a path parameter")
	}
}
