package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// TestGracefulShutdown cancels the serve context while a slow request is in flight: the
// request must still complete with 200, and new connections must be refused afterwards.
func TestGracefulShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	testenv.Must(t, err)
	var started atomic.Bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Store(true)
		time.Sleep(500 * time.Millisecond)
		io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, h, 5*time.Second, slog.New(slog.NewJSONHandler(io.Discard, nil))) }()

	type result struct {
		status int
		body   string
		err    error
	}
	resc := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			resc <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		resc <- result{status: res.StatusCode, body: string(b)}
	}()
	for !started.Load() {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	r := <-resc
	if r.err != nil || r.status != http.StatusOK || r.body != "finished" {
		t.Fatalf("in-flight request = %d %q %v, want 200 finished", r.status, r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v, want nil after graceful shutdown", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
		t.Fatal("server still accepts connections after shutdown")
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"production without secret", map[string]string{}, "AVROP_JWT_SECRET is required"},
		{"short secret", map[string]string{"AVROP_JWT_SECRET": "short"}, "at least 32"},
		{"development default secret", map[string]string{"AVROP_ENV": "development"}, ""},
		{"production with secret", map[string]string{"AVROP_JWT_SECRET": strings.Repeat("x", 40)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(tt.env)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				if cfg.Addr != ":8080" || !strings.Contains(cfg.DatabaseURL, "/avrop") || cfg.RedisURL != "redis://localhost:6379/0" {
					t.Fatalf("defaults = %+v", cfg)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestMigrateAndSeed runs the real commands on a fresh database: migrate creates the database
// when missing, seed adds the demo world once and says so the second time.
func TestMigrateAndSeed(t *testing.T) {
	testenv.DB(t) // skips or fails early without PostgreSQL
	url := testenv.NewDatabase(t)
	env := map[string]string{"DATABASE_URL": url, "REDIS_URL": testenv.RedisURL(), "AVROP_ENV": "development"}
	var out bytes.Buffer
	ctx := context.Background()
	if err := run(ctx, []string{"migrate"}, env, &out); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"seed"}, env, &out); err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "maria.manager@karlstad.se") || !strings.Contains(out.String(), demoPassword) {
		t.Fatalf("seed output lacks the demo accounts:\n%s", out.String())
	}
	// The invoice pages are alive on first start: matched and deviating invoices, and ledger
	// spend outside the agreements.
	seeded, err := sqlx.Connect("postgres", url)
	testenv.Must(t, err)
	defer seeded.Close()
	var matched, deviating, outside int
	testenv.Must(t, seeded.Get(&matched, `SELECT count(*) FROM invoices WHERE status = 'matched'`))
	testenv.Must(t, seeded.Get(&deviating, `SELECT count(*) FROM invoices WHERE status = 'deviating'`))
	testenv.Must(t, seeded.Get(&outside, `SELECT count(DISTINCT supplier_key) FROM spend_records
		WHERE supplier_key NOT IN (SELECT upper(regexp_replace(org_number, '[^0-9A-Za-z]', '', 'g')) FROM organizations)`))
	if matched < 1 || deviating < 2 || outside < 2 {
		t.Errorf("seeded %d matched and %d deviating invoices and %d suppliers outside the platform, want at least 1, 2 and 2", matched, deviating, outside)
	}
	out.Reset()
	if err := run(ctx, []string{"seed"}, env, &out); err != nil {
		t.Fatalf("second seed: %v", err)
	}
	if !strings.Contains(out.String(), "already") {
		t.Fatalf("second seed output = %q, want it to say the data is already there", out.String())
	}
	if err := run(ctx, []string{"bogus"}, env, &out); err == nil {
		t.Fatal("unknown command accepted")
	}
}
