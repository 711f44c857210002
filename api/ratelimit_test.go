package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
)

// rateLimitConfig limits failed logins to burst per short window, on a Redis namespace of its
// own so that no other test shares its counters.
func rateLimitConfig(account, address redis_rate.Limit) auth.Config {
	cfg := testAuthConfig()
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
// machine cannot make a count pass by accident; window hands one back every 2 s, for the
// tests that wait for it.
var (
	counting = redis_rate.Limit{Rate: 3, Burst: 3, Period: time.Minute}
	window   = redis_rate.Limit{Rate: 1, Burst: 3, Period: 2 * time.Second}
)

func TestLoginRateLimitPerAccount(t *testing.T) {
	a := newTestAPIWith(t, rateLimitConfig(counting, redis_rate.Limit{}))
	org := a.org(auth.KindBuyer)

	t.Run("reached", func(t *testing.T) {
		u, _ := a.user(org, auth.RoleOrderer)
		for range 3 {
			wantProblem(t, a.login(u.Email, "wrong password"), http.StatusUnauthorized, "invalid_credentials")
		}
		// Blocked now, even with the right password: guessing must stop.
		wantRateLimited(t, a.login(u.Email, testPassword))
		wantRateLimited(t, a.login(strings.ToUpper(u.Email), testPassword))
		// Other accounts are not affected.
		other, _ := a.user(org, auth.RoleOrderer)
		wantStatus(t, a.login(other.Email, testPassword), http.StatusOK)
	})

	t.Run("reset by a successful login", func(t *testing.T) {
		u, _ := a.user(org, auth.RoleOrderer)
		for range 2 {
			wantProblem(t, a.login(u.Email, "wrong password"), http.StatusUnauthorized, "invalid_credentials")
		}
		wantStatus(t, a.login(u.Email, testPassword), http.StatusOK)
		for i := range 3 {
			res := a.login(u.Email, "wrong password")
			if res.Status != http.StatusUnauthorized {
				t.Fatalf("failure %d after a successful login: status %d, want 401 (the count was reset)", i+1, res.Status)
			}
		}
		wantRateLimited(t, a.login(u.Email, "wrong password"))
	})

	t.Run("unknown accounts are limited too", func(t *testing.T) {
		email := "ghost" + testenv.Unique() + "@example.se"
		for range 3 {
			wantProblem(t, a.login(email, "wrong password"), http.StatusUnauthorized, "invalid_credentials")
		}
		wantRateLimited(t, a.login(email, "wrong password"))
	})

	t.Run("reset after the window", func(t *testing.T) {
		a := newTestAPIWith(t, rateLimitConfig(window, redis_rate.Limit{}))
		u, _ := a.user(org, auth.RoleOrderer)
		for range 3 {
			wantProblem(t, a.login(u.Email, "wrong password"), http.StatusUnauthorized, "invalid_credentials")
		}
		retry := wantRateLimited(t, a.login(u.Email, testPassword))
		time.Sleep(retry + 100*time.Millisecond)
		wantStatus(t, a.login(u.Email, testPassword), http.StatusOK)
	})
}

func TestLoginRateLimitPerAddress(t *testing.T) {
	a := newTestAPIWith(t, rateLimitConfig(redis_rate.Limit{}, counting))
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
	// A client cannot dodge the limit by claiming another address: proxies are not trusted.
	wantRateLimited(t, a.do("POST", "/api/v1/auth/login", "", body, "X-Forwarded-For", "203.0.113.99"))
	// Another address is not affected.
	wantStatus(t, a.doFrom("198.51.100.20:4000", "POST", "/api/v1/auth/login", "", body), http.StatusOK)

	t.Run("reset after the window", func(t *testing.T) {
		a := newTestAPIWith(t, rateLimitConfig(redis_rate.Limit{}, window))
		const addr = "198.51.100.21:4000"
		for _, u := range users[:3] {
			wantProblem(t, a.doFrom(addr, "POST", "/api/v1/auth/login", "", map[string]any{"email": u.Email, "password": "wrong password"}),
				http.StatusUnauthorized, "invalid_credentials")
		}
		retry := wantRateLimited(t, a.doFrom(addr, "POST", "/api/v1/auth/login", "", body))
		time.Sleep(retry + 100*time.Millisecond)
		wantStatus(t, a.doFrom(addr, "POST", "/api/v1/auth/login", "", body), http.StatusOK)
	})
}

// TestLoginRateLimitRedisDown: with Redis unreachable, login rate limiting fails open — every
// attempt reaches the password check (argon2id keeps guessing slow) and the right password
// signs in. Locking every user out while Redis is down would be worse than a short unlimited
// window; the decision is logged as a warning.
func TestLoginRateLimitRedisDown(t *testing.T) {
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { down.Close() })
	window := redis_rate.Limit{Rate: 1, Burst: 1, Period: time.Hour}
	cfg := rateLimitConfig(window, window)
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
