package api

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

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
	imageHash                            string // items[0]'s picture
	pendingPC, appliedPC                 string
	submission                           string // a pending catalogue submission of the supplier
	// Neighbours share the agreement but not the organisation: a second participating buyer
	// and a second awarded supplier (with no items of its own).
	buyer2, sup2                   auth.Organization
	orderer2, approver2, supplier2 scopeUser
	orders                         map[orders.Status]string
	deviation                      string // open, on the delivered order
	respondedDeviation             string // responded, on the shipped order
	placement                      string // a dispenser placed at a recipient, its order approved (SPEC §7)
	invoice                        string // deviating (price above the order), on the delivered order
	savedDetail                    string // a delivery address the buyer saved (SPEC §5)
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
		"valid_from": "2023-10-01", "valid_to": "2099-09-30", "duration_justification": "test world", "catalogue_approval": false, "ceiling_minor": 5000000000, "call_off_method": "direct",
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
	w.imageHash = must(a.putImage(w.items[0], w.supplier.tok, testenv.Picture(20, 20)), http.StatusOK)["image_hash"].(string)
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
	w.savedDetail = must(a.do("POST", "/api/v1/organizations/"+w.buyer.ID+"/saved-details", w.approver.tok,
		map[string]any{"kind": "delivery_address", "label": "Hemtjänst " + name, "value": "Storgatan 1 " + name}), http.StatusCreated)["id"].(string)
	wantStatus(t, a.do("PUT", "/api/v1/catalog/items/"+w.items[0]+"/favourite", w.orderer.tok, nil), http.StatusNoContent)
	// Catalogue approval last, so that the world's own items went in directly.
	must(a.do("PATCH", "/api/v1/agreements/"+w.agreement, w.manager.tok, map[string]any{"catalogue_approval": true}), http.StatusOK)
	w.placement = newScopePlacement(t, a, w)
	w.submission = must(a.do("PATCH", "/api/v1/catalog/items/"+w.items[1], w.supplier.tok, map[string]any{"pack_size": 2}),
		http.StatusAccepted)["submission_id"].(string)
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
		  'placements', (SELECT json_agg(t ORDER BY t.id) FROM placements t WHERE t.agreement_id = $2),
		  'placement_events', (SELECT json_agg(t ORDER BY t.id) FROM placement_events t JOIN placements p ON p.id = t.placement_id WHERE p.agreement_id = $2),
		  'invoices', (SELECT json_agg(t ORDER BY t.id) FROM invoices t WHERE t.buyer_org_id = ANY($1) OR t.supplier_id = ANY($1)),
		  'spend_records', (SELECT json_agg(t ORDER BY t.id) FROM spend_records t WHERE t.org_id = ANY($1)),
		  'saved_order_details', (SELECT json_agg(t ORDER BY t.id) FROM saved_order_details t WHERE t.org_id = ANY($1)),
		  'favourite_items', (SELECT json_agg(t ORDER BY t.user_id, t.item_id) FROM favourite_items t JOIN users u ON u.id = t.user_id WHERE u.org_id = ANY($1))
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
	nbBuyWrit = map[auth.Role]int{auth.RoleOrderer: nbAllowed, auth.RoleApprover: nbAllowed} // their own favourites
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

// scopeImageForm is a picture upload (a 12×12 PNG) in a multipart form of type scopeImageType.
var scopeImageForm, scopeImageType = imageForm("image", "kapad.png", testenv.Picture(12, 12))

const scopeCSV = "sku,name,description,unit,pack_size,cpv_code,gtin,eco_labels,vat_rate_bp,price_minor,effective_from\n" +
	"SC-0,Scopedosett läkemedel,,EA,1,33190000,,svanen,2500,1,\nSC-NEW,Ny artikel,,EA,1,33190000,,,2500,100,\n"
