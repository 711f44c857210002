package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
)

// publicRoutes are the only API routes a client may call without an access token.
var publicRoutes = map[string]bool{
	"POST /api/v1/auth/login":   true,
	"POST /api/v1/auth/refresh": true,
	"POST /api/v1/auth/logout":  true,
}

// TestEveryAPIRouteRequiresAuth calls every /api/v1 route of the engine without a token, and
// with a token that is not valid: each answers a 401 problem document before its handler
// runs, whoever added it.
func TestEveryAPIRouteRequiresAuth(t *testing.T) {
	a := newTestAPI(t)
	engine := newEngine(a.Deps)
	n := 0
	for _, r := range engine.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || publicRoutes[r.Method+" "+r.Path] {
			continue
		}
		n++
		path := ginParam.ReplaceAllString(r.Path, "6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f")
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			wantProblem(t, a.do(r.Method, path, "", nil), http.StatusUnauthorized, "unauthenticated")
			wantProblem(t, a.do(r.Method, path, "not-a-token", nil), http.StatusUnauthorized, "invalid_token")
		})
	}
	if n == 0 {
		t.Fatal("no authenticated routes found")
	}
}

// TestEveryWriteRefusesUnknownFields sends a body with an unknown field to every write route
// of the API, as each role: none may accept it or fail with a 500; each answers a 4xx problem
// document (400 unknown_field where the body is read, or 403/404/415 before that).
func TestEveryWriteRefusesUnknownFields(t *testing.T) {
	a := newTestAPI(t)
	tokens := map[string]string{}
	for _, c := range []struct {
		kind auth.OrgKind
		role auth.Role
	}{{auth.KindPlatform, auth.RoleAdmin}, {auth.KindBuyer, auth.RoleOrderer}, {auth.KindBuyer, auth.RoleApprover},
		{auth.KindSupplier, auth.RoleSupplier}, {auth.KindProcurementBody, auth.RoleManager}} {
		_, tokens[string(c.role)] = a.user(a.org(c.kind), c.role)
	}
	engine := newEngine(a.Deps)
	for _, r := range engine.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || (r.Method != "POST" && r.Method != "PUT" && r.Method != "PATCH") {
			continue
		}
		path := ginParam.ReplaceAllString(r.Path, "6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f")
		for role, token := range tokens {
			t.Run(r.Method+" "+r.Path+" as "+role, func(t *testing.T) {
				res := a.do(r.Method, path, token, `{"zzz_unknown_field": 1}`, "Idempotency-Key", "k-"+testenv.Unique())
				if res.Status < 400 || res.Status >= 500 {
					t.Fatalf("status %d, want a 4xx: %s", res.Status, res.Body)
				}
				wantProblem(t, res, res.Status, "")
			})
		}
	}
}
