package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/text"
)

// Config holds the settings of sign-in.
type Config struct {
	JWTSecret  []byte
	Issuer     string        // "iss" of access tokens
	Audience   string        // "aud" of access tokens
	AccessTTL  time.Duration // lifetime of an access token (15 minutes)
	RefreshTTL time.Duration // lifetime of a refresh token family member
	// RefreshGrace is how long a just-spent refresh token is still honoured: a page's parallel
	// requests, or one browser's requests reaching two replicas, refresh with the same token at
	// once, and all of them must stay signed in. Beyond it, presenting the token again is
	// reuse and ends the session (RFC 9700).
	RefreshGrace time.Duration
	// Failed login attempts are limited three ways (see Login): PairLimit per account and
	// client address (the guesser at one address), AccountLimit per account from anywhere (a
	// softer limit that only slows a spread-out guesser down, so that the right password gets
	// in after a short pause) and AddressLimit per client address (one address trying many
	// accounts).
	PairLimit    redis_rate.Limit
	AccountLimit redis_rate.Limit
	AddressLimit redis_rate.Limit
	RedisPrefix  string // namespace of this service's Redis keys
}

// DefaultConfig returns production settings around secret.
func DefaultConfig(secret []byte) Config {
	return Config{
		JWTSecret:    secret,
		Issuer:       "avrop",
		Audience:     "avrop-api",
		AccessTTL:    15 * time.Minute,
		RefreshTTL:   30 * 24 * time.Hour,
		RefreshGrace: 10 * time.Second,
		// Five tries, then one a minute for this address and account.
		PairLimit: redis_rate.Limit{Rate: 1, Burst: 5, Period: time.Minute},
		// Ten tries from anywhere, then one every 15 seconds: a pause, never a lockout.
		AccountLimit: redis_rate.Limit{Rate: 4, Burst: 10, Period: time.Minute},
		AddressLimit: redis_rate.Limit{Rate: 30, Burst: 30, Period: time.Minute},
		RedisPrefix:  "avrop:",
	}
}

// Service signs users in and manages organisations and users.
type Service struct {
	db      *sqlx.DB
	rdb     redis.UniversalClient
	limiter *redis_rate.Limiter
	cfg     Config
	clock   atomic.Pointer[func() time.Time]

	// active remembers for a few seconds that a user is active (and their current roles), so
	// that verifying a token does not cost a query on every request; any change to the user
	// in this process clears it.
	mu       sync.Mutex
	active   map[string]activeUser
	sessions map[string]sessionState // by session id; see revocation.go

	tokens verifiedTokens // access tokens already verified (token.go)

	// limiterDownUntil (Unix nanoseconds) skips the limiter for a moment after Redis failed
	// to answer, so that each login during an outage does not wait for it again.
	limiterDownUntil atomic.Int64
}

// activeUser is the cached state of an active user.
type activeUser struct {
	until   time.Time
	orgID   string
	orgKind OrgKind
	roles   []Role
}

// activeCacheTTL bounds how long another process may still accept a deactivated user's
// unexpired access token.
const activeCacheTTL = 5 * time.Second

// NewService returns the auth service. rdb may be nil, and may be down: rate limiting then
// lets attempts through rather than lock everyone out.
func NewService(db *sqlx.DB, rdb redis.UniversalClient, cfg Config) *Service {
	s := &Service{db: db, rdb: rdb, cfg: cfg, active: map[string]activeUser{}, sessions: map[string]sessionState{}}
	s.SetClock(func() time.Time { return time.Now().UTC() })
	if rdb != nil {
		s.limiter = redis_rate.NewLimiter(rdb)
	}
	return s
}

// SetClock replaces the service's clock; for tests of expiry. Safe to call while requests
// are being served.
func (s *Service) SetClock(now func() time.Time) { s.clock.Store(&now) }

func (s *Service) now() time.Time { return (*s.clock.Load())() }

// Session is what a successful login or refresh returns.
type Session struct {
	AccessToken  string      `json:"access_token"`
	RefreshToken string      `json:"refresh_token"`
	TokenType    string      `json:"token_type"`
	ExpiresIn    int         `json:"expires_in"`
	User         SessionUser `json:"user"`
}

// SessionUser describes the signed-in user.
type SessionUser struct {
	ID      string   `json:"id"`
	OrgID   string   `json:"org_id"`
	OrgKind OrgKind  `json:"org_kind"`
	Name    string   `json:"name"`
	Email   string   `json:"email"`
	Roles   []string `json:"roles"`
	// Language is the UI language the user was given ("" follows the browser).
	Language string `json:"language,omitempty"`
}

var errBadCredentials = derr.New(derr.Unauthenticated, "invalid_credentials", "The email or password is wrong.")

// Login checks email and password and starts a session. Errors: Unauthenticated for wrong
// credentials or an inactive user, RateLimited after too many failed attempts, Invalid for an
// address that is not text.
//
// Failed attempts are limited with redis_rate (GCRA in Redis) per client address, per account
// and address pair, and per account. Every attempt takes one unit from each limit before the
// password is checked, so that parallel guesses cannot slip past them; a successful login
// then clears the pair's and the account's limits and gives its unit back to the address, so
// only failures count. Someone guessing at one address is held to the pair's limit without
// locking out the account's owner elsewhere or colleagues behind the same address; guessing
// spread over many addresses meets the account's limit, which only spaces attempts out, so
// the owner's right password gets in after a pause of seconds. When Redis is unreachable the
// limits are skipped (fail open): sign-in keeps working while the cache is down, and
// argon2id still makes each guess expensive.
func (s *Service) Login(ctx context.Context, email, password, clientAddr string) (Session, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if !text.Line(email) || len(email) > 254 {
		// No account can have such an address, and PostgreSQL would refuse a NUL in it.
		return Session{}, derr.Fields([]derr.FieldError{{Field: "email", Code: text.Code, Message: text.LineMessage}})
	}
	accountKey := s.limitKey("account", email)
	pairKey := s.limitKey("pair", email+"\x00"+clientAddr)
	addrKey := s.limitKey("addr", clientAddr)
	if err := s.allow(ctx, s.cfg.AddressLimit, addrKey, 1); err != nil {
		return Session{}, err
	}
	if err := s.allow(ctx, s.cfg.PairLimit, pairKey, 1); err != nil {
		return Session{}, err
	}
	if err := s.allow(ctx, s.cfg.AccountLimit, accountKey, 1); err != nil {
		return Session{}, err
	}
	// An attempt that fails on our side (PostgreSQL down) gives its units back: only wrong
	// credentials count against a person.
	giveBack := func() {
		s.refund(ctx, s.cfg.PairLimit, pairKey)
		s.refund(ctx, s.cfg.AccountLimit, accountKey)
		s.refund(ctx, s.cfg.AddressLimit, addrKey)
	}
	u, err := userByEmail(ctx, s.db, email)
	if derr.Is(err, derr.NotFound) {
		CheckPassword(dummyHash, password) //nolint:errcheck // equalises timing only
		return Session{}, errBadCredentials
	}
	if err != nil {
		giveBack()
		return Session{}, fmt.Errorf("login: %w", err)
	}
	ok, err := CheckPassword(u.PasswordHash, password)
	if err != nil {
		giveBack()
		return Session{}, fmt.Errorf("login: %w", err)
	}
	if !ok || !u.Active {
		return Session{}, errBadCredentials
	}
	s.resetLimit(ctx, s.cfg.PairLimit, pairKey)
	s.resetLimit(ctx, s.cfg.AccountLimit, accountKey)
	s.refund(ctx, s.cfg.AddressLimit, addrKey)
	sess, err := s.startSession(ctx, u, uuid.NewString())
	if err != nil {
		s.refund(ctx, s.cfg.AddressLimit, addrKey) // the reset limits need nothing back
	}
	return sess, err
}

// limitKey is the Redis key of a login limit. The value is hashed so that a key's length
// does not depend on what a client sends.
func (s *Service) limitKey(kind, value string) string {
	sum := sha256.Sum256([]byte(value))
	return s.cfg.RedisPrefix + "login:" + kind + ":" + hex.EncodeToString(sum[:16])
}

// limiterTimeout bounds every rate-limit call, so that an unreachable Redis delays a login by
// at most this much before the limit is skipped.
const limiterTimeout = 500 * time.Millisecond

// limiterBackoff is how long the limiter is skipped after Redis failed to answer.
const limiterBackoff = 2 * time.Second

// limitEnabled reports whether limit limits anything (a zero rate or period disables it) and
// Redis is not known to be down.
func (s *Service) limitEnabled(limit redis_rate.Limit) bool {
	return s.limiter != nil && limit.Rate > 0 && limit.Burst > 0 && limit.Period > 0 &&
		time.Now().UnixNano() >= s.limiterDownUntil.Load()
}

// limiterFailed records that Redis did not answer.
func (s *Service) limiterFailed(ctx context.Context, err error) {
	s.limiterDownUntil.Store(time.Now().Add(limiterBackoff).UnixNano())
	slog.WarnContext(ctx, "rate limiter unavailable; logins not limited", "err", err)
}

// allow takes n attempts from the limit at key. When Redis cannot answer it lets the attempt
// through: sign-in must keep working while the cache is down.
func (s *Service) allow(ctx context.Context, limit redis_rate.Limit, key string, n int) error {
	if !s.limitEnabled(limit) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, limiterTimeout)
	defer cancel()
	res, err := s.limiter.AllowN(ctx, key, limit, n)
	if err != nil {
		s.limiterFailed(ctx, err)
		return nil
	}
	if n > 0 && res.Allowed == 0 {
		retry := res.RetryAfter
		if retry < time.Second {
			retry = time.Second
		}
		return &derr.Error{Kind: derr.RateLimited, Code: "too_many_attempts",
			Message: "Too many sign-in attempts. Try again later.", RetryAfter: retry}
	}
	return nil
}

// refund gives back the attempt a successful login took from the limit at key. GCRA never
// stores a time in the past, so when the refund would bring the limit back to full, the
// library leaves the key as it was (one attempt short); the key is then deleted instead,
// which is the same as full. A failure landing between the two calls could be forgotten: at
// most one, only when the limit was full anyway.
func (s *Service) refund(ctx context.Context, limit redis_rate.Limit, key string) {
	if !s.limitEnabled(limit) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, limiterTimeout)
	defer cancel()
	res, err := s.limiter.AllowN(ctx, key, limit, -1)
	if err == nil && res.ResetAfter <= 0 {
		err = s.limiter.Reset(ctx, key)
	}
	if err != nil {
		s.limiterFailed(ctx, err)
	}
}

// resetLimit clears the limit at key.
func (s *Service) resetLimit(ctx context.Context, limit redis_rate.Limit, key string) {
	if !s.limitEnabled(limit) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, limiterTimeout)
	defer cancel()
	if err := s.limiter.Reset(ctx, key); err != nil {
		s.limiterFailed(ctx, err)
	}
}

func (s *Service) startSession(ctx context.Context, u User, family string) (Session, error) {
	org, err := organizationByID(ctx, s.db, u.OrgID)
	if err != nil {
		return Session{}, fmt.Errorf("start session: %w", err)
	}
	access, err := s.issueAccessToken(u, org.Kind, family)
	if err != nil {
		return Session{}, err
	}
	refresh := randomToken(32)
	if err := insertRefreshToken(ctx, s.db, family, u.ID, hashToken(refresh), s.now().Add(s.cfg.RefreshTTL)); err != nil {
		return Session{}, fmt.Errorf("start session: %w", err)
	}
	// Expired tokens are refused anyway; dropping the user's old ones at each sign-in keeps
	// the table bounded without a background job. Used but unexpired tokens stay, because
	// reuse detection needs them.
	if err := deleteExpiredRefreshTokens(ctx, s.db, u.ID, s.now()); err != nil {
		slog.WarnContext(ctx, "delete expired refresh tokens", "err", err)
	}
	return Session{
		AccessToken: access, RefreshToken: refresh, TokenType: "Bearer",
		ExpiresIn: int(s.cfg.AccessTTL.Seconds()),
		User:      SessionUser{ID: u.ID, OrgID: u.OrgID, OrgKind: org.Kind, Name: u.Name, Email: u.Email, Roles: u.Roles, Language: u.Language},
	}, nil
}

var errBadRefresh = derr.New(derr.Unauthenticated, "invalid_refresh_token", "The refresh token is not valid.")

// Refresh rotates a refresh token: the presented one is spent and a new pair is returned. A
// token presented again within RefreshGrace of being spent (the same client's requests racing,
// possibly in two processes) gets a pair of its own in the same session; presented later, it
// was stolen or replayed, so its whole family is revoked. Errors: Unauthenticated.
func (s *Service) Refresh(ctx context.Context, token string) (Session, error) {
	var sess Session
	var reused bool
	var reusedBy, reusedFamily string
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		rt, err := refreshTokenForUpdate(ctx, tx, hashToken(token), s.cfg.RefreshGrace)
		if derr.Is(err, derr.NotFound) {
			return errBadRefresh
		}
		if err != nil {
			return err
		}
		now := s.now()
		if rt.RevokedAt != nil || now.After(rt.ExpiresAt) {
			return errBadRefresh
		}
		switch {
		case rt.UsedAt != nil && !rt.InGrace:
			reused, reusedBy, reusedFamily = true, rt.UserID, rt.FamilyID
			return revokeFamily(ctx, tx, rt.FamilyID)
		case rt.UsedAt == nil:
			if err := markRefreshTokenUsed(ctx, tx, rt.ID); err != nil {
				return err
			}
		}
		u, err := userByID(ctx, tx, rt.UserID)
		if err != nil {
			return err
		}
		if !u.Active {
			return errBadRefresh
		}
		org, err := organizationByID(ctx, tx, u.OrgID)
		if err != nil {
			return err
		}
		access, err := s.issueAccessToken(u, org.Kind, rt.FamilyID)
		if err != nil {
			return err
		}
		refresh := randomToken(32)
		if err := insertRefreshToken(ctx, tx, rt.FamilyID, u.ID, hashToken(refresh), now.Add(s.cfg.RefreshTTL)); err != nil {
			return err
		}
		sess = Session{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", ExpiresIn: int(s.cfg.AccessTTL.Seconds()),
			User: SessionUser{ID: u.ID, OrgID: u.OrgID, OrgKind: org.Kind, Name: u.Name, Email: u.Email, Roles: u.Roles, Language: u.Language}}
		return nil
	})
	if reused && err == nil {
		s.sessionEnded(ctx, reusedFamily)
		slog.WarnContext(ctx, "refresh token reused; family revoked", "user_id", reusedBy, "family_id", reusedFamily)
		return Session{}, errBadRefresh
	}
	if err != nil {
		return Session{}, err
	}
	return sess, nil
}

// Logout ends the refresh token's session: its family is revoked and the session's access
// tokens are refused from now on (see revocation.go). An unknown token is not an error:
// logging out twice is harmless.
func (s *Service) Logout(ctx context.Context, token string) error {
	rt, err := refreshTokenForUpdate(ctx, s.db, hashToken(token), 0)
	if derr.Is(err, derr.NotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	if err := revokeFamily(ctx, s.db, rt.FamilyID); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	s.sessionEnded(ctx, rt.FamilyID)
	return nil
}

// Authenticate verifies an access token and returns its caller. The token names the user;
// whether they are still active, and their roles, come from the database (cached in this
// process for activeCacheTTL), so a deactivated user is refused and a changed role takes
// effect even while their token has not expired; a token of a session that was logged out
// (or whose refresh token was reused) is refused. Errors: Unauthenticated.
func (s *Service) Authenticate(ctx context.Context, token string) (Caller, error) {
	c, sid, err := s.parseAccessToken(token)
	if err != nil {
		return Caller{}, err
	}
	switch revoked, err := s.sessionRevoked(ctx, sid); {
	case err != nil:
		return Caller{}, err
	case revoked:
		return Caller{}, derr.New(derr.Unauthenticated, "session_ended", "The session has ended; sign in again.")
	}
	au, err := s.activeUser(ctx, c.UserID)
	if err != nil {
		return Caller{}, err
	}
	if au.orgID != c.OrgID {
		return Caller{}, derr.New(derr.Unauthenticated, "invalid_token", "The access token is not valid.")
	}
	return Caller{UserID: c.UserID, OrgID: au.orgID, OrgKind: au.orgKind, Roles: au.roles}, nil
}

var errInactive = derr.New(derr.Unauthenticated, "user_inactive", "The account is not active.")

func (s *Service) activeUser(ctx context.Context, userID string) (activeUser, error) {
	now := s.now()
	s.mu.Lock()
	au, ok := s.active[userID]
	s.mu.Unlock()
	if ok && now.Before(au.until) {
		return au, nil
	}
	st, err := userState(ctx, s.db, userID)
	if derr.Is(err, derr.NotFound) || (err == nil && !st.Active) {
		return activeUser{}, errInactive
	}
	if err != nil {
		return activeUser{}, fmt.Errorf("authenticate: %w", err)
	}
	au = activeUser{until: now.Add(activeCacheTTL), orgID: st.OrgID, orgKind: st.OrgKind, roles: make([]Role, len(st.Roles))}
	for i, r := range st.Roles {
		au.roles[i] = Role(r)
	}
	s.mu.Lock()
	if len(s.active) > 100_000 {
		clear(s.active)
	}
	s.active[userID] = au
	s.mu.Unlock()
	return au, nil
}

func (s *Service) forgetActive(userID string) {
	s.mu.Lock()
	delete(s.active, userID)
	s.mu.Unlock()
}

// Me returns the caller's own user and organisation.
func (s *Service) Me(ctx context.Context, c Caller) (User, Organization, error) {
	u, err := userByID(ctx, s.db, c.UserID)
	if err != nil {
		return User{}, Organization{}, err
	}
	org, err := organizationByID(ctx, s.db, c.OrgID)
	return u, org, err
}

// EnsureBootstrapAdmin creates the platform organisation and a first admin when no active admin
// exists; it reports whether it created one.
func (s *Service) EnsureBootstrapAdmin(ctx context.Context, email, password string) (bool, error) {
	if email == "" || password == "" {
		return false, nil
	}
	var created bool
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		// Serialise concurrent starts so that only one of them creates the admin.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7263001)`); err != nil {
			return err
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM users WHERE 'admin' = ANY(roles) AND active`); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		org, err := platformOrganization(ctx, tx)
		if derr.Is(err, derr.NotFound) {
			org, err = insertOrganization(ctx, tx, OrganizationInput{Name: "Avrop", OrgNumber: "000000-0000", Kind: KindPlatform, Country: "SE"})
		}
		if err != nil {
			return err
		}
		if _, err := s.createUser(ctx, tx, UserInput{Email: email, Name: "Administrator", Password: password, OrgID: org.ID, Roles: []Role{RoleAdmin}}); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("bootstrap admin: %w", err)
	}
	return created, nil
}
