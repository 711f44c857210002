package api

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

// Scope of lists, filters and ids named in bodies (see scope_test.go for the two worlds).

// scopeListIDs GETs path and returns the ids of its items; it fails unless the answer is a list.
func scopeListIDs(t *testing.T, a *testAPI, path, tok string) []string {
	t.Helper()
	// Every page: the package's database holds other tests' data too, so a caller who sees
	// everything (a manager's organisations) may find its own past the first page.
	var ids []string
	for page := 1; ; page++ {
		p := path
		if page > 1 {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			p += sep + "page=" + strconv.Itoa(page)
		}
		res := a.do("GET", p, tok, nil)
		wantStatus(t, res, http.StatusOK)
		items, ok := res.JSON["items"].([]any)
		if !ok {
			t.Fatalf("GET %s: not a list: %s", p, res.Body)
		}
		for _, it := range items {
			m, _ := it.(map[string]any)
			id, _ := m["id"].(string)
			ids = append(ids, id)
		}
		total, hasTotal := res.JSON["total"].(float64)
		if !hasTotal || len(items) == 0 || len(ids) >= int(total) {
			if hasTotal && int(total) != len(ids) {
				t.Fatalf("GET %s: total %v but %d items over %d pages", path, total, len(ids), page)
			}
			return ids
		}
	}
}

// TestScopeLists lets every user of world A list every collection, also filtered by world B's
// ids: none of world B's resources appears, while world A's own do (the control).
func TestScopeLists(t *testing.T) {
	a := newTestAPI(t)
	wa, wb := newScopeWorld(t, a, "A"), newScopeWorld(t, a, "B")
	forbidden := func(w *scopeWorld) map[string]bool {
		m := map[string]bool{w.agreement: true, w.pendingPC: true, w.appliedPC: true, w.deviation: true, w.respondedDeviation: true}
		for _, ids := range [][]string{w.items, w.orderIDs(), w.userIDs(), w.orgIDs()} {
			for _, id := range ids {
				m[id] = true
			}
		}
		return m
	}
	bIDs := forbidden(wb)
	type list struct {
		path  string
		roles []auth.Role // may list; others answer 403
		own   func(w *scopeWorld, role auth.Role) []string
		// seesAll roles see B's resources by design (managers' organisation directory).
		seesAll []auth.Role
	}
	agreementOwn := func(w *scopeWorld, _ auth.Role) []string { return []string{w.agreement} }
	itemsOwn := func(w *scopeWorld, _ auth.Role) []string { return w.items }
	ordersOwn := func(w *scopeWorld, role auth.Role) []string {
		if role == auth.RoleSupplier { // the supplier's inbox holds orders from approval on
			return []string{w.orders[orders.StatusApproved], w.orders[orders.StatusDelivered]}
		}
		return w.orderIDs()
	}
	devOwn := func(w *scopeWorld, _ auth.Role) []string { return []string{w.deviation, w.respondedDeviation} }
	for _, l := range []list{
		{path: "/api/v1/agreements?page_size=100", roles: scopeAllRoles, own: agreementOwn},
		{path: "/api/v1/agreements?status=active&page_size=100", roles: scopeAllRoles, own: agreementOwn},
		{path: "/api/v1/agreements/{A}/items?page_size=100", roles: scopeAllRoles, own: itemsOwn},
		{path: "/api/v1/catalog/items?page_size=100", roles: scopeAllRoles, own: itemsOwn},
		{path: "/api/v1/catalog/items?q=scopedosett&page_size=100", roles: scopeAllRoles, own: func(w *scopeWorld, _ auth.Role) []string { return w.items[:1] }},
		{path: "/api/v1/catalog/items?q=scopehandsk&eco=svanen&page_size=100", roles: scopeAllRoles, own: func(w *scopeWorld, _ auth.Role) []string { return w.items[1:2] }},
		{path: "/api/v1/catalog/items?agreement_id={B}&page_size=100", roles: scopeAllRoles},
		{path: "/api/v1/catalog/items?supplier_id={Bsup}&page_size=100", roles: scopeAllRoles},
		{path: "/api/v1/catalog/items?q=scopedosett&agreement_id={B}", roles: scopeAllRoles},
		{path: "/api/v1/price-changes?page_size=100", roles: []auth.Role{auth.RoleSupplier, auth.RoleManager},
			own: func(w *scopeWorld, _ auth.Role) []string { return []string{w.pendingPC, w.appliedPC} }},
		{path: "/api/v1/price-changes?status=pending&page_size=100", roles: []auth.Role{auth.RoleSupplier, auth.RoleManager},
			own: func(w *scopeWorld, _ auth.Role) []string { return []string{w.pendingPC} }},
		{path: "/api/v1/price-changes?agreement_id={B}", roles: []auth.Role{auth.RoleSupplier, auth.RoleManager}},
		{path: "/api/v1/price-changes?item_id={Bitem}", roles: []auth.Role{auth.RoleSupplier, auth.RoleManager}},
		{path: "/api/v1/orders?page_size=100", roles: scopeAllRoles, own: ordersOwn},
		{path: "/api/v1/orders?status=approved,delivered&page_size=100", roles: scopeAllRoles,
			own: func(w *scopeWorld, _ auth.Role) []string {
				return []string{w.orders[orders.StatusApproved], w.orders[orders.StatusDelivered]}
			}},
		{path: "/api/v1/orders?agreement_id={B}", roles: scopeAllRoles},
		{path: "/api/v1/orders?supplier_id={Bsup}", roles: scopeAllRoles},
		{path: "/api/v1/orders?buyer_org_id={Bbuyer}", roles: scopeAllRoles},
		{path: "/api/v1/orders?mine=true&page_size=100", roles: scopeAllRoles},
		{path: "/api/v1/orders?cascade=true&page_size=100", roles: scopeAllRoles},
		{path: "/api/v1/orders/approval-queue?page_size=100", roles: []auth.Role{auth.RoleApprover},
			own: func(w *scopeWorld, _ auth.Role) []string { return []string{w.orders[orders.StatusPendingApproval]} }},
		{path: "/api/v1/orders/{Aorder}/deviations", roles: scopeAllRoles, own: func(w *scopeWorld, role auth.Role) []string { return []string{w.deviation} }},
		{path: "/api/v1/deviations?page_size=100", roles: scopeAllRoles, own: devOwn},
		{path: "/api/v1/deviations?agreement_id={B}", roles: scopeAllRoles},
		{path: "/api/v1/deviations?supplier_id={Bsup}", roles: scopeAllRoles},
		{path: "/api/v1/users?page_size=100", roles: scopeAllRoles,
			own: func(w *scopeWorld, role auth.Role) []string { return []string{w.userOf(role).ID} }},
		{path: "/api/v1/users?org_id={Bbuyer}", roles: scopeAllRoles},
		{path: "/api/v1/organizations?page_size=100", roles: scopeAllRoles, seesAll: []auth.Role{auth.RoleManager},
			own: func(w *scopeWorld, role auth.Role) []string { return []string{w.userOf(role).OrgID} }},
		{path: "/api/v1/organizations?kind=buyer&page_size=100", roles: scopeAllRoles, seesAll: []auth.Role{auth.RoleManager}},
	} {
		path := strings.NewReplacer("{A}", wa.agreement, "{B}", wb.agreement, "{Bsup}", wb.sup.ID, "{Bbuyer}", wb.buyer.ID,
			"{Bitem}", wb.items[0], "{Aorder}", wa.orders[orders.StatusDelivered]).Replace(l.path)
		t.Run(l.path, func(t *testing.T) {
			for _, role := range scopeRoles {
				tok := wa.userOf(role).tok
				if !slices.Contains(l.roles, role) {
					wantProblem(t, a.do("GET", path, tok, nil), http.StatusForbidden, "")
					continue
				}
				ids := scopeListIDs(t, a, path, tok)
				if !slices.Contains(l.seesAll, role) {
					for _, id := range ids {
						if bIDs[id] {
							t.Errorf("%s as %s of world A lists world B's %s", path, role, id)
						}
					}
				}
				if l.own != nil {
					for _, id := range l.own(wa, role) {
						if !slices.Contains(ids, id) {
							t.Errorf("control: %s as %s of world A misses its own %s (got %v)", path, role, id, ids)
						}
					}
				}
			}
		})
	}
}

// TestScopeBodyIDs names world B's resources in bodies of world A's requests: an
// Idempotency-Key world B's orderer used, and world B's declined order as the reason to skip
// a higher-ranked supplier. Neither may reach world B's data.
func TestScopeBodyIDs(t *testing.T) {
	a := newTestAPI(t)
	wa, wb := newScopeWorld(t, a, "A"), newScopeWorld(t, a, "B")
	t.Run("another user's Idempotency-Key replays nothing", func(t *testing.T) {
		bodyB := map[string]any{"agreement_id": wb.agreement, "supplier_id": wb.sup.ID,
			"lines": []map[string]any{{"item_id": wb.items[1], "quantity": 1}}, "delivery_address": "B"}
		res := a.do("POST", "/api/v1/orders", wb.orderer.tok, bodyB, "Idempotency-Key", "scope-shared-key")
		wantStatus(t, res, http.StatusCreated)
		orderB := res.JSON["id"].(string)
		before := wb.snapshot(t)
		res = a.do("POST", "/api/v1/orders", wa.orderer.tok, bodyB, "Idempotency-Key", "scope-shared-key")
		if res.Status == http.StatusCreated || strings.Contains(string(res.Body), orderB) {
			t.Fatalf("world A's orderer replayed world B's order: %d %s", res.Status, res.Body)
		}
		wantProblem(t, res, res.Status, "")
		bodyA := map[string]any{"agreement_id": wa.agreement, "supplier_id": wa.sup.ID,
			"lines": []map[string]any{{"item_id": wa.items[1], "quantity": 1}}, "delivery_address": "A"}
		res = a.do("POST", "/api/v1/orders", wa.orderer.tok, bodyA, "Idempotency-Key", "scope-shared-key")
		wantStatus(t, res, http.StatusCreated)
		if res.JSON["id"] == orderB || res.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("world A's order is a replay of world B's: %v", res.JSON["id"])
		}
		if after := wb.snapshot(t); after != before {
			t.Fatalf("world B changed:\nbefore %s\nafter  %s", before, after)
		}
	})
	t.Run("cascade naming world B's declined order", func(t *testing.T) {
		res := a.do("POST", "/api/v1/agreements", wa.manager.tok, map[string]any{
			"reference": "RA-SCOPE-R-" + testenv.Unique(), "title": "Rangordning", "cpv_code": "33190000", "currency": "SEK",
			"valid_from": "2023-10-01", "valid_to": "2099-09-30", "duration_justification": "test world", "catalogue_approval": false, "call_off_method": "ranking",
			"min_order_minor": 0, "max_price_increase_bp": 300, "price_adjustment_interval_months": 12, "lead_time_days": 10,
			"participants": []map[string]any{{"org_id": wa.buyer.ID}},
			"suppliers":    []map[string]any{{"org_id": wa.sup.ID, "rank": 1}, {"org_id": wa.sup2.ID, "rank": 2}}})
		wantStatus(t, res, http.StatusCreated)
		ranking := res.JSON["id"].(string)
		res = a.do("POST", "/api/v1/agreements/"+ranking+"/items", wa.supplier2.tok, map[string]any{"sku": "R-1", "name": "Rang två",
			"unit": "EA", "pack_size": 1, "cpv_code": "33190000", "vat_rate_bp": 2500, "price_minor": 5000})
		wantStatus(t, res, http.StatusCreated)
		item := res.JSON["id"].(string)
		before := wb.snapshot(t)
		for _, declined := range []string{wb.orders[orders.StatusDeclined], wa.orders[orders.StatusDeclined]} {
			res = a.do("POST", "/api/v1/orders", wa.orderer.tok, map[string]any{"agreement_id": ranking, "supplier_id": wa.sup2.ID,
				"lines": []map[string]any{{"item_id": item, "quantity": 1}}, "delivery_address": "A",
				"cascade_reason": orders.CascadeHigherRankDeclined, "cascade_note": "Nekad", "declined_order_id": declined})
			wantProblem(t, res, http.StatusUnprocessableEntity, orders.CodeCascadeOrderInvalid)
		}
		if after := wb.snapshot(t); after != before {
			t.Fatalf("world B changed:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// TestScopeFollowsRoleChanges: roles and activity are data too. A token issued before an
// administrator demotes or deactivates its user no longer carries the old scope.
func TestScopeFollowsRoleChanges(t *testing.T) {
	a := newTestAPI(t)
	w := newScopeWorld(t, a, "A")
	_, adminTok := a.user(a.org(auth.KindPlatform), auth.RoleAdmin)
	pending := w.orders[orders.StatusPendingApproval]
	wantStatus(t, a.do("PATCH", "/api/v1/users/"+w.approver.ID, adminTok, map[string]any{"roles": []string{"orderer"}}), http.StatusOK)
	wantProblem(t, a.do("POST", "/api/v1/orders/"+pending+"/approve", w.approver.tok, nil), http.StatusForbidden, "")
	wantProblem(t, a.do("GET", "/api/v1/orders/approval-queue", w.approver.tok, nil), http.StatusForbidden, "")
	wantStatus(t, a.do("PATCH", "/api/v1/users/"+w.supplier.ID, adminTok, map[string]any{"active": false}), http.StatusOK)
	wantProblem(t, a.do("POST", "/api/v1/orders/"+w.orders[orders.StatusApproved]+"/accept", w.supplier.tok, nil), http.StatusUnauthorized, "")
	wantProblem(t, a.do("GET", "/api/v1/catalog/items/"+w.items[0], w.supplier.tok, nil), http.StatusUnauthorized, "")
	res := a.do("GET", "/api/v1/orders/"+pending, w.orderer.tok, nil)
	wantStatus(t, res, http.StatusOK)
	if res.JSON["status"] != string(orders.StatusPendingApproval) {
		t.Fatalf("status = %v after refused moves", res.JSON["status"])
	}
}

// TestScopeJunkFilters sends malformed ids in every list filter: a 4xx problem document or an
// empty list, never a 500 and never someone else's data.
func TestScopeJunkFilters(t *testing.T) {
	a := newTestAPI(t)
	w := newScopeWorld(t, a, "A")
	for _, path := range []string{
		"/api/v1/orders?agreement_id=%s", "/api/v1/orders?supplier_id=%s", "/api/v1/orders?buyer_org_id=%s", "/api/v1/orders?status=%s",
		"/api/v1/catalog/items?agreement_id=%s", "/api/v1/catalog/items?supplier_id=%s", "/api/v1/catalog/items?cpv=%s", "/api/v1/catalog/items?q=%s",
		"/api/v1/price-changes?agreement_id=%s", "/api/v1/price-changes?item_id=%s", "/api/v1/price-changes?status=%s",
		"/api/v1/deviations?agreement_id=%s", "/api/v1/deviations?supplier_id=%s", "/api/v1/deviations?status=%s",
		"/api/v1/users?org_id=%s", "/api/v1/organizations?kind=%s", "/api/v1/agreements?status=%s",
		"/api/v1/invoices?status=%s", "/api/v1/invoices?supplier_id=%s", "/api/v1/analytics/contract-loyalty?org_id=%s",
	} {
		for _, junk := range []string{"not-a-uuid", "%27%20OR%201%3D1--", "00000000-0000-0000-0000-00000000000Z", "%00"} {
			p := fmt.Sprintf(path, junk)
			t.Run(p, func(t *testing.T) {
				for _, role := range scopeRoles {
					res := a.do("GET", p, w.userOf(role).tok, nil)
					switch {
					case res.Status == http.StatusOK:
						if !strings.Contains(p, "q=") {
							if total, _ := res.JSON["total"].(float64); total != 0 {
								t.Errorf("%s as %s: a junk filter matched %v: %s", p, role, total, res.Body)
							}
						}
					case res.Status >= 400 && res.Status < 500:
						wantProblem(t, res, res.Status, "")
					default:
						t.Errorf("%s as %s: status %d; body: %s", p, role, res.Status, res.Body)
					}
				}
			})
		}
	}
}

// TestScopeSpend: spend grouped by every dimension, as every user of world A (also filtered
// by world B's agreement), names nothing of world B.
func TestScopeSpend(t *testing.T) {
	a := newTestAPI(t)
	wa, wb := newScopeWorld(t, a, "A"), newScopeWorld(t, a, "B")
	markers := map[string]string{wb.agreement: "agreement id", wb.buyer.ID: "buyer id", wb.buyer.Name: "buyer", wb.sup.ID: "supplier id",
		wb.sup.Name: "supplier", wb.orderer.ID: "orderer id", wb.orderer.Name + " " + wb.orderer.Email: "orderer", "Hemtjänst B": "address"}
	res := a.do("GET", "/api/v1/agreements/"+wb.agreement, wb.manager.tok, nil)
	wantStatus(t, res, http.StatusOK)
	markers[res.JSON["reference"].(string)] = "agreement reference"
	if res := a.do("GET", "/api/v1/analytics/spend", wa.manager.tok, nil); res.Status == http.StatusNotFound && res.JSON["detail"] == "No resource at this path." {
		t.Skip("GET /api/v1/analytics/spend is not routed yet")
	}
	for _, g := range []string{"organization", "supplier", "agreement", "cpv", "cost_center", "orderer", "month"} {
		for _, q := range []string{"", "&agreement_id=" + wb.agreement} {
			p := "/api/v1/analytics/spend?page_size=100&group_by=" + g + q
			t.Run(g+q, func(t *testing.T) {
				for _, role := range scopeRoles {
					for _, accept := range []string{"application/json", "text/csv"} {
						res := a.do("GET", p, wa.userOf(role).tok, nil, "Accept", accept)
						if res.Status != http.StatusOK {
							t.Errorf("%s (%s) as %s: status %d; body: %s", p, accept, role, res.Status, res.Body)
						}
						for m, what := range markers {
							if strings.Contains(string(res.Body), m) && !strings.Contains(p, m) {
								t.Errorf("%s (%s) as %s of world A names world B's %s", p, accept, role, what)
							}
						}
						if q != "" && accept == "application/json" {
							if items, _ := res.JSON["items"].([]any); len(items) != 0 {
								t.Errorf("%s as %s: world B's agreement has %d groups of spend for world A", p, role, len(items))
							}
						}
					}
				}
			})
		}
	}
}

// TestScopeDeviationsCSV: the deviation list's CSV export (GET /deviations with Accept:
// text/csv) holds the caller's own deviations and none of another world's, also when the
// filter names the other world's agreement or supplier.
func TestScopeDeviationsCSV(t *testing.T) {
	a := newTestAPI(t)
	wa, wb := newScopeWorld(t, a, "A"), newScopeWorld(t, a, "B")
	for _, role := range scopeRoles {
		for _, q := range []string{"", "?agreement_id=" + wb.agreement, "?supplier_id=" + wb.sup.ID, "?status=open"} {
			res := a.do("GET", "/api/v1/deviations"+q, wa.userOf(role).tok, nil, "Accept", "text/csv")
			wantStatus(t, res, http.StatusOK)
			body := string(res.Body)
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(body, "id,created_at,order_id,") {
				t.Fatalf("deviations%s as %s: %s %.200s", q, role, res.Header.Get("Content-Type"), body)
			}
			for _, id := range []string{wb.deviation, wb.respondedDeviation, wb.agreement, wb.buyer.Name} {
				if strings.Contains(body, id) {
					t.Errorf("deviations%s as %s of world A exports world B's %s", q, role, id)
				}
			}
			if q == "" && (!strings.Contains(body, wa.deviation) || !strings.Contains(body, wa.respondedDeviation)) {
				t.Errorf("control: deviations as %s of world A misses its own: %.500s", role, body)
			}
			if q == "?status=open" && (!strings.Contains(body, wa.deviation) || strings.Contains(body, wa.respondedDeviation)) {
				t.Errorf("deviations?status=open as %s: the filter does not hold: %.500s", role, body)
			}
		}
	}
}
