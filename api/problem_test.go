package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
)

// TestErrorPathsAreProblems drives every kind of failure through the real handler and checks
// each answer is an RFC 9457 problem document with the right status and code.
func TestErrorPathsAreProblems(t *testing.T) {
	a := newTestAPI(t)
	_, adminToken := a.user(a.org(auth.KindPlatform), auth.RoleAdmin)
	_, orderer := a.user(a.org(auth.KindBuyer), auth.RoleOrderer)
	huge := `{"email":"` + strings.Repeat("a", maxJSONBody) + `","password":"x"}`
	tests := []struct {
		name, method, path, token string
		body                      any
		headers                   []string
		status                    int
		code                      string
	}{
		{"malformed json", "POST", "/api/v1/auth/login", "", `{"email":`, nil, 400, "malformed_json"},
		{"syntax error", "POST", "/api/v1/auth/login", "", `{"email" "x"}`, nil, 400, "malformed_json"},
		{"unknown field", "POST", "/api/v1/auth/login", "", `{"email":"a@b.se","password":"p","role":"admin"}`, nil, 400, "unknown_field"},
		{"wrong type", "POST", "/api/v1/auth/login", "", `{"email":["a"],"password":"p"}`, nil, 400, "malformed_json"},
		{"two objects", "POST", "/api/v1/auth/login", "", `{"email":"a@b.se","password":"p"}{"email":"c"}`, nil, 400, "malformed_json"},
		{"trailing garbage", "POST", "/api/v1/auth/login", "", `{"email":"a@b.se","password":"p"} x`, nil, 400, "malformed_json"},
		{"null body", "POST", "/api/v1/auth/login", "", `null`, nil, 400, "malformed_json"},
		{"array body", "POST", "/api/v1/auth/login", "", `[{"email":"a@b.se"}]`, nil, 400, "malformed_json"},
		{"empty body", "POST", "/api/v1/auth/login", "", ``, []string{"Content-Type", "application/json"}, 400, "malformed_json"},
		{"body too large", "POST", "/api/v1/auth/login", "", huge, nil, 413, "body_too_large"},
		{"wrong media type", "POST", "/api/v1/auth/login", "", `{}`, []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type"},
		{"no token", "GET", "/api/v1/me", "", nil, nil, 401, "unauthenticated"},
		{"bad token", "GET", "/api/v1/users", "x.y.z", nil, nil, 401, "invalid_token"},
		{"wrong role", "POST", "/api/v1/users", orderer, map[string]any{}, nil, 403, "forbidden"},
		{"unknown api route", "GET", "/api/v1/no-such-thing", "", nil, nil, 404, "not_found"},
		{"unknown route outside the api", "GET", "/no-such-page", "", nil, nil, 404, "not_found"},
		{"absent resource", "GET", "/api/v1/organizations/6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f", adminToken, nil, nil, 404, "not_found"},
		{"method not allowed", "DELETE", "/api/v1/me", orderer, nil, nil, 405, "method_not_allowed"},
		{"validation", "POST", "/api/v1/organizations", adminToken, map[string]any{"name": "", "org_number": "", "kind": ""}, nil, 422, "validation_failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := a.do(tt.method, tt.path, tt.token, tt.body, tt.headers...)
			wantProblem(t, res, tt.status, tt.code)
			if res.JSON["instance"] != tt.path {
				t.Errorf("instance = %v, want %s", res.JSON["instance"], tt.path)
			}
			if tt.status == 405 && !strings.Contains(res.Header.Get("Allow"), "GET") {
				t.Errorf("Allow = %q, want it to list GET", res.Header.Get("Allow"))
			}
		})
	}
	t.Run("validation lists every field", func(t *testing.T) {
		res := a.do("POST", "/api/v1/organizations", adminToken, map[string]any{"name": "", "org_number": "", "kind": ""})
		for _, f := range []string{"name", "org_number", "kind"} {
			if !hasFieldError(res, f) {
				t.Errorf("no field error for %s: %s", f, res.Body)
			}
		}
	})
}

// TestInternalErrorsHideDetails: a panic or an unexpected error answers a generic 500
// problem document; the details go to the log with the request id, never to the client.
func TestInternalErrorsHideDetails(t *testing.T) {
	a, logs := newLoggedTestAPI(t)
	engine, h := newEngineHandler(a.Deps)
	engine.GET("/api/v1/test/panic", func(*gin.Context) { panic("secret panic detail") })
	engine.GET("/api/v1/test/error", h.wrap(func(*gin.Context) error {
		return fmt.Errorf("query: %w", errors.New("secret driver detail"))
	}))
	a.handler = engine

	for _, path := range []string{"/api/v1/test/panic", "/api/v1/test/error"} {
		t.Run(path, func(t *testing.T) {
			res := a.do("GET", path, "", nil, "X-Request-ID", "internal-"+path[len(path)-5:])
			wantProblem(t, res, http.StatusInternalServerError, "internal")
			if strings.Contains(string(res.Body), "secret") {
				t.Fatalf("500 leaks details: %s", res.Body)
			}
			found := false
			for _, l := range logs.lines(t) {
				if l["level"] == "ERROR" && l["request_id"] == res.JSON["request_id"] && strings.Contains(fmt.Sprint(l), "secret") {
					found = true
				}
			}
			if !found {
				t.Fatalf("the error was not logged with request id %v", res.JSON["request_id"])
			}
		})
	}
	// The service is still alive after a panic.
	wantStatus(t, a.do("GET", "/healthz", "", nil), http.StatusOK)
}

// TestStatusByKind: every error kind maps to its status in the one table, and a kind the
// table does not know answers 500 rather than crash.
func TestStatusByKind(t *testing.T) {
	a := newTestAPI(t)
	engine, h := newEngineHandler(a.Deps)
	want := map[derr.Kind]int{
		derr.BadRequest: 400, derr.Invalid: 422, derr.NotFound: 404, derr.Conflict: 409, derr.Forbidden: 403,
		derr.Unauthenticated: 401, derr.RateLimited: 429, derr.Unavailable: 503, derr.TooLarge: 413,
		derr.UnsupportedMedia: 415, derr.Internal: 500, derr.Kind(99): 500,
	}
	for kind, status := range want {
		engine.GET(fmt.Sprintf("/api/v1/test/kind/%d", kind), h.wrap(func(*gin.Context) error {
			return &derr.Error{Kind: kind, Code: "some_code", Message: "m", RetryAfter: 1500 * time.Millisecond}
		}))
		t.Run(fmt.Sprint(status, "/", int(kind)), func(t *testing.T) {
			rec := httptest.NewRecorder()
			engine.ServeHTTP(rec, httptest.NewRequest("GET", fmt.Sprintf("/api/v1/test/kind/%d", kind), nil))
			res := rec.Result()
			if res.StatusCode != status || res.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("kind %d: status %d %s, want %d problem", kind, res.StatusCode, res.Header.Get("Content-Type"), status)
			}
			if status == 429 && res.Header.Get("Retry-After") != "2" {
				t.Fatalf("Retry-After = %q, want 2 (rounded up)", res.Header.Get("Retry-After"))
			}
		})
	}
}
