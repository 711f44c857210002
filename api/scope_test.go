package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/orders"
)

// SPEC §1: scope is data, not just role. These tests build two complete, independent worlds
// and let every user of world A call every route that takes an id with world B's ids: each
// call answers 404 (the role could use the endpoint, the resource is not theirs) or 403 (the
// role may never use the endpoint), never anything else, and world B is unchanged afterwards.
// TestScopeTableCoversEveryRoute fails when a route with a path parameter has no row here.

// scopeUser is a signed-in fixture user.
type scopeUser struct {
	auth.User
	tok string
}

// scopeWorld is a procurement body with a manager, a buyer with an orderer and an approver, a
// supplier with a supplier user, a direct agreement between them with two items, a pending and
// an applied price change, orders in every status and an open deviation on a delivered order.
type scopeWorld struct {
	name                                 string
	body, buyer, sup                     auth.Organization
	manager, orderer, approver, supplier scopeUser
	agreement                            string
	items                                []string
	pendingPC, appliedPC                 string
	// Neighbours share the agreement but not the organisation: a second participating buyer
	// and a second awarded supplier (with no items of its own).
	buyer2, sup2                   auth.Organization
	orderer2, approver2, supplier2 scopeUser
	orders                         map[orders.Status]string
	deviation                      string // open, on the delivered order
	respondedDeviation             string // responded, on the shipped order
	invoice                        string // deviating (price above the order), on the delivered order
}

// userOf returns the world's user with role.
func (w *scopeWorld) userOf(role auth.Role) scopeUser {
	switch role {
	case auth.RoleManager:
		return w.manager
	case auth.RoleOrderer:
		return w.orderer
	case auth.RoleApprover:
		return w.approver
	case auth.RoleSupplier:
		return w.supplier
	}
	panic("no user with role " + string(role))
}

// scopeRoles are the roles every world has a user of, in a fixed order.
var scopeRoles = []auth.Role{auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier, auth.RoleManager}

func (a *testAPI) scopeUser(org auth.Organization, role auth.Role) scopeUser {
	a.t.Helper()
	u, tok := a.user(org, role)
	return scopeUser{User: u, tok: tok}
}

// newScopeWorld builds a world through the API, as its users would.
func newScopeWorld(t *testing.T, a *testAPI, name string) *scopeWorld {
	t.Helper()
	w := &scopeWorld{name: name, orders: map[orders.Status]string{}}
	w.body, w.buyer, w.sup = a.org(auth.KindProcurementBody), a.org(auth.KindBuyer), a.org(auth.KindSupplier)
	w.manager = a.scopeUser(w.body, auth.RoleManager)
	w.orderer = a.scopeUser(w.buyer, auth.RoleOrderer)
	w.approver = a.scopeUser(w.buyer, auth.RoleApprover)
	w.supplier = a.scopeUser(w.sup, auth.RoleSupplier)
	w.buyer2, w.sup2 = a.org(auth.KindBuyer), a.org(auth.KindSupplier)
	w.orderer2 = a.scopeUser(w.buyer2, auth.RoleOrderer)
	w.approver2 = a.scopeUser(w.buyer2, auth.RoleApprover)
	w.supplier2 = a.scopeUser(w.sup2, auth.RoleSupplier)

	must := func(res response, status int) map[string]any {
		t.Helper()
		wantStatus(t, res, status)
		return res.JSON
	}
	w.agreement = must(a.do("POST", "/api/v1/agreements", w.manager.tok, map[string]any{
		"reference": "RA-SCOPE-" + testenv.Unique(), "title": "Dosetter " + name, "cpv_code": "33190000", "currency": "SEK",
		"valid_from": "2023-10-01", "valid_to": "2099-09-30", "ceiling_minor": 5000000000, "call_off_method": "direct",
		"min_order_minor": 1000, "max_price_increase_bp": 300, "price_adjustment_interval_months": 12, "lead_time_days": 10,
		"participants": []map[string]any{{"org_id": w.buyer.ID, "ceiling_minor": 1000000000}, {"org_id": w.buyer2.ID, "ceiling_minor": nil}},
		"suppliers":    []map[string]any{{"org_id": w.sup.ID, "rank": 1}, {"org_id": w.sup2.ID, "rank": 2}}}), http.StatusCreated)["id"].(string)
	for i, n := range []string{"Scopedosett läkemedel", "Scopehandske nitril"} {
		// The same names in both worlds: a search that leaked would find the other world's.
		id := must(a.do("POST", "/api/v1/agreements/"+w.agreement+"/items", w.supplier.tok, map[string]any{
			"sku": fmt.Sprintf("SC-%d", i), "name": n, "unit": "EA", "pack_size": 1, "cpv_code": "33190000",
			"eco_labels": []string{"svanen"}, "vat_rate_bp": 2500, "price_minor": 10000}), http.StatusCreated)["id"].(string)
		w.items = append(w.items, id)
	}
	pc := must(a.do("PUT", "/api/v1/catalog/items/"+w.items[0]+"/price", w.supplier.tok,
		map[string]any{"price_minor": 20000, "effective_from": "2099-12-01", "reason": "KPI"}), http.StatusAccepted)
	if pc["status"] != "pending" {
		t.Fatalf("world %s: price change = %v, want pending", name, pc)
	}
	w.pendingPC = pc["id"].(string)
	w.appliedPC = must(a.do("PUT", "/api/v1/catalog/items/"+w.items[1]+"/price", w.supplier.tok,
		map[string]any{"price_minor": 9000, "reason": "kampanj"}), http.StatusOK)["id"].(string)

	move := func(u scopeUser, id string, act orders.Action) {
		t.Helper()
		must(a.do("POST", "/api/v1/orders/"+id+"/"+string(act), u.tok, map[string]any{"reason": "scope fixture"}), http.StatusOK)
	}
	paths := map[orders.Status][]struct {
		u   scopeUser
		act orders.Action
	}{
		orders.StatusPendingApproval: {},
		orders.StatusApproved:        {{w.approver, orders.ActionApprove}},
		orders.StatusRejected:        {{w.approver, orders.ActionReject}},
		orders.StatusCancelled:       {{w.orderer, orders.ActionCancel}},
		orders.StatusAccepted:        {{w.approver, orders.ActionApprove}, {w.supplier, orders.ActionAccept}},
		orders.StatusDeclined:        {{w.approver, orders.ActionApprove}, {w.supplier, orders.ActionDecline}},
		orders.StatusShipped:         {{w.approver, orders.ActionApprove}, {w.supplier, orders.ActionAccept}, {w.supplier, orders.ActionShip}},
		orders.StatusDelivered: {{w.approver, orders.ActionApprove}, {w.supplier, orders.ActionAccept}, {w.supplier, orders.ActionShip},
			{w.orderer, orders.ActionDeliver}},
	}
	for _, st := range []orders.Status{orders.StatusPendingApproval, orders.StatusApproved, orders.StatusRejected, orders.StatusCancelled,
		orders.StatusAccepted, orders.StatusDeclined, orders.StatusShipped, orders.StatusDelivered} {
		id := must(a.do("POST", "/api/v1/orders", w.orderer.tok, map[string]any{"agreement_id": w.agreement, "supplier_id": w.sup.ID,
			"lines":            []map[string]any{{"item_id": w.items[0], "quantity": 2}, {"item_id": w.items[1], "quantity": 1}},
			"delivery_address": "Hemtjänst " + name + ", Storgatan 1", "cost_center": "4410"}), http.StatusCreated)["id"].(string)
		for _, step := range paths[st] {
			move(step.u, id, step.act)
		}
		w.orders[st] = id
	}
	w.deviation = must(a.do("POST", "/api/v1/orders/"+w.orders[orders.StatusDelivered]+"/deviations", w.orderer.tok,
		map[string]any{"kind": "late", "description": "Kom en vecka sent"}), http.StatusCreated)["id"].(string)
	w.respondedDeviation = must(a.do("POST", "/api/v1/orders/"+w.orders[orders.StatusShipped]+"/deviations", w.orderer.tok,
		map[string]any{"kind": "damaged", "description": "Trasig förpackning"}), http.StatusCreated)["id"].(string)
	must(a.do("POST", "/api/v1/orders/"+w.orders[orders.StatusShipped]+"/deviations/"+w.respondedDeviation+"/respond", w.supplier.tok,
		map[string]any{"response": "Ny skickas"}), http.StatusOK)
	var number string
	testenv.Must(t, testenv.DB(t).Get(&number, `SELECT number FROM orders WHERE id = $1`, w.orders[orders.StatusDelivered]))
	doc := invoices.Draft{Number: "F-" + name + "-" + testenv.Unique(), IssueDate: "2026-11-20", Currency: "SEK", OrderNumber: number,
		Supplier: invoices.DraftParty{OrgNumber: w.sup.OrgNumber, Name: w.sup.Name, Country: "SE"},
		Buyer:    invoices.DraftParty{OrgNumber: w.buyer.OrgNumber, Name: w.buyer.Name, Country: "SE"},
		Lines:    []invoices.DraftLine{{SKU: "SC-0", Name: "Scopedosett", Unit: "EA", Quantity: 2, UnitPriceMinor: 12000, VATRateBP: 2500}},
	}.Document()
	w.invoice = must(a.do("POST", "/api/v1/invoices", w.supplier.tok, doc, "Content-Type", "application/xml"), http.StatusCreated)["id"].(string)
	return w
}

func (w *scopeWorld) orgIDs() []string {
	return []string{w.body.ID, w.buyer.ID, w.sup.ID, w.buyer2.ID, w.sup2.ID}
}

// neighbourOf returns the neighbour with role: the second buyer's orderer or approver, or
// the second supplier.
func (w *scopeWorld) neighbourOf(role auth.Role) scopeUser {
	switch role {
	case auth.RoleOrderer:
		return w.orderer2
	case auth.RoleApprover:
		return w.approver2
	case auth.RoleSupplier:
		return w.supplier2
	}
	panic("no neighbour with role " + string(role))
}

func (w *scopeWorld) userIDs() []string {
	return []string{w.manager.ID, w.orderer.ID, w.approver.ID, w.supplier.ID, w.orderer2.ID, w.approver2.ID, w.supplier2.ID}
}

func (w *scopeWorld) orderIDs() []string {
	var ids []string
	for _, id := range w.orders {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// snapshot is every stored row of the world (and of the rows hanging off it), as JSON: two
// equal snapshots mean nothing in the world changed.
func (w *scopeWorld) snapshot(t testing.TB) string {
	t.Helper()
	var s string
	testenv.Must(t, testenv.DB(t).QueryRowContext(context.Background(), `
		SELECT json_build_object(
		  'organizations', (SELECT json_agg(t ORDER BY t.id) FROM organizations t WHERE t.id = ANY($1)),
		  'users', (SELECT json_agg(t ORDER BY t.id) FROM users t WHERE t.org_id = ANY($1)),
		  'refresh_tokens', (SELECT json_agg(t ORDER BY t.id) FROM refresh_tokens t JOIN users u ON u.id = t.user_id WHERE u.org_id = ANY($1)),
		  'agreements', (SELECT json_agg(t ORDER BY t.id) FROM agreements t WHERE t.id = $2),
		  'participants', (SELECT json_agg(t ORDER BY t.org_id) FROM agreement_participants t WHERE t.agreement_id = $2),
		  'suppliers', (SELECT json_agg(t ORDER BY t.org_id) FROM agreement_suppliers t WHERE t.agreement_id = $2),
		  'items', (SELECT json_agg(t ORDER BY t.id) FROM items t WHERE t.agreement_id = $2 OR t.supplier_id = ANY($1)),
		  'item_prices', (SELECT json_agg(t ORDER BY t.id) FROM item_prices t JOIN items i ON i.id = t.item_id WHERE i.agreement_id = $2),
		  'price_changes', (SELECT json_agg(t ORDER BY t.id) FROM price_changes t JOIN items i ON i.id = t.item_id WHERE i.agreement_id = $2),
		  'orders', (SELECT json_agg(t ORDER BY t.id) FROM orders t WHERE t.agreement_id = $2 OR t.buyer_org_id = ANY($1) OR t.supplier_id = ANY($1)),
		  'order_lines', (SELECT json_agg(t ORDER BY t.order_id, t.line_no) FROM order_lines t JOIN orders o ON o.id = t.order_id WHERE o.agreement_id = $2),
		  'order_events', (SELECT json_agg(t ORDER BY t.id) FROM order_events t JOIN orders o ON o.id = t.order_id WHERE o.agreement_id = $2),
		  'deviations', (SELECT json_agg(t ORDER BY t.id) FROM deviations t JOIN orders o ON o.id = t.order_id WHERE o.agreement_id = $2),
		  'agreement_usage', (SELECT json_agg(t ORDER BY t::text) FROM agreement_usage t WHERE t.agreement_id = $2),
		  'participant_usage', (SELECT json_agg(t ORDER BY t::text) FROM participant_usage t WHERE t.agreement_id = $2),
		  'invoices', (SELECT json_agg(t ORDER BY t.id) FROM invoices t WHERE t.buyer_org_id = ANY($1) OR t.supplier_id = ANY($1)),
		  'spend_records', (SELECT json_agg(t ORDER BY t.id) FROM spend_records t WHERE t.org_id = ANY($1))
		)::text`, pq.Array(w.orgIDs()), w.agreement).Scan(&s))
	return s
}

// view is what world B's own users see of the values that matter (order statuses, prices,
// price-change and deviation statuses, committed value), through the API and so through
// any cache: equal views mean no change reached them.
func (w *scopeWorld) view(t testing.TB, a *testAPI) string {
	t.Helper()
	var b strings.Builder
	get := func(tok, path string, keys ...string) {
		res := a.do("GET", path, tok, nil)
		fmt.Fprintf(&b, "%s %d", path, res.Status)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%v", k, res.JSON[k])
		}
		b.WriteByte('\n')
	}
	for _, id := range w.orderIDs() {
		get(w.manager.tok, "/api/v1/orders/"+id, "status", "total_minor", "decline_reason")
	}
	for _, id := range w.items {
		get(w.orderer.tok, "/api/v1/catalog/items/"+id, "name", "active", "price_minor", "next_price_minor")
	}
	for _, id := range []string{w.pendingPC, w.appliedPC} {
		get(w.manager.tok, "/api/v1/price-changes/"+id, "status", "new_price_minor")
	}
	get(w.manager.tok, "/api/v1/agreements/"+w.agreement, "status", "valid_to", "ceiling_minor")
	get(w.manager.tok, "/api/v1/agreements/"+w.agreement+"/usage", "committed_minor", "remaining_minor")
	get(w.manager.tok, "/api/v1/deviations?page_size=100", "total", "items")
	get(w.orderer.tok, "/api/v1/catalog/items?q=scopedosett", "total", "items")
	get(w.orderer.tok, "/api/v1/me", "user")
	get(w.approver.tok, "/api/v1/invoices/"+w.invoice, "status", "decision_note")
	return b.String()
}

// scopeRow is one route with a path parameter: how to fill its parameters from a world, a
// well-formed body, and the roles that may use it at all (the others answer 403).
type scopeRow struct {
	method, route string
	ids           func(w *scopeWorld) map[string]string
	body          any
	contentType   string
	roles         []auth.Role // may use the endpoint: world B's id answers 404
	// visible are roles that by design see the other world's resource (200), with why.
	visible map[auth.Role]string
	// planned rows are routes of SPEC §4 that the engine does not have yet.
	planned bool
	// nb overrides, for the neighbours of the resource's world (same agreement, another
	// organisation; see TestScopeNeighbours), the status the role is due: 200 where the
	// shared agreement makes the resource theirs too, nbAllowed where they may legitimately
	// write (not called).
	nb map[auth.Role]int
	// own fills the parameters with the role's own resource of w, for the control reads;
	// nil means ids.
	own func(w *scopeWorld, role auth.Role) map[string]string
}

// ownIDs are the parameters of role's own resource in w.
func (r scopeRow) ownIDs(w *scopeWorld, role auth.Role) map[string]string {
	if r.own != nil {
		return r.own(w, role)
	}
	return r.ids(w)
}

func (r scopeRow) key() string { return r.method + " " + r.route }

// path fills the route's parameters.
func (r scopeRow) path(ids map[string]string) string {
	return ginParam.ReplaceAllStringFunc(r.route, func(p string) string {
		v, ok := ids[p[1:]]
		if !ok {
			panic("no value for " + p + " in " + r.route)
		}
		return v
	})
}

func (r scopeRow) headers() []string {
	if r.contentType != "" {
		return []string{"Content-Type", r.contentType}
	}
	return nil
}

var (
	scopeBuyerRoles   = []auth.Role{auth.RoleOrderer, auth.RoleApprover}
	scopeAllRoles     = []auth.Role{auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier, auth.RoleManager}
	scopeSupplierOnly = []auth.Role{auth.RoleSupplier}
	scopeManagerOnly  = []auth.Role{auth.RoleManager}
	scopeNoRole       = []auth.Role{}
)

// nbAllowed marks a write a neighbour may legitimately make (an awarded supplier adding its own
// items to the shared agreement): not called.
const nbAllowed = -1

var (
	nbAll     = map[auth.Role]int{auth.RoleOrderer: 200, auth.RoleApprover: 200, auth.RoleSupplier: 200}
	nbBuyers  = map[auth.Role]int{auth.RoleOrderer: 200, auth.RoleApprover: 200}
	nbSupWrit = map[auth.Role]int{auth.RoleSupplier: nbAllowed}
)

var (
	scopeInvoice      = scopeID(func(w *scopeWorld) string { return w.invoice })
	scopeInvoiceRoles = []auth.Role{auth.RoleApprover, auth.RoleSupplier, auth.RoleManager}
)

func scopeID(f func(w *scopeWorld) string) func(w *scopeWorld) map[string]string {
	return func(w *scopeWorld) map[string]string { return map[string]string{"id": f(w)} }
}

func scopeOrderIn(st orders.Status) func(w *scopeWorld) map[string]string {
	return scopeID(func(w *scopeWorld) string { return w.orders[st] })
}

const scopeCSV = "sku,name,description,unit,pack_size,cpv_code,gtin,eco_labels,vat_rate_bp,price_minor,effective_from\n" +
	"SC-0,Scopedosett läkemedel,,EA,1,33190000,,svanen,2500,1,\nSC-NEW,Ny artikel,,EA,1,33190000,,,2500,100,\n"

// scopeRows is one row per route of the engine with a path parameter. Each points at the
// resource of the other world on which the move would be allowed, so that a missing scope
// check shows as a change rather than a 409.
func scopeRows() []scopeRow {
	agreement := scopeID(func(w *scopeWorld) string { return w.agreement })
	item := scopeID(func(w *scopeWorld) string { return w.items[0] })
	pending := scopeID(func(w *scopeWorld) string { return w.pendingPC })
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

		// Invoices (SPEC §9): the issuing supplier, the receiving organisation's approvers and
		// managers, and the agreement's managers; orderers never.
		{method: "GET", route: "/api/v1/invoices/:id", ids: scopeInvoice, roles: scopeInvoiceRoles},
		{method: "POST", route: "/api/v1/invoices/:id/accept", ids: scopeInvoice, body: map[string]any{"note": "kapad"}, roles: []auth.Role{auth.RoleApprover}},
		{method: "POST", route: "/api/v1/invoices/:id/dispute", ids: scopeInvoice, body: map[string]any{"note": "kapad"}, roles: []auth.Role{auth.RoleApprover}},
	}
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
		wantStatus(t, res, http.StatusOK)
		if res.JSON["created"] != float64(2) || res.JSON["updated"] != float64(0) {
			t.Errorf("import of the first supplier's SKUs by the second = %s, want 2 created", res.Body)
		}
		res = a.do("POST", "/api/v1/agreements/"+w.agreement+"/items", w.supplier2.tok, map[string]any{"sku": "SC-1", "name": "Egen",
			"unit": "EA", "pack_size": 1, "cpv_code": "33190000", "vat_rate_bp": 2500, "price_minor": 1})
		wantStatus(t, res, http.StatusCreated)
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
		{path: "/api/v1/catalog/items?q=scopehandsk&eco=svanen&page_size=100", roles: scopeAllRoles, own: func(w *scopeWorld, _ auth.Role) []string { return w.items[1:] }},
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
			"valid_from": "2023-10-01", "valid_to": "2099-09-30", "call_off_method": "ranking",
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

// scopeAdmin is what a platform administrator is due on each row with world B's ids: the
// administrator runs organisations and users and sees every agreement, item and price change
// (200; writes they may make are not called: 0), but changes no agreement, decides no price
// change (SPEC §1: managers do) and has no orders, deviations, usage or supplier writes at all
// (403, as GET /orders and GET /deviations answer).
var scopeAdmin = map[string]int{
	"GET /api/v1/organizations/:id":                   200,
	"PATCH /api/v1/organizations/:id":                 0,
	"GET /api/v1/users/:id":                           200,
	"PATCH /api/v1/users/:id":                         0,
	"GET /api/v1/agreements/:id":                      200,
	"PATCH /api/v1/agreements/:id":                    403,
	"GET /api/v1/agreements/:id/items":                200,
	"POST /api/v1/agreements/:id/items":               403,
	"POST /api/v1/agreements/:id/price-list":          403,
	"GET /api/v1/agreements/:id/usage":                403,
	"GET /api/v1/suppliers/:id/scorecard":             403,
	"GET /api/v1/catalog/items/:id":                   200,
	"PATCH /api/v1/catalog/items/:id":                 403,
	"PUT /api/v1/catalog/items/:id/price":             403,
	"GET /api/v1/price-changes/:id":                   200,
	"POST /api/v1/price-changes/:id/approve":          403,
	"POST /api/v1/price-changes/:id/reject":           403,
	"GET /api/v1/orders/:id":                          403,
	"POST /api/v1/orders/:id/approve":                 403,
	"POST /api/v1/orders/:id/reject":                  403,
	"POST /api/v1/orders/:id/cancel":                  403,
	"POST /api/v1/orders/:id/accept":                  403,
	"POST /api/v1/orders/:id/decline":                 403,
	"POST /api/v1/orders/:id/ship":                    403,
	"POST /api/v1/orders/:id/deliver":                 403,
	"GET /api/v1/orders/:id/deviations":               403,
	"POST /api/v1/orders/:id/deviations":              403,
	"POST /api/v1/orders/:id/deviations/:did/respond": 403,
	"POST /api/v1/orders/:id/deviations/:did/close":   403,
	"GET /api/v1/orders/:id/peppol":                   403,
	"GET /api/v1/invoices/:id":                        403,
	"POST /api/v1/invoices/:id/accept":                403,
	"POST /api/v1/invoices/:id/dispute":               403,
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
