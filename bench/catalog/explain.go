package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/bench/internal/benchdb"
	"github.com/avrop/avrop/catalog"
)

// runExplain runs EXPLAIN (ANALYZE, BUFFERS) of the real statements of n typed searches of
// the mix on each seeded database, as the demo orderer, and prints per size what the search
// statement cost: PostgreSQL's execution and planning time, shared buffers, rows its scans
// returned or filtered away, and the CPU time of the backend that ran it (from /proc, so
// independent of what else the machine does). Each statement runs three times; the fastest
// run counts, as a warm cache does.
func runExplain(names []string, n, plans int) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	queries := newQueryMix()
	for _, name := range names {
		bench, err := benchdb.Reuse(ctx, strings.TrimSpace(name))
		if err != nil {
			return err
		}
		err = explainSize(ctx, bench, queries, n, plans)
		bench.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

type planCost struct {
	ms, buffers, rows float64
	cpu               time.Duration
}

func explainSize(ctx context.Context, bench *benchdb.Bench, queries *queryMix, n, plans int) error {
	db := bench.DB
	var items int
	var org string
	var names []string
	if err := db.GetContext(ctx, &items, `SELECT count(*) FROM items`); err != nil {
		return err
	}
	// The demo orderer of a seeded database, or the orderer of one this program built (-keep).
	if err := db.GetContext(ctx, &org, `SELECT org_id FROM users WHERE email IN ($1, $2) ORDER BY email = $1 DESC LIMIT 1`,
		seededEmail, benchEmail); err != nil {
		return fmt.Errorf("the demo orderer %s or %s: %w", seededEmail, benchEmail, err)
	}
	if err := db.SelectContext(ctx, &names, `SELECT name FROM items TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT 3000`); err != nil {
		return err
	}
	queries.add(names)
	cat := catalog.NewService(db, nil, "")
	caller := auth.Caller{OrgID: org, OrgKind: auth.KindBuyer, Roles: []auth.Role{auth.RoleOrderer}}
	var words, search []planCost
	type slow struct {
		q, st string
		ms    float64
	}
	var slowest []slow
	for i := 0; i < n; i++ {
		q := queries.next()
		sts, err := cat.SearchStatements(ctx, caller, catalog.SearchFilter{Q: q})
		if err != nil {
			return err
		}
		for j, st := range sts {
			c, err := explainStatement(ctx, db, st)
			if err != nil {
				return err
			}
			if j == 0 {
				words = append(words, c)
			} else {
				search = append(search, c)
				slowest = append(slowest, slow{q, st, c.ms})
			}
		}
	}
	fmt.Printf("== %s: %d items, %d typed searches (EXPLAIN ANALYZE, fastest of 3; load average %s)\n", bench.Name, items, n, benchdb.LoadAvg())
	printCosts("words' expansions", words)
	printCosts("search statement", search)
	slices.SortFunc(slowest, func(a, b slow) int { return int(b.ms*1000 - a.ms*1000) })
	for _, sl := range slowest[:min(plans, len(slowest))] {
		plan, err := textPlan(ctx, db, sl.st)
		if err != nil {
			return err
		}
		fmt.Printf("\n-- %q: %.1f ms\n%s\n", sl.q, sl.ms, plan)
	}
	return nil
}

func printCosts(name string, cs []planCost) {
	if len(cs) == 0 {
		return
	}
	stat := func(f func(planCost) float64) string {
		xs := make([]float64, len(cs))
		sum := 0.0
		for i, c := range cs {
			xs[i] = f(c)
			sum += xs[i]
		}
		slices.Sort(xs)
		return fmt.Sprintf("mean %8.1f  p50 %8.1f  p90 %8.1f  max %8.1f", sum/float64(len(xs)), xs[len(xs)/2], xs[len(xs)*9/10], xs[len(xs)-1])
	}
	fmt.Printf("  %s (%d statements)\n", name, len(cs))
	fmt.Printf("    time ms       %s\n", stat(func(c planCost) float64 { return c.ms }))
	fmt.Printf("    buffers       %s\n", stat(func(c planCost) float64 { return c.buffers }))
	fmt.Printf("    rows touched  %s\n", stat(func(c planCost) float64 { return c.rows }))
	var cpu time.Duration
	for _, c := range cs {
		cpu += c.cpu
	}
	fmt.Printf("    backend CPU   %.2f ms per run (EXPLAIN's own overhead included)\n",
		float64(cpu)/float64(time.Millisecond)/float64(len(cs))/3)
}

// explainStatement runs st (with its SET LOCAL settings) under EXPLAIN three times in a
// transaction that is rolled back.
func explainStatement(ctx context.Context, db *sqlx.DB, st string) (planCost, error) {
	best := planCost{ms: 1e18}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return best, err
	}
	defer tx.Rollback() //nolint:errcheck
	for strings.HasPrefix(strings.TrimSpace(st), "SET LOCAL") {
		st = strings.TrimSpace(st)
		i := strings.IndexByte(st, ';')
		if _, err := tx.ExecContext(ctx, st[:i]); err != nil {
			return best, err
		}
		st = st[i+1:]
	}
	var pid int
	if err := tx.GetContext(ctx, &pid, `SELECT pg_backend_pid()`); err != nil {
		return best, err
	}
	cpu0 := benchdb.ProcCPU(pid)
	for range 3 {
		var out []string
		if err := tx.SelectContext(ctx, &out, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+st); err != nil {
			return best, fmt.Errorf("explain: %w", err)
		}
		var plans []struct {
			Plan          map[string]any `json:"Plan"`
			ExecutionTime float64        `json:"Execution Time"`
			PlanningTime  float64        `json:"Planning Time"`
		}
		if err := json.Unmarshal([]byte(strings.Join(out, "\n")), &plans); err != nil || len(plans) == 0 {
			return best, fmt.Errorf("explain output: %v", err)
		}
		p := plans[0]
		hit, _ := p.Plan["Shared Hit Blocks"].(float64)
		read, _ := p.Plan["Shared Read Blocks"].(float64)
		if ms := p.ExecutionTime + p.PlanningTime; ms < best.ms {
			best = planCost{ms: ms, buffers: hit + read, rows: touched(p.Plan)}
		}
	}
	best.cpu = benchdb.ProcCPU(pid) - cpu0
	return best, nil
}

// textPlan is EXPLAIN (ANALYZE, BUFFERS) of st as text, in a transaction rolled back.
func textPlan(ctx context.Context, db *sqlx.DB, st string) (string, error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback() //nolint:errcheck
	for strings.HasPrefix(strings.TrimSpace(st), "SET LOCAL") {
		st = strings.TrimSpace(st)
		i := strings.IndexByte(st, ';')
		if _, err := tx.ExecContext(ctx, st[:i]); err != nil {
			return "", err
		}
		st = st[i+1:]
	}
	var out []string
	if err := tx.SelectContext(ctx, &out, "EXPLAIN (ANALYZE, BUFFERS) "+st); err != nil {
		return "", err
	}
	return strings.Join(out, "\n"), nil
}

// touched is the rows the plan's scans returned or filtered away, over all their loops:
// heap rows read and index entries (a bitmap index scan's matching items) handed up. The
// work inside a GIN index (walking the posting lists of the words) is not in it.
func touched(n map[string]any) float64 {
	var sum float64
	switch n["Node Type"] {
	case "Bitmap Index Scan", "Bitmap Heap Scan", "Seq Scan", "Index Scan", "Index Only Scan":
		rows, _ := n["Actual Rows"].(float64)
		loops, _ := n["Actual Loops"].(float64)
		removed, _ := n["Rows Removed by Filter"].(float64)
		sum += (rows + removed) * loops
	}
	if ps, ok := n["Plans"].([]any); ok {
		for _, c := range ps {
			if m, ok := c.(map[string]any); ok {
				sum += touched(m)
			}
		}
	}
	return sum
}
