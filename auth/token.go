package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
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
	return Caller{UserID: claims.Subject, OrgID: claims.Org, OrgKind: claims.OrgKind, Roles: roles}, claims.Sid, nil
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
