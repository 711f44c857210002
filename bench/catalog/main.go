// Command catalog benchmarks the catalogue over HTTP (issue 3, "Speed"): it builds its own
// database with a 100,000-item catalogue, starts the real Gin handler on a loopback listener
// and prints requests per second and p50/p99 latency of a cached search page, an uncached
// search, an item read and, on the same server, a static JSON endpoint (/healthz), with the
// ratio of cached search to static throughput.
//
//	go run ./bench/catalog [-items 100000] [-duration 5s] [-concurrency 8]
//
// PostgreSQL comes from AVROP_BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/
// postgres?sslmode=disable; a fresh database is created and dropped), Redis from
// AVROP_BENCH_REDIS_URL (default redis://127.0.0.1:6379/0; keys under a fresh prefix, deleted
// at the end).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/avrop/avrop/api"
	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/bench/internal/benchdb"
	"github.com/avrop/avrop/catalog"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/catalog:", err)
		os.Exit(1)
	}
}

func run() error {
	items := flag.Int("items", 100_000, "synthetic catalogue items")
	duration := flag.Duration("duration", 5*time.Second, "measurement time per scenario")
	conc := flag.Int("concurrency", 8, "concurrent clients")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the cached-search scenario to this file")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// A database of our own.
	bench, err := benchdb.Open(ctx, "catalog")
	if err != nil {
		return err
	}
	defer bench.Close()
	db, suffix := bench.DB, bench.Suffix

	ropt, err := redis.ParseURL(benchdb.RedisURL())
	if err != nil {
		return err
	}
	rdb := redis.NewClient(ropt)
	defer rdb.Close()
	prefix := "bench" + suffix + ":"
	defer func() {
		iter := rdb.Scan(context.Background(), 0, prefix+"*", 1000).Iterator()
		for iter.Next(context.Background()) {
			rdb.Del(context.Background(), iter.Val())
		}
	}()

	cfg := auth.DefaultConfig([]byte("bench-secret-0123456789abcdef0123456789"))
	cfg.RedisPrefix = prefix
	cfg.AddressLimit.Rate = 0
	authSvc := auth.NewService(db, rdb, cfg)
	cat := catalog.NewService(db, rdb, prefix)

	// The world: a procurement body, a buyer, two suppliers and a 100,000-item agreement.
	fmt.Printf("Seeding %d catalogue items into %s …\n", *items, bench.Name)
	start := time.Now()
	adminCaller := auth.Caller{OrgKind: auth.KindPlatform, Roles: []auth.Role{auth.RoleAdmin}}
	mkOrg := func(name string, kind auth.OrgKind) (auth.Organization, error) {
		return authSvc.CreateOrganization(ctx, adminCaller, auth.OrganizationInput{Name: name, OrgNumber: name, Kind: kind, Country: "SE"})
	}
	body, err := mkOrg("Karlstads kommun", auth.KindProcurementBody)
	if err != nil {
		return err
	}
	buyer, err := mkOrg("Arvika kommun", auth.KindBuyer)
	if err != nil {
		return err
	}
	s1, err := mkOrg("Abena Nordic AB", auth.KindSupplier)
	if err != nil {
		return err
	}
	s2, err := mkOrg("OneMed Sverige AB", auth.KindSupplier)
	if err != nil {
		return err
	}
	if _, err := authSvc.CreateUser(ctx, adminCaller, auth.UserInput{Email: "orderer@bench.se", Name: "Bench", Password: "bench-password-123",
		OrgID: buyer.ID, Roles: []auth.Role{auth.RoleOrderer}}); err != nil {
		return err
	}
	sess, err := authSvc.Login(ctx, "orderer@bench.se", "bench-password-123", "127.0.0.1")
	if err != nil {
		return err
	}
	ceiling := int64(1e12)
	manager := auth.Caller{OrgID: body.ID, OrgKind: auth.KindProcurementBody, Roles: []auth.Role{auth.RoleManager}}
	ag, err := cat.CreateAgreement(ctx, manager, catalog.AgreementInput{ProcurementBodyID: body.ID, Reference: "RA-BENCH",
		Title: "Förbrukningsmaterial", CPVCode: "33140000", Currency: "SEK", ValidFrom: "2024-01-01", ValidTo: "2099-12-31",
		CeilingMinor: &ceiling, CallOffMethod: catalog.MethodDirect,
		Participants: []catalog.ParticipantInput{{OrgID: buyer.ID}},
		Suppliers:    []catalog.SupplierInput{{OrgID: s1.ID, Rank: 1}, {OrgID: s2.ID, Rank: 2}}})
	if err != nil {
		return err
	}
	if err := catalog.InsertSyntheticItems(ctx, db, ag.ID, []string{s1.ID, s2.ID}, *items); err != nil {
		return err
	}
	var ids []string
	if err := db.SelectContext(ctx, &ids, `SELECT id FROM items ORDER BY random() LIMIT 2000`); err != nil {
		return err
	}
	fmt.Printf("Seeded in %v.\n\n", time.Since(start).Round(time.Millisecond))

	// The real handler on a loopback listener.
	handler := api.NewHandler(api.Deps{DB: db, Redis: rdb, Auth: authSvc, Catalog: cat,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 4 * *conc, MaxIdleConnsPerHost: 4 * *conc}, Timeout: 10 * time.Second}
	token := sess.AccessToken

	// Queries: two words, as people type them; each combination with each page is used once
	// in the uncached scenario, so every request misses the cache.
	words := []string{"handske", "inkontinensskydd", "skumförband", "kompress", "plåster", "handdesinfektion", "tvål",
		"förkläde", "munskydd", "underlägg", "tvättlapp", "kateter", "spruta", "bandage", "sårtvätt", "hudkräm",
		"visir", "termometer", "urinpåse", "stomipåse", "lakan", "tandborste", "schampo", "våtservett", "provrör"}
	mats := []string{"nitril", "vinyl", "latexfri", "bomull", "silikon", "polyeten", "viskos", "papper", "plast", "skum",
		"gel", "flytande", "oparfymerad", "steril", "osteril"}
	var uncachedN atomic.Int64
	uncachedPath := func() string {
		n := int(uncachedN.Add(1)) - 1
		w := words[n%len(words)]
		m := mats[(n/len(words))%len(mats)]
		page := 1 + n/(len(words)*len(mats))
		return fmt.Sprintf("/api/v1/catalog/items?q=%s&page=%d", url.QueryEscape(w+" "+m), page)
	}
	var itemN atomic.Int64

	scenarios := []struct {
		name string
		auth bool
		path func() string
	}{
		{"static JSON (/healthz)", false, func() string { return "/healthz" }},
		{"cached search page", true, func() string { return "/api/v1/catalog/items?q=handske&page=1&page_size=20" }},
		{"uncached search", true, uncachedPath},
		{"item read", true, func() string { return "/api/v1/catalog/items/" + ids[int(itemN.Add(1))%len(ids)] }},
	}
	// Warm the cached search page and the item reads.
	for _, p := range []string{"/api/v1/catalog/items?q=handske&page=1&page_size=20"} {
		if _, err := get(client, base+p, token); err != nil {
			return err
		}
	}
	for _, id := range ids {
		if _, err := get(client, base+"/api/v1/catalog/items/"+id, token); err != nil {
			return err
		}
	}

	fmt.Printf("%d concurrent clients, %v per scenario, %d items, load average before: %s\n\n", *conc, *duration, *items, benchdb.LoadAvg())
	fmt.Printf("%-26s %10s %10s %10s %8s\n", "scenario", "req/s", "p50", "p99", "errors")
	results := map[string]result{}
	for _, sc := range scenarios {
		tok := ""
		if sc.auth {
			tok = token
		}
		if *profile != "" && sc.name == "cached search page" {
			f, err := os.Create(*profile)
			if err != nil {
				return err
			}
			pprof.StartCPUProfile(f) //nolint:errcheck
		}
		r := load(ctx, client, base, tok, sc.path, *conc, *duration)
		if *profile != "" && sc.name == "cached search page" {
			pprof.StopCPUProfile()
		}
		results[sc.name] = r
		fmt.Printf("%-26s %10.0f %10s %10s %8d\n", sc.name, r.rps, r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.errors)
	}
	static, cached, uncached := results["static JSON (/healthz)"], results["cached search page"], results["uncached search"]
	fmt.Printf("\ncached search / static throughput: %.2f (target ≥ 0.50)\n", cached.rps/static.rps)
	fmt.Printf("uncached search p99: %v (target < 50ms)\n", uncached.p99.Round(10*time.Microsecond))
	// Uncached latency without queueing behind other clients.
	r1 := load(ctx, client, base, token, uncachedPath, 1, *duration/2)
	fmt.Printf("uncached search, 1 client: %.0f req/s, p50 %v, p99 %v\n", r1.rps, r1.p50.Round(10*time.Microsecond), r1.p99.Round(10*time.Microsecond))
	fmt.Printf("load average after: %s (figures from a busy machine are low)\n", benchdb.LoadAvg())
	return nil
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	errors   int
}

func get(c *http.Client, u, token string) (int, error) {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
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
	var errs atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < conc; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				_, err := get(c, base+path(), token)
				if err != nil && !errors.Is(err, context.Canceled) {
					errs.Add(1)
					if errs.Load() == 1 {
						fmt.Fprintln(os.Stderr, "first error:", strings.TrimSpace(err.Error()))
					}
					continue
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	r := result{errors: int(errs.Load())}
	if len(lat) > 0 {
		r.rps = float64(len(lat)) / elapsed.Seconds()
		r.p50 = lat[len(lat)/2]
		r.p99 = lat[len(lat)*99/100]
	}
	return r
}
