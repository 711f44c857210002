package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/jobs"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// replicas opens n pools on the test database, as n replicas of `avrop serve` would.
func replicas(t *testing.T, n int) []*sqlx.DB {
	t.Helper()
	url := testenv.DatabaseURL(t)
	dbs := make([]*sqlx.DB, n)
	for i := range dbs {
		db, err := postgres.OpenPool(context.Background(), url, 3)
		testenv.Must(t, err)
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs
}

// Five replicas running the same job at a fast tick for a while run it once: the interval
// (an hour) has not passed after the first run, and the advisory lock keeps a second replica
// out while the first is still running.
func TestJobRunsOnceAcrossReplicas(t *testing.T) {
	var runs, running, overlap atomic.Int32
	job := jobs.Job{Name: "once-" + testenv.Unique(), Every: time.Hour, Run: func(ctx context.Context) error {
		if running.Add(1) > 1 {
			overlap.Add(1)
		}
		defer running.Add(-1)
		runs.Add(1)
		time.Sleep(100 * time.Millisecond)
		return nil
	}}
	dbs := replicas(t, 5)
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &jobs.Runner{DB: db, Jobs: []jobs.Job{job}, Tick: 10 * time.Millisecond, Holder: fmt.Sprint("replica-", i)}
			r.Run(ctx)
		}()
	}
	wg.Wait()
	if got := runs.Load(); got != 1 {
		t.Fatalf("job ran %d times across five replicas, want 1", got)
	}
	if overlap.Load() != 0 {
		t.Fatal("two replicas ran the job at once")
	}
	var holder string
	testenv.Must(t, testenv.DB(t).Get(&holder, `SELECT holder FROM background_jobs WHERE name = $1`, job.Name))
	if holder == "" {
		t.Fatal("the run was not recorded with its holder")
	}
}

// With a short interval the replicas take turns: the job runs about once per interval in
// all, never twice at once, never once per replica per interval.
func TestJobRunsOncePerInterval(t *testing.T) {
	var runs, running, overlap atomic.Int32
	job := jobs.Job{Name: "interval-" + testenv.Unique(), Every: 200 * time.Millisecond, Run: func(ctx context.Context) error {
		if running.Add(1) > 1 {
			overlap.Add(1)
		}
		defer running.Add(-1)
		runs.Add(1)
		time.Sleep(20 * time.Millisecond)
		return nil
	}}
	dbs := replicas(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 1100*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	for _, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			(&jobs.Runner{DB: db, Jobs: []jobs.Job{job}, Tick: 10 * time.Millisecond}).Run(ctx)
		}()
	}
	wg.Wait()
	// 1.1 s at one run per 200 ms is 6 runs at most (the first at once); one per replica per
	// interval would be about 24.
	if got := runs.Load(); got < 2 || got > 6 {
		t.Fatalf("job ran %d times in 1.1 s at an interval of 200 ms on four replicas, want 2–6", got)
	}
	if overlap.Load() != 0 {
		t.Fatal("two replicas ran the job at once")
	}
}

// A failed run is not recorded, so the next replica to look tries again; and the lock is
// given back, so it can.
func TestFailedJobIsTriedAgain(t *testing.T) {
	dbs := replicas(t, 2)
	fail := true
	var runs int
	job := jobs.Job{Name: "retry-" + testenv.Unique(), Every: time.Hour, Run: func(ctx context.Context) error {
		runs++
		if fail {
			return errors.New("boom")
		}
		return nil
	}}
	ctx := context.Background()
	if ran, err := jobs.RunIfDue(ctx, dbs[0], job, "a"); ran || err == nil {
		t.Fatalf("failing run: ran %v, err %v; want not ran and an error", ran, err)
	}
	fail = false
	if ran, err := jobs.RunIfDue(ctx, dbs[1], job, "b"); !ran || err != nil {
		t.Fatalf("retry on another replica: ran %v, err %v; want ran", ran, err)
	}
	if ran, _ := jobs.RunIfDue(ctx, dbs[0], job, "a"); ran {
		t.Fatal("ran again within its interval")
	}
	if runs != 2 {
		t.Fatalf("runs = %d, want 2", runs)
	}
}

// A replica that dies while it runs a job (its connection cut) releases the lock: another
// replica can take the job.
func TestLockGoesWithADeadReplica(t *testing.T) {
	dbs := replicas(t, 2)
	name := "dead-" + testenv.Unique()
	started, release := make(chan struct{}), make(chan struct{})
	job := jobs.Job{Name: name, Every: time.Hour, Run: func(ctx context.Context) error {
		close(started)
		<-release
		return nil
	}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		jobs.RunIfDue(context.Background(), dbs[0], job, "dying") //nolint:errcheck // it dies
	}()
	<-started
	other := jobs.Job{Name: name, Every: time.Hour, Run: func(context.Context) error { return nil }}
	if ran, err := jobs.RunIfDue(context.Background(), dbs[1], other, "b"); ran || err != nil {
		t.Fatalf("while held: ran %v, err %v; want skipped", ran, err)
	}
	// Cut the dying replica's lock connection as a crash would.
	_, err := testenv.DB(t).Exec(`SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND objid::bigint = (hashtextextended('avrop-job:' || $1, 0) & 4294967295) AND granted`, name)
	testenv.Must(t, err)
	close(release)
	<-done
	if ran, err := jobs.RunIfDue(context.Background(), dbs[1], other, "b"); !ran || err != nil {
		t.Fatalf("after the holder died: ran %v, err %v; want ran", ran, err)
	}
}
