package localpg_test

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/avrop/avrop/internal/localpg"
)

// TestReplicaStreams proves the helper's replica follows its primary: a row written on the
// primary shows up on the replica, which refuses writes.
func TestReplicaStreams(t *testing.T) {
	if !localpg.Available() {
		if os.Getenv("CI") != "" {
			t.Fatal("PostgreSQL server programs not installed in CI")
		}
		t.Skip("PostgreSQL server programs not installed")
	}
	ctx := context.Background()
	p, err := localpg.StartPrimary(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Remove)
	r, err := p.StartReplica(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Remove)
	pdb, _ := sql.Open("postgres", p.URL("postgres"))
	defer pdb.Close()
	rdb, _ := sql.Open("postgres", r.URL("postgres"))
	defer rdb.Close()
	if _, err := pdb.Exec(`CREATE TABLE t (v int); INSERT INTO t VALUES (42)`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var v int
		err := rdb.QueryRow(`SELECT v FROM t`).Scan(&v)
		if err == nil && v == 42 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica never saw the row: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := rdb.Exec(`INSERT INTO t VALUES (1)`); err == nil {
		t.Fatal("replica accepted a write, want read-only")
	}
}
