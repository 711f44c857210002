package auth

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
)

func adminOf(u User) Caller {
	return Caller{UserID: u.ID, OrgID: u.OrgID, OrgKind: KindPlatform, Roles: []Role{RoleAdmin}}
}

// TestPasswordReset: an administrator's one-time link sets a new password once, ends the
// user's sessions, is stored only as a hash, stops working when it expires or a newer link is
// made, and is refused to anyone but an administrator.
func TestPasswordReset(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, admin := fixture(t, s, KindPlatform, RoleAdmin)
	_, anna := fixture(t, s, KindBuyer, RoleOrderer)
	const newPassword = "a brand new password 2026"

	t.Run("only administrators", func(t *testing.T) {
		_, approver := fixture(t, s, KindBuyer, RoleApprover)
		_, err := s.StartPasswordReset(ctx, Caller{UserID: approver.ID, OrgID: approver.OrgID, OrgKind: KindBuyer, Roles: []Role{RoleApprover}}, anna.ID)
		if !derr.Is(err, derr.Forbidden) {
			t.Fatalf("an approver starts a reset: %v, want Forbidden", err)
		}
		if _, err := s.StartPasswordReset(ctx, adminOf(admin), "6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f"); !derr.Is(err, derr.NotFound) {
			t.Fatalf("reset of an absent user: %v, want NotFound", err)
		}
	})

	t.Run("once, and the sessions end", func(t *testing.T) {
		sess, err := s.Login(ctx, anna.Email, testPassword, "192.0.2.1")
		testenv.Must(t, err)
		r, err := s.StartPasswordReset(ctx, adminOf(admin), anna.ID)
		testenv.Must(t, err)
		if r.User.ID != anna.ID || !r.ExpiresAt.After(time.Now().Add(23*time.Hour)) || len(r.Token) < 40 {
			t.Fatalf("reset = %+v", r)
		}
		var stored [][]byte
		testenv.Must(t, s.db.SelectContext(ctx, &stored, `SELECT token_hash FROM password_resets WHERE user_id = $1`, anna.ID))
		if len(stored) != 1 || bytes.Equal(stored[0], []byte(r.Token)) || bytes.Contains(stored[0], []byte(r.Token[:16])) {
			t.Fatalf("stored %d links; the token itself is stored: %v", len(stored), len(stored) == 1 && bytes.Equal(stored[0], []byte(r.Token)))
		}
		if u, err := s.PasswordResetUser(ctx, r.Token); err != nil || u.ID != anna.ID {
			t.Fatalf("link's user = %v, %v", u.ID, err)
		}
		if err := s.ResetPassword(ctx, r.Token, "short"); !derr.Is(err, derr.Invalid) || derr.CodeOf(err) != "validation_failed" {
			t.Fatalf("short password: %v", err)
		}
		testenv.Must(t, s.ResetPassword(ctx, r.Token, newPassword))
		if err := s.ResetPassword(ctx, r.Token, newPassword+"!"); derr.CodeOf(err) != "reset_link_invalid" {
			t.Fatalf("second use: %v, want reset_link_invalid", err)
		}
		if _, err := s.PasswordResetUser(ctx, r.Token); derr.CodeOf(err) != "reset_link_invalid" {
			t.Fatalf("used link still names its user: %v", err)
		}
		if _, err := s.Login(ctx, anna.Email, testPassword, "192.0.2.1"); err == nil {
			t.Fatal("the old password still works")
		}
		if _, err := s.Login(ctx, anna.Email, newPassword, "192.0.2.1"); err != nil {
			t.Fatalf("the new password: %v", err)
		}
		if _, err := s.Refresh(ctx, sess.RefreshToken); err == nil {
			t.Fatal("a session from before the reset still refreshes")
		}
	})

	t.Run("a newer link replaces the older", func(t *testing.T) {
		old, err := s.StartPasswordReset(ctx, adminOf(admin), anna.ID)
		testenv.Must(t, err)
		newer, err := s.StartPasswordReset(ctx, adminOf(admin), anna.ID)
		testenv.Must(t, err)
		if err := s.ResetPassword(ctx, old.Token, newPassword); derr.CodeOf(err) != "reset_link_invalid" {
			t.Fatalf("replaced link: %v", err)
		}
		testenv.Must(t, s.ResetPassword(ctx, newer.Token, newPassword))
	})

	t.Run("expires", func(t *testing.T) {
		r, err := s.StartPasswordReset(ctx, adminOf(admin), anna.ID)
		testenv.Must(t, err)
		s.SetClock(func() time.Time { return time.Now().UTC().Add(PasswordResetTTL + time.Minute) })
		defer s.SetClock(func() time.Time { return time.Now().UTC() })
		if err := s.ResetPassword(ctx, r.Token, newPassword); derr.CodeOf(err) != "reset_link_invalid" {
			t.Fatalf("expired link: %v", err)
		}
	})

	t.Run("unknown links", func(t *testing.T) {
		for _, tok := range []string{"", "nope", string(make([]byte, 500))} {
			if err := s.ResetPassword(ctx, tok, newPassword); derr.CodeOf(err) != "reset_link_invalid" {
				t.Errorf("token %.10q: %v", tok, err)
			}
		}
	})

	t.Run("many uses at once: exactly one wins", func(t *testing.T) {
		r, err := s.StartPasswordReset(ctx, adminOf(admin), anna.ID)
		testenv.Must(t, err)
		var wins, refused atomic.Int32
		var wg sync.WaitGroup
		for range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				switch err := s.ResetPassword(ctx, r.Token, newPassword); {
				case err == nil:
					wins.Add(1)
				case derr.CodeOf(err) == "reset_link_invalid":
					refused.Add(1)
				default:
					t.Errorf("concurrent use: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 || refused.Load() != 11 {
			t.Fatalf("wins %d, refused %d; want 1 and 11", wins.Load(), refused.Load())
		}
	})
}

// TestDuplicatesNameTheirField: a taken organisation number or email answers Conflict
// "duplicate" with a field error naming the field and the rule, so that a form says it beside
// the field.
func TestDuplicatesNameTheirField(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	org, u := fixture(t, s, KindBuyer, RoleOrderer)
	_, err := s.CreateOrganization(ctx, platformAdmin, OrganizationInput{Name: "Copy", OrgNumber: org.OrgNumber, Kind: KindBuyer})
	wantDuplicate(t, err, "org_number", "org_number_taken")
	_, err = s.CreateUser(ctx, platformAdmin, UserInput{Email: " " + u.Email + " ", Name: "Copy", Password: testPassword, OrgID: org.ID, Roles: []Role{RoleOrderer}})
	wantDuplicate(t, err, "email", "email_taken")
}

func wantDuplicate(t *testing.T, err error, field, code string) {
	t.Helper()
	var de *derr.Error
	if !errors.As(err, &de) || de.Kind != derr.Conflict || de.Code != "duplicate" {
		t.Fatalf("duplicate %s: %v, want Conflict duplicate", field, err)
	}
	if len(de.Fields) != 1 || de.Fields[0].Field != field || de.Fields[0].Code != code {
		t.Fatalf("duplicate %s: fields %+v", field, de.Fields)
	}
}

// TestUserLanguage: an administrator gives a user a UI language; only the UI's languages are
// taken, and the session carries it.
func TestUserLanguage(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	_, admin := fixture(t, s, KindPlatform, RoleAdmin)
	_, u := fixture(t, s, KindBuyer, RoleOrderer)
	for _, bad := range []string{"de", "SV", "sv-SE"} {
		if _, err := s.UpdateUser(ctx, adminOf(admin), u.ID, UserPatch{Language: &bad}); !derr.Is(err, derr.Invalid) {
			t.Errorf("language %q: %v, want Invalid", bad, err)
		}
	}
	nb := "nb"
	got, err := s.UpdateUser(ctx, adminOf(admin), u.ID, UserPatch{Language: &nb})
	testenv.Must(t, err)
	if got.Language != "nb" {
		t.Fatalf("language = %q", got.Language)
	}
	sess, err := s.Login(ctx, u.Email, testPassword, "192.0.2.9")
	testenv.Must(t, err)
	if sess.User.Language != "nb" {
		t.Fatalf("session language = %q", sess.User.Language)
	}
}
