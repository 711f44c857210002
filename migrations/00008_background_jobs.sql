-- +goose Up
-- When each periodic job (idempotency-key cleanup, …) last ran, across all replicas: a replica
-- holding the job's advisory lock runs it only when the interval has passed since last_run_at,
-- so the job runs once per interval however many replicas there are.
CREATE TABLE background_jobs (
    name        text PRIMARY KEY,
    last_run_at timestamptz NOT NULL DEFAULT '-infinity',
    runs        bigint NOT NULL DEFAULT 0,
    holder      text NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE background_jobs;
