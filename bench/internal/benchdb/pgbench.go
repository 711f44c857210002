package benchdb

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
)

func findPgbench() string {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	if len(matches) > 0 {
		slices.Sort(matches)
		return matches[len(matches)-1]
	}
	return ""
}

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \((without initial connection time|excluding connections establishing)\)`)

// Pgbench is a scratch database for pgbench's built-in TPC-B-like script, the yardstick the
// order benchmarks compare with.
type Pgbench struct {
	Path, name string
	admin      *sqlx.DB
	common     []string
	clients    int
}

// NewPgbench finds pgbench (nil without it) for a database name on the server of u.
func NewPgbench(admin *sqlx.DB, u *url.URL, name string, clients int) *Pgbench {
	path := findPgbench()
	if path == "" {
		return nil
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "5432"
	}
	user := "postgres"
	if u.User != nil && u.User.Username() != "" {
		user = u.User.Username()
	}
	return &Pgbench{Path: path, name: name, admin: admin, clients: clients, common: []string{"-h", host, "-p", port, "-U", user}}
}

// Init creates the database and fills it at the scale factor.
func (p *Pgbench) Init(ctx context.Context, scale int) error {
	if _, err := p.admin.ExecContext(ctx, "CREATE DATABASE "+p.name); err != nil {
		return fmt.Errorf("create pgbench database: %w", err)
	}
	cmd := exec.CommandContext(ctx, p.Path, append(p.common, "-i", "-q", "-s", strconv.Itoa(scale), p.name)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgbench -i: %w: %s", err, out)
	}
	return nil
}

// Drop drops the database.
func (p *Pgbench) Drop() {
	p.admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+p.name+" WITH (FORCE)") //nolint:errcheck
}

// Run runs the TPC-B-like script with the client count for d and returns its tps.
func (p *Pgbench) Run(ctx context.Context, d time.Duration) (float64, error) {
	secs := max(int(d.Seconds()), 1)
	cmd := exec.CommandContext(ctx, p.Path, append(p.common, "-c", strconv.Itoa(p.clients), "-j", strconv.Itoa(min(p.clients, 4)),
		"-T", strconv.Itoa(secs), "-n", p.name)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench: %w: %s", err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return 0, errors.New("pgbench: no tps line in: " + string(out))
	}
	return strconv.ParseFloat(string(m[1]), 64)
}
