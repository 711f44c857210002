package api

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/avrop/avrop/auth"
)

// signToken signs claims with method and key, as an attacker or a broken client might.
func signToken(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAccessTokens presents tokens that must be refused, each with a 401 problem document,
// and a few that must be accepted.
func TestAccessTokens(t *testing.T) {
	a := newTestAPI(t)
	buyer := a.org(auth.KindBuyer)
	u, token := a.user(buyer, auth.RoleOrderer)
	cfg := testAuthConfig()
	now := time.Now()
	sid := sessionOf(t, token)
	claims := func(change func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": cfg.Issuer, "aud": cfg.Audience, "sub": u.ID, "org": buyer.ID, "org_kind": "buyer", "sid": sid,
			"roles": []string{"orderer"}, "iat": now.Unix(), "nbf": now.Add(-time.Second).Unix(), "exp": now.Add(10 * time.Minute).Unix()}
		if change != nil {
			change(c)
		}
		return c
	}
	secret := cfg.JWTSecret
	parts := strings.Split(token, ".")
	// A payload that claims the admin role, glued to the original signature.
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"avrop","aud":["avrop-api"],"sub":"` + u.ID +
		`","org":"` + buyer.ID + `","roles":["admin"],"exp":` + "9999999999" + `}`))

	accepted := []struct {
		name, header string
	}{
		{"issued by login", "Bearer " + token},
		{"signed here with the right claims", "Bearer " + signToken(t, jwt.SigningMethodHS256, secret, claims(nil))},
		{"lower-case scheme", "bearer " + token},
	}
	for _, tt := range accepted {
		t.Run("accepted/"+tt.name, func(t *testing.T) {
			res := a.do("GET", "/api/v1/me", "", nil, "Authorization", tt.header)
			wantStatus(t, res, http.StatusOK)
			if res.JSON["id"] != u.ID {
				t.Fatalf("me = %s", res.Body)
			}
		})
	}

	refused := []struct {
		name, header, code string
	}{
		{"no header", "", "unauthenticated"},
		{"basic scheme", "Basic dXNlcjpwYXNz", "unauthenticated"},
		{"bearer without token", "Bearer ", "unauthenticated"},
		{"garbage", "Bearer not.a.jwt", "invalid_token"},
		{"tampered payload", "Bearer " + parts[0] + "." + forged + "." + parts[2], "invalid_token"},
		{"tampered signature", "Bearer " + parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])), "invalid_token"},
		{"wrongly signed", "Bearer " + signToken(t, jwt.SigningMethodHS256, []byte("another-secret-0123456789abcdef012345"), claims(nil)), "invalid_token"},
		{"alg none", "Bearer " + signToken(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil)), "invalid_token"},
		{"other HMAC algorithm", "Bearer " + signToken(t, jwt.SigningMethodHS512, secret, claims(nil)), "invalid_token"},
		{"wrong audience", "Bearer " + signToken(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["aud"] = "someone-else" })), "invalid_token"},
		{"no audience", "Bearer " + signToken(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { delete(c, "aud") })), "invalid_token"},
		{"wrong issuer", "Bearer " + signToken(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["iss"] = "evil" })), "invalid_token"},
		{"no issuer", "Bearer " + signToken(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { delete(c, "iss") })), "invalid_token"},
		{"missing exp", "Bearer " + signToken(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { delete(c, "exp") })), "invalid_token"},
		{"expired", "Bearer " + signToken(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() })), "token_expired"},
		{"not yet valid", "Bearer " + signToken(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() })), "invalid_token"},
		{"subject not a uuid", "Bearer " + signToken(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["sub"] = "admin" })), "invalid_token"},
		{"unknown user", "Bearer " + signToken(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["sub"] = "6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f" })), "user_inactive"},
		{"other organisation", "Bearer " + signToken(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["org"] = "6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f" })), "invalid_token"},
		// The server issues tokens for 15 minutes: a longer-lived one was not made here.
		{"ten-year lifetime", "Bearer " + signToken(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["exp"] = now.AddDate(10, 0, 0).Unix() })), "invalid_token"},
		{"lifetime of an hour, issued an hour ago", "Bearer " + signToken(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) {
			c["iat"], c["exp"] = now.Add(-time.Hour).Unix(), now.Add(time.Minute).Unix()
		})), "invalid_token"},
		{"no issued-at", "Bearer " + signToken(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { delete(c, "iat") })), "invalid_token"},
		{"no session id", "Bearer " + signToken(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { delete(c, "sid") })), "invalid_token"},
		{"session id of no session", "Bearer " + signToken(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["sid"] = "6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f" })), "session_ended"},
	}
	for _, tt := range refused {
		t.Run("refused/"+tt.name, func(t *testing.T) {
			var res response
			if tt.header == "" {
				res = a.do("GET", "/api/v1/me", "", nil)
			} else {
				res = a.do("GET", "/api/v1/me", "", nil, "Authorization", tt.header)
			}
			wantProblem(t, res, http.StatusUnauthorized, tt.code)
			if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("WWW-Authenticate = %q, want a Bearer challenge", res.Header.Get("WWW-Authenticate"))
			}
		})
	}

	// The token's roles do not decide what the caller may do: a token claiming admin for an
	// orderer, correctly signed, still gets no admin endpoint (roles come from the database).
	t.Run("roles come from the database", func(t *testing.T) {
		tok := signToken(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["roles"] = []string{"admin"} }))
		res := a.do("POST", "/api/v1/organizations", tok, map[string]any{"name": "X", "org_number": "1", "kind": "buyer"})
		wantProblem(t, res, http.StatusForbidden, "forbidden")
	})

	t.Run("expired by the clock", func(t *testing.T) {
		a.Auth.SetClock(func() time.Time { return time.Now().Add(16 * time.Minute) })
		defer a.Auth.SetClock(func() time.Time { return time.Now().UTC() })
		res := a.do("GET", "/api/v1/me", token, nil)
		wantProblem(t, res, http.StatusUnauthorized, "token_expired")
	})
}

// sessionOf reads the session id (claim sid) of an access token this server issued.
func sessionOf(t *testing.T, token string) string {
	t.Helper()
	var claims jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &claims); err != nil {
		t.Fatal(err)
	}
	sid, _ := claims["sid"].(string)
	if sid == "" {
		t.Fatalf("token has no sid: %v", claims)
	}
	return sid
}
