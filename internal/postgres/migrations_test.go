package postgres_test

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"

	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/migrations"
)

// schema describes everything a migration can create in the database — tables and columns,
// constraints, indexes, functions (with a hash of their bodies, so a migration that only
// replaces a body counts), triggers, types, sequences — as sorted lines, so that two states
// can be compared. goose's own table is left out, and so are extensions (pg_trgm): a
// Down leaves them, since other schemas of the database may use them too.
func schema(t *testing.T, db *sqlx.DB) string {
	t.Helper()
	var lines []string
	testenv.Must(t, db.Select(&lines, `
		SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
		  FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'goose_db_version'
		UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
		  FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> 'goose_db_version'
		UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'goose_db_version'
		UNION ALL SELECT 'function ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc) FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
		  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
		UNION ALL SELECT 'trigger ' || tgrelid::regclass || ' ' || tgname FROM pg_trigger WHERE NOT tgisinternal
		UNION ALL SELECT 'type ' || typname FROM pg_type t WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'd', 'c')
		  AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.reltype = t.oid)
		  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
		UNION ALL SELECT 'sequence ' || sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'
		  AND sequence_name NOT LIKE 'goose_db_version%'
		ORDER BY 1`))
	return strings.Join(lines, "\n")
}

// TestMigrationsUpAndDown applies every migration on a scratch database, one at a time, and
// after each runs its Down and its Up again: every Down must succeed and leave exactly the
// schema that was there before its Up, and the Up must apply again on top of it. Then the
// whole sequence goes down to nothing and up again. A Down that fails (such as one updating a
// column it has just renamed) or forgets something fails here.
func TestMigrationsUpAndDown(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, testenv.NewDatabase(t))
	testenv.Must(t, err)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB, migrations.FS)
	testenv.Must(t, err)
	sources := p.ListSources()
	if len(sources) == 0 {
		t.Fatal("no migrations found")
	}
	empty := schema(t, db)
	for _, src := range sources {
		name := fmt.Sprintf("%05d", src.Version)
		before := schema(t, db)
		if _, err := p.UpByOne(ctx); err != nil {
			t.Fatalf("%s up: %v", name, err)
		}
		after := schema(t, db)
		if after == before {
			t.Errorf("%s up changed nothing in the schema", name)
		}
		if _, err := p.Down(ctx); err != nil {
			t.Fatalf("%s down: %v", name, err)
		}
		if got := schema(t, db); got != before {
			t.Fatalf("%s down does not restore the schema before its up:\n%s", name, diffLines(before, got))
		}
		if _, err := p.UpByOne(ctx); err != nil {
			t.Fatalf("%s up after its down: %v", name, err)
		}
		if got := schema(t, db); got != after {
			t.Fatalf("%s up after its down differs from its first up:\n%s", name, diffLines(after, got))
		}
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatalf("down to nothing: %v", err)
	}
	if got := schema(t, db); got != empty {
		t.Fatalf("down to nothing leaves:\n%s", diffLines(empty, got))
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	wantMigrated(t, db)
}

// TestMigrationFiles: one forward sequence 00001, 00002, … without gaps or repeats, and every
// file has an Up and a Down section.
func TestMigrationFiles(t *testing.T) {
	names, err := fs.Glob(migrations.FS, "*.sql")
	testenv.Must(t, err)
	re := regexp.MustCompile(`^(\d{5})_[a-z0-9_]+\.sql$`)
	for i, n := range names {
		m := re.FindStringSubmatch(n)
		if m == nil {
			t.Fatalf("%s: not named 000NN_name.sql", n)
		}
		if want := fmt.Sprintf("%05d", i+1); m[1] != want {
			t.Fatalf("%s: number %s, want %s (one sequence without gaps)", n, m[1], want)
		}
		b, err := fs.ReadFile(migrations.FS, n)
		testenv.Must(t, err)
		up, down, ok := strings.Cut(string(b), "-- +goose Down")
		if !strings.Contains(up, "-- +goose Up") || !ok || strings.TrimSpace(stripComments(down)) == "" {
			t.Errorf("%s: needs a -- +goose Up and a non-empty -- +goose Down section", n)
		}
	}
}

func stripComments(sql string) string {
	var out []string
	for _, l := range strings.Split(sql, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "--") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// diffLines lists the lines only in want (-) or only in got (+).
func diffLines(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var out []string
	for l := range w {
		if !g[l] {
			out = append(out, "- "+l)
		}
	}
	for l := range g {
		if !w[l] {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}
