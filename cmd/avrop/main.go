// Command avrop is the Avrop service: `avrop serve` (HTTP API and web UI), `avrop migrate`
// (apply migrations) and `avrop seed` (demo data). This file only wires things together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/api"
	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/frontend"
	"github.com/avrop/avrop/internal/clientip"

	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/redisurl"
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/notify"
	"github.com/avrop/avrop/orders"
	"github.com/avrop/avrop/productimage"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var stdout io.Writer = os.Stdout
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		setMemoryLimit()
		// A request's log line need not cost a system call of its own (logbuffer.go).
		logs := newLogBuffer(os.Stdout)
		defer logs.Flush()
		stdout = logs
	}
	if err := run(ctx, os.Args[1:], env.ToMap(os.Environ()), stdout); err != nil {
		if f, ok := stdout.(*logBuffer); ok {
			f.Flush()
		}
		fmt.Fprintln(os.Stderr, "avrop:", err)
		os.Exit(1)
	}
}

// config is read from the environment (SPEC §3).
type config struct {
	DatabaseURL            string        `env:"DATABASE_URL" envDefault:"postgres://localhost:5432/avrop?sslmode=disable"`
	RedisURL               string        `env:"REDIS_URL" envDefault:"redis://localhost:6379/0"`
	Addr                   string        `env:"AVROP_ADDR" envDefault:":8080"`
	JWTSecret              string        `env:"AVROP_JWT_SECRET"`
	JWTSecretFile          string        `env:"AVROP_JWT_SECRET_FILE"`
	Env                    string        `env:"AVROP_ENV" envDefault:"production"`
	BootstrapAdminEmail    string        `env:"AVROP_BOOTSTRAP_ADMIN_EMAIL"`
	BootstrapAdminPassword string        `env:"AVROP_BOOTSTRAP_ADMIN_PASSWORD"`
	ShutdownTimeout        time.Duration `env:"AVROP_SHUTDOWN_TIMEOUT" envDefault:"20s"`
	TrustedProxies         string        `env:"AVROP_TRUSTED_PROXIES"`
	// BillingRules says whether received invoices are checked against the UBL 2.1 schema and
	// the EN 16931 and PEPPOL BIS Billing 3 rules (built in, peppol/rules; they need java and
	// Saxon-HE): "auto" when those are installed, "on" (refuse to start without), "off".
	BillingRules string `env:"AVROP_BILLING_RULES" envDefault:"auto"`
	// The connection budget (README, "Running on many machines"): each replica opens at most
	// DATABASE_POOL_SIZE connections and answers 503 to a request that waits longer than
	// DATABASE_POOL_WAIT for one.
	DatabasePoolSize int           `env:"DATABASE_POOL_SIZE" envDefault:"25"`
	DatabasePoolWait time.Duration `env:"DATABASE_POOL_WAIT" envDefault:"2s"`
	// A streaming replica for follow-up reads, skipped when it lags more than the max lag.
	DatabaseReplicaURL    string        `env:"DATABASE_REPLICA_URL"`
	DatabaseReplicaMaxLag time.Duration `env:"DATABASE_REPLICA_MAX_LAG" envDefault:"5s"`
	// How often each replica looks for due background jobs (cmd/avrop/jobs.go).
	JobsTick time.Duration `env:"AVROP_JOBS_TICK" envDefault:"30s"`
	// Fetching the pictures price lists name by URL (docs/images.md): each fetch's time limit,
	// and networks deliberately opened to it (comma-separated CIDRs, e.g. an internal picture
	// server); every other private, loopback or link-local address is refused.
	ImageFetchTimeout time.Duration `env:"AVROP_IMAGE_FETCH_TIMEOUT" envDefault:"10s"`
	ImageFetchAllow   string        `env:"AVROP_IMAGE_FETCH_ALLOW"`
	// Mail (SPEC §8 "People are told", docs/mail.md): without AVROP_SMTP_URL mails are queued
	// in the outbox but not sent. AVROP_BASE_URL is the UI's public address that mails link to.
	SMTPURL  string        `env:"AVROP_SMTP_URL"`
	MailFrom string        `env:"AVROP_MAIL_FROM" envDefault:"Avrop <noreply@avrop.invalid>"`
	BaseURL  string        `env:"AVROP_BASE_URL" envDefault:"http://localhost:8080"`
	MailPoll time.Duration `env:"AVROP_MAIL_POLL" envDefault:"5s"`
	// How many password hashes (argon2id, 19 MiB each while it runs) this process computes at
	// once; more sign-ins wait their turn (auth/password.go, README "Speed").
	PasswordHashes int `env:"AVROP_PASSWORD_HASHES" envDefault:"1"`
	// How many uncached searches this process runs at once (catalog/search_limit.go); more
	// wait their turn. 0: one more than the cores (GOMAXPROCS); -1: no limit.
	SearchConcurrency int `env:"AVROP_SEARCH_CONCURRENCY" envDefault:"0"`
	// Go's profiles on a listener of their own (cmd/avrop/pprof.go); empty: none.
	PprofAddr string `env:"AVROP_PPROF_ADDR"`
}

// devSecret signs tokens in development only, so that `make run` works without setup.
const devSecret = "avrop-development-secret-do-not-use-in-production"

func loadConfig(environ map[string]string) (config, error) {
	var cfg config
	if err := env.ParseWithOptions(&cfg, env.Options{Environment: environ}); err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

// jwtSecret is the secret that signs access tokens: AVROP_JWT_SECRET, else the one kept in
// AVROP_JWT_SECRET_FILE (made on first start), else in development a built-in one. Outside
// development a short, published or placeholder secret is refused (see checkSecret).
func (cfg config) jwtSecret() (string, error) {
	secret := cfg.JWTSecret
	if secret == "" && cfg.JWTSecretFile != "" {
		var err error
		if secret, err = secretFromFile(cfg.JWTSecretFile); err != nil {
			return "", err
		}
	}
	if cfg.Env == "development" {
		if secret == "" {
			secret = devSecret
		}
		if len(secret) < 32 {
			return "", errors.New("config: AVROP_JWT_SECRET must be at least 32 characters")
		}
		return secret, nil
	}
	if secret == "" {
		return "", errors.New("config: AVROP_JWT_SECRET (or AVROP_JWT_SECRET_FILE) is required outside development (AVROP_ENV=development uses a built-in secret)")
	}
	return secret, checkSecret(secret)
}

const usage = `usage: avrop <command>

commands:
  serve             apply migrations, then serve the HTTP API and web UI on AVROP_ADDR
  migrate           apply pending migrations
  seed [--items N]  add demo data (--items N also adds N synthetic catalogue items)
  seed --national [--scale F]
                    build national volume for benchmarks (docs/volume.md)
`

func run(ctx context.Context, args []string, environ map[string]string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return errors.New("no command given")
	}
	// One JSON logger for everything, also what the domain packages log through slog.Default,
	// each record carrying the request id of the request it belongs to.
	// The API writes its access lines to stdout beside slog's (api.Deps.AccessLog), so
	// stdout must take whole lines from both at once.
	stdout = lineWriter(stdout)
	logger := slog.New(api.WithRequestID(slog.NewJSONHandler(stdout, nil)))
	slog.SetDefault(logger)
	routeRedisLogs(logger)
	switch args[0] {
	case "serve", "migrate", "seed":
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stdout, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
	cfg, err := loadConfig(environ)
	if err != nil {
		return err
	}
	// Only serve signs tokens; migrate and seed need no secret, so they get a random one that
	// signs nothing.
	secret := randomSecret()
	if args[0] == "serve" {
		if secret, err = cfg.jwtSecret(); err != nil {
			return err
		}
	}
	db, err := openDatabase(ctx, cfg.DatabaseURL, cfg.DatabasePoolSize)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := postgres.Migrate(ctx, db.DB); err != nil {
		return err
	}
	if args[0] == "migrate" {
		logger.Info("migrations applied")
		return nil
	}
	rdb, redisKind, err := redisurl.Open(cfg.RedisURL)
	if err != nil {
		return err
	}
	logger.Debug("redis", "kind", redisKind)
	defer rdb.Close()
	auth.SetPasswordHashes(cfg.PasswordHashes)
	authCfg := auth.DefaultConfig([]byte(secret))
	authSvc := auth.NewService(db, rdb, authCfg)
	cat := catalog.NewService(db, rdb, authCfg.RedisPrefix)
	if cfg.SearchConcurrency != 0 {
		cat.SetSearchConcurrency(cfg.SearchConcurrency)
	}
	var allow []netip.Prefix
	for _, c := range strings.Split(cfg.ImageFetchAllow, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return fmt.Errorf("AVROP_IMAGE_FETCH_ALLOW: %q is not a network such as 10.20.0.0/16: %w", c, err)
		}
		allow = append(allow, p)
	}
	cat.SetImageFetcher(productimage.NewFetcher(cfg.ImageFetchTimeout, allow))
	ord := orders.NewService(db, cat)

	if args[0] == "seed" {
		fs := flag.NewFlagSet("seed", flag.ContinueOnError)
		fs.SetOutput(stdout)
		items := fs.Int("items", 0, "also add this many synthetic catalogue items (for benchmarks)")
		national := fs.Bool("national", false, "instead of the demo, build national volume: 311 buyers, 1,000,000 items, 10,000,000 orders")
		scale := fs.Float64("scale", 1, "with --national: the share of the items and orders to build (0.1 = a tenth)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *national {
			return seedNational(ctx, db, *scale, stdout)
		}
		return seed(ctx, db, authSvc, cat, ord, *items, stdout)
	}

	if created, err := authSvc.EnsureBootstrapAdmin(ctx, cfg.BootstrapAdminEmail, cfg.BootstrapAdminPassword); err != nil {
		return err
	} else if created {
		logger.Info("bootstrap admin created", "email", cfg.BootstrapAdminEmail)
	}
	proxies, err := clientip.Parse(cfg.TrustedProxies)
	if err != nil {
		return fmt.Errorf("config: AVROP_TRUSTED_PROXIES: %w", err)
	}
	logBudget(ctx, db, cfg.DatabasePoolSize, logger)
	mailer, err := startMail(ctx, cfg, db, logger)
	if err != nil {
		return err
	}
	startJobs(ctx, db, backgroundJobs(db, ord, logger), cfg.JobsTick, logger)
	reads := openReads(ctx, cfg, db, logger)
	ord.SetReads(reads)
	cat.SetReads(reads)
	validate, closeRules, err := billingRules(cfg.BillingRules, logger)
	if err != nil {
		return err
	}
	defer closeRules()
	inv := invoices.NewService(db, validate)
	handler := api.NewHandler(api.Deps{
		DB: db, Redis: rdb, Auth: authSvc, Catalog: cat, Orders: ord, Invoices: inv, Logger: logger,
		PoolSize: cfg.DatabasePoolSize, PoolWait: cfg.DatabasePoolWait, Reads: reads, TrustedProxies: proxies,
		AccessLog: stdout, // where logger's JSON handler writes: access lines skip slog (api/accesslog.go)
		Frontend: frontend.New(frontend.Deps{Auth: authSvc, Catalog: cat, Orders: ord, Invoices: inv, Mail: notify.NewPreferences(db), ResetMail: resetMailer(mailer, db), Logger: logger,
			Secure: cfg.Env != "development", TrustedProxies: proxies}),
	})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	logger.Info("serving", "addr", ln.Addr().String())
	servePprof(ctx, cfg.PprofAddr, logger)
	return serve(ctx, ln, handler, cfg.ShutdownTimeout, logger)
}

// serve serves until ctx is done, then stops accepting connections and lets in-flight
// requests finish (up to timeout) before returning.
func serve(ctx context.Context, ln net.Listener, h http.Handler, timeout time.Duration, logger *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// openDatabase connects to PostgreSQL, creating the database first when it does not exist yet,
// so that a fresh machine needs no manual createdb.
func openDatabase(ctx context.Context, dsn string, poolSize int) (*sqlx.DB, error) {
	db, err := postgres.OpenPool(ctx, dsn, poolSize)
	var pqErr *pq.Error
	if err == nil || !errors.As(err, &pqErr) || pqErr.Code != "3D000" {
		return db, err
	}
	u, perr := url.Parse(dsn)
	if perr != nil {
		return nil, err
	}
	name := strings.TrimPrefix(u.Path, "/")
	u.Path = "/postgres"
	admin, aerr := postgres.Open(ctx, u.String())
	if aerr != nil {
		return nil, err
	}
	defer admin.Close()
	if _, cerr := admin.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); cerr != nil && !postgres.IsUniqueViolation(cerr, "") {
		var e *pq.Error
		if !errors.As(cerr, &e) || e.Code != "42P04" { // duplicate_database: another process won
			return nil, fmt.Errorf("create database %s: %w", name, cerr)
		}
	}
	return postgres.OpenPool(ctx, dsn, poolSize)
}

// logBudget reports at start how this replica's pool fits PostgreSQL's max_connections, and
// warns when it does not fit beside the connections already open: another replica would then
// meet "too many clients" (answered 503, but a sign the budget is wrong).
func logBudget(ctx context.Context, db *sqlx.DB, poolSize int, logger *slog.Logger) {
	b, err := postgres.Budget(ctx, db, poolSize)
	if err != nil {
		logger.Warn("connection budget unknown", "err", err)
		return
	}
	attrs := []any{"pool_size", poolSize, "max_connections", b.MaxConnections, "reserved", b.Reserved,
		"open_now", b.Open, "more_replicas_that_fit", b.ReplicaPoolsRoom}
	if b.Open+poolSize > b.MaxConnections-b.Reserved {
		logger.Warn("connection budget: this replica's pool does not fit PostgreSQL's max_connections; lower DATABASE_POOL_SIZE or put PgBouncer in front", attrs...)
		return
	}
	logger.Info("connection budget", attrs...)
}
