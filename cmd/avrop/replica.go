package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/postgres"
)

// openReads opens DATABASE_REPLICA_URL's pool and starts watching the replica, when one is
// configured (nil otherwise). A replica that is down at start is not an error: reads go to
// the primary until the watch finds it up.
func openReads(ctx context.Context, cfg config, primary *sqlx.DB, logger *slog.Logger) *postgres.Reads {
	if cfg.DatabaseReplicaURL == "" {
		return nil
	}
	replica, err := sqlx.Open("postgres", cfg.DatabaseReplicaURL)
	if err != nil {
		logger.Error("DATABASE_REPLICA_URL: reads stay on the primary", "err", err)
		return nil
	}
	size := cfg.DatabasePoolSize
	if size <= 0 {
		size = postgres.DefaultPoolSize
	}
	replica.SetMaxOpenConns(size)
	replica.SetMaxIdleConns(size)
	replica.SetConnMaxIdleTime(5 * time.Minute)
	go func() { <-ctx.Done(); replica.Close() }()
	reads := postgres.NewReads(primary, replica, cfg.DatabaseReplicaMaxLag)
	go reads.Watch(ctx, 250*time.Millisecond)
	logger.Info("read replica configured", "max_lag", cfg.DatabaseReplicaMaxLag.String())
	return reads
}
