package api

import (
	"net/http"
	"testing"

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
