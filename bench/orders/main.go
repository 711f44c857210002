// Command orders benchmarks call-off order placement (issues 4 and 15, "Speed"): it builds its
// own database, seeds one agreement with a ceiling, 16 participating municipalities and 32
// orderers, starts `avrop serve` as a process of its own on a loopback port and, from this
// process, has 32 concurrent orderers POST orders of three lines (ceilings debited, events
// written) for a fixed time: once as the issue describes the workload, and once with an
// Idempotency-Key on every order, as the web UI sends them. It prints orders per second and
// p50/p99 latency of each, the CPU time per order of PostgreSQL's backends and of the server
// (from /proc: whatever else the machine is doing) and the server's peak RSS, runs pgbench's
// built-in TPC-B-like transaction against the same PostgreSQL in a scratch database with the
// same client count, and prints each ratio (target: at least 0.5).
//
//	go run ./bench/orders [-duration 10s] [-clients 32] [-scale 32] [-bin path/to/avrop] [-pprof 127.0.0.1:6060] [-functions] [-wal] [-sql experiment.sql] [-keep]
//
// PostgreSQL comes from AVROP_BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/
// postgres?sslmode=disable); both databases are created and dropped. pgbench is looked up on
// PATH and in /usr/lib/postgresql/*/bin; without it the ratio is skipped.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/bench/internal/benchdb"
	"github.com/avrop/avrop/peppol"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/orders:", err)
		os.Exit(1)
	}
}

const password = "bench-password-2026"

func run() error {
	duration := flag.Duration("duration", 10*time.Second, "measurement time of each phase")
	clients := flag.Int("clients", 32, "concurrent orderers and pgbench clients")
	scale := flag.Int("scale", 32, "pgbench scale factor (branches); at least the client count avoids one hot branch row")
	pprofAddr := flag.String("pprof", "", "serve the server's profiles on this address (AVROP_PPROF_ADDR) while it runs")
	binFlag := flag.String("bin", "", "an avrop binary to measure instead of building ./cmd/avrop")
	functions := flag.Bool("functions", false, "also print the time PostgreSQL spent in each PL/pgSQL function (track_functions), per order")
	keep := flag.Bool("keep", false, "keep the orders database afterwards (to look at its statements' plans)")
	experiment := flag.String("sql", "", "a file of SQL to run on the seeded database before the server starts (an experiment: drop an index or a constraint to measure what it costs)")
	walFlag := flag.Bool("wal", false, "also print the WAL per order of each workload (pg_waldump on the server's pg_wal, this database's records only)")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	bench, err := benchdb.Open(ctx, "orders")
	if err != nil {
		return err
	}
	defer bench.Close()
	if bench.Keep = *keep; *keep {
		fmt.Println("database kept:", bench.Name)
	}
	db, admin, u, suffix := bench.DB, bench.Admin, bench.AdminURL, bench.Suffix
	db.SetMaxOpenConns(*clients + 4)
	db.SetMaxIdleConns(*clients + 4)

	fmt.Printf("seeding: one agreement, 16 municipalities, %d orderers, 3 items\n", *clients)
	const secret = "bench-secret-0123456789abcdef0123456789"
	authCfg := auth.DefaultConfig([]byte(secret))
	authCfg.AccessTTL = 10 * time.Minute // the server checks each token's own expiry
	authSvc := auth.NewService(db, nil, authCfg)
	seed, err := seedAgreement(ctx, db, authSvc, *clients)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}

	if *experiment != "" {
		q, err := os.ReadFile(*experiment)
		if err != nil {
			return err
		}
		if _, err := db.ExecContext(ctx, string(q)); err != nil {
			return fmt.Errorf("%s: %w", *experiment, err)
		}
		fmt.Printf("ran %s on the seeded database\n", *experiment)
	}
	if *functions {
		if _, err := admin.ExecContext(ctx, "ALTER DATABASE "+bench.Name+" SET track_functions = 'pl'"); err != nil {
			return err
		}
	}
	bin, cleanup, err := benchdb.BuildServer(ctx, *binFlag)
	if err != nil {
		return err
	}
	defer cleanup()
	// A connection and an admission slot for every orderer.
	env := []string{fmt.Sprintf("DATABASE_POOL_SIZE=%d", *clients+4)}
	if *pprofAddr != "" {
		env = append(env, "AVROP_PPROF_ADDR="+*pprofAddr)
	}
	srv, err := bench.StartServer(ctx, bin, secret, env...)
	if err != nil {
		return err
	}
	defer srv.Stop()
	base := srv.Base
	fmt.Printf("server: %s (pid %d); load average before: %s\n", base, srv.Cmd.Process.Pid, benchdb.LoadAvg())

	// The machine may be shared, so the two workloads take turns: orders, pgbench, orders,
	// pgbench, each for half the duration, and the ratio compares their totals.
	pg := benchdb.NewPgbench(admin, u, "avrop_bench_pgbench_"+suffix, *clients)
	if pg != nil {
		defer pg.Drop()
		fmt.Printf("pgbench: %s, initialising scale %d\n", pg.Path, *scale)
		if err := pg.Init(ctx, *scale); err != nil {
			return err
		}
	} else {
		fmt.Println("pgbench not found (apt-get install postgresql-contrib): ratio skipped")
	}
	var wal *walProbe
	if *walFlag {
		if wal, err = newWALProbe(ctx, admin, db, bench.Name); err != nil {
			return err
		}
	}
	if _, err := placeLoop(ctx, base, seed, *clients, 2*time.Second, true, "warm"); err != nil {
		return err
	}
	// The three workloads take turns (the machine may be shared): orders, orders with keys,
	// pgbench, twice, each for half the duration; each ratio compares totals.
	var plain, keyed placed
	var pgTxns, pgSecs float64
	half := *duration / 2
	for round := range 2 {
		for _, w := range []*placed{&plain, &keyed} {
			var lsn0 string
			if wal != nil {
				lsn0 = wal.lsn(ctx)
			}
			pg0, app0 := bench.BackendsCPU(ctx), srv.CPU()
			res, err := placeLoop(ctx, base, seed, *clients, half, w == &keyed, fmt.Sprintf("run%d", round))
			if err != nil {
				return err
			}
			w.pgCPU += bench.BackendsCPU(ctx) - pg0
			w.appCPU += srv.CPU() - app0
			if wal != nil {
				if err := wal.add(ctx, &w.wal, lsn0, wal.lsn(ctx)); err != nil {
					fmt.Println("  (this phase's WAL is not counted)", err)
					w.walMissed += res.n
				}
			}
			w.add(res)
		}
		if pg != nil {
			tps, err := pg.Run(ctx, half)
			if err != nil {
				return err
			}
			pgTxns += tps * half.Seconds()
			pgSecs += half.Seconds()
		}
	}
	var committed, stored, events int64
	db.GetContext(ctx, &committed, `SELECT sum(committed_minor)::bigint FROM agreement_usage WHERE agreement_id = $1`, seed.agreement) //nolint:errcheck
	db.GetContext(ctx, &stored, `SELECT count(*) FROM orders`)                                                                         //nolint:errcheck
	db.GetContext(ctx, &events, `SELECT count(*) FROM order_events`)                                                                   //nolint:errcheck
	plain.print("order placement over HTTP", *clients)
	keyed.print("with an Idempotency-Key each", *clients)
	fmt.Printf("  check: %d orders and %d events stored, committed %d minor units; server peak RSS %d MB; load average after: %s\n",
		stored, events, committed, benchdb.PeakRSS(srv.Cmd.Process.Pid)/1024, benchdb.LoadAvg())
	if *functions {
		printFunctions(ctx, db, plain.n+keyed.n)
	}
	if pg == nil {
		return nil
	}
	tps := pgTxns / pgSecs
	fmt.Printf("pgbench TPC-B-like (scale %d, %d clients, %s): %.0f tps\n", *scale, *clients, *duration, tps)
	fmt.Printf("ratio orders/s ÷ pgbench tps = %.2f (target ≥ 0.50); with an Idempotency-Key each: %.2f\n",
		plain.perSec()/tps, keyed.perSec()/tps)
	return nil
}

// placed sums the rounds of one placement workload.
type placed struct {
	result
	pgCPU, appCPU time.Duration // PostgreSQL's backends' and the server's CPU time over the rounds
	wal           walUse        // with -wal
	walMissed     int           // orders of phases whose WAL could not be read
}

func (p *placed) add(r result) {
	p.n += r.n
	p.failed += r.failed
	p.elapsed += r.elapsed
	p.lat = append(p.lat, r.lat...)
}

func (p *placed) perSec() float64 { return float64(p.n) / p.elapsed.Seconds() }

func (p *placed) print(what string, clients int) {
	slices.Sort(p.lat)
	fmt.Printf("%s: %d clients, %d orders in %.1fs = %.0f orders/s; p50 %.1f ms, p99 %.1f ms; %d refused\n",
		what, clients, p.n, p.elapsed.Seconds(), p.perSec(), ms(p.lat[len(p.lat)/2]), ms(p.lat[len(p.lat)*99/100]), p.failed)
	fmt.Printf("  CPU per order: PostgreSQL %.0f µs, avrop %.0f µs\n", us(p.pgCPU/time.Duration(p.n)), us(p.appCPU/time.Duration(p.n)))
	p.wal.print(p.n - p.walMissed)
}

// printFunctions prints the time PostgreSQL spent in each PL/pgSQL function of the run (the
// rollups' triggers) per order; the statistics reach the view a moment after the backends'
// transactions end.
func printFunctions(ctx context.Context, db *sqlx.DB, orders int) {
	time.Sleep(time.Second)
	var rows []struct {
		Name  string  `db:"funcname"`
		Calls int64   `db:"calls"`
		Total float64 `db:"total_time"`
		Self  float64 `db:"self_time"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT funcname, calls, total_time, self_time FROM pg_stat_user_functions ORDER BY total_time DESC`); err != nil {
		fmt.Println("  functions:", err)
		return
	}
	fmt.Printf("  PL/pgSQL functions over %d orders (ms are wall time inside the function, per order):\n", orders)
	for _, r := range rows {
		fmt.Printf("    %-28s calls %7d  total %7.3f ms/order  self %7.3f ms/order\n", r.Name, r.Calls, r.Total/float64(orders), r.Self/float64(orders))
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

type seeded struct {
	agreement, supplier string
	items               []string
	tokens              []string
}

// seedAgreement creates a procurement body, a supplier, 16 buyers with two orderers each
// (clients in all), an agreement with a ceiling far above what the run can commit, and three
// priced items. The catalogue's tables are written with plain SQL: the benchmark measures
// ordering, not catalogue administration.
func seedAgreement(ctx context.Context, db *sqlx.DB, a *auth.Service, clients int) (seeded, error) {
	var s seeded
	admin := auth.Caller{OrgKind: auth.KindPlatform, Roles: []auth.Role{auth.RoleAdmin}}
	orgs := 0
	mk := func(name string, kind auth.OrgKind, threshold int64) (auth.Organization, error) {
		orgs++
		return a.CreateOrganization(ctx, admin, auth.OrganizationInput{Name: name, OrgNumber: peppol.SwedishOrganisationNumber(orgs),
			Kind: kind, Country: "SE", ApprovalThresholdMinor: threshold})
	}
	body, err := mk("Karlstads kommun", auth.KindProcurementBody, 0)
	if err != nil {
		return s, err
	}
	sup, err := mk("Evondos AB", auth.KindSupplier, 0)
	if err != nil {
		return s, err
	}
	s.supplier = sup.ID
	if err := db.GetContext(ctx, &s.agreement, `INSERT INTO agreements (procurement_body_id, reference, title, cpv_code, currency,
		valid_from, valid_to, ceiling_minor, call_off_method, min_order_minor) VALUES ($1, 'RA-BENCH-1', 'Bench', '33190000', 'SEK',
		current_date - 30, current_date + 365, 1000000000000000, 'ranking', 0) RETURNING id`, body.ID); err != nil {
		return s, err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO agreement_suppliers (agreement_id, org_id, rank) VALUES ($1, $2, 1)`, s.agreement, sup.ID); err != nil {
		return s, err
	}
	for i := range 3 {
		var id string
		if err := db.GetContext(ctx, &id, `INSERT INTO items (agreement_id, supplier_id, sku, name, unit, cpv_code, eco_labels, vat_rate_bp)
			VALUES ($1, $2, $3, $4, 'EA', '33190000', $5, 2500) RETURNING id`, s.agreement, sup.ID, fmt.Sprintf("SKU-%d", i),
			fmt.Sprintf("Item %d", i), pq.Array([]string{})); err != nil {
			return s, err
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO item_prices (item_id, price_minor, effective_from) VALUES ($1, $2, current_date - 1)`,
			id, 10000*(i+1)); err != nil {
			return s, err
		}
		s.items = append(s.items, id)
	}
	var buyers []auth.Organization
	for i := range 16 {
		// Half the municipalities approve small orders automatically, half need approval.
		b, err := mk(fmt.Sprintf("Kommun %02d", i), auth.KindBuyer, int64(i%2)*1_000_000)
		if err != nil {
			return s, err
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO agreement_participants (agreement_id, org_id, ceiling_minor) VALUES ($1, $2, 100000000000000)`,
			s.agreement, b.ID); err != nil {
			return s, err
		}
		buyers = append(buyers, b)
	}
	for i := range clients {
		email := fmt.Sprintf("orderer%d@bench.se", i)
		if _, err := a.CreateUser(ctx, admin, auth.UserInput{Email: email, Name: "Orderer", Password: password,
			OrgID: buyers[i%len(buyers)].ID, Roles: []auth.Role{auth.RoleOrderer}}); err != nil {
			return s, err
		}
		sess, err := a.Login(ctx, email, password, "127.0.0.1")
		if err != nil {
			return s, err
		}
		s.tokens = append(s.tokens, sess.AccessToken)
	}
	return s, nil
}

type result struct {
	n, failed int
	elapsed   time.Duration
	lat       []time.Duration // of the successful orders, sorted
}

// placeLoop has clients orderers place orders for d (benchdb.PlaceOrders); with keys, each
// order carries its own Idempotency-Key (tag makes them unique to the loop).
func placeLoop(ctx context.Context, base string, s seeded, clients int, d time.Duration, keys bool, tag string) (result, error) {
	tr := &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	orderers := make([]benchdb.Orderer, clients)
	for c := range orderers {
		orderers[c] = benchdb.Orderer{Token: s.tokens[c], Agreement: s.agreement, Supplier: s.supplier, Items: s.items}
	}
	if !keys {
		tag = ""
	}
	p := benchdb.PlaceOrders(ctx, client, base, orderers, d, tag)
	if p.N == 0 {
		return result{}, fmt.Errorf("no order succeeded: %v", p.FirstErr)
	}
	if p.Failed > 0 {
		fmt.Printf("  %d requests refused; first: %v\n", p.Failed, p.FirstErr)
	}
	return result{n: p.N, failed: p.Failed, elapsed: p.Elapsed, lat: p.Lat}, nil
}
