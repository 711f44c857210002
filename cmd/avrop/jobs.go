package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/frontend"
	"github.com/avrop/avrop/internal/jobs"
	"github.com/avrop/avrop/notify"
	"github.com/avrop/avrop/orders"
)

// backgroundJobs is the periodic work of `avrop serve`; every replica runs the list and each
// job runs once per interval across them all (internal/jobs). Add a job here, not a goroutine
// of its own, so that it runs once however many replicas there are.
func backgroundJobs(db *sqlx.DB, ord *orders.Service, logger *slog.Logger) []jobs.Job {
	return []jobs.Job{
		{Name: "purge-idempotency-keys", Every: 10 * time.Minute, Run: func(ctx context.Context) error {
			n, err := ord.PurgeIdempotencyKeys(ctx)
			if n > 0 {
				logger.InfoContext(ctx, "idempotency keys purged", "count", n)
			}
			return err
		}},
		// Sent, skipped and failed mails are kept a month for operators, then deleted.
		{Name: "purge-mail-outbox", Every: time.Hour, Run: func(ctx context.Context) error {
			n, err := notify.Purge(ctx, db, 30*24*time.Hour)
			if n > 0 {
				logger.InfoContext(ctx, "sent mails purged", "count", n)
			}
			return err
		}},
	}
}

// startMail starts the mail worker (notify.Worker). It is not a job of the list above: every
// replica runs one, and they share the outbox through row locks (FOR UPDATE SKIP LOCKED), so
// mail goes out while one replica's SMTP round is slow, and no job waits behind it. Without
// AVROP_SMTP_URL mails stay queued in the outbox, and that is said once at start.
// It returns the mailer (nil without AVROP_SMTP_URL) for the mails that are sent at once
// instead of queued: password reset links (notify.SendPasswordReset).
func startMail(ctx context.Context, cfg config, db *sqlx.DB, logger *slog.Logger) (*notify.Mailer, error) {
	if cfg.SMTPURL == "" {
		logger.Warn("AVROP_SMTP_URL is not set: mails are queued in the outbox but not sent")
		return nil, nil
	}
	m, err := notify.NewMailer(cfg.SMTPURL, cfg.MailFrom)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("config: AVROP_BASE_URL must be an absolute http(s) URL, got %q", cfg.BaseURL)
	}
	w := &notify.Worker{DB: db, Mailer: m, BaseURL: cfg.BaseURL, Poll: cfg.MailPoll, Logger: logger}
	go w.Run(ctx)
	logger.Info("mail worker started", "base_url", cfg.BaseURL)
	return m, nil
}

// resetMailer mails password reset links through m, or is nil (the link is only shown to the
// administrator) without a mail server.
func resetMailer(m *notify.Mailer, db *sqlx.DB) frontend.ResetMailer {
	if m == nil {
		return nil
	}
	return func(ctx context.Context, u auth.User, link string, expires time.Time) error {
		return m.SendPasswordReset(ctx, db, u.ID, u.Email, u.Name, link, expires)
	}
}

// startJobs runs the background jobs until ctx ends.
func startJobs(ctx context.Context, db *sqlx.DB, list []jobs.Job, tick time.Duration, logger *slog.Logger) {
	host, _ := os.Hostname()
	r := &jobs.Runner{DB: db, Jobs: list, Tick: tick, Holder: fmt.Sprintf("%s/%d", host, os.Getpid()), Logger: logger}
	go r.Run(ctx)
}
