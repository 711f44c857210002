package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/avrop/avrop/internal/derr"
)

// accessClaims are the claims of an access token: sub is the user, org their organisation,
// sid the session (refresh-token family) it belongs to, so that logout can end it.
type accessClaims struct {
	Sid     string   `json:"sid"`
	Org     string   `json:"org"`
	OrgKind OrgKind  `json:"org_kind"`
	Roles   []string `json:"roles"`
	jwt.RegisteredClaims
}

// issueAccessToken signs a short-lived HS256 access token for u in session sid.
func (s *Service) issueAccessToken(u User, kind OrgKind, sid string) (string, error) {
	now := s.now()
	claims := accessClaims{
		Sid:     sid,
		Org:     u.OrgID,
		OrgKind: kind,
		Roles:   u.Roles,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.cfg.Issuer,
			Subject:   u.ID,
			Audience:  jwt.ClaimStrings{s.cfg.Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-time.Second)),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.cfg.AccessTTL)),
			ID:        randomToken(12),
		},
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.cfg.JWTSecret)
	if err != nil {
		return "", fmt.Errorf("sign access token: %w", err)
	}
	return signed, nil
}

// clockSkew is how far the issuing and the verifying process's clocks may differ.
const clockSkew = time.Minute

// parseAccessToken verifies signature, algorithm (HS256 only, so "none" and RS/HS confusion
// are refused), issuer, audience, expiry and lifetime, and returns the caller and session id.
// A token must say when it was issued and live no longer than this server issues them
// (AccessTTL): a token signed with a leaked key, or by a misconfigured process, for ten years
// is refused.
func (s *Service) parseAccessToken(token string) (Caller, string, error) {
	if v, ok := s.tokens.get(token); ok && v.validAt(s.now(), s.cfg.AccessTTL) {
		return v.caller, v.sid, nil
	}
	var claims accessClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return s.cfg.JWTSecret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(s.cfg.Issuer),
		jwt.WithAudience(s.cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return Caller{}, "", &derr.Error{Kind: derr.Unauthenticated, Code: "token_expired", Message: "The access token has expired.", Err: err}
		}
		return Caller{}, "", &derr.Error{Kind: derr.Unauthenticated, Code: "invalid_token", Message: "The access token is not valid.", Err: err}
	}
	invalid := derr.New(derr.Unauthenticated, "invalid_token", "The access token is not valid.")
	if claims.IssuedAt == nil || claims.ExpiresAt.Sub(claims.IssuedAt.Time) > s.cfg.AccessTTL ||
		claims.ExpiresAt.After(s.now().Add(s.cfg.AccessTTL+clockSkew)) {
		return Caller{}, "", invalid
	}
	if !validUUID(claims.Subject) || !validUUID(claims.Org) || !validUUID(claims.Sid) {
		return Caller{}, "", invalid
	}
	roles := make([]Role, len(claims.Roles))
	for i, r := range claims.Roles {
		roles[i] = Role(r)
	}
	c := Caller{UserID: claims.Subject, OrgID: claims.Org, OrgKind: claims.OrgKind, Roles: roles}
	v := verifiedToken{caller: c, sid: claims.Sid, iat: claims.IssuedAt.Time, exp: claims.ExpiresAt.Time}
	if claims.NotBefore != nil {
		v.nbf = claims.NotBefore.Time
	}
	s.tokens.put(token, v)
	return c, claims.Sid, nil
}

// verifiedTokens remembers access tokens whose signature and claims were checked, by the
// token's exact bytes, so that the requests of one token's life skip checking it again
// (base64, JSON and HMAC: an eighth of the CPU of a cached search, profiled under load). Its
// times are checked again on every use; revocation and the user's state are checked by
// Authenticate as before. The map is emptied when it reaches maxVerifiedTokens.
type verifiedTokens struct {
	mu sync.Mutex
	m  map[string]verifiedToken
}

const maxVerifiedTokens = 4096

type verifiedToken struct {
	caller        Caller
	sid           string
	iat, nbf, exp time.Time
}

// validAt repeats parseAccessToken's time checks at now.
func (v verifiedToken) validAt(now time.Time, ttl time.Duration) bool {
	return now.Before(v.exp) && !now.Before(v.nbf) && !v.iat.After(now) && !v.exp.After(now.Add(ttl+clockSkew))
}

func (t *verifiedTokens) get(token string) (verifiedToken, bool) {
	t.mu.Lock()
	v, ok := t.m[token]
	t.mu.Unlock()
	return v, ok
}

func (t *verifiedTokens) put(token string, v verifiedToken) {
	t.mu.Lock()
	if t.m == nil || len(t.m) >= maxVerifiedTokens {
		t.m = make(map[string]verifiedToken)
	}
	t.m[token] = v
	t.mu.Unlock()
}

// randomToken returns n random bytes, URL-safe base64 encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is the stored form of an opaque refresh token.
func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
