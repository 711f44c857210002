package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/testenv"
	"github.com/redis/go-redis/v9"
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
	good := "kQ3v9Zr1xTfB7mWc2LpN8sYdHj4Ge6Ua0o"
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"production without secret", map[string]string{}, "AVROP_JWT_SECRET (or AVROP_JWT_SECRET_FILE) is required"},
		{"short secret", map[string]string{"AVROP_JWT_SECRET": "short"}, "at least 32"},
		{"development default secret", map[string]string{"AVROP_ENV": "development"}, ""},
		{"production with secret", map[string]string{"AVROP_JWT_SECRET": good}, ""},
		// Secrets anyone can read in this repository or guess are refused in production.
		{"the development secret", map[string]string{"AVROP_JWT_SECRET": devSecret}, "published default"},
		{"the compose file's old default", map[string]string{"AVROP_JWT_SECRET": "compose-demo-secret-change-me-0123456789"}, "published default"},
		{"a placeholder", map[string]string{"AVROP_JWT_SECRET": "please-CHANGEME-" + good}, "placeholder"},
		{"one character repeated", map[string]string{"AVROP_JWT_SECRET": strings.Repeat("x", 40)}, "too few different characters"},
		{"a short pattern repeated", map[string]string{"AVROP_JWT_SECRET": strings.Repeat("0123", 10)}, "too few different characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(tt.env)
			if err == nil {
				_, err = cfg.jwtSecret()
			}
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
	t.Run("serve refuses a weak secret before touching anything", func(t *testing.T) {
		env := map[string]string{"AVROP_JWT_SECRET": devSecret, "DATABASE_URL": "postgres://127.0.0.1:1/none"}
		if err := run(context.Background(), []string{"serve"}, env, io.Discard); err == nil || !strings.Contains(err.Error(), "published default") {
			t.Fatalf("serve with the development secret in production: %v", err)
		}
	})
}

// TestSecretFile: without AVROP_JWT_SECRET the secret comes from AVROP_JWT_SECRET_FILE, which
// the first start creates (random, mode 0600) and every later or concurrent start reads.
func TestSecretFile(t *testing.T) {
	path := t.TempDir() + "/state/jwt-secret"
	env := map[string]string{"AVROP_JWT_SECRET_FILE": path}
	got := make(chan string, 8)
	for range 8 {
		go func() {
			cfg, err := loadConfig(env)
			testenv.Must(t, err)
			s, err := cfg.jwtSecret()
			if err != nil {
				t.Error(err)
			}
			got <- s
		}()
	}
	first := <-got
	for range 7 {
		if s := <-got; s != first {
			t.Fatalf("concurrent starts disagree: %q vs %q", s, first)
		}
	}
	if err := checkSecret(first); err != nil {
		t.Fatalf("generated secret refused: %v", err)
	}
	st, err := os.Stat(path)
	testenv.Must(t, err)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode = %v, want 0600", st.Mode().Perm())
	}
	// An explicit secret wins over the file.
	cfg, _ := loadConfig(map[string]string{"AVROP_JWT_SECRET_FILE": path, "AVROP_JWT_SECRET": "kQ3v9Zr1xTfB7mWc2LpN8sYdHj4Ge6Ua0o"})
	if s, _ := cfg.jwtSecret(); s != "kQ3v9Zr1xTfB7mWc2LpN8sYdHj4Ge6Ua0o" {
		t.Fatalf("explicit secret not used: %q", s)
	}
}

// TestMigrateAndSeed runs the real commands on a fresh database without a JWT secret: migrate
// creates the database when missing, seed adds the demo world once and says so the second time.
func TestMigrateAndSeed(t *testing.T) {
	testenv.DB(t) // skips or fails early without PostgreSQL
	url := testenv.NewDatabase(t)
	// Production settings without a JWT secret: migrate and seed sign no token and need none.
	env := map[string]string{"DATABASE_URL": url, "REDIS_URL": testenv.RedisURL()}
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
	// `make run` shows pictures: demo items have them, beside items that have none.
	var withPicture, without int
	testenv.Must(t, seeded.Get(&withPicture, `SELECT count(*) FROM items WHERE image_hash IS NOT NULL`))
	testenv.Must(t, seeded.Get(&without, `SELECT count(*) FROM items WHERE image_hash IS NULL`))
	if withPicture != 2*seedPicturesPerSupplier || without == 0 {
		t.Errorf("seeded %d items with a picture and %d without, want %d and some", withPicture, without, 2*seedPicturesPerSupplier)
	}
	// Evondos's monthly invoices to Karlstad are compared with the dispensers' charges: last
	// month's as charged, the month before's 5 % above.
	var subscription []string
	testenv.Must(t, seeded.Select(&subscription, `SELECT i.status || ' ' || COALESCE(string_agg(f.code, ','), '') FROM invoices i
		LEFT JOIN invoice_findings f ON f.invoice_id = i.id WHERE i.number LIKE 'EV-%' GROUP BY i.id, i.number ORDER BY i.number`))
	if strings.Join(subscription, "; ") != "deviating charge_above_month; matched " {
		t.Errorf("seeded subscription invoices %q, want one deviating with charge_above_month and one matched", subscription)
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

// TestComposeHasNoDefaultSecret: docker-compose.yml must not carry a JWT secret of its own
// (anyone who read it could forge tokens); it passes the operator's or a generated one.
func TestComposeHasNoDefaultSecret(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	testenv.Must(t, err)
	compose := string(b)
	for _, line := range strings.Split(compose, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || k != "AVROP_JWT_SECRET" {
			continue
		}
		if v = strings.TrimSpace(v); v != "${AVROP_JWT_SECRET:-}" && !strings.HasPrefix(v, "${AVROP_JWT_SECRET:?") {
			t.Fatalf("compose sets AVROP_JWT_SECRET to %s; want the operator's (${AVROP_JWT_SECRET:-}) or a required one", v)
		}
	}
	if !strings.Contains(compose, "AVROP_JWT_SECRET_FILE:") {
		t.Fatal("compose neither requires a secret nor lets Avrop generate one (AVROP_JWT_SECRET_FILE)")
	}
}

// TestRedisLogsAreJSON: what go-redis itself reports — here its pool failing to dial a Redis
// that is down — reaches the service's JSON log as a warning, not a plain-text line on stderr.
func TestRedisLogsAreJSON(t *testing.T) {
	var out bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return out.Write(p)
	}), nil))
	routeRedisLogs(logger)
	t.Cleanup(func() { routeRedisLogs(slog.Default()) })
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 50 * time.Millisecond})
	t.Cleanup(func() { down.Close() })
	for range 20 {
		down.Ping(context.Background()) //nolint:errcheck // it fails: nothing listens
	}
	mu.Lock()
	defer mu.Unlock()
	found := false
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if rec["msg"] == "redis client" && rec["level"] == "WARN" && strings.Contains(fmt.Sprint(rec["detail"]), "dial") {
			found = true
		}
	}
	if !found {
		t.Fatalf("go-redis' dial failures did not reach the JSON log: %q", out.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
