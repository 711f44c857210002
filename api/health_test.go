package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/testenv"
)

func TestHealthz(t *testing.T) {
	a := newTestAPI(t)
	res := a.do("GET", "/healthz", "", nil)
	wantStatus(t, res, http.StatusOK)
	if res.JSON["status"] != "ok" {
		t.Fatalf("healthz = %s", res.Body)
	}
}

func TestReadyz(t *testing.T) {
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { down.Close() })
	closedDB, err := postgres.Open(context.Background(), testenv.DatabaseURL(t))
	testenv.Must(t, err)
	closedDB.Close()

	tests := []struct {
		name                   string
		change                 func(*Deps)
		status                 int
		state, postgres, redis string
	}{
		{"everything up", nil, 200, "ready", "ok", "ok"},
		{"redis unreachable", func(d *Deps) { d.Redis = down }, 200, "degraded", "ok", "unavailable"},
		{"redis not configured", func(d *Deps) { d.Redis = nil }, 200, "ready", "ok", "not configured"},
		{"postgres unreachable", func(d *Deps) { d.DB = closedDB }, 503, "", "unavailable", "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestAPIDeps(t, testAuthConfig(), tt.change)
			res := a.do("GET", "/readyz", "", nil)
			if tt.status == 503 {
				wantProblem(t, res, 503, "not_ready")
			} else {
				wantStatus(t, res, tt.status)
				if res.JSON["status"] != tt.state {
					t.Errorf("status = %v, want %s", res.JSON["status"], tt.state)
				}
			}
			if res.JSON["postgres"] != tt.postgres || res.JSON["redis"] != tt.redis {
				t.Errorf("readyz = %s, want postgres %s, redis %s", res.Body, tt.postgres, tt.redis)
			}
			// Liveness does not depend on either.
			wantStatus(t, a.do("GET", "/healthz", "", nil), http.StatusOK)
		})
	}
}

// TestReadyzRedisComesBack runs a throwaway redis-server, kills it and starts it again on the
// same port: readiness goes degraded and recovers by itself.
func TestReadyzRedisComesBack(t *testing.T) {
	srv := startRedisServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	a := newTestAPIDeps(t, testAuthConfig(), func(d *Deps) { d.Redis = rdb })
	state := func() any { return a.do("GET", "/readyz", "", nil).JSON["redis"] }
	if got := state(); got != "ok" {
		t.Fatalf("redis = %v with the server up, want ok", got)
	}
	srv.stop()
	if got := state(); got != "unavailable" {
		t.Fatalf("redis = %v after the server stopped, want unavailable", got)
	}
	srv.start(t)
	deadline := time.Now().Add(5 * time.Second)
	for state() != "ok" {
		if time.Now().After(deadline) {
			t.Fatal("readiness did not recover after redis came back")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestMetrics(t *testing.T) {
	a := newTestAPI(t)
	_, token := a.user(a.org(auth.KindBuyer), auth.RoleOrderer)
	wantStatus(t, a.do("GET", "/api/v1/me", token, nil), http.StatusOK)
	a.do("GET", "/api/v1/users/6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f", token, nil)
	a.do("GET", "/api/v1/no-such-thing", "", nil)
	res := a.do("GET", "/metrics", "", nil)
	wantStatus(t, res, http.StatusOK)
	body := string(res.Body)
	for _, want := range []string{
		`avrop_http_requests_total{method="GET",route="/api/v1/me",status="200"} 1`,
		`avrop_http_requests_total{method="GET",route="/api/v1/users/:id",status="404"} 1`,
		`avrop_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`avrop_http_request_duration_seconds_bucket{method="GET",route="/api/v1/me",status="200",le="+Inf"} 1`,
		`avrop_http_request_duration_seconds_count{method="GET",route="/api/v1/me",status="200"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "6f1c1c3e") {
		t.Error("metrics are labelled by raw path; they must use the route template")
	}
}

// syncBuffer is a bytes.Buffer safe for a logger used by concurrent requests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the JSON log records written so far.
func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

// newLoggedTestAPI is newTestAPI whose JSON log is kept for the test to read.
func newLoggedTestAPI(t *testing.T) (*testAPI, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	a := newTestAPIDeps(t, testAuthConfig(), func(d *Deps) { d.Logger = slog.New(slog.NewJSONHandler(logs, nil)) })
	return a, logs
}

// TestRequestLog: every request is logged as one JSON record carrying its request id, which
// is also echoed to the client; a sane X-Request-ID from the client is kept.
func TestRequestLog(t *testing.T) {
	a, logs := newLoggedTestAPI(t)
	u, token := a.user(a.org(auth.KindBuyer), auth.RoleOrderer)

	tests := []struct {
		name, sentID string
		keep         bool
	}{
		{"generated", "", false},
		{"from the client", "req-" + testenv.Unique(), true},
		{"insane id replaced", "bad id\nwith newline", false},
		{"too long replaced", strings.Repeat("a", 65), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res response
			if tt.sentID == "" {
				res = a.do("GET", "/api/v1/me", token, nil)
			} else {
				res = a.do("GET", "/api/v1/me", token, nil, "X-Request-ID", tt.sentID)
			}
			wantStatus(t, res, http.StatusOK)
			id := res.Header.Get("X-Request-ID")
			if id == "" || (tt.keep && id != tt.sentID) || (!tt.keep && id == tt.sentID) {
				t.Fatalf("X-Request-ID = %q (sent %q, keep %v)", id, tt.sentID, tt.keep)
			}
			var rec map[string]any
			for _, l := range logs.lines(t) {
				if l["request_id"] == id {
					rec = l
				}
			}
			if rec == nil {
				t.Fatalf("no log record with request_id %s", id)
			}
			for k, want := range map[string]any{"msg": "request", "level": "INFO", "method": "GET", "route": "/api/v1/me",
				"path": "/api/v1/me", "status": float64(200), "user_id": u.ID} {
				if rec[k] != want {
					t.Errorf("log %s = %v, want %v (%v)", k, rec[k], want, rec)
				}
			}
			if _, ok := rec["duration_ms"].(float64); !ok {
				t.Errorf("log lacks duration_ms: %v", rec)
			}
		})
	}
	t.Run("problem carries the request id", func(t *testing.T) {
		res := a.do("GET", "/api/v1/me", "", nil, "X-Request-ID", "trace-me")
		wantProblem(t, res, 401, "unauthenticated")
		if res.JSON["request_id"] != "trace-me" {
			t.Fatalf("problem request_id = %v", res.JSON["request_id"])
		}
	})
}

// TestDomainLogsCarryRequestID: what the domain packages log through slog.Default during a
// request carries that request's id once the default logger is wrapped by WithRequestID.
func TestDomainLogsCarryRequestID(t *testing.T) {
	logs := &syncBuffer{}
	prev := slog.Default()
	slog.SetDefault(slog.New(WithRequestID(slog.NewJSONHandler(logs, nil))))
	t.Cleanup(func() { slog.SetDefault(prev) })
	cfg := testAuthConfig()
	cfg.RefreshGrace = 200 * time.Millisecond
	a := newTestAPIWith(t, cfg)
	u, _ := a.user(a.org(auth.KindBuyer), auth.RoleOrderer)
	r1 := str(t, a.login(u.Email, testPassword), "refresh_token")
	wantStatus(t, a.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": r1}), http.StatusOK)
	time.Sleep(cfg.RefreshGrace + 100*time.Millisecond) // reuse is a replay after the grace
	res := a.do("POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": r1}, "X-Request-ID", "reuse-"+u.ID[:8])
	wantProblem(t, res, http.StatusUnauthorized, "invalid_refresh_token")
	for _, l := range logs.lines(t) {
		if l["msg"] == "refresh token reused; family revoked" {
			if l["request_id"] != "reuse-"+u.ID[:8] || l["user_id"] != u.ID {
				t.Fatalf("reuse warning = %v, want request_id reuse-%s and user_id %s", l, u.ID[:8], u.ID)
			}
			return
		}
	}
	t.Fatal("the reuse of a refresh token was not logged")
}
