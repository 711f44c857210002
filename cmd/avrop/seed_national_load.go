package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// The national seed's bulk load. Loading 10,000,000 orders and 30,000,000 lines into tables
// that keep a dozen indexes up to date costs a random index page (and, after each checkpoint,
// a full-page WAL image) per row, so the load drops the indexes and keys of orders,
// order_lines and deviations (and the foreign keys that lean on those keys), COPYs the months
// into bare heaps from two connections, and then builds each index once by sorting, as
// pg_restore does. Usage counters and rollups are computed set-based once at the end.
//
// A journal table (national_seed_journal) makes it restartable: the dropped definitions and
// the months loaded are written in the same transactions as the drops and the months, so a run
// that was stopped continues where it was; the journal is dropped when the database is
// complete.

// nationalLoadTables are the tables whose keys are dropped during the load; nationalIndexTables
// those whose other indexes are (items keep their keys: the seed reads items by them).
const (
	nationalLoadTables  = `ARRAY['orders', 'order_lines', 'deviations']::regclass[]`
	nationalIndexTables = `ARRAY['orders', 'order_lines', 'deviations', 'items']::regclass[]`
)

// nationalSession is each loading connection's settings: memory for sorts and hashes, and no
// wait for the WAL flush at each commit (a crash loses at most the last months, which the
// journal does not list, so a rerun loads them again).
var nationalSession = []string{
	`SET synchronous_commit = off`,
	`SET work_mem = '512MB'`,
	`SET maintenance_work_mem = '1GB'`,
}

// nationalPrepare reports whether an earlier run built the national orders already; when not,
// and no run has started, it drops the indexes for the load.
func nationalPrepare(ctx context.Context, db *sqlx.DB, w *nationalWorld, first time.Time, out io.Writer) (bool, error) {
	var journal bool
	if err := db.GetContext(ctx, &journal, `SELECT to_regclass('national_seed_journal') IS NOT NULL`); err != nil {
		return false, err
	}
	if journal {
		return false, nil
	}
	var built bool
	if err := db.GetContext(ctx, &built, `SELECT EXISTS (SELECT 1 FROM orders WHERE buyer_org_id = $1 AND number = $2)`,
		w.buyers[0].id, nationalOrderNumber(first, 0)); err != nil {
		return false, err
	}
	if built {
		return true, nil
	}
	t0 := time.Now()
	if err := nationalDropIndexes(ctx, db); err != nil {
		return false, fmt.Errorf("dropping indexes for the load: %w", err)
	}
	fmt.Fprintf(out, "  indexes of items, orders, order_lines and deviations dropped for the load: %s\n", time.Since(t0).Round(time.Second))
	return false, nil
}

// nationalOrders loads the orders of every month not yet loaded, restores the indexes and
// computes usage counters and rollups.
func nationalOrders(ctx context.Context, db *sqlx.DB, w *nationalWorld, now, first time.Time, perMonth int, out io.Writer) error {
	var loaded []string
	if err := db.SelectContext(ctx, &loaded, `SELECT name FROM national_seed_journal WHERE kind = 'month'`); err != nil {
		return err
	}
	done := map[string]bool{}
	for _, m := range loaded {
		done[m] = true
	}
	t0 := time.Now()
	months := make(chan time.Time)
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for month := range months {
				t := time.Now()
				if err := nationalMonth(ctx, db, w, month, now, perMonth); err != nil {
					errs <- fmt.Errorf("orders of %s: %w", month.Format("2006-01"), err)
					return
				}
				mu.Lock()
				fmt.Fprintf(out, "  orders %s: %d in %s\n", month.Format("2006-01"), perMonth, time.Since(t).Round(100*time.Millisecond))
				mu.Unlock()
			}
		}()
	}
	var failed error
feed:
	for m := 0; m < nationalMonths; m++ {
		month := first.AddDate(0, m, 0)
		if done[month.Format("2006-01")] {
			continue
		}
		select {
		case months <- month:
		case failed = <-errs:
			break feed
		}
	}
	close(months)
	wg.Wait()
	if failed == nil {
		select {
		case failed = <-errs:
		default:
		}
	}
	if failed != nil {
		return failed
	}
	fmt.Fprintf(out, "  orders loaded: %s\n", time.Since(t0).Round(time.Second))
	return nationalFinish(ctx, db, out)
}

// nationalDropIndexes writes down and drops, in one transaction, the load tables' indexes,
// their primary and unique keys and the foreign keys that reference those keys. Foreign keys
// from the load tables to other tables stay: their checks are triggers, off during the load.
func nationalDropIndexes(ctx context.Context, db *sqlx.DB) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck
	for _, q := range []string{
		`CREATE TABLE national_seed_journal (kind text NOT NULL, name text NOT NULL, step int NOT NULL DEFAULT 0,
			def text NOT NULL DEFAULT '', drop_def text NOT NULL DEFAULT '', PRIMARY KEY (kind, name))`,
		// Restored in step order: indexes, then keys, then the foreign keys that need the keys.
		`INSERT INTO national_seed_journal (kind, name, step, def, drop_def)
		 SELECT 'index', i.indexrelid::regclass::text, 1, pg_get_indexdef(i.indexrelid), format('DROP INDEX %s', i.indexrelid::regclass)
		 FROM pg_index i WHERE i.indrelid = ANY(` + nationalIndexTables + `)
		   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))`,
		`INSERT INTO national_seed_journal (kind, name, step, def, drop_def)
		 SELECT 'key', c.conrelid::regclass::text || '.' || c.conname, 2,
		        format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)),
		        format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname)
		 FROM pg_constraint c WHERE c.contype IN ('p', 'u', 'x') AND c.conrelid = ANY(` + nationalLoadTables + `)`,
		`INSERT INTO national_seed_journal (kind, name, step, def, drop_def)
		 SELECT 'fkey', c.conrelid::regclass::text || '.' || c.conname, 3,
		        format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)),
		        format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname)
		 FROM pg_constraint c WHERE c.contype = 'f' AND c.confrelid = ANY(` + nationalLoadTables + `)`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%.60s: %w", q, err)
		}
	}
	var drops []string
	if err := tx.SelectContext(ctx, &drops, `SELECT drop_def FROM national_seed_journal ORDER BY step DESC, name`); err != nil {
		return err
	}
	for _, q := range drops {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return tx.Commit()
}

func nationalOrderNumber(month time.Time, i int) string {
	return fmt.Sprintf("N%s-%07d", month.Format("200601"), i+1)
}

// nationalChunk is how many orders go into memory before their rows are COPYed.
const nationalChunk = 10_000

// nationalMonth writes one month's orders, lines and deviations in one transaction, with the
// month's journal row.
func nationalMonth(ctx context.Context, db *sqlx.DB, w *nationalWorld, month, now time.Time, n int) error {
	conn, err := db.Connx(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck
	// Triggers off for this transaction: the lines carry their snapshot columns already and
	// the rollups are computed at the end.
	for _, q := range []string{`SET LOCAL session_replication_role = replica`, `SET LOCAL synchronous_commit = off`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	rng := rand.New(rand.NewPCG(uint64(month.Unix()), 0x4a7))
	span := month.AddDate(0, 1, 0).Sub(month)
	if end := now.Sub(month); end < span {
		span = end
	}
	costCenters := []string{"4410", "4420", "5100", "5500", "6120", "7300"}
	var ords, lines, devs [][]any
	flush := func() error {
		for _, c := range []struct {
			table string
			cols  []string
			rows  [][]any
		}{
			{"orders", []string{"id", "number", "buyer_org_id", "ordered_by", "agreement_id", "supplier_id", "supplier_rank", "status",
				"currency", "total_minor", "vat_minor", "delivery_address", "cost_center", "requested_delivery_date", "approved_at",
				"accepted_at", "shipped_at", "delivered_at", "created_at", "updated_at"}, ords},
			{"order_lines", []string{"order_id", "line_no", "item_id", "sku", "name", "unit", "quantity", "unit_price_minor",
				"vat_rate_bp", "line_total_minor", "line_vat_minor", "eco_labels", "pack_size"}, lines},
			{"deviations", []string{"id", "order_id", "kind", "description", "status", "reported_by", "responded_at", "created_at"}, devs},
		} {
			if len(c.rows) > 0 {
				if err := copyRows(ctx, tx.Tx, c.table, c.cols, c.rows); err != nil {
					return err
				}
			}
		}
		ords, lines, devs = ords[:0], lines[:0], devs[:0]
		return nil
	}
	for i := 0; i < n; i++ {
		b := w.buyers[rng.IntN(len(w.buyers))]
		if i == 0 {
			b = w.buyers[0]
		}
		ag := w.agrs[b.region*3-3+rng.IntN(3)]
		rank := 0
		if p := rng.IntN(10); p >= 6 {
			rank = 1 + p/9
		}
		created := month.Add(time.Duration(rng.Int64N(int64(span))))
		id := uuid.New().String()
		cat := ag.catalogues[rank]
		nl := 1 + rng.IntN(5)
		var total, vat int64
		for l := 1; l <= nl; l++ {
			it := cat[rng.IntN(len(cat))]
			q := int64(1 + rng.IntN(20))
			lt := q * it.price
			lv := (lt*int64(it.vat) + 5000) / 10000
			total += lt
			vat += lv
			lines = append(lines, []any{id, l, it.id, it.sku, it.name, it.unit, q, it.price, it.vat, lt, lv, pq.Array(it.eco), it.pack})
		}
		status, approved, accepted, shipped, delivered := nationalLifecycle(rng, created, now, b.threshold < total && b.threshold > 0)
		var reqDate any
		if rng.IntN(5) == 0 {
			reqDate = created.AddDate(0, 0, 3+rng.IntN(10)).Format(time.DateOnly)
		}
		updated := created
		for _, t := range []any{approved, accepted, shipped, delivered} {
			if tt, ok := t.(time.Time); ok && tt.After(updated) {
				updated = tt
			}
		}
		ords = append(ords, []any{id, nationalOrderNumber(month, i), b.id, b.orderers[rng.IntN(len(b.orderers))], ag.id,
			ag.suppliers[rank], rank + 1, status, "SEK", total, vat, "Leveransadress 1", costCenters[rng.IntN(len(costCenters))],
			reqDate, approved, accepted, shipped, delivered, created, updated})
		if d, ok := delivered.(time.Time); ok && rng.IntN(100) < 2 {
			kinds := []string{"late", "wrong_item", "damaged", "missing", "quality", "other"}
			st := []string{"open", "responded", "closed"}[rng.IntN(3)]
			var responded any
			if st != "open" {
				responded = d.Add(30 * time.Hour)
			}
			devs = append(devs, []any{uuid.New().String(), id, kinds[rng.IntN(len(kinds))], "Avvikelse vid leverans", st, b.orderers[0], responded, d.Add(2 * time.Hour)})
		}
		if len(ords) == nationalChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO national_seed_journal (kind, name) VALUES ('month', $1)`, month.Format("2006-01")); err != nil {
		return err
	}
	return tx.Commit()
}

// nationalFinish builds the dropped indexes and keys (each removed from the journal as it is
// built, so a rerun continues), then usage counters and rollups, each one set-based statement,
// and drops the journal.
func nationalFinish(ctx context.Context, db *sqlx.DB, out io.Writer) error {
	conn, err := db.Connx(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, q := range nationalSession {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	t0 := time.Now()
	var defs []struct {
		Kind string `db:"kind"`
		Name string `db:"name"`
		Def  string `db:"def"`
	}
	if err := conn.SelectContext(ctx, &defs, `SELECT kind, name, def FROM national_seed_journal WHERE step > 0 ORDER BY step, name`); err != nil {
		return err
	}
	for _, d := range defs {
		t := time.Now()
		if _, err := conn.ExecContext(ctx, d.Def); err != nil {
			return fmt.Errorf("%s: %w", d.Def, err)
		}
		if _, err := conn.ExecContext(ctx, `DELETE FROM national_seed_journal WHERE kind = $1 AND name = $2`, d.Kind, d.Name); err != nil {
			return err
		}
		fmt.Fprintf(out, "    %s %s: %s\n", d.Kind, d.Name, time.Since(t).Round(100*time.Millisecond))
	}
	fmt.Fprintf(out, "  indexes and keys built: %s\n", time.Since(t0).Round(time.Second))
	t0 = time.Now()
	for _, q := range []string{
		`ANALYZE orders`, `ANALYZE order_lines`, `ANALYZE deviations`,
		`DELETE FROM participant_usage WHERE agreement_id IN (SELECT id FROM agreements WHERE reference LIKE 'NAT-%')`,
		`DELETE FROM agreement_usage WHERE agreement_id IN (SELECT id FROM agreements WHERE reference LIKE 'NAT-%')`,
		`INSERT INTO agreement_usage (agreement_id, slot, committed_minor)
		 SELECT a.id, 0, COALESCE(sum(o.total_minor) FILTER (WHERE o.status IN ('pending_approval', 'approved', 'accepted', 'shipped', 'delivered')), 0)
		 FROM agreements a LEFT JOIN orders o ON o.agreement_id = a.id WHERE a.reference LIKE 'NAT-%' GROUP BY a.id`,
		`INSERT INTO participant_usage (agreement_id, org_id, committed_minor)
		 SELECT p.agreement_id, p.org_id, COALESCE(u.committed, 0)
		 FROM agreement_participants p JOIN agreements a ON a.id = p.agreement_id
		 LEFT JOIN (SELECT agreement_id, buyer_org_id, sum(total_minor) AS committed FROM orders
		            WHERE status IN ('pending_approval', 'approved', 'accepted', 'shipped', 'delivered') GROUP BY 1, 2) u
		   ON u.agreement_id = p.agreement_id AND u.buyer_org_id = p.org_id
		 WHERE a.reference LIKE 'NAT-%'`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%.60s: %w", q, err)
		}
	}
	fmt.Fprintf(out, "  usage counters: %s\n", time.Since(t0).Round(time.Second))
	t0 = time.Now()
	if _, err := conn.ExecContext(ctx, `SELECT follow_rebuild()`); err != nil {
		return fmt.Errorf("follow_rebuild: %w", err)
	}
	fmt.Fprintf(out, "  follow-up rollups: %s\n", time.Since(t0).Round(time.Second))
	t0 = time.Now()
	if _, err := conn.ExecContext(ctx, `SELECT loyalty_rebuild()`); err != nil {
		return fmt.Errorf("loyalty_rebuild: %w", err)
	}
	fmt.Fprintf(out, "  contract-loyalty rollups: %s\n", time.Since(t0).Round(time.Second))
	t0 = time.Now()
	// Vacuumed now rather than by autovacuum during a benchmark: the visibility map lets
	// index-only scans skip the heap.
	for _, q := range []string{`VACUUM ANALYZE items`, `VACUUM ANALYZE item_prices`, `VACUUM ANALYZE orders`, `VACUUM ANALYZE order_lines`, `VACUUM ANALYZE deviations`,
		`VACUUM ANALYZE follow_orders`, `VACUUM ANALYZE follow_spend`, `VACUUM ANALYZE follow_cards`, `VACUUM ANALYZE loyalty_docs`, `VACUUM ANALYZE loyalty_months`, `DROP TABLE national_seed_journal`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	fmt.Fprintf(out, "  vacuum: %s\n", time.Since(t0).Round(time.Second))
	return nil
}
