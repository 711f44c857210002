// Package benchdb gives a benchmark program a migrated PostgreSQL database of its own on the
// local server (AVROP_BENCH_ADMIN_URL), dropped when the program is done, and the Redis it
// should use (AVROP_BENCH_REDIS_URL).
package benchdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/postgres"
)

// Env is the environment variable name, or def when it is unset or empty.
func Env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// RedisURL is the Redis a benchmark uses.
func RedisURL() string { return Env("AVROP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0") }

// Bench is a benchmark's own database and the server connection that made it.
type Bench struct {
	DB       *sqlx.DB // the migrated database of this run
	Admin    *sqlx.DB // the server's maintenance database, for more databases (pgbench's)
	AdminURL *url.URL
	Suffix   string // random, names this run's databases and Redis keys
	Name     string // the database's name
	Keep     bool   // Close leaves the database (to look at its plans afterwards)
}

// Open creates and migrates a database named avrop_bench_<kind>_<suffix>. It refuses a server
// that is not on this machine: a benchmark creates and drops databases.
func Open(ctx context.Context, kind string) (*Bench, error) {
	adminURL := Env("AVROP_BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	u, err := url.Parse(adminURL)
	if err != nil {
		return nil, err
	}
	if host := u.Hostname(); host != "127.0.0.1" && host != "localhost" && host != "::1" {
		return nil, fmt.Errorf("refusing a non-loopback database host %q", host)
	}
	admin, err := sqlx.Open("postgres", adminURL)
	if err != nil {
		return nil, err
	}
	tag := make([]byte, 4)
	rand.Read(tag) //nolint:errcheck // crypto/rand does not fail
	b := &Bench{Admin: admin, AdminURL: u, Suffix: hex.EncodeToString(tag)}
	b.Name = "avrop_bench_" + kind + "_" + b.Suffix
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+b.Name); err != nil {
		admin.Close()
		return nil, fmt.Errorf("create database: %w", err)
	}
	dbURL := *u
	dbURL.Path = "/" + b.Name
	if b.DB, err = postgres.Open(ctx, dbURL.String()); err == nil {
		err = postgres.Migrate(ctx, b.DB.DB)
	}
	if err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// Reuse opens a database an earlier run kept (Keep), migrated to this version, and keeps it
// again.
func Reuse(ctx context.Context, name string) (*Bench, error) {
	adminURL := Env("AVROP_BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	u, err := url.Parse(adminURL)
	if err != nil {
		return nil, err
	}
	admin, err := sqlx.Open("postgres", adminURL)
	if err != nil {
		return nil, err
	}
	b := &Bench{Admin: admin, AdminURL: u, Name: name, Keep: true}
	dbURL := *u
	dbURL.Path = "/" + name
	if b.DB, err = postgres.Open(ctx, dbURL.String()); err == nil {
		err = postgres.Migrate(ctx, b.DB.DB)
	}
	if err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// Close drops the database and closes the connections.
func (b *Bench) Close() {
	if b.DB != nil {
		b.DB.Close()
	}
	if !b.Keep {
		b.Admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+b.Name+" WITH (FORCE)") //nolint:errcheck
	}
	b.Admin.Close()
}

// LoadAvg is the 1-, 5- and 15-minute load average, for judging a benchmark's figures.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
