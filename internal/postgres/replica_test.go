package postgres_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/localpg"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/testenv"
)

func TestLSNText(t *testing.T) {
	for _, s := range []string{"0/0", "16/B374D848", "FFFFFFFF/FFFFFFFF"} {
		l, err := postgres.ParseLSN(s)
		if err != nil || l.String() != s {
			t.Fatalf("ParseLSN(%q) = %v, %v; want it back", s, l, err)
		}
	}
	a, _ := postgres.ParseLSN("1/0")
	b, _ := postgres.ParseLSN("0/FFFFFFFF")
	if a <= b {
		t.Fatal("1/0 must come after 0/FFFFFFFF")
	}
	for _, bad := range []string{"", "0", "/1", "1/", "x/1", "1/123456789", "-1/0"} {
		if _, err := postgres.ParseLSN(bad); err == nil {
			t.Fatalf("ParseLSN(%q) accepted", bad)
		}
	}
}

func FuzzParseLSN(f *testing.F) {
	f.Add("16/B374D848")
	f.Fuzz(func(t *testing.T, s string) {
		l, err := postgres.ParseLSN(s)
		if err != nil {
			return
		}
		if back, err := postgres.ParseLSN(l.String()); err != nil || back != l {
			t.Fatalf("%q → %v → %v, %v", s, l, back, err)
		}
	})
}

// replicaPair starts a primary and a streaming replica of its own (never the shared server).
func replicaPair(t *testing.T) (primary, replica *localpg.Server, pdb, rdb *sqlx.DB) {
	t.Helper()
	if !localpg.Available() {
		if os.Getenv("CI") != "" {
			t.Fatal("PostgreSQL server programs not installed in CI")
		}
		t.Skip("PostgreSQL server programs not installed")
	}
	ctx := context.Background()
	primary, err := localpg.StartPrimary(ctx, nil)
	testenv.Must(t, err)
	t.Cleanup(primary.Remove)
	replica, err = primary.StartReplica(ctx)
	testenv.Must(t, err)
	t.Cleanup(replica.Remove)
	pdb, err = postgres.OpenPool(ctx, primary.URL("postgres"), 5)
	testenv.Must(t, err)
	t.Cleanup(func() { pdb.Close() })
	rdb, err = postgres.OpenPool(ctx, replica.URL("postgres"), 5)
	testenv.Must(t, err)
	t.Cleanup(func() { rdb.Close() })
	_, err = pdb.Exec(`CREATE TABLE notes (id int PRIMARY KEY)`)
	testenv.Must(t, err)
	return primary, replica, pdb, rdb
}

// servedBy runs a read through reads and says whether the replica answered it.
func servedBy(t *testing.T, ctx context.Context, reads *postgres.Reads, primary *sqlx.DB) string {
	t.Helper()
	var standby bool
	testenv.Must(t, reads.Query(ctx, primary, func(db *sqlx.DB) error {
		return db.GetContext(ctx, &standby, `SELECT pg_is_in_recovery()`)
	}))
	if standby {
		return "replica"
	}
	return "primary"
}

// pollUntil polls until the replica has replayed lsn.
func pollUntil(t *testing.T, reads *postgres.Reads, lsn postgres.LSN) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		reads.Poll(context.Background()) //nolint:errcheck // checked through State
		if up, replay, _ := reads.State(); up && replay >= lsn {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica never replayed %v", lsn)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A client that has just written reads from the primary until the replica has replayed its
// write, then from the replica; a client that has not written reads from the replica.
func TestReadYourWritesByWALPosition(t *testing.T) {
	_, _, pdb, rdb := replicaPair(t)
	reads := postgres.NewReads(pdb, rdb, 5*time.Second)
	ctx := context.Background()
	pollUntil(t, reads, 0)
	if got := servedBy(t, ctx, reads, pdb); got != "replica" {
		t.Fatalf("a read without writes was served by the %s, want the replica", got)
	}

	// The replica replays only when told to, so the write is certainly not there yet.
	_, err := rdb.Exec(`SELECT pg_wal_replay_pause()`)
	testenv.Must(t, err)
	_, err = pdb.Exec(`INSERT INTO notes VALUES (1)`)
	testenv.Must(t, err)
	lsn, err := postgres.CurrentLSN(ctx, pdb)
	testenv.Must(t, err)
	reads.Poll(ctx) //nolint:errcheck
	writer := postgres.WithMinLSN(ctx, lsn)
	var n int
	testenv.Must(t, reads.Query(writer, pdb, func(db *sqlx.DB) error { return db.Get(&n, `SELECT count(*) FROM notes`) }))
	if n != 1 {
		t.Fatalf("the writer read %d notes right after its write, want 1 (its own write)", n)
	}
	if got := servedBy(t, writer, reads, pdb); got != "primary" {
		t.Fatalf("the writer's read was served by the %s while the replica is behind its write", got)
	}
	if got := servedBy(t, ctx, reads, pdb); got != "replica" {
		t.Fatalf("another client's read was served by the %s, want the replica (it is not lagging long)", got)
	}

	_, err = rdb.Exec(`SELECT pg_wal_replay_resume()`)
	testenv.Must(t, err)
	pollUntil(t, reads, lsn)
	if got := servedBy(t, writer, reads, pdb); got != "replica" {
		t.Fatalf("after the replica replayed the write, the writer was served by the %s", got)
	}
	testenv.Must(t, reads.Query(writer, pdb, func(db *sqlx.DB) error { return db.Get(&n, `SELECT count(*) FROM notes`) }))
	if n != 1 {
		t.Fatalf("replica shows %d notes, want 1", n)
	}
}

// A replica that falls further behind than MaxLag serves no reads until it catches up.
func TestLaggingReplicaIsSkipped(t *testing.T) {
	_, _, pdb, rdb := replicaPair(t)
	reads := postgres.NewReads(pdb, rdb, 200*time.Millisecond)
	ctx := context.Background()
	pollUntil(t, reads, 0)
	_, err := rdb.Exec(`SELECT pg_wal_replay_pause()`)
	testenv.Must(t, err)
	_, err = pdb.Exec(`INSERT INTO notes VALUES (2)`)
	testenv.Must(t, err)
	reads.Poll(ctx) //nolint:errcheck
	time.Sleep(300 * time.Millisecond)
	reads.Poll(ctx) //nolint:errcheck
	if _, _, lag := reads.State(); lag < 200*time.Millisecond {
		t.Fatalf("lag %v with replay paused for 300ms, want over 200ms", lag)
	}
	if got := servedBy(t, ctx, reads, pdb); got != "primary" {
		t.Fatalf("a read was served by the %s while it lags, want the primary", got)
	}
	_, err = rdb.Exec(`SELECT pg_wal_replay_resume()`)
	testenv.Must(t, err)
	lsn, _ := postgres.CurrentLSN(ctx, pdb)
	pollUntil(t, reads, lsn)
	if got := servedBy(t, ctx, reads, pdb); got != "replica" {
		t.Fatalf("after catching up a read was served by the %s", got)
	}
}

// A replica that stops is skipped: a read that meets it down runs on the primary at once,
// polls keep it out, and it serves again once it is back.
func TestDownReplicaIsSkipped(t *testing.T) {
	_, replica, pdb, rdb := replicaPair(t)
	reads := postgres.NewReads(pdb, rdb, 5*time.Second)
	ctx := context.Background()
	pollUntil(t, reads, 0)
	testenv.Must(t, replica.Stop(ctx))
	// The last poll still says up: the read fails over within the request.
	if got := servedBy(t, ctx, reads, pdb); got != "primary" {
		t.Fatalf("with the replica stopped a read was served by the %s", got)
	}
	if err := reads.Poll(ctx); err == nil {
		t.Fatal("poll of a stopped replica succeeded")
	}
	if up, _, _ := reads.State(); up {
		t.Fatal("a stopped replica is reported up")
	}
	if got := servedBy(t, ctx, reads, pdb); got != "primary" {
		t.Fatalf("with the replica stopped a read was served by the %s", got)
	}
	testenv.Must(t, replica.Start(ctx))
	pollUntil(t, reads, 0)
	if got := servedBy(t, ctx, reads, pdb); got != "replica" {
		t.Fatalf("after the replica came back a read was served by the %s", got)
	}
}
