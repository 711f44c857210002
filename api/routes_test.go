package api

import (
	"net/http"
	"strings"
	"testing"
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
