package auth

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

const testPassword = "correct horse battery staple"

var platformAdmin = Caller{UserID: "00000000-0000-0000-0000-000000000000", OrgKind: KindPlatform, Roles: []Role{RoleAdmin}}

func testConfig() Config {
	cfg := DefaultConfig([]byte("auth-test-secret-0123456789abcdef0123"))
	cfg.RedisPrefix = testenv.RedisPrefix()
	return cfg
}

func newTestService(t *testing.T) *Service {
	t.Helper()
	return NewService(testenv.DB(t), testenv.Redis(t), testConfig())
}

// fixture creates an organisation of kind and a user in it with roles.
func fixture(t *testing.T, s *Service, kind OrgKind, roles ...Role) (Organization, User) {
	t.Helper()
	ctx := context.Background()
	u := testenv.Unique()
	org, err := s.CreateOrganization(ctx, platformAdmin, OrganizationInput{Name: "Org " + u, OrgNumber: testenv.OrgNumber(), Kind: kind})
	testenv.Must(t, err)
	user, err := s.CreateUser(ctx, platformAdmin, UserInput{Email: "u" + u + "@example.se", Name: "User " + u,
		Password: testPassword, OrgID: org.ID, Roles: roles})
	testenv.Must(t, err)
	return org, user
}

func TestPassword(t *testing.T) {
	hash, err := HashPassword(testPassword)
	testenv.Must(t, err)
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash = %q, want argon2id with the OWASP parameters", hash)
	}
	other, err := HashPassword(testPassword)
	testenv.Must(t, err)
	if other == hash {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	tests := []struct {
		name     string
		encoded  string
		password string
		want     bool
		wantErr  bool
	}{
		{"right", hash, testPassword, true, false},
		{"wrong", hash, testPassword + "!", false, false},
		{"empty", hash, "", false, false},
		{"bcrypt hash", "$2a$10$abcdefghijklmnopqrstuv", testPassword, false, true},
		{"garbage", "not a hash", testPassword, false, true},
		{"bad salt", "$argon2id$v=19$m=19456,t=2,p=1$!!!$AAAA", testPassword, false, true},
		{"bad params", "$argon2id$v=19$m=x,t=2,p=1$AAAA$AAAA", testPassword, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckPassword(tt.encoded, tt.password)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRoleFits(t *testing.T) {
	tests := []struct {
		kind OrgKind
		role Role
		want bool
	}{
		{KindBuyer, RoleOrderer, true},
		{KindBuyer, RoleApprover, true},
		{KindBuyer, RoleSupplier, false},
		{KindBuyer, RoleManager, false},
		{KindBuyer, RoleAdmin, false},
		{KindSupplier, RoleSupplier, true},
		{KindSupplier, RoleOrderer, false},
		{KindProcurementBody, RoleManager, true},
		{KindProcurementBody, RoleOrderer, true},
		{KindProcurementBody, RoleApprover, true},
		{KindProcurementBody, RoleSupplier, false},
		{KindPlatform, RoleAdmin, true},
		{KindPlatform, RoleManager, false},
		{"unknown", RoleOrderer, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+string(tt.role), func(t *testing.T) {
			if got := RoleFits(tt.kind, tt.role); got != tt.want {
				t.Fatalf("RoleFits = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPageNormalize(t *testing.T) {
	tests := []struct {
		name       string
		in, want   Page
		wantOffset int
	}{
		{"zero", Page{}, Page{1, 20}, 0},
		{"negative", Page{-3, -1}, Page{1, 20}, 0},
		{"capped size", Page{2, 1000}, Page{2, 100}, 100},
		{"capped page", Page{1 << 62, 100}, Page{MaxPage, 100}, (MaxPage - 1) * 100},
		{"ordinary", Page{3, 10}, Page{3, 10}, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in.Normalize()
			if got != tt.want || got.Offset() != tt.wantOffset {
				t.Fatalf("Normalize(%v) = %v offset %d, want %v offset %d", tt.in, got, got.Offset(), tt.want, tt.wantOffset)
			}
		})
	}
}

func TestValidUUID(t *testing.T) {
	tests := map[string]bool{
		"6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f":          true,
		"6F1C1C3E-3B4A-4C55-9F0E-0A1B2C3D4E5F":          true,
		"6f1c1c3e3b4a4c559f0e0a1b2c3d4e5f":              false,
		"{6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f}":        false,
		"urn:uuid:6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f": false,
		"":           false,
		"not-a-uuid": false,
		"'; DROP --": false,
	}
	for in, want := range tests {
		if got := ValidUUID(in); got != want {
			t.Errorf("ValidUUID(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestRefreshConcurrent presents one refresh token from many goroutines at once: exactly one
// rotation succeeds, and since the others are reuses, the family ends up revoked, so even
// the winner's new token is refused.
// TestRefreshInACrowd: SPEC §10's "refresh in a crowd". One browser's requests carrying the
// same refresh token reach two processes (two services on one database) at once: every one of
// them gets a working session, and nobody is signed out. Presented again after the grace, the
// token is reuse and ends the session.
func TestRefreshInACrowd(t *testing.T) {
	db, rdb := testenv.DB(t), testenv.Redis(t)
	cfg := testConfig()
	cfg.RefreshGrace = 2 * time.Second
	replicas := []*Service{NewService(db, rdb, cfg), NewService(db, rdb, cfg)}
	_, u := fixture(t, replicas[0], KindBuyer, RoleOrderer)
	ctx := context.Background()
	sess, err := replicas[0].Login(ctx, u.Email, testPassword, "198.51.100.7")
	testenv.Must(t, err)

	const n = 16
	var wg sync.WaitGroup
	got := make(chan Session, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			next, err := replicas[i%2].Refresh(ctx, sess.RefreshToken)
			if err != nil {
				t.Errorf("refresh %d on replica %d: %v, want a session (within the grace)", i, i%2, err)
				return
			}
			got <- next
		})
	}
	close(start)
	wg.Wait()
	close(got)
	var sessions []Session
	for s := range got {
		sessions = append(sessions, s)
	}
	if len(sessions) != n {
		t.Fatalf("successful refreshes = %d, want %d", len(sessions), n)
	}
	for i, s := range sessions {
		if _, err := replicas[(i+1)%2].Authenticate(ctx, s.AccessToken); err != nil {
			t.Fatalf("access token of refresh %d: %v", i, err)
		}
	}
	// The browser keeps the last cookie it was given and goes on refreshing with it.
	kept, err := replicas[1].Refresh(ctx, sessions[n-1].RefreshToken)
	testenv.Must(t, err)

	t.Run("reuse after the grace ends the session", func(t *testing.T) {
		time.Sleep(cfg.RefreshGrace + 500*time.Millisecond)
		if _, err := replicas[0].Refresh(ctx, sess.RefreshToken); derr.CodeOf(err) != "invalid_refresh_token" {
			t.Fatalf("replayed token after the grace: %v, want invalid_refresh_token", err)
		}
		if _, err := replicas[1].Refresh(ctx, kept.RefreshToken); derr.CodeOf(err) != "invalid_refresh_token" {
			t.Fatalf("the session's newest token after reuse: %v, want invalid_refresh_token (family revoked)", err)
		}
		for i, r := range replicas {
			if _, err := r.Authenticate(ctx, kept.AccessToken); derr.CodeOf(err) != "session_ended" {
				t.Fatalf("replica %d: access token of the revoked session: %v, want session_ended", i, err)
			}
		}
	})
}

// TestRefreshAfterLogoutInGrace: the grace never reopens a session that was logged out.
func TestRefreshAfterLogoutInGrace(t *testing.T) {
	s := newTestService(t)
	_, u := fixture(t, s, KindBuyer, RoleOrderer)
	ctx := context.Background()
	sess, err := s.Login(ctx, u.Email, testPassword, "198.51.100.7")
	testenv.Must(t, err)
	next, err := s.Refresh(ctx, sess.RefreshToken)
	testenv.Must(t, err)
	testenv.Must(t, s.Logout(ctx, next.RefreshToken))
	if _, err := s.Refresh(ctx, sess.RefreshToken); derr.CodeOf(err) != "invalid_refresh_token" {
		t.Fatalf("spent token within the grace after logout: %v, want invalid_refresh_token", err)
	}
}

// TestLogoutEndsAccessTokens: logging out ends the session's access tokens at once in the
// process that logged out, within a second in another process sharing Redis, and within
// seconds in a process that cannot reach Redis (PostgreSQL decides) — while the user's other
// sessions go on.
func TestLogoutEndsAccessTokens(t *testing.T) {
	db, rdb := testenv.DB(t), testenv.Redis(t)
	cfg := testConfig()
	a, b := NewService(db, rdb, cfg), NewService(db, rdb, cfg)
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { down.Close() })
	c := NewService(db, down, cfg)
	_, u := fixture(t, a, KindBuyer, RoleOrderer)
	ctx := context.Background()
	sess, err := a.Login(ctx, u.Email, testPassword, "198.51.100.9")
	testenv.Must(t, err)
	other, err := a.Login(ctx, u.Email, testPassword, "198.51.100.9")
	testenv.Must(t, err)
	for _, s := range []*Service{a, b, c} {
		_, err := s.Authenticate(ctx, sess.AccessToken)
		testenv.Must(t, err) // every process now caches the session as live
	}
	testenv.Must(t, a.Logout(ctx, sess.RefreshToken))
	if _, err := a.Authenticate(ctx, sess.AccessToken); derr.CodeOf(err) != "session_ended" {
		t.Fatalf("same process right after logout: %v, want session_ended", err)
	}
	ended := func(s *Service, within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for time.Since(start) < within {
			if _, err := s.Authenticate(ctx, sess.AccessToken); derr.CodeOf(err) == "session_ended" {
				return time.Since(start)
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("access token still accepted %v after logout", within)
		return 0
	}
	ended(b, revocationRecheck+500*time.Millisecond)
	ended(c, revocationDBRecheck+time.Second)
	for _, s := range []*Service{a, b, c} {
		if _, err := s.Authenticate(ctx, other.AccessToken); err != nil {
			t.Fatalf("the user's other session: %v", err)
		}
	}
}

// TestLoginRedisDown points the limiter at a port where nothing listens: logins are not
// limited (fail open) and the right password still signs in.
func TestLoginRedisDown(t *testing.T) {
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { down.Close() })
	cfg := testConfig()
	cfg.AccountLimit = redis_rate.Limit{Rate: 1, Burst: 1, Period: time.Hour}
	s := NewService(testenv.DB(t), down, cfg)
	_, u := fixture(t, s, KindBuyer, RoleOrderer)
	ctx := context.Background()
	for i := range 5 {
		if _, err := s.Login(ctx, u.Email, "wrong password!", "198.51.100.8"); derr.CodeOf(err) != "invalid_credentials" {
			t.Fatalf("attempt %d: %v, want invalid_credentials (never rate limited without Redis)", i, err)
		}
	}
	if _, err := s.Login(ctx, u.Email, testPassword, "198.51.100.8"); err != nil {
		t.Fatalf("login with Redis down: %v", err)
	}
}

// TestAuthenticateFollowsUser checks that a token's caller carries the user's current roles
// and that deactivation in this process takes effect at once, despite the active cache.
func TestAuthenticateFollowsUser(t *testing.T) {
	s := newTestService(t)
	_, u := fixture(t, s, KindProcurementBody, RoleOrderer)
	ctx := context.Background()
	sess, err := s.Login(ctx, u.Email, testPassword, "198.51.100.9")
	testenv.Must(t, err)
	c, err := s.Authenticate(ctx, sess.AccessToken)
	testenv.Must(t, err)
	if c.UserID != u.ID || c.OrgID != u.OrgID || c.OrgKind != KindProcurementBody || !c.Has(RoleOrderer) || c.Has(RoleManager) {
		t.Fatalf("caller = %+v", c)
	}
	roles := []Role{RoleManager}
	_, err = s.UpdateUser(ctx, platformAdmin, u.ID, UserPatch{Roles: &roles})
	testenv.Must(t, err)
	c, err = s.Authenticate(ctx, sess.AccessToken)
	testenv.Must(t, err)
	if !c.Has(RoleManager) || c.Has(RoleOrderer) {
		t.Fatalf("caller roles after change = %v, want [manager]", c.Roles)
	}
	inactive := false
	_, err = s.UpdateUser(ctx, platformAdmin, u.ID, UserPatch{Active: &inactive})
	testenv.Must(t, err)
	if _, err := s.Authenticate(ctx, sess.AccessToken); derr.CodeOf(err) != "user_inactive" {
		t.Fatalf("authenticate after deactivation: %v, want user_inactive", err)
	}
}

func TestUpdateUserSelfLockout(t *testing.T) {
	s := newTestService(t)
	_, u := fixture(t, s, KindPlatform, RoleAdmin)
	self := Caller{UserID: u.ID, OrgID: u.OrgID, OrgKind: KindPlatform, Roles: []Role{RoleAdmin}}
	inactive := false
	if _, err := s.UpdateUser(context.Background(), self, u.ID, UserPatch{Active: &inactive}); derr.CodeOf(err) != "cannot_demote_self" {
		t.Fatalf("self-deactivation: %v, want cannot_demote_self", err)
	}
}

// TestEnsureBootstrapAdmin starts several instances at once on an empty database: exactly one
// creates the admin, and later starts create nothing.
func TestEnsureBootstrapAdmin(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, testenv.NewDatabase(t))
	testenv.Must(t, err)
	defer db.Close()
	testenv.Must(t, postgres.Migrate(ctx, db.DB))
	s := NewService(db, nil, testConfig())

	created, err := s.EnsureBootstrapAdmin(ctx, "", "")
	if err != nil || created {
		t.Fatalf("without variables: created=%v err=%v, want nothing", created, err)
	}
	if _, err := s.EnsureBootstrapAdmin(ctx, "admin@example.se", "short"); derr.CodeOf(err) != "validation_failed" {
		t.Fatalf("short password: %v, want validation_failed", err)
	}
	const n = 6
	var wg sync.WaitGroup
	var count atomic.Int32
	for range n {
		wg.Go(func() {
			c, err := s.EnsureBootstrapAdmin(ctx, "Admin@Example.se", testPassword)
			if err != nil {
				t.Errorf("bootstrap: %v", err)
			}
			if c {
				count.Add(1)
			}
		})
	}
	wg.Wait()
	if got := count.Load(); got != 1 {
		t.Fatalf("admins created = %d, want 1", got)
	}
	sess, err := s.Login(ctx, "admin@example.se", testPassword, "198.51.100.10")
	testenv.Must(t, err)
	if sess.User.OrgKind != KindPlatform || len(sess.User.Roles) != 1 || sess.User.Roles[0] != "admin" {
		t.Fatalf("bootstrap admin = %+v", sess.User)
	}
	if c, err := s.EnsureBootstrapAdmin(ctx, "other@example.se", testPassword); err != nil || c {
		t.Fatalf("second start: created=%v err=%v, want nothing", c, err)
	}
}

func TestLogoutUnknownToken(t *testing.T) {
	s := newTestService(t)
	if err := s.Logout(context.Background(), "never-issued"); err != nil {
		t.Fatalf("logout with unknown token: %v", err)
	}
}

func TestRefreshExpired(t *testing.T) {
	s := newTestService(t)
	_, u := fixture(t, s, KindSupplier, RoleSupplier)
	ctx := context.Background()
	sess, err := s.Login(ctx, u.Email, testPassword, "198.51.100.11")
	testenv.Must(t, err)
	later := time.Now().Add(31 * 24 * time.Hour)
	s.SetClock(func() time.Time { return later })
	_, err = s.Refresh(ctx, sess.RefreshToken)
	var e *derr.Error
	if !errors.As(err, &e) || e.Code != "invalid_refresh_token" {
		t.Fatalf("refresh after 31 days: %v, want invalid_refresh_token", err)
	}
}

// TestLoginDropsExpiredRefreshTokens: a sign-in removes the user's expired refresh tokens and
// keeps the live ones (a used, unexpired token is needed to detect its reuse).
func TestLoginDropsExpiredRefreshTokens(t *testing.T) {
	s := newTestService(t)
	_, u := fixture(t, s, KindBuyer, RoleOrderer)
	ctx := context.Background()
	first, err := s.Login(ctx, u.Email, testPassword, "198.51.100.12")
	testenv.Must(t, err)
	_, err = s.Refresh(ctx, first.RefreshToken) // first is now used, not expired
	testenv.Must(t, err)
	_, err = s.db.ExecContext(ctx, `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at)
		VALUES (gen_random_uuid(), $1, $2, now() - interval '1 day')`, u.ID, hashToken("old-"+testenv.Unique()))
	testenv.Must(t, err)
	_, err = s.Login(ctx, u.Email, testPassword, "198.51.100.12")
	testenv.Must(t, err)
	var expired, live int
	testenv.Must(t, s.db.GetContext(ctx, &expired, `SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND expires_at < now()`, u.ID))
	testenv.Must(t, s.db.GetContext(ctx, &live, `SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND expires_at >= now()`, u.ID))
	if expired != 0 || live != 3 {
		t.Fatalf("expired = %d, live = %d; want 0 and 3 (used, rotated, new)", expired, live)
	}
}
