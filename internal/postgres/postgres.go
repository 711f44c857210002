// Package postgres opens Avrop's PostgreSQL pool, applies migrations and maps driver errors
// to domain errors.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/migrations"
)

// Open connects to PostgreSQL with a pool of 40 connections, what tests, seeds and benchmarks
// use; `avrop serve` sizes its pool from configuration through OpenPool.
func Open(ctx context.Context, url string) (*sqlx.DB, error) { return OpenPool(ctx, url, 40) }

// Migrate applies every pending migration. A PostgreSQL advisory session lock makes it safe
// when several processes start at once: the others wait and then find nothing to do.
func Migrate(ctx context.Context, db *sql.DB) error {
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// Error turns driver errors into domain errors: no rows → NotFound, unique violation →
// Conflict, check violation → Invalid; what names a missing thing carries what.
func Error(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return derr.NotFoundf("%s not found", what)
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case "23505":
			return &derr.Error{Kind: derr.Conflict, Code: "duplicate", Message: what + " already exists", Err: err}
		case "23503":
			return &derr.Error{Kind: derr.Invalid, Code: "reference_not_found", Message: "a referenced resource does not exist", Err: err}
		case "23514":
			return &derr.Error{Kind: derr.Invalid, Code: "constraint_violated", Message: what + " breaks a rule", Err: err}
		case "22021", "22P05":
			return Classify(err)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// IsUniqueViolation reports whether err is a unique violation of the named constraint
// (any constraint when name is "").
func IsUniqueViolation(err error, name string) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23505" && (name == "" || pqErr.Constraint == name)
}

// InTx runs fn in a transaction, committing when it returns nil and rolling back otherwise.
// When PostgreSQL aborts the transaction to break a deadlock or a serialization conflict
// (40P01, 40001), nothing of it remains, so InTx runs fn again in a new transaction, up to
// txAttempts times in all: fn must set its results afresh on every run.
func InTx(ctx context.Context, db *sqlx.DB, fn func(tx *sqlx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := inTxOnce(ctx, db, fn)
		if err == nil || attempt == txAttempts || !retryable(err) {
			return err
		}
		// A short random pause lets the transaction that won go first.
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(1+rand.IntN(5*attempt)) * time.Millisecond):
		}
	}
}

// txAttempts is how many times InTx runs a transaction that PostgreSQL keeps aborting.
const txAttempts = 3

func inTxOnce(ctx context.Context, db *sqlx.DB, fn func(tx *sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after commit this is a no-op
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// retryable reports whether PostgreSQL aborted the transaction to resolve a conflict between
// transactions (deadlock_detected, serialization_failure), which a new attempt may not meet.
func retryable(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && (pqErr.Code == "40P01" || pqErr.Code == "40001")
}

// EscapeLike escapes LIKE's wildcards in s (backslash is the default escape character), so
// that user input is matched literally.
func EscapeLike(s string) string { return likeEscaper.Replace(s) }

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
