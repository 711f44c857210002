package api

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/frontend"
	"github.com/avrop/avrop/notify"
	"github.com/avrop/avrop/orders"
)

// The web UI is served by the same engine and calls the same services: its pages and forms
// that take an id are held to SPEC §1 like the API's routes (404 out of scope, 403 for a role
// that may never use the page).

// scopeUIRow is one UI route with an id: its pattern (as in frontend/frontend.go), how to
// fill it from a world, a form, and the roles that may use it.
type scopeUIRow struct {
	method, pattern string
	ids             func(w *scopeWorld) map[string]string
	form            url.Values
	roles           []auth.Role
}

func (r scopeUIRow) key() string { return r.method + " " + r.pattern }

var uiParam = regexp.MustCompile(`\{([a-z]+)\}`)

func (r scopeUIRow) path(ids map[string]string) string {
	return uiParam.ReplaceAllStringFunc(r.pattern, func(p string) string {
		v, ok := ids[p[1:len(p)-1]]
		if !ok {
			panic("no value for " + p + " in " + r.pattern)
		}
		return v
	})
}

func scopeUIRows() []scopeUIRow {
	order := func(st orders.Status, move string) func(w *scopeWorld) map[string]string {
		return func(w *scopeWorld) map[string]string { return map[string]string{"id": w.orders[st], "move": move} }
	}
	dev := func(w *scopeWorld) map[string]string {
		return map[string]string{"id": w.orders[orders.StatusDelivered], "dev": w.deviation}
	}
	agreement := func(w *scopeWorld) map[string]string { return map[string]string{"id": w.agreement} }
	placement := func(w *scopeWorld) map[string]string { return map[string]string{"id": w.placement} }
	buyerOrg := func(w *scopeWorld) map[string]string { return map[string]string{"id": w.buyer.ID} }
	ordererOf := func(w *scopeWorld) map[string]string { return map[string]string{"id": w.orderer.ID} }
	pc := func(decision string) func(w *scopeWorld) map[string]string {
		return func(w *scopeWorld) map[string]string {
			return map[string]string{"id": w.pendingPC, "decision": decision}
		}
	}
	submission := func(w *scopeWorld) map[string]string { return map[string]string{"id": w.submission} }
	invoice := func(w *scopeWorld) map[string]string { return map[string]string{"id": w.invoice} }
	note := url.Values{"note": {"kapad"}, "reason": {"kapad"}}
	rows := []scopeUIRow{
		{method: "GET", pattern: "/orders/{id}", ids: order(orders.StatusDelivered, ""), roles: scopeAllRoles},
		{method: "POST", pattern: "/orders/{id}/deviations", ids: order(orders.StatusDelivered, ""),
			form: url.Values{"kind": {"late"}, "description": {"kapad"}}, roles: scopeBuyerRoles},
		{method: "POST", pattern: "/orders/{id}/respond", ids: order(orders.StatusApproved, ""),
			form: url.Values{"confirm-1": {"0"}, "answer_note": {"kapad"}}, roles: scopeSupplierOnly},
		{method: "POST", pattern: "/orders/{id}/reorder", ids: order(orders.StatusDelivered, ""), roles: scopeBuyerRoles},
		{method: "POST", pattern: "/orders/{id}/deviations/{dev}/respond", ids: dev, form: url.Values{"response": {"kapad"}}, roles: scopeSupplierOnly},
		{method: "POST", pattern: "/orders/{id}/deviations/{dev}/close", ids: dev, form: note, roles: scopeManagerOnly},
		{method: "POST", pattern: "/supplier/items/{id}/price", ids: func(w *scopeWorld) map[string]string { return map[string]string{"id": w.items[0]} },
			form: url.Values{"price": {"0,01"}, "reason": {"kapad"}}, roles: scopeSupplierOnly},
		{method: "POST", pattern: "/supplier/items/{id}/image", ids: func(w *scopeWorld) map[string]string { return map[string]string{"id": w.items[0]} },
			roles: scopeSupplierOnly},
		{method: "POST", pattern: "/supplier/items/{id}/image/delete", ids: func(w *scopeWorld) map[string]string { return map[string]string{"id": w.items[0]} },
			roles: scopeSupplierOnly},
		{method: "GET", pattern: "/catalog/items/{id}", ids: func(w *scopeWorld) map[string]string { return map[string]string{"id": w.items[0]} },
			roles: scopeBuyerRoles},
		{method: "GET", pattern: "/catalog/items/{id}/image/{hash}/{size}", roles: scopeAllRoles,
			ids: func(w *scopeWorld) map[string]string {
				return map[string]string{"id": w.items[0], "hash": w.imageHash, "size": "96"}
			}},
		{method: "GET", pattern: "/devices/{id}", ids: placement, roles: scopeBuyerRoles},
		{method: "POST", pattern: "/devices/{id}/move", ids: placement, form: url.Values{"address": {"kapad"}}, roles: scopeBuyerRoles},
		{method: "POST", pattern: "/devices/{id}/outage", ids: placement, form: url.Values{"description": {"kapad"}}, roles: scopeBuyerRoles},
		{method: "POST", pattern: "/devices/{id}/end", ids: placement, form: url.Values{"end_date": {"2031-01-01"}}, roles: scopeBuyerRoles},
		{method: "GET", pattern: "/manager/agreements/{id}", ids: agreement, roles: scopeManagerOnly},
		{method: "GET", pattern: "/manager/agreements/{id}/usage.csv", ids: agreement, roles: scopeManagerOnly},
		{method: "POST", pattern: "/manager/price-changes/{id}/{decision}", ids: pc("approve"), form: note, roles: scopeManagerOnly},
		// The agreement under control (frontend/agreement_manager.go).
		{method: "POST", pattern: "/manager/agreements/{id}/terms", ids: agreement,
			form: url.Values{"title": {"kapad"}, "valid_to": {"2099-12-31"}, "min_order": {"0"}, "max_price_increase_bp": {"0"},
				"price_adjustment_interval_months": {"12"}, "lead_time_days": {"1"}, "response_time_hours": {"1"}}, roles: scopeManagerOnly},
		{method: "POST", pattern: "/manager/agreements/{id}/participants", ids: agreement,
			form: url.Values{"org_id": {""}, "p-ceiling": {"1"}}, roles: scopeManagerOnly},
		{method: "POST", pattern: "/manager/agreements/{id}/suppliers", ids: agreement, form: url.Values{"rank": {"9"}}, roles: scopeManagerOnly},
		{method: "POST", pattern: "/manager/agreements/{id}/terminate", ids: agreement, form: url.Values{"terminate-note": {"kapad"}}, roles: scopeManagerOnly},
		{method: "POST", pattern: "/manager/agreements/{id}/{party}/{org}/remove", ids: func(w *scopeWorld) map[string]string {
			return map[string]string{"id": w.agreement, "party": "participants", "org": w.buyer2.ID}
		}, form: note, roles: scopeManagerOnly},
		{method: "GET", pattern: "/manager/agreements/{id}/orders.csv", ids: agreement, roles: scopeManagerOnly},
		{method: "GET", pattern: "/manager/submissions/{id}", ids: submission, roles: scopeManagerOnly},
		{method: "POST", pattern: "/manager/submissions/{id}/{decision}", ids: func(w *scopeWorld) map[string]string {
			return map[string]string{"id": w.submission, "decision": "accept"}
		}, form: note, roles: scopeManagerOnly},
		{method: "GET", pattern: "/supplier/submissions/{id}", ids: submission, roles: scopeSupplierOnly},
		// Welfare technology (frontend/welfare.go; the devices' own rows are above).
		{method: "POST", pattern: "/supplier/installations/{id}/{move}", ids: func(w *scopeWorld) map[string]string {
			return map[string]string{"id": w.placement, "move": "install"}
		}, form: url.Values{"installed_on": {time.Now().UTC().Format(time.DateOnly)}}, roles: scopeSupplierOnly},
		// Invoices (frontend/invoices.go).
		{method: "GET", pattern: "/invoices/{id}", ids: invoice, roles: scopeInvoiceRoles},
		{method: "POST", pattern: "/invoices/{id}/{decision}", ids: func(w *scopeWorld) map[string]string {
			return map[string]string{"id": w.invoice, "decision": "dispute"}
		}, form: note, roles: []auth.Role{auth.RoleApprover}},
		// Favourites and the organisation's saved delivery addresses and cost centres.
		{method: "POST", pattern: "/favourites/{id}", ids: func(w *scopeWorld) map[string]string { return map[string]string{"id": w.items[0]} },
			form: url.Values{"on": {"true"}}, roles: scopeBuyerRoles},
		{method: "GET", pattern: "/organizations/{id}/details", ids: buyerOrg, roles: []auth.Role{auth.RoleApprover}},
		{method: "POST", pattern: "/organizations/{id}/details", ids: buyerOrg, form: url.Values{"kind": {"cost_center"}, "value": {"kapad"}},
			roles: []auth.Role{auth.RoleApprover}},
		{method: "POST", pattern: "/organizations/{id}/details/{detail}/delete", roles: []auth.Role{auth.RoleApprover},
			ids: func(w *scopeWorld) map[string]string {
				return map[string]string{"id": w.buyer.ID, "detail": w.savedDetail}
			}},
		// Administrators' pages: no role of an organisation may use them (403).
		{method: "GET", pattern: "/admin/organizations/{id}", ids: buyerOrg},
		{method: "POST", pattern: "/admin/organizations/{id}", ids: buyerOrg, form: url.Values{"name": {"kapad"}, "approval_threshold": {"0"}}},
		{method: "POST", pattern: "/admin/users/{id}/active", ids: ordererOf, form: url.Values{"active": {"false"}}},
		{method: "GET", pattern: "/admin/users/{id}", ids: ordererOf},
		{method: "POST", pattern: "/admin/users/{id}", ids: ordererOf, form: url.Values{"name": {"kapad"}, "roles": {"orderer"}}},
		{method: "POST", pattern: "/admin/users/{id}/password-reset", ids: ordererOf},
	}
	// One row per move; the UI lets orderers, approvers and suppliers make moves at all.
	from := map[orders.Action]orders.Status{orders.ActionApprove: orders.StatusPendingApproval, orders.ActionReject: orders.StatusPendingApproval,
		orders.ActionCancel: orders.StatusApproved, orders.ActionAccept: orders.StatusApproved, orders.ActionDecline: orders.StatusApproved,
		orders.ActionShip: orders.StatusAccepted, orders.ActionDeliver: orders.StatusShipped}
	who := map[orders.Action][]auth.Role{orders.ActionApprove: {auth.RoleApprover}, orders.ActionReject: {auth.RoleApprover},
		orders.ActionCancel: scopeBuyerRoles, orders.ActionAccept: scopeSupplierOnly, orders.ActionDecline: scopeSupplierOnly,
		orders.ActionShip: scopeSupplierOnly, orders.ActionDeliver: scopeBuyerRoles}
	for _, act := range orders.Actions {
		rows = append(rows, scopeUIRow{method: "POST", pattern: "/orders/{id}/{move}", ids: order(from[act], string(act)), form: note, roles: who[act]})
	}
	rows = append(rows, scopeUIRow{method: "POST", pattern: "/manager/price-changes/{id}/{decision}", ids: pc("reject"), form: note, roles: scopeManagerOnly})
	return rows
}

// newScopeUIAPI is the test API with the web UI behind it.
func newScopeUIAPI(t *testing.T) *testAPI {
	return newTestAPIDeps(t, testAuthConfig(), func(d *Deps) {
		d.Frontend = frontend.New(frontend.Deps{Auth: d.Auth, Catalog: d.Catalog, Orders: d.Orders, Invoices: d.Invoices, Mail: notify.NewPreferences(d.DB), Logger: d.Logger})
	})
}

const scopeCSRF = "scope-csrf-token-0123456789abcdef0123456789"

// ui sends a UI request as the user, as a browser would: the session and CSRF cookies, and
// for a POST the form URL-encoded with its hidden csrf field.
func (a *testAPI) ui(method, path string, u scopeUser, form url.Values, cookies ...string) response {
	a.t.Helper()
	var body any
	if method == http.MethodPost {
		f := url.Values{"csrf": {scopeCSRF}}
		for k, v := range form {
			f[k] = v
		}
		body = f.Encode()
	}
	cookie := strings.Join(append([]string{"avrop_at=" + u.tok, "avrop_csrf=" + scopeCSRF}, cookies...), "; ")
	return a.do(method, path, "", body, "Cookie", cookie, "Content-Type", "application/x-www-form-urlencoded")
}

// TestScopeUIEveryPageWithAnID: every user of world A opens every UI page and posts every UI
// form that takes an id with world B's ids: 404 or 403, and world B unchanged.
func TestScopeUIEveryPageWithAnID(t *testing.T) {
	a := newScopeUIAPI(t)
	wa, wb := newScopeWorld(t, a, "A"), newScopeWorld(t, a, "B")
	// Control: the pages answer their own users.
	for _, row := range scopeUIRows() {
		if row.method != "GET" {
			continue
		}
		for _, role := range row.roles {
			if res := a.ui("GET", row.path(row.ids(wb)), wb.userOf(role), nil); res.Status != http.StatusOK {
				t.Errorf("control: %s as world B's own %s: status %d", row.key(), role, res.Status)
			}
		}
	}
	before := wb.snapshot(t)
	for _, row := range scopeUIRows() {
		path := row.path(row.ids(wb))
		t.Run(row.method+" "+path[strings.Index(path[1:], "/")+1:], func(t *testing.T) {
			for _, role := range scopeRoles {
				res := a.ui(row.method, path, wa.userOf(role), row.form)
				want := http.StatusForbidden
				if slices.Contains(row.roles, role) {
					want = http.StatusNotFound
				}
				if res.Status != want {
					t.Errorf("UI %s as %s of world A with world B's ids: status %d, want %d; location %q",
						row.key(), role, res.Status, want, res.Header.Get("Location"))
				}
				if strings.Contains(string(res.Body), wb.orderer.Email) || strings.Contains(string(res.Body), "Dosetter B") {
					t.Errorf("UI %s as %s shows world B's data", row.key(), role)
				}
				if after := wb.snapshot(t); after != before {
					t.Fatalf("UI %s as %s of world A changed world B:\nbefore %s\nafter  %s", row.key(), role, before, after)
				}
			}
		})
	}
	t.Run("control: the same forms work for their own users", func(t *testing.T) {
		res := a.ui("POST", "/supplier/items/"+wa.items[1]+"/price", wa.supplier, url.Values{"price": {"0,01"}, "reason": {"kampanj"}})
		if res.Status != http.StatusSeeOther && res.Status != http.StatusFound {
			t.Errorf("own price change: status %d, want a redirect", res.Status)
		}
		res = a.ui("POST", "/orders/"+wa.orders[orders.StatusPendingApproval]+"/approve", wa.approver, url.Values{"note": {"ok"}})
		if res.Status != http.StatusSeeOther && res.Status != http.StatusFound {
			t.Errorf("own approval: status %d, want a redirect", res.Status)
		}
		if o, err := a.Orders.GetOrder(t.Context(), callerOfUser(wa.approver.User, auth.KindBuyer), wa.orders[orders.StatusPendingApproval]); err != nil || o.Status != orders.StatusApproved {
			t.Errorf("own approval through the UI: %v, %v", o.Status, err)
		}
	})
	t.Run("cart with world B's items", func(t *testing.T) {
		for _, role := range scopeBuyerRoles {
			u := wa.userOf(role)
			res := a.ui("POST", "/cart/add", u, url.Values{"item_id": {wb.items[0]}, "quantity": {"1"}})
			if res.Status != http.StatusNotFound {
				t.Errorf("cart/add of world B's item as %s: status %d", role, res.Status)
			}
			// A forged cart cookie naming world B's items shows and orders nothing of them.
			cart := "avrop_cart=" + wb.items[0] + "~1." + wb.items[1] + "~2"
			for _, p := range []string{"/cart", "/checkout"} {
				res := a.ui("GET", p, u, nil, cart)
				if res.Status >= 500 || strings.Contains(string(res.Body), "Dosetter B") || strings.Contains(string(res.Body), wb.items[0]) {
					t.Errorf("%s with world B's items in the cart as %s: status %d, shows them: %v", p, role, res.Status,
						strings.Contains(string(res.Body), "Dosetter B"))
				}
			}
			res = a.ui("POST", "/checkout", u, url.Values{"delivery_address": {"x"}, "cost_center": {"1"}}, cart)
			if res.Status >= 500 {
				t.Errorf("checkout with world B's items as %s: status %d", role, res.Status)
			}
			if after := wb.snapshot(t); after != before {
				t.Fatalf("checkout with world B's items as %s changed world B", role)
			}
		}
	})
}

// TestScopeUIRowsCoverEveryPage reads the UI's route tables (every frontend/*.go file that
// registers routes) and fails when a route with an id has no row in scopeUIRows.
func TestScopeUIRowsCoverEveryPage(t *testing.T) {
	files, err := filepath.Glob("../frontend/*.go")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, r := range scopeUIRows() {
		have[r.key()] = true
	}
	route := regexp.MustCompile(`Handle(?:Func)?\("(GET|POST|PUT|PATCH|DELETE) ([^"]*\{[a-z]+\}[^"]*)"`)
	n, withRoutes := 0, 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		found := route.FindAllStringSubmatch(string(src), -1)
		if len(found) > 0 {
			withRoutes++
		}
		for _, m := range found {
			if m[2] == "/lang/{lang}" || m[2] == "/static/{file...}" {
				continue // a language or a static file, not a resource
			}
			n++
			if !have[m[1]+" "+m[2]] {
				t.Errorf("UI route %s %s (%s) takes an id but has no row in scopeUIRows (api/scope_ui_test.go)", m[1], m[2], filepath.Base(f))
			}
		}
	}
	if n == 0 || withRoutes < 4 {
		t.Fatalf("found %d UI routes with an id in %d files of frontend/; the route tables moved?", n, withRoutes)
	}
}

// TestScopeUILists: every UI page that lists something, opened by every user of world A (also
// with world B's ids in the query), shows nothing of world B.
func TestScopeUILists(t *testing.T) {
	a := newScopeUIAPI(t)
	wa, wb := newScopeWorld(t, a, "A"), newScopeWorld(t, a, "B")
	markers := map[string]string{wb.agreement: "agreement id", wb.body.Name: "procurement body", wb.buyer.Name: "buyer",
		wb.sup.Name: "supplier", wb.buyer2.Name: "second buyer", wb.sup2.Name: "second supplier", wb.orderer.Email: "orderer's email",
		wb.pendingPC: "price change", wb.deviation: "deviation"}
	for _, id := range append(wb.orderIDs(), wb.items...) {
		markers[id] = "order or item id"
	}
	res := a.do("GET", "/api/v1/agreements/"+wb.agreement, wb.manager.tok, nil)
	wantStatus(t, res, http.StatusOK)
	markers[res.JSON["reference"].(string)] = "agreement reference"
	markers[wb.savedDetail], markers["Storgatan 1 B"] = "saved detail", "saved delivery address"
	// Control: the same pages show world A's own data to its users.
	for _, c := range []struct {
		path string
		u    scopeUser
		want string
	}{
		{"/orders", wa.orderer, wa.orders[orders.StatusDelivered]},
		{"/supplier/orders", wa.supplier, wa.orders[orders.StatusApproved]},
		{"/catalog?q=scopedosett", wa.orderer, wa.items[0]},
		{"/manager/agreements", wa.manager, wa.agreement},
		{"/manager/deviations", wa.manager, wa.orders[orders.StatusDelivered]},
		{"/manager/deviations.csv", wa.manager, wa.deviation},
		{"/manager/orders", wa.manager, wa.orders[orders.StatusDelivered]},
		{"/manager/orders.csv?cascade=false", wa.manager, wa.orders[orders.StatusDelivered]},
	} {
		if res := a.ui("GET", c.path, c.u, nil); res.Status != http.StatusOK || !strings.Contains(string(res.Body), c.want) {
			t.Errorf("control: %s does not show its own user %s (status %d)", c.path, c.want, res.Status)
		}
	}
	for _, p := range []string{
		"/catalog", "/catalog?q=scopedosett", "/catalog/results?q=scopedosett", "/catalog?agreement_id=" + wb.agreement,
		"/catalog?agreement=" + wb.agreement, "/catalog?supplier_id=" + wb.sup.ID, "/cart", "/checkout",
		"/orders", "/orders?status=approved", "/orders?agreement_id=" + wb.agreement, "/approvals", "/favourites",
		"/supplier/orders", "/supplier/orders?status=approved", "/supplier/catalog", "/supplier/catalog?agreement=" + wb.agreement,
		"/supplier/import", "/supplier/import?agreement=" + wb.agreement,
		"/manager/agreements", "/manager/price-changes", "/manager/deviations", "/manager/deviations?agreement_id=" + wb.agreement,
		"/manager/deviations.csv", "/manager/deviations.csv?agreement_id=" + wb.agreement, "/manager/deviations?status=open",
		"/manager/orders", "/manager/orders?agreement_id=" + wb.agreement, "/manager/orders?cascade=true&status=delivered",
		"/manager/orders.csv", "/manager/orders.csv?agreement_id=" + wb.agreement, "/admin/organizations", "/admin/users", "/admin/users?org_id=" + wb.buyer.ID,
		"/account", "/account?user_id=" + wb.orderer.ID,
	} {
		t.Run(p, func(t *testing.T) {
			for _, role := range scopeRoles {
				res := a.ui("GET", p, wa.userOf(role), nil)
				if res.Status >= 500 {
					t.Errorf("%s as %s: status %d", p, role, res.Status)
				}
				for m, what := range markers {
					// The page may echo its own address (language switch, filters).
					if strings.Contains(string(res.Body), m) && !strings.Contains(p, m) {
						t.Errorf("%s as %s of world A shows world B's %s (%s)", p, role, what, m)
					}
				}
			}
		})
	}
}

// TestScopeUIAccount: the settings page (/account, SPEC §8 mail opt-out) reads and writes only
// the signed-in person's own settings: every user of world A posting world B's user ids in the
// form changes their own settings and nobody else's.
func TestScopeUIAccount(t *testing.T) {
	a := newScopeUIAPI(t)
	wa, wb := newScopeWorld(t, a, "A"), newScopeWorld(t, a, "B")
	ctx := t.Context()
	for _, role := range scopeRoles {
		u := wa.userOf(role)
		if res := a.ui("GET", "/account", u, nil); res.Status != http.StatusOK || !strings.Contains(string(res.Body), u.Email) {
			t.Errorf("GET /account as %s: status %d, or their address missing", role, res.Status)
		}
		for _, victim := range []scopeUser{wb.orderer, wb.approver, wb.supplier, wb.manager} {
			res := a.ui("POST", "/account", u, url.Values{"mail_language": {"da"}, "user_id": {victim.ID}, "id": {victim.ID}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("POST /account as %s: status %d, want 303", role, res.Status)
			}
			if st, err := notify.GetSettings(ctx, a.Deps.DB, victim.ID); err != nil || st.MailsOff || st.Language != "" {
				t.Errorf("POST /account as %s of world A changed %s of world B: %+v, %v", role, victim.Email, st, err)
			}
		}
		if st, err := notify.GetSettings(ctx, a.Deps.DB, u.ID); err != nil || !st.MailsOff || st.Language != "da" {
			t.Errorf("POST /account as %s: own settings %+v, %v; want mails off in Danish", role, st, err)
		}
	}
}
