package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/testenv"
)

// The national seed at a tiny scale builds the country's organisations and agreements, spreads
// its orders over 48 months, leaves the rollups equal to a rebuild from the base tables and the
// usage counters equal to the orders' sums, restores every index and key it dropped for the
// load (the schema equals a freshly migrated one), and a second run adds nothing (it resumes
// where a stopped run left off).
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
	var journal bool
	testenv.Must(t, db.Get(&journal, `SELECT to_regclass('national_seed_journal') IS NOT NULL`))
	if journal {
		t.Errorf("the seed's journal is left behind")
	}
	fresh := testenv.NewDatabase(t)
	if err := run(ctx, []string{"migrate"}, map[string]string{"DATABASE_URL": fresh, "REDIS_URL": testenv.RedisURL()}, &out); err != nil {
		t.Fatal(err)
	}
	fdb, err := sqlx.Connect("postgres", fresh)
	testenv.Must(t, err)
	defer fdb.Close()
	const schema = `SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid::regclass::text IN ('orders', 'order_lines', 'deviations', 'items')
		UNION ALL SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated
		FROM pg_constraint WHERE conrelid::regclass::text IN ('orders', 'order_lines', 'deviations', 'items')
		   OR confrelid::regclass::text IN ('orders', 'order_lines', 'deviations', 'items') ORDER BY 1`
	var seeded, migrated []string
	testenv.Must(t, db.Select(&seeded, schema))
	testenv.Must(t, fdb.Select(&migrated, schema))
	if strings.Join(seeded, "\n") != strings.Join(migrated, "\n") {
		t.Errorf("indexes and keys after the seed:\n%s\nwant (freshly migrated):\n%s", strings.Join(seeded, "\n"), strings.Join(migrated, "\n"))
	}
	var usageDiff int
	testenv.Must(t, db.Get(&usageDiff, `SELECT count(*) FROM agreements a
		LEFT JOIN (SELECT agreement_id, sum(committed_minor) AS c FROM agreement_usage GROUP BY 1) u ON u.agreement_id = a.id
		LEFT JOIN (SELECT agreement_id, sum(total_minor) AS c FROM orders
		           WHERE status IN ('pending_approval', 'approved', 'accepted', 'shipped', 'delivered') GROUP BY 1) o ON o.agreement_id = a.id
		WHERE COALESCE(u.c, 0) <> COALESCE(o.c, 0)`))
	var partDiff int
	testenv.Must(t, db.Get(&partDiff, `SELECT count(*) FROM agreement_participants p
		LEFT JOIN participant_usage u ON u.agreement_id = p.agreement_id AND u.org_id = p.org_id
		LEFT JOIN (SELECT agreement_id, buyer_org_id, sum(total_minor) AS c FROM orders
		           WHERE status IN ('pending_approval', 'approved', 'accepted', 'shipped', 'delivered') GROUP BY 1, 2) o
		  ON o.agreement_id = p.agreement_id AND o.buyer_org_id = p.org_id
		WHERE u.committed_minor IS DISTINCT FROM COALESCE(o.c, 0)`))
	if usageDiff != 0 || partDiff != 0 {
		t.Errorf("%d agreements' and %d participants' usage counters differ from their orders", usageDiff, partDiff)
	}
	tx := db.MustBegin()
	defer tx.Rollback() //nolint:errcheck
	// The seed's rollups (follow_rebuild, set-based) equal what the triggers' path
	// (follow_refresh, order by order through follow_apply) builds from empty tables.
	var diff int
	for _, q := range []string{`CREATE TEMP TABLE kept_orders AS SELECT * FROM follow_orders`,
		`CREATE TEMP TABLE kept_spend AS SELECT * FROM follow_spend`,
		`CREATE TEMP TABLE kept_agreements AS SELECT * FROM follow_spend_agreements`,
		`CREATE TEMP TABLE kept_days AS SELECT * FROM follow_spend_agreement_days`,
		`CREATE TEMP TABLE kept_cards AS SELECT * FROM follow_cards`,
		`TRUNCATE follow_orders, follow_spend, follow_spend_agreements, follow_spend_agreement_days, follow_cards`,
		`SELECT follow_refresh(ARRAY(SELECT id FROM orders ORDER BY id))`} {
		tx.MustExec(q)
	}
	testenv.Must(t, tx.Get(&diff, `SELECT
		(SELECT count(*) FROM ((SELECT * FROM kept_orders EXCEPT ALL SELECT * FROM follow_orders)
		                       UNION ALL (SELECT * FROM follow_orders EXCEPT ALL SELECT * FROM kept_orders)) x)
		+ (SELECT count(*) FROM ((SELECT * FROM kept_spend EXCEPT ALL SELECT * FROM follow_spend)
		                       UNION ALL (SELECT * FROM follow_spend EXCEPT ALL SELECT * FROM kept_spend)) x)
		+ (SELECT count(*) FROM ((SELECT * FROM kept_agreements EXCEPT ALL SELECT * FROM follow_spend_agreements)
		                       UNION ALL (SELECT * FROM follow_spend_agreements EXCEPT ALL SELECT * FROM kept_agreements)) x)
		+ (SELECT count(*) FROM ((SELECT * FROM kept_days EXCEPT ALL SELECT * FROM follow_spend_agreement_days)
		                       UNION ALL (SELECT * FROM follow_spend_agreement_days EXCEPT ALL SELECT * FROM kept_days)) x)
		+ (SELECT count(*) FROM ((SELECT * FROM kept_cards EXCEPT ALL SELECT * FROM follow_cards)
		                       UNION ALL (SELECT * FROM follow_cards EXCEPT ALL SELECT * FROM kept_cards)) x)`))
	var rows int
	testenv.Must(t, tx.Get(&rows, `SELECT (SELECT count(*) FROM follow_orders) * (SELECT count(*) FROM follow_spend_agreements) * (SELECT count(*) FROM follow_spend_agreement_days)`))
	if rows == 0 {
		t.Errorf("the rollups are empty")
	}
	if diff != 0 {
		t.Errorf("%d of the seed's rollup rows differ from the rollups the triggers' path builds", diff)
	}
}
