package postgres_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/testenv"
)

// TestInTxRetriesADeadlock: two transactions lock two rows in opposite orders. PostgreSQL
// aborts one of them to break the deadlock; InTx runs that one again, so both callers succeed
// and each row holds both increments.
func TestInTxRetriesADeadlock(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	table := "deadlock_" + testenv.Unique()
	_, err := db.Exec(`CREATE TABLE ` + table + ` (id int PRIMARY KEY, n int NOT NULL);
		INSERT INTO ` + table + ` VALUES (1, 0), (2, 0)`)
	testenv.Must(t, err)
	t.Cleanup(func() { db.Exec(`DROP TABLE ` + table) }) //nolint:errcheck

	var runs atomic.Int32
	var firstLocks sync.WaitGroup // both first attempts hold their first row
	firstLocks.Add(2)
	bump := func(tx *sqlx.Tx, id int) error {
		_, err := tx.ExecContext(ctx, `UPDATE `+table+` SET n = n + 1 WHERE id = $1`, id)
		return err
	}
	work := func(first, second int) func(tx *sqlx.Tx) error {
		attempt := 0
		return func(tx *sqlx.Tx) error {
			runs.Add(1)
			attempt++
			if err := bump(tx, first); err != nil {
				return err
			}
			if attempt == 1 {
				firstLocks.Done()
				firstLocks.Wait()
			}
			return bump(tx, second)
		}
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, order := range [][2]int{{1, 2}, {2, 1}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = postgres.InTx(ctx, db, work(order[0], order[1]))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("InTx after a deadlock: %v", err)
	}
	// At least one transaction ran again. Both may: on a busy machine both backends' deadlock
	// checks can fire before the first victim's locks are gone, and PostgreSQL then aborts both.
	if got := runs.Load(); got < 3 || got > 4 {
		t.Fatalf("fn ran %d times, want 3 or 4 (the aborted transactions once more)", got)
	}
	var sum []int
	testenv.Must(t, db.Select(&sum, `SELECT n FROM `+table+` ORDER BY id`))
	if len(sum) != 2 || sum[0] != 2 || sum[1] != 2 {
		t.Fatalf("rows = %v, want [2 2]", sum)
	}
}

// TestInTxDoesNotRetryOtherErrors: an error of fn's own is returned after one run.
func TestInTxDoesNotRetryOtherErrors(t *testing.T) {
	var runs int
	boom := errors.New("boom")
	err := postgres.InTx(context.Background(), testenv.DB(t), func(*sqlx.Tx) error { runs++; return boom })
	if !errors.Is(err, boom) || runs != 1 {
		t.Fatalf("err = %v after %d runs, want boom after 1", err, runs)
	}
}
