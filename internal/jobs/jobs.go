// Package jobs runs Avrop's periodic background work — idempotency-key cleanup and whatever
// else must happen every so often — once per interval across all replicas of `avrop serve`.
// Every replica runs the same Runner; a job runs on whichever replica first takes the job's
// PostgreSQL advisory lock, and only when its interval has passed since its last run anywhere
// (the background_jobs table). The lock is a session lock on a connection of its own, so a
// replica that dies mid-job releases it with its connection and another takes over at its
// next tick.
package jobs

import (
	"context"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"
)

// Job is periodic work that must run once per Every across every replica.
type Job struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context) error
}

// Runner checks its jobs every Tick and runs those that are due.
type Runner struct {
	DB     *sqlx.DB
	Jobs   []Job
	Tick   time.Duration // how often due jobs are looked for; a job runs at most Tick late
	Holder string        // who ran a job last (host name and pid), for operators
	Logger *slog.Logger
}

// Run checks for due jobs until ctx is done.
func (r *Runner) Run(ctx context.Context) {
	tick := r.Tick
	if tick <= 0 {
		tick = 30 * time.Second
	}
	logger := r.Logger
	if logger == nil {
		logger = slog.Default()
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		for _, j := range r.Jobs {
			if _, err := RunIfDue(ctx, r.DB, j, r.Holder); err != nil && ctx.Err() == nil {
				logger.ErrorContext(ctx, "background job failed", "job", j.Name, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunIfDue runs j when no other replica is running it and its interval has passed since it
// last ran anywhere; it reports whether it ran. A job that fails is not recorded as run, so
// the next tick on any replica tries again.
func RunIfDue(ctx context.Context, db *sqlx.DB, j Job, holder string) (bool, error) {
	conn, err := db.Connx(ctx)
	if err != nil {
		return false, fmt.Errorf("jobs: %s: %w", j.Name, err)
	}
	defer conn.Close()
	var locked bool
	if err := conn.GetContext(ctx, &locked, `SELECT pg_try_advisory_lock(hashtextextended('avrop-job:' || $1, 0))`, j.Name); err != nil {
		return false, fmt.Errorf("jobs: %s: lock: %w", j.Name, err)
	}
	if !locked {
		return false, nil // another replica is running it now
	}
	defer func() {
		// A fresh context: the lock must go even when ctx ended, or the pooled connection
		// would keep it.
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(uctx, `SELECT pg_advisory_unlock(hashtextextended('avrop-job:' || $1, 0))`, j.Name); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // drops the connection, and the lock with it
		}
	}()
	var due bool
	err = conn.GetContext(ctx, &due, `
		INSERT INTO background_jobs AS b (name) VALUES ($1)
		ON CONFLICT (name) DO UPDATE SET name = b.name
		RETURNING b.last_run_at <= now() - make_interval(secs => $2)`, j.Name, j.Every.Seconds())
	if err != nil {
		return false, fmt.Errorf("jobs: %s: due: %w", j.Name, err)
	}
	if !due {
		return false, nil
	}
	if err := j.Run(ctx); err != nil {
		return false, fmt.Errorf("jobs: %s: %w", j.Name, err)
	}
	if _, err := conn.ExecContext(ctx, `UPDATE background_jobs SET last_run_at = now(), runs = runs + 1, holder = $2 WHERE name = $1`, j.Name, holder); err != nil {
		return true, fmt.Errorf("jobs: %s: record run: %w", j.Name, err)
	}
	return true, nil
}
