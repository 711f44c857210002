// Command followup benchmarks follow-up at national volume (issue 15, "Volume"; SPEC §10)
// from a separate process over HTTP: against a running `avrop serve` on a database built with
// `avrop seed --national`, it measures p50/p99 of each follow-up endpoint — agreement usage,
// spend by each dimension (a manager's, a buyer's and a supplier's), a supplier scorecard, the
// installed base and contract loyalty — and then order placement with an Idempotency-Key
// from 32 orderers of 32 municipalities against pgbench's TPC-B-like script with the same
// client count (target ratio ≥ 0.5). It prints the database's order count and size.
//
//	AVROP_BENCH_URL=http://127.0.0.1:18088 \
//	AVROP_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/avrop_volume?sslmode=disable \
//	go run ./bench/followup [-requests 200] [-clients 4] [-order-clients 32] [-duration 10s]
//
// The database URL is used only to look up ids and counts and, for pgbench, the server; the
// measured requests go over HTTP. Without AVROP_BENCH_URL the benchmark says so and exits 0,
// so `make bench` runs on a machine without a national database.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/avrop/avrop/bench/internal/benchdb"
)

const password = "avrop-national-2026" // the national seed's password

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/followup:", err)
		os.Exit(1)
	}
}

func run() error {
	requests := flag.Int("requests", 200, "requests per follow-up endpoint")
	clients := flag.Int("clients", 4, "concurrent clients per follow-up endpoint")
	orderClients := flag.Int("order-clients", 32, "concurrent orderers and pgbench clients")
	duration := flag.Duration("duration", 10*time.Second, "measurement time of order placement and of pgbench")
	skipOrders := flag.Bool("skip-orders", false, "measure follow-up only")
	flag.Parse()
	base := os.Getenv("AVROP_BENCH_URL")
	dbURL := os.Getenv("AVROP_BENCH_DATABASE_URL")
	if base == "" || dbURL == "" {
		fmt.Println("bench/followup: set AVROP_BENCH_URL and AVROP_BENCH_DATABASE_URL to a server on a database built with `avrop seed --national` (docs/volume.md); skipped")
		return nil
	}
	ctx := context.Background()
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	var nOrders, nLines, nItems int64
	var size string
	if err := db.GetContext(ctx, &nOrders, `SELECT count(*) FROM orders`); err != nil {
		return err
	}
	db.GetContext(ctx, &nLines, `SELECT count(*) FROM order_lines`)                          //nolint:errcheck
	db.GetContext(ctx, &nItems, `SELECT count(*) FROM items`)                                //nolint:errcheck
	db.GetContext(ctx, &size, `SELECT pg_size_pretty(pg_database_size(current_database()))`) //nolint:errcheck
	fmt.Printf("database: %d orders, %d lines, %d items, %s\n", nOrders, nLines, nItems, size)

	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	tokens := map[string]string{}
	for _, email := range []string{"manager@region-01.nat.avrop.se", "approver@org-002.nat.avrop.se", "supplier@lev-12.nat.avrop.se"} {
		t, err := login(client, base, email)
		if err != nil {
			return err
		}
		tokens[email] = t
	}
	var agr, sup string
	if err := db.GetContext(ctx, &agr, `SELECT id FROM agreements WHERE reference = 'NAT-01-1'`); err != nil {
		return fmt.Errorf("no national agreement NAT-01-1 (run avrop seed --national): %w", err)
	}
	if err := db.GetContext(ctx, &sup, `SELECT org_id FROM agreement_suppliers WHERE agreement_id = $1 AND rank = 1`, agr); err != nil {
		return err
	}
	mid := time.Now().UTC().AddDate(0, -6, 0)
	cut := fmt.Sprintf("from=%s&to=%s", time.Date(mid.Year(), mid.Month(), 15, 0, 0, 0, 0, time.UTC).Format(time.DateOnly),
		time.Now().UTC().Format(time.DateOnly))
	man, appr, supp := tokens["manager@region-01.nat.avrop.se"], tokens["approver@org-002.nat.avrop.se"], tokens["supplier@lev-12.nat.avrop.se"]
	endpoints := []struct{ name, path, token string }{
		{"usage (manager)", "/agreements/" + agr + "/usage", man},
		{"spend organization (manager)", "/analytics/spend?group_by=organization", man},
		{"spend supplier (manager)", "/analytics/spend?group_by=supplier", man},
		{"spend agreement (manager)", "/analytics/spend?group_by=agreement", man},
		{"spend cpv (manager)", "/analytics/spend?group_by=cpv", man},
		{"spend cost_center (manager)", "/analytics/spend?group_by=cost_center", man},
		{"spend orderer (manager)", "/analytics/spend?group_by=orderer", man},
		{"spend month (manager)", "/analytics/spend?group_by=month", man},
		{"spend month, cut months (manager)", "/analytics/spend?group_by=month&" + cut, man},
		{"spend cpv, cut months (manager)", "/analytics/spend?group_by=cpv&" + cut, man},
		{"spend organization (approver)", "/analytics/spend?group_by=organization", appr},
		{"spend organization, cut months (approver)", "/analytics/spend?group_by=organization&" + cut, appr},
		{"spend month (supplier)", "/analytics/spend?group_by=month", supp},
		{"spend organization, cut months (supplier)", "/analytics/spend?group_by=organization&" + cut, supp},
		{"scorecard (manager)", "/suppliers/" + sup + "/scorecard", man},
		{"scorecard (supplier)", "/suppliers/" + sup + "/scorecard", supp},
		{"installed base (manager)", "/analytics/installed-base?from=" + time.Now().UTC().AddDate(-1, 0, 0).Format("2006-01") +
			"&to=" + time.Now().UTC().Format("2006-01"), man},
		{"contract loyalty organization (manager)", "/analytics/contract-loyalty?group_by=organization", man},
		{"contract loyalty month (approver)", "/analytics/contract-loyalty?group_by=month", appr},
	}
	fmt.Printf("follow-up over HTTP, %d requests per endpoint, %d clients (target p99 ≤ 100 ms), %s, load average %s\n",
		*requests, *clients, time.Now().UTC().Format("2006-01-02 15:04 UTC"), benchdb.LoadAvg())
	for _, e := range endpoints {
		r, err := measure(client, base+"/api/v1"+e.path, e.token, *requests, *clients)
		if err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
		fmt.Printf("  %-42s p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms\n", e.name, ms(r[len(r)/2]), ms(r[len(r)*99/100]), ms(r[len(r)-1]))
	}
	fmt.Printf("  load average after: %s\n", benchdb.LoadAvg())
	if *skipOrders {
		return nil
	}
	return orderPlacement(ctx, db, client, base, dbURL, *orderClients, *duration)
}

// measure sends n GETs from c clients (after a few warm-up requests) and returns the sorted
// latencies; any answer but 200 is an error.
func measure(client *http.Client, u, token string, n, c int) ([]time.Duration, error) {
	get := func() (time.Duration, error) {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		t0 := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("status %d: %.200s", res.StatusCode, b)
		}
		return time.Since(t0), nil
	}
	for range 3 {
		if _, err := get(); err != nil {
			return nil, err
		}
	}
	var mu sync.Mutex
	var lat []time.Duration
	var first error
	next := make(chan struct{}, n)
	for range n {
		next <- struct{}{}
	}
	close(next)
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				d, err := get()
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	slices.Sort(lat)
	return lat, nil
}

// orderPlacement has c orderers of c municipalities place 3-line orders with an
// Idempotency-Key for d, then runs pgbench with c clients for d.
func orderPlacement(ctx context.Context, db *sqlx.DB, client *http.Client, base, dbURL string, c int, d time.Duration) error {
	var buyers []struct {
		Email    string `db:"email"`
		Agr      string `db:"agreement_id"`
		Supplier string `db:"supplier_id"`
	}
	// Municipalities without an approval threshold, so each order is placed and approved at once.
	if err := db.SelectContext(ctx, &buyers, `
		SELECT DISTINCT ON (o.id) u.email, a.id AS agreement_id, s.org_id AS supplier_id
		FROM organizations o JOIN users u ON u.org_id = o.id AND u.email LIKE 'orderer-1@%'
		JOIN agreement_participants p ON p.org_id = o.id JOIN agreements a ON a.id = p.agreement_id AND a.reference LIKE 'NAT-%-1'
		JOIN agreement_suppliers s ON s.agreement_id = a.id AND s.rank = 1
		WHERE o.approval_threshold_minor = 0 ORDER BY o.id LIMIT $1`, c); err != nil {
		return err
	}
	if len(buyers) < c {
		return fmt.Errorf("only %d orderers without an approval threshold", len(buyers))
	}
	os := make([]benchdb.Orderer, c)
	for i, b := range buyers {
		t, err := login(client, base, b.Email)
		if err != nil {
			return err
		}
		var items []string
		if err := db.SelectContext(ctx, &items, `SELECT id FROM items WHERE agreement_id = $1 AND supplier_id = $2 AND active
			AND approval = 'accepted' ORDER BY sku LIMIT 3`, b.Agr, b.Supplier); err != nil {
			return err
		}
		os[i] = benchdb.Orderer{Token: t, Agreement: b.Agr, Supplier: b.Supplier, Items: items}
	}
	tag := fmt.Sprint(time.Now().UnixNano())
	p := benchdb.PlaceOrders(ctx, client, base, os, d, "bench-"+tag)
	if p.N == 0 {
		return fmt.Errorf("no order placed: %v", p.FirstErr)
	}
	perSec := float64(p.N) / p.Elapsed.Seconds()
	fmt.Printf("order placement with an Idempotency-Key, %d orderers over HTTP: %.0f orders/s, p50 %.1f ms, p99 %.1f ms, %d errors\n",
		c, perSec, ms(p.Lat[p.N/2]), ms(p.Lat[p.N*99/100]), p.Failed)
	if p.FirstErr != nil {
		fmt.Printf("  first error: %v\n", p.FirstErr)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return err
	}
	admin := *u
	admin.Path = "/postgres"
	adb, err := sqlx.Open("postgres", admin.String())
	if err != nil {
		return err
	}
	defer adb.Close()
	pg := benchdb.NewPgbench(adb, u, "avrop_bench_pgbench_followup_"+strings.ReplaceAll(tag[len(tag)-8:], "-", ""), c)
	if pg == nil {
		fmt.Println("pgbench not found: ratio skipped")
		return nil
	}
	defer pg.Drop()
	if err := pg.Init(ctx, c); err != nil {
		return err
	}
	tps, err := pg.Run(ctx, d)
	if err != nil {
		return err
	}
	fmt.Printf("pgbench TPC-B-like (scale %d, %d clients, %s): %.0f tps; ratio %.2f (target ≥ 0.50)\n", c, c, d, tps, perSec/tps)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func login(c *http.Client, base, email string) (string, error) {
	res, err := c.Post(base+"/api/v1/auth/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	b, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(b, &out); err != nil || res.StatusCode != http.StatusOK || out.AccessToken == "" {
		return "", fmt.Errorf("login %s: %d %.200s", email, res.StatusCode, b)
	}
	return out.AccessToken, nil
}
