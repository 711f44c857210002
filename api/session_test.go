package api

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
)

func TestLogin(t *testing.T) {
	a := newTestAPI(t)
	buyer := a.org(auth.KindBuyer)
	u, _ := a.user(buyer, auth.RoleOrderer)

	t.Run("success", func(t *testing.T) {
		res := a.do("POST", "/api/v1/auth/login", "", map[string]any{"email": u.Email, "password": testPassword})
		wantStatus(t, res, http.StatusOK)
		if res.JSON["access_token"] == "" || res.JSON["refresh_token"] == "" || res.JSON["expires_in"] != float64(900) {
			t.Fatalf("session = %s", res.Body)
		}
		user := res.JSON["user"].(map[string]any)
		if user["org_id"] != buyer.ID || user["roles"].([]any)[0] != "orderer" {
			t.Fatalf("user = %v", user)
		}
		me := a.do("GET", "/api/v1/me", res.JSON["access_token"].(string), nil)
		wantStatus(t, me, http.StatusOK)
		if me.JSON["id"] != u.ID {
			t.Fatalf("me id = %v, want %s", me.JSON["id"], u.ID)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		res := a.do("POST", "/api/v1/auth/login", "", map[string]any{"email": u.Email, "password": "not the password"})
		wantProblem(t, res, http.StatusUnauthorized, "invalid_credentials")
	})
	t.Run("unknown email", func(t *testing.T) {
		res := a.do("POST", "/api/v1/auth/login", "", map[string]any{"email": "nobody@example.se", "password": testPassword})
		wantProblem(t, res, http.StatusUnauthorized, "invalid_credentials")
	})
	t.Run("unknown field", func(t *testing.T) {
		res := a.do("POST", "/api/v1/auth/login", "", map[string]any{"email": u.Email, "password": testPassword, "admin": true})
		wantProblem(t, res, http.StatusBadRequest, "unknown_field")
	})
}

// login signs in through the API and returns the session response.
func (a *testAPI) login(email, password string) response {
	a.t.Helper()
	return a.do("POST", "/api/v1/auth/login", "", map[string]any{"email": email, "password": password})
}

func str(t *testing.T, res response, field string) string {
	t.Helper()
	s, ok := res.JSON[field].(string)
	if !ok || s == "" {
		t.Fatalf("response lacks %s: %s", field, res.Body)
	}
	return s
}

func TestLoginRefused(t *testing.T) {
	a := newTestAPI(t)
	buyer := a.org(auth.KindBuyer)
	u, _ := a.user(buyer, auth.RoleOrderer)
	tests := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"wrong password", map[string]any{"email": u.Email, "password": "not the password"}, http.StatusUnauthorized, "invalid_credentials"},
		{"email in other case works only with the password", map[string]any{"email": strings.ToUpper(u.Email), "password": "nope nope nope"}, http.StatusUnauthorized, "invalid_credentials"},
		{"missing password", map[string]any{"email": u.Email}, http.StatusUnprocessableEntity, "validation_failed"},
		{"missing email", map[string]any{"password": testPassword}, http.StatusUnprocessableEntity, "validation_failed"},
		{"wrong type", map[string]any{"email": 42, "password": testPassword}, http.StatusBadRequest, "malformed_json"},
		{"not json", "email=a&password=b", http.StatusBadRequest, "malformed_json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := a.do("POST", "/api/v1/auth/login", "", tt.body)
			wantProblem(t, res, tt.status, tt.code)
		})
	}
	t.Run("email is case-insensitive", func(t *testing.T) {
		wantStatus(t, a.login("  "+strings.ToUpper(u.Email)+" ", testPassword), http.StatusOK)
	})
}

func TestRefreshRotation(t *testing.T) {
	cfg := testAuthConfig()
	cfg.RefreshGrace = 500 * time.Millisecond
	a := newTestAPIWith(t, cfg)
	buyer := a.org(auth.KindBuyer)
	u, _ := a.user(buyer, auth.RoleApprover)
	first := a.login(u.Email, testPassword)
	wantStatus(t, first, http.StatusOK)
	r1 := str(t, first, "refresh_token")

	second := a.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": r1})
	wantStatus(t, second, http.StatusOK)
	r2, access2 := str(t, second, "refresh_token"), str(t, second, "access_token")
	if r2 == r1 || access2 == str(t, first, "access_token") {
		t.Fatal("refresh did not issue a new pair")
	}
	if second.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", second.Header.Get("Cache-Control"))
	}
	wantStatus(t, a.do("GET", "/api/v1/me", access2, nil), http.StatusOK)

	t.Run("spent token refused and family revoked", func(t *testing.T) {
		time.Sleep(cfg.RefreshGrace + 200*time.Millisecond)
		res := a.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": r1})
		wantProblem(t, res, http.StatusUnauthorized, "invalid_refresh_token")
		// The reuse revoked the family: the newest token, never used, is refused too, and so is
		// the session's access token.
		res = a.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": r2})
		wantProblem(t, res, http.StatusUnauthorized, "invalid_refresh_token")
		wantProblem(t, a.do("GET", "/api/v1/me", access2, nil), http.StatusUnauthorized, "session_ended")
	})
	t.Run("other sessions survive", func(t *testing.T) {
		other := a.login(u.Email, testPassword)
		wantStatus(t, other, http.StatusOK)
		res := a.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": str(t, other, "refresh_token")})
		wantStatus(t, res, http.StatusOK)
	})
	t.Run("unknown token", func(t *testing.T) {
		res := a.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": "never-issued"})
		wantProblem(t, res, http.StatusUnauthorized, "invalid_refresh_token")
	})
	t.Run("missing token", func(t *testing.T) {
		res := a.do("POST", "/api/v1/auth/refresh", "", map[string]any{})
		wantProblem(t, res, http.StatusUnprocessableEntity, "validation_failed")
	})
}

// TestRefreshConcurrentHTTP sends one refresh token in many requests at once, as a page's
// parallel requests do: every one gets a working pair, and the session goes on.
func TestRefreshConcurrentHTTP(t *testing.T) {
	a := newTestAPI(t)
	u, _ := a.user(a.org(auth.KindSupplier), auth.RoleSupplier)
	r := str(t, a.login(u.Email, testPassword), "refresh_token")
	const n = 12
	got := make([]response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			got[i] = a.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": r})
		})
	}
	close(start)
	wg.Wait()
	for i, res := range got {
		wantStatus(t, res, http.StatusOK)
		wantStatus(t, a.do("GET", "/api/v1/me", str(t, res, "access_token"), nil), http.StatusOK)
		if i == n-1 {
			wantStatus(t, a.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": str(t, res, "refresh_token")}), http.StatusOK)
		}
	}
}

func TestLogout(t *testing.T) {
	a := newTestAPI(t)
	u, _ := a.user(a.org(auth.KindBuyer), auth.RoleOrderer)
	sess := a.login(u.Email, testPassword)
	r1 := str(t, sess, "refresh_token")
	r2 := str(t, a.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": r1}), "refresh_token")

	access := str(t, a.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": r2}), "access_token")
	wantStatus(t, a.do("GET", "/api/v1/me", access, nil), http.StatusOK)

	res := a.do("POST", "/api/v1/auth/logout", "", map[string]any{"refresh_token": r2})
	wantStatus(t, res, http.StatusNoContent)
	res = a.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": r2})
	wantProblem(t, res, http.StatusUnauthorized, "invalid_refresh_token")
	// The session's access token ends with it, not when it expires.
	wantProblem(t, a.do("GET", "/api/v1/me", access, nil), http.StatusUnauthorized, "session_ended")
	// Logging out twice, or with a token never issued, is harmless.
	wantStatus(t, a.do("POST", "/api/v1/auth/logout", "", map[string]any{"refresh_token": r2}), http.StatusNoContent)
	wantStatus(t, a.do("POST", "/api/v1/auth/logout", "", map[string]any{"refresh_token": "never-issued"}), http.StatusNoContent)
	wantProblem(t, a.do("POST", "/api/v1/auth/logout", "", map[string]any{"token": r2}), http.StatusBadRequest, "unknown_field")
}

// TestDeactivatedUser deactivates a signed-in user through the admin endpoint: they cannot
// sign in or refresh, and their unexpired access token is refused by the same handler at once
// (the in-process active cache is cleared by the deactivation).
func TestDeactivatedUser(t *testing.T) {
	a := newTestAPI(t)
	_, adminToken := a.user(a.org(auth.KindPlatform), auth.RoleAdmin)
	u, _ := a.user(a.org(auth.KindBuyer), auth.RoleOrderer)
	sess := a.login(u.Email, testPassword)
	access, refresh := str(t, sess, "access_token"), str(t, sess, "refresh_token")
	wantStatus(t, a.do("GET", "/api/v1/me", access, nil), http.StatusOK) // now cached as active

	res := a.do("PATCH", "/api/v1/users/"+u.ID, adminToken, map[string]any{"active": false})
	wantStatus(t, res, http.StatusOK)
	if res.JSON["active"] != false {
		t.Fatalf("user after deactivation = %s", res.Body)
	}

	wantProblem(t, a.do("GET", "/api/v1/me", access, nil), http.StatusUnauthorized, "user_inactive")
	wantProblem(t, a.login(u.Email, testPassword), http.StatusUnauthorized, "invalid_credentials")
	wantProblem(t, a.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": refresh}), http.StatusUnauthorized, "invalid_refresh_token")

	t.Run("reactivated", func(t *testing.T) {
		wantStatus(t, a.do("PATCH", "/api/v1/users/"+u.ID, adminToken, map[string]any{"active": true}), http.StatusOK)
		wantStatus(t, a.login(u.Email, testPassword), http.StatusOK)
		// Deactivation revoked the old refresh token for good.
		wantProblem(t, a.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": refresh}), http.StatusUnauthorized, "invalid_refresh_token")
	})
}

func TestPasswordChangeRevokesRefresh(t *testing.T) {
	a := newTestAPI(t)
	_, adminToken := a.user(a.org(auth.KindPlatform), auth.RoleAdmin)
	u, _ := a.user(a.org(auth.KindBuyer), auth.RoleOrderer)
	refresh := str(t, a.login(u.Email, testPassword), "refresh_token")
	const newPassword = "a much longer new password"
	wantStatus(t, a.do("PATCH", "/api/v1/users/"+u.ID, adminToken, map[string]any{"password": newPassword}), http.StatusOK)
	wantProblem(t, a.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": refresh}), http.StatusUnauthorized, "invalid_refresh_token")
	wantProblem(t, a.login(u.Email, testPassword), http.StatusUnauthorized, "invalid_credentials")
	wantStatus(t, a.login(u.Email, newPassword), http.StatusOK)
}
