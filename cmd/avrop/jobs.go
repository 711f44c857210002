package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/jobs"
	"github.com/avrop/avrop/orders"
)

// backgroundJobs is the periodic work of `avrop serve`; every replica runs the list and each
// job runs once per interval across them all (internal/jobs). Add a job here, not a goroutine
// of its own, so that it runs once however many replicas there are.
func backgroundJobs(ord *orders.Service, logger *slog.Logger) []jobs.Job {
	return []jobs.Job{
		{Name: "purge-idempotency-keys", Every: 10 * time.Minute, Run: func(ctx context.Context) error {
			n, err := ord.PurgeIdempotencyKeys(ctx)
			if n > 0 {
				logger.InfoContext(ctx, "idempotency keys purged", "count", n)
			}
			return err
		}},
	}
}

// startJobs runs the background jobs until ctx ends.
func startJobs(ctx context.Context, db *sqlx.DB, list []jobs.Job, tick time.Duration, logger *slog.Logger) {
	host, _ := os.Hostname()
	r := &jobs.Runner{DB: db, Jobs: list, Tick: tick, Holder: fmt.Sprintf("%s/%d", host, os.Getpid()), Logger: logger}
	go r.Run(ctx)
}
