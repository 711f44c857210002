package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/migrations"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// migrationCount is the number of migration files embedded in the binary.
func migrationCount(t *testing.T) int {
	t.Helper()
	entries, err := migrations.FS.ReadDir(".")
	testenv.Must(t, err)
	n := 0
	for _, e := range entries {
		if !e.IsDir() && len(e.Name()) > 4 && e.Name()[len(e.Name())-4:] == ".sql" {
			n++
		}
	}
	return n
}

// wantMigrated checks that every migration was applied exactly once and the auth tables exist.
func wantMigrated(t *testing.T, db *sqlx.DB) {
	t.Helper()
	var applied int
	testenv.Must(t, db.Get(&applied, `SELECT count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied`))
	if want := migrationCount(t); applied != want {
		t.Fatalf("applied migrations = %d, want %d (each exactly once)", applied, want)
	}
	var dup int
	testenv.Must(t, db.Get(&dup, `SELECT count(*) FROM (SELECT version_id FROM goose_db_version
		WHERE version_id > 0 GROUP BY version_id HAVING count(*) > 1) d`))
	if dup != 0 {
		t.Fatalf("%d migrations were recorded more than once", dup)
	}
	for _, table := range []string{"organizations", "users", "refresh_tokens"} {
		var ok bool
		testenv.Must(t, db.Get(&ok, `SELECT to_regclass($1) IS NOT NULL`, "public."+table))
		if !ok {
			t.Fatalf("table %s missing after migration", table)
		}
	}
}

func TestMigrateEmptyDatabase(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, testenv.NewDatabase(t))
	testenv.Must(t, err)
	defer db.Close()
	testenv.Must(t, postgres.Migrate(ctx, db.DB))
	wantMigrated(t, db)
	// Running it again finds nothing to do.
	testenv.Must(t, postgres.Migrate(ctx, db.DB))
	wantMigrated(t, db)
}

// TestMigrateConcurrently starts two migrators with separate pools on one fresh database, as
// two instances of the service starting at once would: both succeed and the schema is
// created once.
func TestMigrateConcurrently(t *testing.T) {
	ctx := context.Background()
	url := testenv.NewDatabase(t)
	const instances = 2
	dbs := make([]*sqlx.DB, instances)
	for i := range dbs {
		db, err := postgres.Open(ctx, url)
		testenv.Must(t, err)
		defer db.Close()
		dbs[i] = db
	}
	errs := make([]error, instances)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, db := range dbs {
		wg.Go(func() {
			<-start
			errs[i] = postgres.Migrate(ctx, db.DB)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migrator %d: %v", i, err)
		}
	}
	wantMigrated(t, dbs[0])
}

func TestOpenUnreachable(t *testing.T) {
	ctx := context.Background()
	if _, err := postgres.Open(ctx, "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"); err == nil {
		t.Fatal("Open on a closed port succeeded")
	}
}

// TestError checks the mapping of driver errors to domain errors against real violations.
func TestError(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	conn, err := db.Connx(ctx) // temp tables live on one connection
	testenv.Must(t, err)
	defer conn.Close()
	defer conn.ExecContext(ctx, `DISCARD TEMP`) //nolint:errcheck // the connection goes back to the pool
	_, err = conn.ExecContext(ctx, `DROP TABLE IF EXISTS pg_temp.perr_child, pg_temp.perr_parent;
		CREATE TEMP TABLE perr_parent (id int PRIMARY KEY);
		CREATE TEMP TABLE perr_child (id int PRIMARY KEY, parent int REFERENCES perr_parent (id), n int CHECK (n >= 0));
		INSERT INTO perr_parent VALUES (1); INSERT INTO perr_child VALUES (1, 1, 0)`)
	testenv.Must(t, err)
	exec := func(q string) error { _, err := conn.ExecContext(ctx, q); return err }
	tests := []struct {
		name     string
		err      error
		kind     derr.Kind
		code     string
		isUnique bool
	}{
		{"no rows", sql.ErrNoRows, derr.NotFound, "not_found", false},
		{"unique", exec(`INSERT INTO perr_child VALUES (1, 1, 0)`), derr.Conflict, "duplicate", true},
		{"foreign key", exec(`INSERT INTO perr_child VALUES (2, 99, 0)`), derr.Invalid, "reference_not_found", false},
		{"check", exec(`INSERT INTO perr_child VALUES (3, 1, -1)`), derr.Invalid, "constraint_violated", false},
		{"other", errors.New("boom"), derr.Internal, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("statement did not fail")
			}
			got := postgres.Error(tt.err, "thing")
			if k := derr.KindOf(got); k != tt.kind {
				t.Errorf("kind = %v, want %v (%v)", k, tt.kind, got)
			}
			if c := derr.CodeOf(got); c != tt.code {
				t.Errorf("code = %q, want %q", c, tt.code)
			}
			if u := postgres.IsUniqueViolation(tt.err, ""); u != tt.isUnique {
				t.Errorf("IsUniqueViolation = %v, want %v", u, tt.isUnique)
			}
		})
	}
	if postgres.Error(nil, "thing") != nil {
		t.Error("Error(nil) != nil")
	}
}

func TestInTx(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	_, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS intx_probe (v text PRIMARY KEY)`)
	testenv.Must(t, err)
	errRollback := errors.New("roll back")
	tests := []struct {
		name    string
		fnErr   error
		wantRow bool
	}{
		{"commit", nil, true},
		{"rollback", errRollback, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := testenv.Unique()
			err := postgres.InTx(ctx, db, func(tx *sqlx.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO intx_probe VALUES ($1)`, v); err != nil {
					return err
				}
				return tt.fnErr
			})
			if !errors.Is(err, tt.fnErr) {
				t.Fatalf("err = %v, want %v", err, tt.fnErr)
			}
			var n int
			testenv.Must(t, db.GetContext(ctx, &n, `SELECT count(*) FROM intx_probe WHERE v = $1`, v))
			if got := n == 1; got != tt.wantRow {
				t.Fatalf("row present = %v, want %v", got, tt.wantRow)
			}
		})
	}
}
