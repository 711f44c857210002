// Command catalog benchmarks catalogue search over HTTP from a separate process (issues 3 and
// 15, "Speed"). It builds its own database, grows one agreement's catalogue to each size in
// turn (10,000, 100,000 and 1,000,000 items by default) with bulk COPY, starts a fresh
// `avrop serve` process for each size and, from this process, measures with concurrent
// clients:
//
//   - typed search: queries as care staff type them — one to three words of real item names,
//     the last cut to a start of at least three letters, every query different (over the
//     whole run) so that no cache helps;
//   - the same with one client, for latency without queueing;
//   - a cached search page and, on the same server, the static /healthz, and their ratio, with
//     the server's CPU time per request of each (from /proc: whatever the machine's load).
//
// Every request says Accept-Encoding: gzip, as browsers do; bodies are read, not decompressed
// (as wrk and ab do).
//
// It prints requests per second, p50 and p99 per scenario and size, how typed search's cost
// grew from the smallest size, and the load average before and after each size, because the
// machine is shared.
//
//	go run ./bench/catalog [-sizes 10000,100000,1000000] [-duration 10s] [-concurrency 8] [-cached] [-bin avrop]
//
// -cached measures only /healthz and the cached search page (quick: -sizes 10000 -cached).
//
// With -seeded db1,db2,… it measures databases seeded with `avrop seed --items N` as they are
// (signed in as the demo orderer), and with -explain N as well it runs EXPLAIN (ANALYZE,
// BUFFERS) of N typed searches' real statements on each instead of load (explain.go). With
// -seeded NAME -pages N it writes N typed searches' first two pages to a file instead
// (pages.go), so that two builds can be shown to answer every search alike.
//
// PostgreSQL comes from AVROP_BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/
// postgres?sslmode=disable; a fresh database is created and dropped), Redis from
// AVROP_BENCH_REDIS_URL (default redis://127.0.0.1:6379/0).
package main

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/bench/internal/benchdb"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/peppol"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/catalog:", err)
		os.Exit(1)
	}
}

type sizeResult struct {
	items                 int
	typed, typed1, cached result
	static                result
	// CPU per typed search (8 clients) of PostgreSQL's backends and of the server process:
	// what a search costs, whatever else the shared machine is doing.
	pgCPU, appCPU time.Duration
	peakRSS       int // the server's peak resident memory (kB, VmHWM) after all scenarios
	// The same static and cached pages measured with wrk (wrk.go); hasWrk false without it.
	wrkStatic, wrkCached wrkResult
	hasWrk               bool
}

// cachedOnly skips the typed searches (-cached); serverBin is a prebuilt server (-bin).
var (
	cachedOnly *bool
	serverBin  *string
)

func run() error {
	sizesFlag := flag.String("sizes", "10000,100000,1000000", "catalogue sizes to measure, in increasing order")
	duration := flag.Duration("duration", 10*time.Second, "measurement time per scenario")
	conc := flag.Int("concurrency", 8, "concurrent clients")
	keep := flag.Bool("keep", false, "keep the database afterwards (its name is printed), to study plans")
	reuse := flag.String("reuse", "", "measure on this database kept by an earlier -keep run, growing it to each size not below its own")
	cachedOnly = flag.Bool("cached", false, "measure only the static handler and the cached search page")
	serverBin = flag.String("bin", "", "an avrop binary to measure instead of building ./cmd/avrop")
	seeded := flag.String("seeded", "", "measure these databases, seeded with `avrop seed --items N` (comma-separated names, smallest first), as they are, signed in as a demo orderer")
	explain := flag.Int("explain", 0, "with -seeded: instead of load, EXPLAIN (ANALYZE, BUFFERS) this many typed searches' statements per database")
	plans := flag.Int("plans", 0, "with -explain: also print the query and text plan of this many slowest search statements")
	pages := flag.Int("pages", 0, "with -seeded NAME: instead of load, write this many typed searches' first two pages to -pages-out (to compare builds) and print PostgreSQL CPU per search")
	pagesOut := flag.String("pages-out", "pages.txt", "with -pages: the file the pages are written to")
	flag.Parse()
	if *seeded != "" && *pages > 0 {
		return runPages(*seeded, *pages, *pagesOut)
	}
	if *seeded != "" && *explain > 0 {
		return runExplain(strings.Split(*seeded, ","), *explain, *plans)
	}
	if *seeded != "" {
		return runSeeded(strings.Split(*seeded, ","), *conc, *duration)
	}
	var sizes []int
	for _, f := range strings.Split(*sizesFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 || (len(sizes) > 0 && n <= sizes[len(sizes)-1]) {
			return fmt.Errorf("-sizes %q: want increasing positive counts", *sizesFlag)
		}
		sizes = append(sizes, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
	defer cancel()

	var bench *benchdb.Bench
	var err error
	if *reuse != "" {
		bench, err = benchdb.Reuse(ctx, *reuse)
	} else {
		bench, err = benchdb.Open(ctx, "catalog")
	}
	if err != nil {
		return err
	}
	defer bench.Close()
	bench.Keep = bench.Keep || *keep
	if bench.Keep {
		fmt.Println("database kept:", bench.Name)
	}
	db := bench.DB
	bin, cleanup, err := benchdb.BuildServer(ctx, *serverBin)
	if err != nil {
		return err
	}
	defer cleanup()

	email, password := benchEmail, benchPassword
	ag, suppliers, have, err := benchWorld(ctx, bench, email, password)
	if err != nil {
		return err
	}
	queries := newQueryMix()
	var results []sizeResult
	for _, n := range sizes {
		if n < have {
			fmt.Printf("== %d items: skipped, the database holds %d\n", n, have)
			continue
		}
		if n > have {
			fmt.Printf("== %d items: loading %d more …\n", n, n-have)
			t0 := time.Now()
			if err := loadItems(ctx, db, ag.ID, suppliers, ag.ValidFrom, n-have); err != nil {
				return err
			}
			have = n
			fmt.Printf("  loaded in %v\n", time.Since(t0).Round(time.Second))
		} else {
			fmt.Printf("== %d items\n", n)
		}
		var names []string
		if err := db.SelectContext(ctx, &names, `SELECT name FROM items ORDER BY random() LIMIT 3000`); err != nil {
			return err
		}
		queries.add(names)
		r, err := measureSize(ctx, bin, bench, n, email, password, queries, *conc, *duration)
		if err != nil {
			return err
		}
		results = append(results, r)
	}

	printSummary(results, *conc, queries)
	return nil
}

// printSummary prints the figures of every size and how they grew from the smallest.
func printSummary(results []sizeResult, conc int, queries *queryMix) {
	fmt.Printf("\nCached search page against the static handler (/healthz), %d clients, Accept-Encoding: gzip:\n", conc)
	fmt.Printf("%10s %12s %12s %8s %16s %16s %10s %9s\n", "items", "static req/s", "cached req/s", "ratio", "static CPU/req", "cached CPU/req",
		"CPU ratio", "peak RSS")
	for _, r := range results {
		fmt.Printf("%10d %12.0f %12.0f %8.2f %13.1f µs %13.1f µs %10.2f %6d MB\n", r.items, r.static.rps, r.cached.rps, r.cached.rps/r.static.rps,
			us(r.static.cpu), us(r.cached.cpu), float64(r.static.cpu)/float64(r.cached.cpu), r.peakRSS/1024)
	}
	last := results[len(results)-1]
	fmt.Printf("cached search / static throughput at %d items: %.2f (target ≥ 0.8); server CPU per request static/cached: %.2f\n",
		last.items, last.cached.rps/last.static.rps, float64(last.static.cpu)/float64(last.cached.cpu))
	if last.hasWrk {
		fmt.Printf("cached search / static throughput with wrk at %d items: %.0f / %.0f req/s = %.2f (server CPU per request %.1f / %.1f µs)\n",
			last.items, last.wrkCached.rps, last.wrkStatic.rps, last.wrkCached.rps/last.wrkStatic.rps, us(last.wrkCached.cpu), us(last.wrkStatic.cpu))
	}
	if *cachedOnly {
		return
	}
	fmt.Printf("\nTyped search, %d clients, every query different (uncached):\n", conc)
	fmt.Printf("%10s %8s %10s %10s %8s %14s %10s %10s %10s %14s %9s\n", "items", "req/s", "p50", "p99", "p50 ×", "1 client p50", "pg CPU",
		"pg CPU ×", "app CPU", "cached/static", "peak RSS")
	for _, r := range results {
		fmt.Printf("%10d %8.0f %10s %10s %8.2f %14s %10s %10.2f %10s %14.2f %6d MB\n", r.items, r.typed.rps, ms(r.typed.p50), ms(r.typed.p99),
			float64(r.typed.p50)/float64(results[0].typed.p50), ms(r.typed1.p50), ms(r.pgCPU), float64(r.pgCPU)/float64(results[0].pgCPU),
			ms(r.appCPU), r.cached.rps/r.static.rps, r.peakRSS/1024)
	}
	fmt.Printf("\nuncached typed search p99 at %d items: %s (target ≤ 50 ms); cost %d → %d items: p50 ×%.2f, 1-client p50 ×%.2f (target ≤ 2)\n",
		last.items, ms(last.typed.p99), results[0].items, last.items, float64(last.typed.p50)/float64(results[0].typed.p50),
		float64(last.typed1.p50)/float64(results[0].typed1.p50))
	fmt.Printf("query mix: %s\n", queries.mixSummary())
}

// benchWorld makes (or, on a reused database, finds) the world: a procurement body, a buyer
// with an orderer, two suppliers and one agreement; have is how many items it holds.
func benchWorld(ctx context.Context, bench *benchdb.Bench, email, password string) (ag catalog.Agreement, suppliers []string, have int, err error) {
	db := bench.DB
	if err = db.GetContext(ctx, &have, `SELECT count(*) FROM items`); err != nil {
		return
	}
	if have > 0 {
		err = db.GetContext(ctx, &ag, `SELECT id, valid_from::text AS valid_from FROM agreements WHERE reference = 'RA-BENCH'`)
		if err == nil {
			err = db.SelectContext(ctx, &suppliers, `SELECT org_id FROM agreement_suppliers WHERE agreement_id = $1 ORDER BY rank`, ag.ID)
		}
		return
	}
	// The world: a procurement body, a buyer with an orderer, two suppliers and one agreement.
	authSvc := auth.NewService(db, nil, auth.DefaultConfig([]byte("bench-secret-0123456789abcdef0123456789")))
	cat := catalog.NewService(db, nil, "")
	adminCaller := auth.Caller{OrgKind: auth.KindPlatform, Roles: []auth.Role{auth.RoleAdmin}}
	orgNumbers := 0
	mkOrg := func(name string, kind auth.OrgKind) (auth.Organization, error) {
		orgNumbers++
		return authSvc.CreateOrganization(ctx, adminCaller, auth.OrganizationInput{Name: name, OrgNumber: peppol.SwedishOrganisationNumber(orgNumbers), Kind: kind, Country: "SE"})
	}
	var orgs [4]auth.Organization
	for i, o := range []struct {
		name string
		kind auth.OrgKind
	}{{"Karlstads kommun", auth.KindProcurementBody}, {"Arvika kommun", auth.KindBuyer}, {"Abena Nordic AB", auth.KindSupplier},
		{"OneMed Sverige AB", auth.KindSupplier}} {
		if orgs[i], err = mkOrg(o.name, o.kind); err != nil {
			return ag, nil, 0, err
		}
	}
	if _, err := authSvc.CreateUser(ctx, adminCaller, auth.UserInput{Email: email, Name: "Bench", Password: password,
		OrgID: orgs[1].ID, Roles: []auth.Role{auth.RoleOrderer}}); err != nil {
		return ag, nil, 0, err
	}
	// The agreement's history names its author: a manager of the procurement body.
	manager, err := authSvc.CreateUser(ctx, adminCaller, auth.UserInput{Email: "manager-" + email, Name: "Bench manager",
		Password: password, OrgID: orgs[0].ID, Roles: []auth.Role{auth.RoleManager}})
	if err != nil {
		return ag, nil, 0, err
	}
	ag, err = cat.CreateAgreement(ctx, auth.Caller{UserID: manager.ID, OrgID: orgs[0].ID, OrgKind: auth.KindProcurementBody, Roles: []auth.Role{auth.RoleManager}}, catalog.AgreementInput{ProcurementBodyID: orgs[0].ID, Reference: "RA-BENCH",
		Title: "Förbrukningsmaterial", CPVCode: "33140000", Currency: "SEK", ValidFrom: "2024-01-01", ValidTo: "2099-12-31",
		DurationJustification: "Benchmark: valid for every run",
		CallOffMethod:         catalog.MethodDirect, Participants: []catalog.ParticipantInput{{OrgID: orgs[1].ID}},
		Suppliers: []catalog.SupplierInput{{OrgID: orgs[2].ID, Rank: 1}, {OrgID: orgs[3].ID, Rank: 2}}})
	if err != nil {
		return ag, nil, 0, err
	}
	return ag, []string{orgs[2].ID, orgs[3].ID}, 0, nil
}

// measureSize starts a fresh server on the database and runs the scenarios against it.
func measureSize(ctx context.Context, bin string, bench *benchdb.Bench, items int, email, password string, queries *queryMix,
	conc int, d time.Duration) (sizeResult, error) {
	res := sizeResult{items: items}
	srv, err := bench.StartServer(ctx, bin, "bench-secret-0123456789abcdef0123456789")
	if err != nil {
		return res, err
	}
	defer srv.Stop()
	base := srv.Base
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 4 * conc, MaxIdleConnsPerHost: 4 * conc}, Timeout: 30 * time.Second}
	token, err := login(client, base, email, password)
	if err != nil {
		return res, err
	}
	cachedPath := "/api/v1/catalog/items?q=handske&page=1&page_size=20"
	if err := describePage(client, base+cachedPath, token); err != nil {
		return res, err
	}
	fmt.Printf("  %d clients, %v per scenario, load average before: %s\n", conc, d, benchdb.LoadAvg())
	typed := func() string { return "/api/v1/catalog/items?q=" + url.QueryEscape(queries.next()) }
	type scenario struct {
		name  string
		auth  bool
		conc  int
		path  func() string
		store *result
	}
	scenarios := []scenario{
		{"static JSON (/healthz)", false, conc, func() string { return "/healthz" }, &res.static},
		{"cached search page", true, conc, func() string { return cachedPath }, &res.cached},
	}
	if !*cachedOnly {
		scenarios = append(scenarios, scenario{"typed search (uncached)", true, conc, typed, &res.typed},
			scenario{"typed search, 1 client", true, 1, typed, &res.typed1})
	}
	fmt.Printf("  %-28s %10s %10s %10s %8s %12s\n", "scenario", "req/s", "p50", "p99", "errors", "server CPU")
	for _, sc := range scenarios {
		tok := ""
		if sc.auth {
			tok = token
		}
		var pg0 time.Duration
		if sc.store == &res.typed {
			// The mix never repeats a query within a run, but a run on a reused database
			// would find earlier runs' pages in Redis (they live 10 minutes under the same
			// version): a new version, as a catalogue write makes, leaves none to find.
			if err := newCatalogueVersion(ctx); err != nil {
				return res, err
			}
			pg0 = bench.BackendsCPU(ctx)
		}
		app0 := srv.CPU()
		*sc.store = load(ctx, client, base, tok, sc.path, sc.conc, d)
		r := sc.store
		if r.n > 0 {
			r.cpu = (srv.CPU() - app0) / time.Duration(r.n)
		}
		if sc.store == &res.typed && r.n > 0 {
			res.pgCPU = (bench.BackendsCPU(ctx) - pg0) / time.Duration(r.n)
			res.appCPU = r.cpu
		}
		fmt.Printf("  %-28s %10.0f %10s %10s %8d %9.1f µs\n", sc.name, r.rps, ms(r.p50), ms(r.p99), r.errors, us(r.cpu))
		if sc.store == &res.typed1 {
			for _, s := range r.slowest {
				q, _ := url.ParseQuery(strings.TrimPrefix(s.path, "/api/v1/catalog/items?"))
				fmt.Printf("      slowest alone: %7s  %q\n", ms(s.took), q.Get("q"))
			}
		}
	}
	if r, ok, err := wrkLoad(ctx, srv, base+"/healthz", "", conc, d); err != nil {
		return res, err
	} else if ok {
		res.hasWrk, res.wrkStatic = true, r
		if res.wrkCached, _, err = wrkLoad(ctx, srv, base+cachedPath, token, conc, d); err != nil {
			return res, err
		}
		fmt.Printf("  wrk -t2 -c%d: static %.0f req/s (%.1f µs CPU), cached search page %.0f req/s (%.1f µs CPU): %.2f\n", conc,
			res.wrkStatic.rps, us(res.wrkStatic.cpu), res.wrkCached.rps, us(res.wrkCached.cpu), res.wrkCached.rps/res.wrkStatic.rps)
	}
	res.peakRSS = benchdb.PeakRSS(srv.Cmd.Process.Pid)
	if !*cachedOnly {
		fmt.Printf("  CPU per typed search: PostgreSQL %s, avrop %s; server peak RSS %d MB\n", ms(res.pgCPU), ms(res.appCPU), res.peakRSS/1024)
	}
	fmt.Printf("  cached search / static: %.2f; queries used so far %d (repeats %d); load average after: %s\n",
		res.cached.rps/res.static.rps, queries.used(), queries.repeats.Load(), benchdb.LoadAvg())
	return res, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// describePage fetches the cached page once (filling the cache) and prints how it goes out.
func describePage(c *http.Client, u, token string) error {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		return fmt.Errorf("GET %s: %d", u, res.StatusCode)
	}
	plain := len(b)
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("cached page: %w", err)
		}
		j, err := io.ReadAll(zr)
		if err != nil {
			return fmt.Errorf("cached page: %w", err)
		}
		plain = len(j)
	}
	fmt.Printf("  cached page: %d bytes of JSON, sent as %d bytes (Content-Encoding %q)\n", plain, len(b), res.Header.Get("Content-Encoding"))
	return nil
}

func login(c *http.Client, base, email, password string) (string, error) {
	res, err := c.Post(base+"/api/v1/auth/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	const key = `"access_token":"`
	i := strings.Index(string(b), key)
	if res.StatusCode != 200 || i < 0 {
		return "", fmt.Errorf("login: %d %s", res.StatusCode, b)
	}
	tok := string(b[i+len(key):])
	return tok[:strings.IndexByte(tok, '"')], nil
}

type result struct {
	n        int // requests measured
	rps      float64
	p50, p99 time.Duration
	errors   int
	cpu      time.Duration // the server's CPU time per request
	slowest  []slowRequest // the slowest requests, slowest first
}

// slowRequest is one measured request: how long it took and its path.
type slowRequest struct {
	took time.Duration
	path string
}

// slowestKept is how many of the slowest requests a load keeps, to name the queries behind p99.
const slowestKept = 8

// keepSlowest adds r to the slowest requests kept in list (slowest first).
func keepSlowest(list []slowRequest, r slowRequest) []slowRequest {
	if len(list) == slowestKept && r.took <= list[len(list)-1].took {
		return list
	}
	i, _ := slices.BinarySearchFunc(list, r, func(a, b slowRequest) int { return cmp.Compare(b.took, a.took) })
	list = slices.Insert(list, i, r)
	return list[:min(len(list), slowestKept)]
}

func get(c *http.Client, u, token string) (int, error) {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	// As a browser sends it. Set by hand, the transport leaves the body as it came.
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body) //nolint:errcheck
	res.Body.Close()
	if res.StatusCode != 200 {
		return res.StatusCode, fmt.Errorf("GET %s: %d", u, res.StatusCode)
	}
	return res.StatusCode, nil
}

// load runs conc clients for d and measures every request.
func load(ctx context.Context, c *http.Client, base, token string, path func() string, conc int, d time.Duration) result {
	var mu sync.Mutex
	var lat []time.Duration
	var slow []slowRequest
	var errs atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < conc; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			var localSlow []slowRequest
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				p := path()
				_, err := get(c, base+p, token)
				if err != nil && !errors.Is(err, context.Canceled) {
					errs.Add(1)
					if errs.Load() == 1 {
						fmt.Fprintln(os.Stderr, "first error:", strings.TrimSpace(err.Error()))
					}
					continue
				}
				local = append(local, time.Since(t0))
				localSlow = keepSlowest(localSlow, slowRequest{local[len(local)-1], p})
			}
			mu.Lock()
			lat = append(lat, local...)
			for _, s := range localSlow {
				slow = keepSlowest(slow, s)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	r := result{errors: int(errs.Load()), n: len(lat), slowest: slow}
	if len(lat) > 0 {
		r.rps = float64(len(lat)) / elapsed.Seconds()
		r.p50 = lat[len(lat)/2]
		r.p99 = lat[len(lat)*99/100]
	}
	return r
}

// The demo orderer of `avrop seed` (Arvika kommun, a participant of the care-supplies
// agreement that `--items N` grows).
// benchEmail is the orderer of the databases this program builds.
const benchEmail, benchPassword = "orderer@bench.se", "bench-password-123"

const seededEmail, seededPassword = "olle.orderer@arvika.se", "avrop-demo-2026"

// runSeeded measures databases made by `avrop seed --items N`, one server per database, as
// they are: nothing is loaded or dropped.
func runSeeded(names []string, conc int, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
	defer cancel()
	bin, cleanup, err := benchdb.BuildServer(ctx, *serverBin)
	if err != nil {
		return err
	}
	defer cleanup()
	queries := newQueryMix()
	var results []sizeResult
	for _, name := range names {
		bench, err := benchdb.Reuse(ctx, strings.TrimSpace(name))
		if err != nil {
			return err
		}
		var items int
		var names []string
		err = bench.DB.GetContext(ctx, &items, `SELECT count(*) FROM items`)
		if err == nil {
			err = bench.DB.SelectContext(ctx, &names, `SELECT name FROM items TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT 3000`)
		}
		if err != nil {
			bench.Close()
			return err
		}
		fmt.Printf("== %s: %d items\n", bench.Name, items)
		queries.add(names)
		r, err := measureSize(ctx, bin, bench, items, seededEmail, seededPassword, queries, conc, d)
		bench.Close()
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	printSummary(results, conc, queries)
	return nil
}
