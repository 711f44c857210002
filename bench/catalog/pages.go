package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/bench/internal/benchdb"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/redisurl"
)

// runPages writes, for n typed searches of the mix on a seeded database, each query and the
// JSON of its first and second page (as the demo orderer, through the service as the server
// calls it, with Redis under a fresh key prefix so that no page is cached from before) to out,
// one line each, and prints the PostgreSQL CPU per search. The mix draws the same queries
// from the same database every time, so two builds' files can be compared line for line:
// a change to search's speed must not change a single page.
func runPages(name string, n int, out string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	bench, err := benchdb.Reuse(ctx, strings.TrimSpace(name))
	if err != nil {
		return err
	}
	defer bench.Close()
	db := bench.DB
	var org string
	var names []string
	if err := db.GetContext(ctx, &org, `SELECT org_id FROM users WHERE email IN ($1, $2) ORDER BY email = $1 DESC LIMIT 1`,
		seededEmail, benchEmail); err != nil {
		return fmt.Errorf("the demo orderer %s or %s: %w", seededEmail, benchEmail, err)
	}
	if err := db.SelectContext(ctx, &names, `SELECT name FROM items TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT 3000`); err != nil {
		return err
	}
	queries := newQueryMix()
	queries.add(names)
	rdb, _, err := redisurl.Open(benchdb.RedisURL())
	if err != nil {
		return err
	}
	defer rdb.Close()
	tag := randomHex(4)
	cat := catalog.NewService(db, rdb, "benchpages:"+tag+":")
	caller := auth.Caller{OrgID: org, OrgKind: auth.KindBuyer, Roles: []auth.Role{auth.RoleOrderer}}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	var took []slowRequest
	var empty []string
	pg0, t0 := bench.BackendsCPU(ctx), time.Now()
	for i := 0; i < n; i++ {
		q := queries.next()
		for page := 1; page <= 2; page++ {
			t1 := time.Now()
			b, err := cat.SearchItemsJSON(ctx, caller, catalog.SearchFilter{Q: q, Page: auth.Page{Page: page, PageSize: 20}})
			if err != nil {
				return fmt.Errorf("%q: %w", q, err)
			}
			if page == 1 {
				took = append(took, slowRequest{time.Since(t1), q})
				if bytes.Contains(b, []byte(`"total":0,`)) {
					empty = append(empty, q)
				}
			}
			fmt.Fprintf(w, "%q page %d\t%s\n", q, page, b)
		}
	}
	pg := bench.BackendsCPU(ctx) - pg0
	fmt.Printf("%s: %d searches (two pages each) in %v; PostgreSQL CPU %.2f ms per search (both pages); load average %s; pages in %s\n",
		bench.Name, n, time.Since(t0).Round(time.Millisecond), float64(pg)/float64(time.Millisecond)/float64(n), benchdb.LoadAvg(), out)
	slices.SortFunc(took, func(a, b slowRequest) int { return cmp.Compare(b.took, a.took) })
	fmt.Printf("first pages, one at a time: p50 %s, p99 %s, max %s; the slowest:\n", ms(took[len(took)/2].took), ms(took[len(took)/100].took), ms(took[0].took))
	for _, s := range took[:min(10, len(took))] {
		fmt.Printf("  %8s  %q\n", ms(s.took), s.path)
	}
	// The searches that find nothing, the slowest of the mix, again one at a time: ten times
	// each, every time through a fresh service (its words not remembered) so that
	// no page comes from the cache.
	var sum time.Duration
	pg0 = bench.BackendsCPU(ctx)
	for _, q := range empty {
		best := time.Hour
		for range 10 {
			fresh := catalog.NewService(db, rdb, fmt.Sprintf("benchpages:%s:%d:", tag, time.Now().UnixNano()))
			t1 := time.Now()
			if _, err := fresh.SearchItemsJSON(ctx, caller, catalog.SearchFilter{Q: q, Page: auth.Page{Page: 1, PageSize: 20}}); err != nil {
				return err
			}
			best = min(best, time.Since(t1))
		}
		sum += best
	}
	if len(empty) > 0 {
		pg = bench.BackendsCPU(ctx) - pg0
		fmt.Printf("%d searches finding nothing, ten times each (words not remembered): fastest %s on average, PostgreSQL CPU %s per search\n",
			len(empty), ms(sum/time.Duration(len(empty))), ms(pg/time.Duration(10*len(empty))))
	}
	return w.Flush()
}

// newCatalogueVersion writes a new catalogue version under the server's Redis prefix, as a
// catalogue write does, and waits out the 10 ms the server trusts the version it read: no
// search page cached before is found after it.
func newCatalogueVersion(ctx context.Context) error {
	rdb, _, err := redisurl.Open(benchdb.RedisURL())
	if err != nil {
		return err
	}
	defer rdb.Close()
	if err := rdb.Set(ctx, "avrop:catalog:version", randomHex(8), 0).Err(); err != nil {
		return fmt.Errorf("a new catalogue version: %w", err)
	}
	time.Sleep(50 * time.Millisecond)
	return nil
}

// randomHex is n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) //nolint:errcheck // crypto/rand does not fail
	return hex.EncodeToString(b)
}
