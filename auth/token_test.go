package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/avrop/avrop/internal/derr"
)

// FuzzParseAccessToken: whatever a client sends as a bearer token, parsing never panics and
// refuses it as Unauthenticated unless this service signed it.
func FuzzParseAccessToken(f *testing.F) {
	s := NewService(nil, nil, DefaultConfig([]byte("fuzz-secret-0123456789abcdef0123456789")))
	u := User{ID: "6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f", OrgID: "7f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f", Roles: []string{"orderer"}}
	valid, err := s.issueAccessToken(u, KindBuyer, "8f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f")
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(valid, ".")
	for _, seed := range []string{valid, "", ".", "..", "a.b.c", parts[0] + "." + parts[1] + ".", parts[0] + ".." + parts[2],
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", valid + "x", strings.ToUpper(valid), strings.Repeat("A", 5000)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, _, err := s.parseAccessToken(token)
		if err != nil {
			if !derr.Is(err, derr.Unauthenticated) {
				t.Fatalf("parse(%q) = %v, want Unauthenticated", token, err)
			}
			return
		}
		// Only this service's signature makes a token valid, so an accepted token can only carry
		// the claims it signed (each fuzz worker signs its own seed, hence no byte comparison).
		if c.UserID != u.ID || c.OrgID != u.OrgID || c.OrgKind != KindBuyer {
			t.Fatalf("parse accepted %q as %+v", token, c)
		}
	})
}

func TestAccessTokenClaims(t *testing.T) {
	s := NewService(nil, nil, DefaultConfig([]byte("claims-secret-0123456789abcdef012345")))
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	u := User{ID: "6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f", OrgID: "7f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f", Roles: []string{"manager", "orderer"}}
	sid := "8f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f"
	tok, err := s.issueAccessToken(u, KindProcurementBody, sid)
	if err != nil {
		t.Fatal(err)
	}
	c, gotSid, err := s.parseAccessToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.UserID != u.ID || c.OrgID != u.OrgID || c.OrgKind != KindProcurementBody || !c.Has(RoleManager) || !c.Has(RoleOrderer) || gotSid != sid {
		t.Fatalf("caller = %+v", c)
	}
	tests := []struct {
		name string
		at   time.Time
		code string
	}{
		{"just before expiry", now.Add(15*time.Minute - time.Second), ""},
		{"at expiry", now.Add(15 * time.Minute), "token_expired"},
		{"long after", now.Add(24 * time.Hour), "token_expired"},
		{"issued in the future", now.Add(-time.Hour), "invalid_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.SetClock(func() time.Time { return tt.at })
			_, _, err := s.parseAccessToken(tok)
			if derr.CodeOf(err) != tt.code {
				t.Fatalf("err = %v, want code %q", err, tt.code)
			}
		})
	}
}

// TestVerifiedTokenCacheKeepsTheChecks: a token verified once is remembered, yet refused like
// any other once it expires, and a token differing from it in one byte is checked in full.
func TestVerifiedTokenCacheKeepsTheChecks(t *testing.T) {
	s := NewService(nil, nil, DefaultConfig([]byte("cache-secret-0123456789abcdef0123456")))
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	u := User{ID: "6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f", OrgID: "7f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f", Roles: []string{"orderer"}}
	tok, err := s.issueAccessToken(u, KindBuyer, "8f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if c, _, err := s.parseAccessToken(tok); err != nil || c.UserID != u.ID {
			t.Fatalf("parse = %+v, %v", c, err)
		}
	}
	if _, ok := s.tokens.get(tok); !ok {
		t.Fatal("a verified token is not remembered")
	}
	flip := byte('A')
	if tok[len(tok)-5] == 'A' {
		flip = 'B'
	}
	forged := tok[:len(tok)-5] + string(flip) + tok[len(tok)-4:]
	if _, _, err := s.parseAccessToken(forged); derr.CodeOf(err) != "invalid_token" {
		t.Fatalf("a token with another signature: err = %v, want invalid_token", err)
	}
	s.SetClock(func() time.Time { return now.Add(15 * time.Minute) })
	if _, _, err := s.parseAccessToken(tok); derr.CodeOf(err) != "token_expired" {
		t.Fatalf("the remembered token at expiry: err = %v, want token_expired", err)
	}
}
