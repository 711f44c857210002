package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/testenv"
)

// The national seed at a tiny scale builds the country's organisations and agreements, spreads
// its orders over 48 months, leaves the rollups equal to a rebuild from the base tables, and a
// second run adds nothing (it resumes where a stopped run left off).
func TestSeedNational(t *testing.T) {
	testenv.DB(t)
	url := testenv.NewDatabase(t)
	env := map[string]string{"DATABASE_URL": url, "REDIS_URL": testenv.RedisURL()}
	ctx := context.Background()
	var out bytes.Buffer
	for run1 := range 2 {
		out.Reset()
		if err := run(ctx, []string{"seed", "--national", "--scale", "0.0001"}, env, &out); err != nil {
			t.Fatalf("seed --national (run %d): %v\n%s", run1+1, err, out.String())
		}
	}
	db, err := sqlx.Connect("postgres", url)
	testenv.Must(t, err)
	defer db.Close()
	var buyers, bodies, agreements, orders, months, items int
	testenv.Must(t, db.Get(&buyers, `SELECT count(*) FROM organizations WHERE kind = 'buyer'`))
	testenv.Must(t, db.Get(&bodies, `SELECT count(*) FROM organizations WHERE kind = 'procurement_body'`))
	testenv.Must(t, db.Get(&agreements, `SELECT count(*) FROM agreements`))
	testenv.Must(t, db.Get(&orders, `SELECT count(*) FROM orders`))
	testenv.Must(t, db.Get(&months, `SELECT count(DISTINCT date_trunc('month', created_at)) FROM orders`))
	testenv.Must(t, db.Get(&items, `SELECT count(*) FROM items`))
	if buyers != 290 || bodies != 21 || agreements != 63 || orders != 48*20 || months != 48 || items < 189 {
		t.Errorf("seeded %d municipalities, %d regions, %d agreements, %d orders over %d months, %d items; want 290, 21, 63, 960 over 48, ≥ 189",
			buyers, bodies, agreements, orders, months, items)
	}
	tx := db.MustBegin()
	defer tx.Rollback() //nolint:errcheck
	var diff int
	for _, q := range []string{`CREATE TEMP TABLE kept_spend AS SELECT * FROM follow_spend`,
		`CREATE TEMP TABLE kept_cards AS SELECT * FROM follow_cards`, `SELECT follow_rebuild()`} {
		tx.MustExec(q)
	}
	testenv.Must(t, tx.Get(&diff, `SELECT
		(SELECT count(*) FROM ((SELECT * FROM kept_spend EXCEPT ALL SELECT * FROM follow_spend)
		                       UNION ALL (SELECT * FROM follow_spend EXCEPT ALL SELECT * FROM kept_spend)) x)
		+ (SELECT count(*) FROM ((SELECT * FROM kept_cards EXCEPT ALL SELECT * FROM follow_cards)
		                       UNION ALL (SELECT * FROM follow_cards EXCEPT ALL SELECT * FROM kept_cards)) x)`))
	if diff != 0 {
		t.Errorf("%d of the seed's rollup rows differ from a rebuild", diff)
	}
}
