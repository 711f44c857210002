// Command invoices benchmarks SPEC §9 over HTTP (issue 14, "Speed"): invoice intake (invoices
// per second for a 20-line PEPPOL BIS Billing 3 invoice against a delivered 20-line order) and
// contract loyalty over 1,000,000 ledger rows and 1,000,000 platform orders (p50 and p99 of
// GET /api/v1/analytics/contract-loyalty, by each grouping). The API runs in a separate process
// (this program started again with -serve), so the client's own work never shares the server's
// runtime.
//
//	go run ./bench/invoices [-spend 1000000] [-orders 1000000] [-duration 10s] [-concurrency 4] [-rules=false] [-intake=false] [-keep] [-reuse DB]
//
// Intake is measured with the UBL schema and the EN 16931 and BIS Billing 3 rules checked
// (peppol/rules), unless -rules=false. Beside invoices per second it prints the CPU time per
// invoice of the API process and of its rules JVM (from /proc), which the machine's load does
// not change much.
//
// PostgreSQL comes from AVROP_BENCH_ADMIN_URL (a fresh database, dropped at the end; -keep
// keeps it, and -reuse measures again on a kept one without seeding).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/api"
	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/bench/internal/benchdb"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/orders"
	"github.com/avrop/avrop/peppol/rules"
)

func main() {
	serve := flag.String("serve", "", "internal: serve the API on this database URL (the child process)")
	addr := flag.String("addr", "", "internal: the child's listen address")
	spend := flag.Int("spend", 1_000_000, "ledger rows")
	nOrders := flag.Int("orders", 1_000_000, "platform orders")
	duration := flag.Duration("duration", 10*time.Second, "measurement time per scenario")
	conc := flag.Int("concurrency", 4, "concurrent clients")
	withRules := flag.Bool("rules", true, "check received invoices against the UBL 2.1 schema and the EN 16931 and BIS Billing 3 rules (peppol/rules; needs java and Saxon-HE)")
	keep := flag.Bool("keep", false, "keep the seeded database (its name is printed) for -reuse")
	reuse := flag.String("reuse", "", "measure on a database an earlier -keep run seeded, without seeding")
	intake := flag.Bool("intake", true, "measure invoice intake (false: contract loyalty only)")
	flag.Parse()
	var err error
	if *serve != "" {
		err = serveAPI(*serve, *addr, *withRules)
	} else {
		err = run(*spend, *nOrders, *duration, *conc, *withRules, *intake, *keep, *reuse)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/invoices:", err)
		os.Exit(1)
	}
}

// serveAPI is the child: the real handler with real services on a loopback address.
func serveAPI(dbURL, addr string, withRules bool) error {
	ctx := context.Background()
	var validate invoices.Validator
	if withRules {
		checker, err := rules.Start(0, rules.Billing)
		if err != nil {
			return err
		}
		defer checker.Close()
		validate = func(doc []byte) ([]invoices.RuleFailure, error) { return checker.Check(rules.Billing, doc) }
	}
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(20)
	cfg := auth.DefaultConfig([]byte("bench-secret-0123456789abcdef0123456789"))
	cfg.AddressLimit.Rate = 0
	a := auth.NewService(db, nil, cfg)
	cat := catalog.NewService(db, nil, "benchinv:")
	h := api.NewHandler(api.Deps{DB: db, Auth: a, Catalog: cat, Orders: orders.NewService(db, cat), Invoices: invoices.NewService(db, validate),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return (&http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}).Serve(ln)
}

const password = "bench-password-123"

func run(nSpend, nOrders int, duration time.Duration, conc int, withRules, intake, keep bool, reuse string) error {
	ctx := context.Background()
	var bench *benchdb.Bench
	var err error
	if reuse != "" {
		bench, err = benchdb.Reuse(ctx, reuse)
	} else {
		bench, err = benchdb.Open(ctx, "invoices")
	}
	if err != nil {
		return err
	}
	defer bench.Close()
	bench.Keep = bench.Keep || keep
	if bench.Keep {
		fmt.Println("database kept:", bench.Name)
	}
	db := bench.DB
	var numbers []string
	if reuse == "" {
		if numbers, err = seed(ctx, db, nSpend, nOrders); err != nil {
			return err
		}
	} else if err := db.SelectContext(ctx, &numbers, `SELECT o.number FROM orders o JOIN organizations b ON b.id = o.buyer_org_id
		WHERE b.org_number = 'B1' AND o.status = 'delivered' AND o.number NOT LIKE 'O-%' ORDER BY o.number`); err != nil {
		return err
	}
	return measure(ctx, bench, numbers, duration, conc, withRules, intake)
}

// seed builds the organisations, agreements, ledger rows and orders, and the delivered
// orders the intake invoices; it returns their numbers.
func seed(ctx context.Context, db *sqlx.DB, nSpend, nOrders int) ([]string, error) {
	cfg := auth.DefaultConfig([]byte("bench-secret-0123456789abcdef0123456789"))
	authSvc := auth.NewService(db, nil, cfg)
	cat := catalog.NewService(db, nil, "benchinv:")
	ord := orders.NewService(db, cat)
	admin := auth.Caller{OrgKind: auth.KindPlatform, Roles: []auth.Role{auth.RoleAdmin}}

	start := time.Now()
	fmt.Printf("Seeding 290 municipalities, 2,000 suppliers, %d ledger rows and %d orders …\n", nSpend, nOrders)
	// Organisations by SQL: 290 buyers, one national procurement body whose agreements have
	// them all as participants, one regional body with 15, and 2,000 suppliers.
	for _, q := range []string{
		`INSERT INTO organizations (name, org_number, kind) SELECT 'Kommun ' || g, 'B' || g, 'buyer' FROM generate_series(1, 290) g`,
		`INSERT INTO organizations (name, org_number, kind) SELECT 'Leverantör ' || g || ' AB', 'S' || g, 'supplier' FROM generate_series(1, 2000) g`,
		`INSERT INTO organizations (name, org_number, kind) VALUES ('Nationell inköpscentral', 'P1', 'procurement_body'),
			('Region Värmland', 'P2', 'procurement_body')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("seed organisations: %w", err)
		}
	}
	orgID := func(number string) (id string) {
		db.GetContext(ctx, &id, `SELECT id FROM organizations WHERE org_number = $1`, number) //nolint:errcheck
		return id
	}
	national, regional, buyer1 := orgID("P1"), orgID("P2"), orgID("B1")
	user := func(org, email string, role auth.Role) (string, error) {
		_, err := authSvc.CreateUser(ctx, admin, auth.UserInput{Email: email, Name: "Bench", Password: password, OrgID: org, Roles: []auth.Role{role}})
		return email, err
	}
	for _, u := range []struct {
		org, email string
		role       auth.Role
	}{{national, "manager@national.se", auth.RoleManager}, {regional, "manager@regional.se", auth.RoleManager},
		{buyer1, "approver@b1.se", auth.RoleApprover}, {buyer1, "orderer@b1.se", auth.RoleOrderer}, {orgID("S1"), "seller@s1.se", auth.RoleSupplier}} {
		if _, err := user(u.org, u.email, u.role); err != nil {
			return nil, err
		}
	}
	// Ten agreements in ten CPV divisions, each awarding suppliers S1–S20 (S1 on all).
	divisions := []string{"33", "30", "39", "44", "18", "15", "34", "50", "79", "90"}
	var agreements []string
	for i, d := range divisions {
		var id string
		if err := db.GetContext(ctx, &id, `INSERT INTO agreements (procurement_body_id, reference, title, cpv_code, currency, valid_from,
			valid_to, call_off_method) VALUES ($1, $2, 'Ramavtal', $3, 'SEK', '2020-01-01', '2099-12-31', 'direct') RETURNING id`,
			national, fmt.Sprintf("RA-N-%02d", i), d+"100000"); err != nil {
			return nil, err
		}
		agreements = append(agreements, id)
		if _, err := db.ExecContext(ctx, `INSERT INTO agreement_participants (agreement_id, org_id)
			SELECT $1, id FROM organizations WHERE kind = 'buyer'`, id); err != nil {
			return nil, err
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO agreement_suppliers (agreement_id, org_id, rank)
			SELECT $1, id, row_number() OVER (ORDER BY org_number) FROM organizations
			WHERE org_number = 'S1' OR org_number = ANY($2::text[])`, id, "{S"+fmt.Sprint(2+2*i)+",S"+fmt.Sprint(3+2*i)+"}"); err != nil {
			return nil, err
		}
	}
	var regAgr string
	if err := db.GetContext(ctx, &regAgr, `INSERT INTO agreements (procurement_body_id, reference, title, cpv_code, currency, valid_from,
		valid_to, call_off_method) VALUES ($1, 'RA-V-1', 'Värmland', '33190000', 'SEK', '2020-01-01', '2099-12-31', 'direct') RETURNING id`, regional); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO agreement_participants (agreement_id, org_id)
		SELECT $1, id FROM organizations WHERE kind = 'buyer' AND org_number = ANY(SELECT 'B' || g FROM generate_series(1, 15) g)`, regAgr); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO agreement_suppliers (agreement_id, org_id, rank) SELECT $1, id, 1 FROM organizations WHERE org_number = 'S1'`, regAgr); err != nil {
		return nil, err
	}
	// Twenty items of S1 on the first agreement, for the intake benchmark's orders.
	var skus []string
	for i := 0; i < 20; i++ {
		var id string
		sku := fmt.Sprintf("ART-%02d", i)
		if err := db.GetContext(ctx, &id, `INSERT INTO items (agreement_id, supplier_id, sku, name, unit, cpv_code, vat_rate_bp)
			VALUES ($1, $2, $3, 'Artikel', 'EA', '33141000', 2500) RETURNING id`, agreements[0], orgID("S1"), sku); err != nil {
			return nil, err
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO item_prices (item_id, price_minor, effective_from) VALUES ($1, $2, '2020-01-01')`, id, 1000+i*37); err != nil {
			return nil, err
		}
		skus = append(skus, id)
	}
	// The bulk rows go in with the session's triggers off, and the rollups are rebuilt after, as
	// the national seed does.
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck
	if _, err := tx.ExecContext(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
		return nil, err
	}
	// 1,000,000 ledger rows over two years, 290 buyers, 2,000 suppliers and 20 divisions.
	if _, err := tx.ExecContext(ctx, `WITH b AS (SELECT id, row_number() OVER () AS n FROM organizations WHERE kind = 'buyer'),
		s AS (SELECT org_number, name, row_number() OVER (ORDER BY org_number) AS n FROM organizations WHERE kind = 'supplier'),
		u AS (SELECT id FROM users LIMIT 1)
		INSERT INTO spend_records (org_id, supplier_org_number, supplier_key, supplier_name, invoice_number, invoice_date, amount_minor,
			currency, cpv_code, loaded_by)
		SELECT b.id, s.org_number, upper(s.org_number), s.name, 'L' || g, date '2025-01-01' + (g % 700), 1000 + (g::bigint * 7919) % 500000, 'SEK',
			(ARRAY['33','30','39','44','18','15','34','50','79','90','45','48','72','60','66','71','80','85','92','98'])[1 + g % 20] || '141000',
			(SELECT id FROM u)
		FROM generate_series(1, $1) g JOIN b ON b.n = 1 + g % 290 JOIN s ON s.n = 1 + (g / 7) % 2000`, nSpend); err != nil {
		return nil, fmt.Errorf("seed ledger: %w", err)
	}
	// 1,000,000 platform orders (without lines: contract loyalty reads order totals).
	if _, err := tx.ExecContext(ctx, `WITH b AS (SELECT id, row_number() OVER () AS n FROM organizations WHERE kind = 'buyer'),
		a AS (SELECT id, row_number() OVER (ORDER BY reference) AS n FROM agreements WHERE reference LIKE 'RA-N-%'),
		s1 AS (SELECT id FROM organizations WHERE org_number = 'S1'),
		u AS (SELECT id FROM users LIMIT 1)
		INSERT INTO orders (number, buyer_org_id, ordered_by, agreement_id, supplier_id, supplier_rank, status, currency, total_minor,
			vat_minor, delivery_address, approved_at, created_at)
		SELECT 'O-' || g, b.id, (SELECT id FROM u), a.id, (SELECT id FROM s1), 1,
			(ARRAY['approved','accepted','shipped','delivered','delivered','cancelled'])[1 + g % 6], 'SEK', 5000 + (g::bigint * 104729) % 900000, 0,
			'Bench', timestamptz '2025-01-01' + (g % 700) * interval '1 day', timestamptz '2025-01-01' + (g % 700) * interval '1 day'
		FROM generate_series(1, $1) g JOIN b ON b.n = 1 + g % 290 JOIN a ON a.n = 1 + g % 10`, nOrders); err != nil {
		return nil, fmt.Errorf("seed orders: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	for _, q := range []string{`SELECT follow_rebuild()`, `SELECT loyalty_rebuild()`, `VACUUM ANALYZE`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	// 200 delivered 20-line orders of buyer 1 from S1, through the orders service.
	orderer := callerOf(ctx, authSvc, "orderer@b1.se", buyer1, auth.RoleOrderer)
	var numbers []string
	for i := 0; i < 200; i++ {
		in := orders.OrderInput{AgreementID: agreements[0], SupplierID: orgID("S1"), DeliveryAddress: "Bench"}
		for _, id := range skus {
			in.Lines = append(in.Lines, orders.LineInput{ItemID: id, Quantity: 1_000})
		}
		o, _, err := ord.CreateOrder(ctx, orderer, in, "")
		if err != nil {
			return nil, fmt.Errorf("intake order: %w", err)
		}
		numbers = append(numbers, o.Number)
		if _, err := db.ExecContext(ctx, `UPDATE orders SET status = 'delivered', approved_at = now(), delivered_at = now() WHERE id = $1`, o.ID); err != nil {
			return nil, err
		}
	}
	fmt.Printf("Seeded in %v.\n\n", time.Since(start).Round(time.Second))
	return numbers, nil
}

// measure starts the API in a separate process and measures intake and contract loyalty.
func measure(ctx context.Context, bench *benchdb.Bench, numbers []string, duration time.Duration, conc int, withRules, intake bool) error {
	db := bench.DB

	// The API in a separate process.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	dbURL := *bench.AdminURL
	dbURL.Path = "/" + bench.Name
	child := exec.Command(os.Args[0], "-serve", dbURL.String(), "-addr", addr, "-rules="+strconv.FormatBool(withRules))
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		return err
	}
	defer func() { child.Process.Kill(); child.Wait() }() //nolint:errcheck
	base := "http://" + addr
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4 * conc}, Timeout: 60 * time.Second}
	for i := 0; ; i++ {
		if res, err := client.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		if i > 1200 { // the rules checker compiles the schematron first
			return fmt.Errorf("the API process did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	login := func(email string) (string, error) {
		body, _ := json.Marshal(map[string]string{"email": email, "password": password})
		res, err := client.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		var out struct {
			AccessToken string `json:"access_token"`
		}
		return out.AccessToken, json.NewDecoder(res.Body).Decode(&out)
	}

	if intake {
		// Invoice intake: 20-line invoices, each against one of the delivered orders.
		seller, err := login("seller@s1.se")
		if err != nil {
			return err
		}
		var b1, s1 struct{ Number, Name string }
		db.GetContext(ctx, &b1, `SELECT org_number AS number, name FROM organizations WHERE org_number = 'B1'`) //nolint:errcheck
		db.GetContext(ctx, &s1, `SELECT org_number AS number, name FROM organizations WHERE org_number = 'S1'`) //nolint:errcheck
		var seq atomic.Int64
		run := strconv.FormatInt(time.Now().Unix(), 36) // a kept database is measured again with new numbers
		intake := func() (*http.Request, error) {
			n := seq.Add(1)
			d := invoices.Draft{Number: fmt.Sprintf("F-%s-%d", run, n), IssueDate: "2026-11-20", Currency: "SEK", OrderNumber: numbers[int(n)%len(numbers)],
				Supplier: invoices.DraftParty{OrgNumber: s1.Number, Name: s1.Name, Country: "SE"},
				Buyer:    invoices.DraftParty{OrgNumber: b1.Number, Name: b1.Name, Country: "SE"}}
			for i := 0; i < 20; i++ {
				d.Lines = append(d.Lines, invoices.DraftLine{SKU: fmt.Sprintf("ART-%02d", i), Name: "Artikel", Unit: "EA", Quantity: 10,
					UnitPriceMinor: int64(1000 + i*37), VATRateBP: 2500})
			}
			req, err := http.NewRequest("POST", base+"/api/v1/invoices", bytes.NewReader(d.Document()))
			if err == nil {
				req.Header.Set("Content-Type", "application/xml")
				req.Header.Set("Authorization", "Bearer "+seller)
			}
			return req, err
		}
		// One invoice first: with the rules, the checker compiles the schematron before it answers.
		if req, err := intake(); err == nil {
			slow := &http.Client{Timeout: 5 * time.Minute}
			if res, err := slow.Do(req); err == nil {
				res.Body.Close()
			}
		}
		// A few seconds unmeasured, so that the JVM's JIT compiles the stylesheets' hot paths
		// before the CPU per invoice is counted (a long-running server has done that long ago).
		load(client, intake, http.StatusCreated, conc, 5*time.Second)
		fmt.Printf("load average before: %s\n", benchdb.LoadAvg())
		apiCPU, jvmCPU := processCPU(child.Process.Pid)
		pgCPU := backendsCPU(ctx, db)
		r := load(client, intake, http.StatusCreated, conc, duration)
		apiCPU2, jvmCPU2 := processCPU(child.Process.Pid)
		pgCPU2 := backendsCPU(ctx, db)
		checked := "without the rules (-rules=false)"
		if withRules {
			checked = "checked against UBL 2.1, EN 16931 and BIS Billing 3"
		}
		fmt.Printf("invoice intake, 20 lines, %d clients, %s: %.0f invoices/s, p50 %v, p99 %v, %d errors\n",
			conc, checked, r.rps, r.p50.Round(time.Millisecond/10), r.p99.Round(time.Millisecond/10), r.errors)
		if r.n > 0 {
			var pg float64
			for pid, cpu := range pgCPU2 {
				if before, ok := pgCPU[pid]; ok {
					pg += cpu - before
				}
			}
			fmt.Printf("  CPU per invoice: API process %.1f ms, rules JVM %.1f ms, PostgreSQL backends %.1f ms\n",
				1000*(apiCPU2-apiCPU)/float64(r.n), 1000*(jvmCPU2-jvmCPU)/float64(r.n), 1000*pg/float64(r.n))
		}
	}

	// Contract loyalty: an approver (one municipality), the regional manager (15) and the
	// national manager (all 290), one client each so the latency is the call's own.
	for _, who := range []struct{ email, what string }{{"approver@b1.se", "approver, 1 municipality"},
		{"manager@regional.se", "manager, 15 participants"}, {"manager@national.se", "manager, 290 participants"}} {
		tok, err := login(who.email)
		if err != nil {
			return err
		}
		for _, g := range []string{"organization", "supplier", "cpv", "month"} {
			path := base + "/api/v1/analytics/contract-loyalty?group_by=" + g + "&from=2025-01&to=2026-12"
			r := load(client, func() (*http.Request, error) {
				req, err := http.NewRequest("GET", path, nil)
				if err == nil {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
				return req, err
			}, http.StatusOK, 1, duration)
			fmt.Printf("contract loyalty, %s, group_by=%s: %d calls, p50 %v, p99 %v, first %v, %d errors (target p99 < 200ms)\n",
				who.what, g, r.n, r.p50.Round(time.Millisecond/10), r.p99.Round(time.Millisecond/10), r.first.Round(time.Millisecond/10), r.errors)
		}
	}
	fmt.Printf("load average after: %s (figures from a busy machine are low)\n", benchdb.LoadAvg())
	return nil
}

// backendsCPU is the CPU time (seconds) of each PostgreSQL backend connected to the bench's
// database, by pid (the API's pool keeps its connections open between two readings).
func backendsCPU(ctx context.Context, db *sqlx.DB) map[int]float64 {
	var pids []int
	db.SelectContext(ctx, &pids, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`) //nolint:errcheck
	out := map[int]float64{}
	for _, pid := range pids {
		if cpu, ok := cpuOf(strconv.Itoa(pid)); ok {
			out[pid] = cpu
		}
	}
	return out
}

// processCPU is the CPU time (user and system, seconds) of process pid and of its child
// processes together (the rules JVM), from /proc.
func processCPU(pid int) (own, children float64) {
	own, _ = cpuOf(strconv.Itoa(pid))
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		if ppid, ok := parentOf(e.Name()); ok && ppid == pid {
			cpu, _ := cpuOf(e.Name())
			children += cpu
		}
	}
	return own, children
}

// procStat is the fields of /proc/<pid>/stat after the command's name (the first is field 3).
func procStat(pid string) ([]string, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return nil, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil, false
	}
	f := strings.Fields(s[i+1:])
	return f, len(f) >= 13
}

// cpuOf is a process's user and system CPU time in seconds.
func cpuOf(pid string) (float64, bool) {
	f, ok := procStat(pid)
	if !ok {
		return 0, false
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / 100, true // USER_HZ on Linux
}

func parentOf(pid string) (int, bool) {
	f, ok := procStat(pid)
	if !ok {
		return 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, err == nil
}

func callerOf(ctx context.Context, a *auth.Service, email, org string, role auth.Role) auth.Caller {
	return auth.Caller{UserID: userID(ctx, a, email), OrgID: org, OrgKind: auth.KindBuyer, Roles: []auth.Role{role}}
}

func userID(ctx context.Context, a *auth.Service, email string) string {
	sess, err := a.Login(ctx, email, password, "127.0.0.1")
	if err != nil {
		return ""
	}
	return sess.User.ID
}

type result struct {
	n, errors int
	rps       float64
	p50, p99  time.Duration
	first     time.Duration // the first call to answer (with one client, the first call made)
}

// load sends requests from conc clients for d and measures them.
func load(client *http.Client, next func() (*http.Request, error), want, conc int, d time.Duration) result {
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	begin := time.Now()
	for c := 0; c < conc; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				req, err := next()
				if err != nil {
					return
				}
				t := time.Now()
				res, err := client.Do(req)
				ok := err == nil && res.StatusCode == want
				if err == nil {
					if !ok {
						b, _ := io.ReadAll(res.Body)
						if errs < 3 {
							fmt.Fprintf(os.Stderr, "  %d: %.300s\n", res.StatusCode, b)
						}
					}
					io.Copy(io.Discard, res.Body) //nolint:errcheck
					res.Body.Close()
				}
				el := time.Since(t)
				mu.Lock()
				if ok {
					lat = append(lat, el)
				} else {
					errs++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r := result{n: len(lat), errors: errs, rps: float64(len(lat)) / time.Since(begin).Seconds()}
	if len(lat) > 0 {
		r.first = lat[0]
		slices.Sort(lat)
		r.p50, r.p99 = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
	}
	return r
}
