package api

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/localpg"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

// wantUnavailable checks a 503 problem document with code and a Retry-After of whole seconds.
func wantUnavailable(t *testing.T, res response, code string) {
	t.Helper()
	wantProblem(t, res, http.StatusServiceUnavailable, code)
	if got := res.Header.Get("Retry-After"); got != "1" {
		t.Fatalf("Retry-After = %q, want 1", got)
	}
}

// When every slot of the pool budget is taken for longer than the wait, a request is answered
// 503 busy with Retry-After at once; health and metrics still answer, and the next request after
// a slot frees up is served.
func TestPoolBudgetFullAnswers503(t *testing.T) {
	a := newTestAPIDeps(t, testAuthConfig(), func(d *Deps) { d.PoolSize = 2; d.PoolWait = 50 * time.Millisecond })
	_, token := a.user(a.org(auth.KindBuyer), auth.RoleOrderer)
	// Fill the slots of the handler under test as two long requests would.
	eng, h := newEngineHandler(a.Deps)
	a.handler = eng
	h.admission.slots <- struct{}{}
	h.admission.slots <- struct{}{}

	start := time.Now()
	wantUnavailable(t, a.do("GET", "/api/v1/me", token, nil), "busy")
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Fatalf("answered busy after %v, want after the 50ms wait", waited)
	}
	wantStatus(t, a.do("GET", "/healthz", "", nil), http.StatusOK)
	wantStatus(t, a.do("GET", "/readyz", "", nil), http.StatusOK)

	<-h.admission.slots
	wantStatus(t, a.do("GET", "/api/v1/me", token, nil), http.StatusOK)
	if n := len(h.admission.slots); n != 1 {
		t.Fatalf("slots taken after the request = %d, want 1 (the request gave its slot back)", n)
	}
}

// A PostgreSQL that refuses more connections ("sorry, too many clients already", what three
// replicas with 40 connections each met against 100) makes the API answer 503 with
// Retry-After, never 500, and nothing else changes once connections free up again.
func TestPostgresOutOfConnectionsAnswers503(t *testing.T) {
	if !localpg.Available() {
		if os.Getenv("CI") != "" {
			t.Fatal("PostgreSQL server programs not installed in CI")
		}
		t.Skip("PostgreSQL server programs not installed")
	}
	ctx := context.Background()
	srv, err := localpg.StartPrimary(ctx, map[string]string{"max_connections": "6", "superuser_reserved_connections": "0"})
	testenv.Must(t, err)
	t.Cleanup(srv.Remove)
	db, err := postgres.OpenPool(ctx, srv.URL("postgres"), 10)
	testenv.Must(t, err)
	t.Cleanup(func() { db.Close() })
	testenv.Must(t, postgres.Migrate(ctx, db.DB))

	rdb := testenv.Redis(t)
	cfg := testAuthConfig()
	authSvc := auth.NewService(db, rdb, cfg)
	cat := catalog.NewService(db, rdb, testenv.RedisPrefix())
	d := Deps{DB: db, Redis: rdb, Auth: authSvc, Catalog: cat, Orders: orders.NewService(db, cat),
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), PoolSize: 10, PoolWait: time.Second}
	a := &testAPI{t: t, handler: NewHandler(d), Auth: authSvc, Catalog: cat, Orders: d.Orders, Deps: d}
	_, token := a.user(a.org(auth.KindBuyer), auth.RoleOrderer)
	wantStatus(t, a.do("GET", "/api/v1/organizations", token, nil), http.StatusOK)

	// Another client takes every connection the server has left.
	db.SetMaxIdleConns(0)
	hog, err := sql.Open("postgres", srv.URL("postgres"))
	testenv.Must(t, err)
	defer hog.Close()
	var held []*sql.Conn
	for {
		c, err := hog.Conn(ctx)
		if err == nil {
			err = c.PingContext(ctx)
		}
		if err != nil {
			if !postgres.Unavailable(err) {
				t.Fatalf("filling the server: %v, want too many clients", err)
			}
			break
		}
		held = append(held, c)
	}
	if len(held) == 0 {
		t.Fatal("the test client got no connection")
	}

	var wg sync.WaitGroup
	results := make([]response, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = a.do("GET", "/api/v1/organizations", token, nil) // no body: never calls t.Fatal
		}()
	}
	wg.Wait()
	for _, res := range results {
		wantUnavailable(t, res, "database_unavailable")
	}

	for _, c := range held {
		c.Close()
	}
	hog.Close()
	// The server frees a slot when the closed connection's backend has exited, which on a
	// busy machine can come after the close returns: until then the answer stays 503.
	deadline := time.Now().Add(10 * time.Second)
	for {
		res := a.do("GET", "/api/v1/organizations", token, nil)
		if res.Status == http.StatusOK {
			break
		}
		wantUnavailable(t, res, "database_unavailable")
		if time.Now().After(deadline) {
			t.Fatal("still 503 10s after the other client closed its connections")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
