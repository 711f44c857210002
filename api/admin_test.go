package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
)

// TestAdminEndpointsForbidden: every role but admin gets 403 from the admin-only endpoints,
// and nothing changes.
func TestAdminEndpointsForbidden(t *testing.T) {
	a := newTestAPI(t)
	buyer := a.org(auth.KindBuyer)
	target, _ := a.user(buyer, auth.RoleOrderer)
	callers := []struct {
		role auth.Role
		kind auth.OrgKind
	}{
		{auth.RoleOrderer, auth.KindBuyer},
		{auth.RoleApprover, auth.KindBuyer},
		{auth.RoleSupplier, auth.KindSupplier},
		{auth.RoleManager, auth.KindProcurementBody},
		{auth.RoleOrderer, auth.KindProcurementBody},
	}
	for _, c := range callers {
		org := a.org(c.kind)
		_, token := a.user(org, c.role)
		name := "Forbidden " + testenv.Unique()
		endpoints := []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/v1/organizations", map[string]any{"name": name, "org_number": testenv.OrgNumber(), "kind": "buyer"}},
			{"PATCH", "/api/v1/organizations/" + buyer.ID, map[string]any{"name": name}},
			{"PATCH", "/api/v1/organizations/" + org.ID, map[string]any{"name": name}},
			{"POST", "/api/v1/users", map[string]any{"email": "x" + testenv.Unique() + "@example.se", "name": name,
				"password": testPassword, "org_id": org.ID, "roles": []string{string(c.role)}}},
			{"PATCH", "/api/v1/users/" + target.ID, map[string]any{"name": name, "roles": []string{"approver"}}},
		}
		for _, e := range endpoints {
			t.Run(fmt.Sprintf("%s in %s/%s %s", c.role, c.kind, e.method, strings.TrimPrefix(e.path, "/api/v1/")), func(t *testing.T) {
				wantProblem(t, a.do(e.method, e.path, token, e.body), http.StatusForbidden, "forbidden")
			})
		}
		var changed int
		testenv.Must(t, a.Deps.DB.Get(&changed, `SELECT (SELECT count(*) FROM organizations WHERE name = $1) + (SELECT count(*) FROM users WHERE name = $1)`, name))
		if changed != 0 {
			t.Fatalf("%s: a forbidden request changed %d rows", c.role, changed)
		}
	}
}

func TestAdminOrganizationsAndUsers(t *testing.T) {
	a := newTestAPI(t)
	_, adminToken := a.user(a.org(auth.KindPlatform), auth.RoleAdmin)
	num, orgNumber := testenv.Unique(), testenv.OrgNumber()

	res := a.do("POST", "/api/v1/organizations", adminToken, map[string]any{"name": "Karlstads kommun " + num, "org_number": orgNumber,
		"kind": "buyer", "country": "SE", "approval_threshold_minor": 1000000})
	wantStatus(t, res, http.StatusCreated)
	orgID := str(t, res, "id")
	if res.JSON["kind"] != "buyer" || res.JSON["approval_threshold_minor"] != float64(1000000) || !auth.ValidUUID(orgID) ||
		res.JSON["peppol_participant_id"] != "0007:"+strings.ReplaceAll(orgNumber, "-", "") {
		t.Fatalf("organisation = %s", res.Body)
	}
	res = a.do("GET", "/api/v1/organizations/"+orgID, adminToken, nil)
	wantStatus(t, res, http.StatusOK)
	res = a.do("PATCH", "/api/v1/organizations/"+orgID, adminToken, map[string]any{"approval_threshold_minor": 500000})
	wantStatus(t, res, http.StatusOK)
	if res.JSON["approval_threshold_minor"] != float64(500000) || res.JSON["name"] != "Karlstads kommun "+num {
		t.Fatalf("patched organisation = %s", res.Body)
	}
	res = a.do("GET", "/api/v1/organizations?kind=buyer&page_size=100", adminToken, nil)
	wantStatus(t, res, http.StatusOK)
	if res.JSON["page"] != float64(1) || res.JSON["page_size"] != float64(100) || res.JSON["total"].(float64) < 1 {
		t.Fatalf("list = %s", res.Body)
	}

	email := "Anna." + num + "@Karlstad.se"
	res = a.do("POST", "/api/v1/users", adminToken, map[string]any{"email": email, "name": "Anna", "password": testPassword,
		"org_id": orgID, "roles": []string{"orderer", "approver"}})
	wantStatus(t, res, http.StatusCreated)
	userID := str(t, res, "id")
	if res.JSON["email"] != strings.ToLower(email) || res.JSON["active"] != true || res.JSON["password_hash"] != nil || res.JSON["password"] != nil {
		t.Fatalf("user = %s", res.Body)
	}
	if strings.Contains(string(res.Body), "argon2") {
		t.Fatal("the response leaks the password hash")
	}
	res = a.do("GET", "/api/v1/users?org_id="+orgID, adminToken, nil)
	wantStatus(t, res, http.StatusOK)
	if res.JSON["total"] != float64(1) {
		t.Fatalf("users of the new organisation = %s", res.Body)
	}
	// Search: part of the name or the start of the organisation number; wildcards are literal.
	for q, want := range map[string]float64{"karlstads+KOMMUN+" + num: 1, num[:6]: 1, "kommun+" + num + "%25": 0, "_" + num[1:]: 0} {
		res = a.do("GET", "/api/v1/organizations?q="+q, adminToken, nil)
		wantStatus(t, res, http.StatusOK)
		if res.JSON["total"] != want {
			t.Errorf("organisations?q=%s: total %v, want %v", q, res.JSON["total"], want)
		}
	}
	for q, want := range map[string]float64{"anna." + num: 1, "ANNA": 1, "%25": 0} {
		res = a.do("GET", "/api/v1/users?org_id="+orgID+"&q="+q, adminToken, nil)
		wantStatus(t, res, http.StatusOK)
		if res.JSON["total"] != want {
			t.Errorf("users?q=%s: total %v, want %v", q, res.JSON["total"], want)
		}
	}
	wantProblem(t, a.do("GET", "/api/v1/users?q="+strings.Repeat("x", 101), adminToken, nil), http.StatusUnprocessableEntity, "validation_failed")
	res = a.do("PATCH", "/api/v1/users/"+userID, adminToken, map[string]any{"name": "Anna Svensson", "roles": []string{"approver"}})
	wantStatus(t, res, http.StatusOK)
	if res.JSON["name"] != "Anna Svensson" || len(res.JSON["roles"].([]any)) != 1 {
		t.Fatalf("patched user = %s", res.Body)
	}
	wantStatus(t, a.login(email, testPassword), http.StatusOK)

	t.Run("validation", func(t *testing.T) {
		supplier := a.org(auth.KindSupplier)
		userBody := func(change func(map[string]any)) map[string]any {
			b := map[string]any{"email": "v" + testenv.Unique() + "@example.se", "name": "V", "password": testPassword,
				"org_id": orgID, "roles": []string{"orderer"}}
			change(b)
			return b
		}
		tests := []struct {
			name, method, path string
			body               any
			status             int
			code, field        string
		}{
			{"supplier role in a buyer", "POST", "/api/v1/users", userBody(func(b map[string]any) { b["roles"] = []string{"supplier"} }), 422, "validation_failed", "roles"},
			{"orderer in a supplier", "POST", "/api/v1/users", userBody(func(b map[string]any) { b["org_id"] = supplier.ID }), 422, "validation_failed", "roles"},
			{"admin in a buyer", "POST", "/api/v1/users", userBody(func(b map[string]any) { b["roles"] = []string{"admin"} }), 422, "validation_failed", "roles"},
			{"unknown role", "POST", "/api/v1/users", userBody(func(b map[string]any) { b["roles"] = []string{"boss"} }), 422, "validation_failed", "roles"},
			{"no roles", "POST", "/api/v1/users", userBody(func(b map[string]any) { b["roles"] = []string{} }), 422, "validation_failed", "roles"},
			{"role twice", "POST", "/api/v1/users", userBody(func(b map[string]any) { b["roles"] = []string{"orderer", "orderer"} }), 422, "validation_failed", "roles"},
			{"short password", "POST", "/api/v1/users", userBody(func(b map[string]any) { b["password"] = "elevenchars" }), 422, "validation_failed", "password"},
			{"bad email", "POST", "/api/v1/users", userBody(func(b map[string]any) { b["email"] = "Anna <anna@example.se>" }), 422, "validation_failed", "email"},
			{"unknown organisation", "POST", "/api/v1/users", userBody(func(b map[string]any) { b["org_id"] = "6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f" }), 422, "validation_failed", "org_id"},
			{"malformed organisation id", "POST", "/api/v1/users", userBody(func(b map[string]any) { b["org_id"] = "1" }), 422, "validation_failed", "org_id"},
			{"duplicate email", "POST", "/api/v1/users", userBody(func(b map[string]any) { b["email"] = strings.ToUpper(email) }), 409, "duplicate", "email"},
			{"unknown field", "POST", "/api/v1/users", userBody(func(b map[string]any) { b["active"] = false }), 400, "unknown_field", "active"},
			{"patch short password", "PATCH", "/api/v1/users/" + userID, map[string]any{"password": "short"}, 422, "validation_failed", "password"},
			{"patch role misfit", "PATCH", "/api/v1/users/" + userID, map[string]any{"roles": []string{"manager"}}, 422, "validation_failed", "roles"},
			{"patch email", "PATCH", "/api/v1/users/" + userID, map[string]any{"email": "new@example.se"}, 400, "unknown_field", "email"},
			{"patch absent user", "PATCH", "/api/v1/users/6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f", map[string]any{"name": "X"}, 404, "not_found", ""},
			{"patch malformed user id", "PATCH", "/api/v1/users/42", map[string]any{"name": "X"}, 404, "not_found", ""},
			{"bad kind", "POST", "/api/v1/organizations", map[string]any{"name": "X", "org_number": testenv.OrgNumber(), "kind": "bank"}, 422, "validation_failed", "kind"},
			{"negative threshold", "POST", "/api/v1/organizations", map[string]any{"name": "X", "org_number": testenv.OrgNumber(), "kind": "buyer", "approval_threshold_minor": -1}, 422, "validation_failed", "approval_threshold_minor"},
			{"lower-case country", "POST", "/api/v1/organizations", map[string]any{"name": "X", "org_number": testenv.OrgNumber(), "kind": "buyer", "country": "se"}, 422, "validation_failed", "country"},
			{"empty name", "POST", "/api/v1/organizations", map[string]any{"name": " ", "org_number": testenv.OrgNumber(), "kind": "buyer"}, 422, "validation_failed", "name"},
			{"duplicate org number", "POST", "/api/v1/organizations", map[string]any{"name": "X", "org_number": orgNumber, "kind": "buyer"}, 409, "duplicate", "org_number"},
			{"Swedish check digit", "POST", "/api/v1/organizations", map[string]any{"name": "X", "org_number": "556036-0794", "kind": "buyer"}, 422, "validation_failed", "org_number"},
			{"Norwegian check digit", "POST", "/api/v1/organizations", map[string]any{"name": "X", "org_number": "974760674", "kind": "buyer", "country": "NO"}, 422, "validation_failed", "org_number"},
			{"Danish check digit", "POST", "/api/v1/organizations", map[string]any{"name": "X", "org_number": "24256791", "kind": "buyer", "country": "DK"}, 422, "validation_failed", "org_number"},
			{"country without a check", "POST", "/api/v1/organizations", map[string]any{"name": "X", "org_number": "0112038-9", "kind": "buyer", "country": "FI"}, 422, "validation_failed", "country"},
			{"kind is not patchable", "PATCH", "/api/v1/organizations/" + orgID, map[string]any{"kind": "supplier"}, 400, "unknown_field", "kind"},
			{"patch absent organisation", "PATCH", "/api/v1/organizations/6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f", map[string]any{"name": "X"}, 404, "not_found", ""},
			{"threshold too large", "PATCH", "/api/v1/organizations/" + orgID, `{"approval_threshold_minor": 99999999999999999999}`, 400, "malformed_json", "approval_threshold_minor"},
			{"bad page", "GET", "/api/v1/users?page=0", nil, 400, "invalid_query", "page"},
			{"bad page size", "GET", "/api/v1/users?page_size=101", nil, 400, "invalid_query", "page_size"},
			{"bad kind filter", "GET", "/api/v1/organizations?kind=bank", nil, 400, "invalid_query", "kind"},
			{"bad org filter", "GET", "/api/v1/users?org_id=x", nil, 422, "validation_failed", "org_id"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := a.do(tt.method, tt.path, adminToken, tt.body)
				wantProblem(t, res, tt.status, tt.code)
				if tt.field != "" && !hasFieldError(res, tt.field) {
					t.Fatalf("no field error for %s: %s", tt.field, res.Body)
				}
			})
		}
	})
}

// hasFieldError reports whether the problem document names field in its errors.
func hasFieldError(res response, field string) bool {
	errs, _ := res.JSON["errors"].([]any)
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["field"] == field {
			return true
		}
	}
	return false
}

// TestOrganizationScope: a user reads only their own organisation and its users; another
// organisation's answer 404, as if they did not exist.
func TestOrganizationScope(t *testing.T) {
	a := newTestAPI(t)
	orgA, orgB := a.org(auth.KindBuyer), a.org(auth.KindBuyer)
	userA, tokenA := a.user(orgA, auth.RoleApprover)
	userB, _ := a.user(orgB, auth.RoleOrderer)
	_, managerToken := a.user(a.org(auth.KindProcurementBody), auth.RoleManager)
	_, supplierToken := a.user(a.org(auth.KindSupplier), auth.RoleSupplier)

	tests := []struct {
		name, token, path string
		status            int
	}{
		{"own organisation", tokenA, "/api/v1/organizations/" + orgA.ID, 200},
		{"own colleague", tokenA, "/api/v1/users/" + userA.ID, 200},
		{"other organisation", tokenA, "/api/v1/organizations/" + orgB.ID, 404},
		{"other organisation's user", tokenA, "/api/v1/users/" + userB.ID, 404},
		{"supplier reads a buyer", supplierToken, "/api/v1/organizations/" + orgA.ID, 404},
		{"supplier reads a buyer's user", supplierToken, "/api/v1/users/" + userA.ID, 404},
		{"manager reads any organisation", managerToken, "/api/v1/organizations/" + orgB.ID, 200},
		{"manager reads another organisation's user", managerToken, "/api/v1/users/" + userB.ID, 404},
		{"absent user", tokenA, "/api/v1/users/6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f", 404},
		{"malformed id", tokenA, "/api/v1/organizations/not-a-uuid", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := a.do("GET", tt.path, tt.token, nil)
			if tt.status == 404 {
				wantProblem(t, res, 404, "not_found")
				return
			}
			wantStatus(t, res, tt.status)
		})
	}

	t.Run("lists", func(t *testing.T) {
		res := a.do("GET", "/api/v1/users", tokenA, nil)
		wantStatus(t, res, http.StatusOK)
		for _, it := range res.JSON["items"].([]any) {
			if it.(map[string]any)["org_id"] != orgA.ID {
				t.Fatalf("user list of %s shows %v", orgA.ID, it)
			}
		}
		res = a.do("GET", "/api/v1/users?org_id="+orgB.ID, tokenA, nil)
		wantStatus(t, res, http.StatusOK)
		if res.JSON["total"] != float64(0) || len(res.JSON["items"].([]any)) != 0 {
			t.Fatalf("another organisation's users leaked: %s", res.Body)
		}
		res = a.do("GET", "/api/v1/organizations", tokenA, nil)
		wantStatus(t, res, http.StatusOK)
		if res.JSON["total"] != float64(1) || res.JSON["items"].([]any)[0].(map[string]any)["id"] != orgA.ID {
			t.Fatalf("organisation list of a buyer = %s", res.Body)
		}
	})
}

// TestAdminCannotLockThemselvesOut: the last safeguard against an instance without admins.
func TestAdminCannotLockThemselvesOut(t *testing.T) {
	a := newTestAPI(t)
	u, token := a.user(a.org(auth.KindPlatform), auth.RoleAdmin)
	wantProblem(t, a.do("PATCH", "/api/v1/users/"+u.ID, token, map[string]any{"active": false}), 422, "cannot_demote_self")
	wantStatus(t, a.do("GET", "/api/v1/me", token, nil), http.StatusOK)
}
