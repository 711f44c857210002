package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/clientip"
	"github.com/avrop/avrop/internal/testenv"
)

// rateLimitConfig limits failed logins per account and address pair, per account and per
// address, on a Redis namespace of its own so that no other test shares its counters. A zero
// limit is off.
func rateLimitConfig(pair, account, address redis_rate.Limit) auth.Config {
	cfg := testAuthConfig()
	cfg.PairLimit = pair
	cfg.AccountLimit = account
	cfg.AddressLimit = address
	cfg.RedisPrefix = testenv.RedisPrefix() + "rl" + testenv.Unique() + ":"
	return cfg
}

// wantRateLimited checks a 429 problem document with a Retry-After of whole seconds.
func wantRateLimited(t *testing.T, res response) time.Duration {
	t.Helper()
	wantProblem(t, res, http.StatusTooManyRequests, "too_many_attempts")
	secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After = %q, want a positive number of seconds", res.Header.Get("Retry-After"))
	}
	return time.Duration(secs) * time.Second
}

// Limits of the tests: counting hands back an attempt only every 20 s, so that a slow
// machine cannot make a count pass by accident; window hands one back every 8 s, for the
// tests that wait for it (shorter, and three argon2id checks under -race on a busy machine
// can outlast it).
var (
	counting = redis_rate.Limit{Rate: 3, Burst: 3, Period: time.Minute}
	window   = redis_rate.Limit{Rate: 1, Burst: 3, Period: 8 * time.Second}
	off      = redis_rate.Limit{}
)

func (a *testAPI) loginFrom(addr, email, password string) response {
	a.t.Helper()
	return a.doFrom(addr, "POST", "/api/v1/auth/login", "", map[string]any{"email": email, "password": password})
}

// TestLoginRateLimitPerAccountAndAddress: someone guessing one account's password at one
// address is stopped there — and only there: the account's owner signs in from elsewhere, and
// colleagues behind the guesser's address sign in to their own accounts.
func TestLoginRateLimitPerAccountAndAddress(t *testing.T) {
	a := newTestAPIWith(t, rateLimitConfig(counting, off, off))
	org := a.org(auth.KindBuyer)
	const guesser, owner = "198.51.100.66:4000", "198.51.100.67:4000"

	t.Run("reached", func(t *testing.T) {
		u, _ := a.user(org, auth.RoleOrderer)
		for range 3 {
			wantProblem(t, a.loginFrom(guesser, u.Email, "wrong password"), http.StatusUnauthorized, "invalid_credentials")
		}
		// Blocked at this address now, even with the right password: guessing must stop.
		wantRateLimited(t, a.loginFrom(guesser, u.Email, testPassword))
		wantRateLimited(t, a.loginFrom(guesser, strings.ToUpper(u.Email), testPassword))
		// The owner at another address is not locked out.
		wantStatus(t, a.loginFrom(owner, u.Email, testPassword), http.StatusOK)
		// A colleague behind the guesser's address signs in to their own account.
		colleague, _ := a.user(org, auth.RoleOrderer)
		wantStatus(t, a.loginFrom(guesser, colleague.Email, testPassword), http.StatusOK)
	})

	t.Run("reset by a successful login", func(t *testing.T) {
		u, _ := a.user(org, auth.RoleOrderer)
		for range 2 {
			wantProblem(t, a.loginFrom(owner, u.Email, "wrong password"), http.StatusUnauthorized, "invalid_credentials")
		}
		wantStatus(t, a.loginFrom(owner, u.Email, testPassword), http.StatusOK)
		for i := range 3 {
			if res := a.loginFrom(owner, u.Email, "wrong password"); res.Status != http.StatusUnauthorized {
				t.Fatalf("failure %d after a successful login: status %d, want 401 (the count was reset)", i+1, res.Status)
			}
		}
		wantRateLimited(t, a.loginFrom(owner, u.Email, "wrong password"))
	})

	t.Run("unknown accounts are limited too", func(t *testing.T) {
		email := "ghost" + testenv.Unique() + "@example.se"
		for range 3 {
			wantProblem(t, a.loginFrom(guesser, email, "wrong password"), http.StatusUnauthorized, "invalid_credentials")
		}
		wantRateLimited(t, a.loginFrom(guesser, email, "wrong password"))
	})
}

// TestLoginRateLimitPerAccount: guesses at one account spread over many addresses meet the
// account's softer limit, which only spaces attempts out: after the short pause it names, the
// right password gets in.
func TestLoginRateLimitPerAccount(t *testing.T) {
	soft := window
	a := newTestAPIWith(t, rateLimitConfig(off, soft, off))
	u, _ := a.user(a.org(auth.KindBuyer), auth.RoleOrderer)
	// Three failures at once from three addresses: the limit is taken before the password is
	// checked, so the count does not depend on how long the checks take.
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			res := a.loginFrom(fmt.Sprintf("198.51.100.%d:4000", 70+i), u.Email, "wrong password")
			if res.Status != http.StatusUnauthorized {
				t.Errorf("failure %d: status %d, want 401", i, res.Status)
			}
		})
	}
	wg.Wait()
	const owner = "198.51.100.80:4000"
	retry := wantRateLimited(t, a.loginFrom(owner, u.Email, testPassword))
	if retry > soft.Period {
		t.Fatalf("Retry-After = %v, want a pause of at most %v, not a lockout", retry, soft.Period)
	}
	time.Sleep(retry + 100*time.Millisecond)
	wantStatus(t, a.loginFrom(owner, u.Email, testPassword), http.StatusOK)
}

func TestLoginRateLimitPerAddress(t *testing.T) {
	a := newTestAPIWith(t, rateLimitConfig(off, off, counting))
	org := a.org(auth.KindBuyer)
	users := make([]auth.User, 5)
	for i := range users {
		users[i], _ = a.user(org, auth.RoleOrderer)
	}
	// Successful logins do not count: many colleagues behind one address can sign in.
	for range 2 {
		for _, u := range users {
			wantStatus(t, a.login(u.Email, testPassword), http.StatusOK)
		}
	}
	// Failures against different accounts from one address do.
	for _, u := range users[:3] {
		wantProblem(t, a.login(u.Email, "wrong password"), http.StatusUnauthorized, "invalid_credentials")
	}
	body := map[string]any{"email": users[4].Email, "password": testPassword}
	wantRateLimited(t, a.do("POST", "/api/v1/auth/login", "", body))
	// A client cannot dodge the limit by claiming another address: no proxy is trusted.
	wantRateLimited(t, a.do("POST", "/api/v1/auth/login", "", body, "X-Forwarded-For", "203.0.113.99"))
	// Another address is not affected.
	wantStatus(t, a.doFrom("198.51.100.20:4000", "POST", "/api/v1/auth/login", "", body), http.StatusOK)

	t.Run("reset after the window", func(t *testing.T) {
		a := newTestAPIWith(t, rateLimitConfig(off, off, window))
		const addr = "198.51.100.21:4000"
		var wg sync.WaitGroup
		for _, u := range users[:3] {
			wg.Go(func() {
				if res := a.loginFrom(addr, u.Email, "wrong password"); res.Status != http.StatusUnauthorized {
					t.Errorf("status %d, want 401", res.Status)
				}
			})
		}
		wg.Wait()
		retry := wantRateLimited(t, a.doFrom(addr, "POST", "/api/v1/auth/login", "", body))
		time.Sleep(retry + 100*time.Millisecond)
		wantStatus(t, a.doFrom(addr, "POST", "/api/v1/auth/login", "", body), http.StatusOK)
	})
}

// TestLoginBehindTrustedProxy: behind a proxy named in AVROP_TRUSTED_PROXIES, the client's
// address comes from X-Forwarded-For, so colleagues at different addresses are told apart;
// a client talking to Avrop directly still cannot choose its address with the header.
func TestLoginBehindTrustedProxy(t *testing.T) {
	cfg := rateLimitConfig(off, off, counting)
	proxies, err := clientip.Parse("192.0.2.0/24") // httptest's requests come from 192.0.2.1
	testenv.Must(t, err)
	a := newTestAPIDeps(t, cfg, func(d *Deps) { d.TrustedProxies = proxies })
	org := a.org(auth.KindBuyer)
	users := make([]auth.User, 4)
	for i := range users {
		users[i], _ = a.user(org, auth.RoleOrderer)
	}
	via := func(client string, u auth.User, password string) response {
		return a.do("POST", "/api/v1/auth/login", "", map[string]any{"email": u.Email, "password": password}, "X-Forwarded-For", client)
	}
	for _, u := range users[:3] {
		wantProblem(t, via("203.0.113.10", u, "wrong password"), http.StatusUnauthorized, "invalid_credentials")
	}
	wantRateLimited(t, via("203.0.113.10", users[3], testPassword))
	wantStatus(t, via("203.0.113.11", users[3], testPassword), http.StatusOK)
	// A direct client claiming the limited address is judged by its own.
	res := a.doFrom("198.51.100.30:4000", "POST", "/api/v1/auth/login", "", map[string]any{"email": users[3].Email, "password": testPassword},
		"X-Forwarded-For", "203.0.113.12")
	wantStatus(t, res, http.StatusOK)
	for _, u := range users[:3] {
		wantProblem(t, a.doFrom("198.51.100.31:4000", "POST", "/api/v1/auth/login", "", map[string]any{"email": u.Email, "password": "wrong password"},
			"X-Forwarded-For", "203.0.113.40"), http.StatusUnauthorized, "invalid_credentials")
	}
	wantRateLimited(t, a.doFrom("198.51.100.31:4000", "POST", "/api/v1/auth/login", "", map[string]any{"email": users[3].Email, "password": testPassword},
		"X-Forwarded-For", "203.0.113.41"))
}

// TestLoginRateLimitRedisDown: with Redis unreachable, login rate limiting fails open — every
// attempt reaches the password check (argon2id keeps guessing slow) and the right password
// signs in. Locking every user out while Redis is down would be worse than a short unlimited
// window; the decision is logged as a warning.
func TestLoginRateLimitRedisDown(t *testing.T) {
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { down.Close() })
	window := redis_rate.Limit{Rate: 1, Burst: 1, Period: time.Hour}
	cfg := rateLimitConfig(window, window, window)
	a := newTestAPIDeps(t, cfg, func(d *Deps) {
		d.Auth = auth.NewService(d.DB, down, cfg)
		d.Redis = down
	})
	u, err := a.Auth.CreateUser(context.Background(), admin, auth.UserInput{Email: "down" + testenv.Unique() + "@example.se",
		Name: "Down", Password: testPassword, OrgID: a.org(auth.KindBuyer).ID, Roles: []auth.Role{auth.RoleOrderer}})
	testenv.Must(t, err)
	for range 4 {
		wantProblem(t, a.login(u.Email, "wrong password"), http.StatusUnauthorized, "invalid_credentials")
	}
	wantStatus(t, a.login(u.Email, testPassword), http.StatusOK)
}
