// Command loyaltycpu measures contract loyalty (issue 14) through the service's ContractLoyalty
// on one connection, as docs/speed.md's rounds of the national report do: per call the
// PostgreSQL backend's CPU (from /proc/<pid>/schedstat, nanoseconds, so the server must be
// local), the wall time and, with -explain, the pages read from outside shared buffers by every
// statement of the call (auto_explain's buffers, sent back as notices). -evict first empties
// shared buffers of the database's pages by reading a table larger than them by index (made in
// the database given, once); -json writes each grouping's report for comparing two builds.
//
//	go run ./bench/loyaltycpu -db avrop_bench_invoices_NAME [-who P1] [-g organization,cpv] [-from 2025-01 -to 2026-12] [-n 8] [-serial] [-explain] [-evict avrop_evict] [-json /tmp/new]
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/invoices"
)

// notices are the plans auto_explain sent back since the last call.
var notices []string

// cpuOf is the CPU time (seconds) of process pid.
func cpuOf(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/schedstat")
	if err != nil {
		return 0
	}
	ns, _ := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	return ns / 1e9
}

func main() {
	dbName := flag.String("db", "", "database")
	who := flag.String("who", "P1", "org number of the caller (P1 national, P2 regional, B1 approver)")
	groups := flag.String("g", "organization,supplier,cpv,month", "groupings")
	from := flag.String("from", "2025-01", "from")
	to := flag.String("to", "2026-12", "to")
	n := flag.Int("n", 5, "calls per grouping")
	evict := flag.String("evict", "", "before each grouping's first call, empty shared buffers by reading a table of this database (made when missing)")
	out := flag.String("json", "", "write each grouping's JSON to this prefix")
	explain := flag.Bool("explain", false, "auto_explain every statement (notices)")
	verbose := flag.Bool("v", false, "print the plans")
	serial := flag.Bool("serial", false, "parallel workers off")
	flag.Parse()
	ctx := context.Background()
	var db *sqlx.DB
	if *explain {
		conn, err := pq.NewConnector("postgres://postgres@127.0.0.1:5432/" + *dbName + "?sslmode=disable")
		if err != nil {
			panic(err)
		}
		db = sqlx.NewDb(sql.OpenDB(pq.ConnectorWithNoticeHandler(conn, func(e *pq.Error) {
			notices = append(notices, e.Message)
			if *verbose {
				fmt.Println(e.Message)
			}
		})), "postgres")
	} else {
		var err error
		db, err = postgres.Open(ctx, "postgres://postgres@127.0.0.1:5432/"+*dbName+"?sslmode=disable")
		if err != nil {
			panic(err)
		}
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	if *explain {
		if _, err := db.ExecContext(ctx, `LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on;
			SET auto_explain.log_buffers = on; SET auto_explain.log_timing = off; SET auto_explain.log_level = notice; SET auto_explain.log_nested_statements = on`); err != nil {
			panic(err)
		}
	}
	if *serial {
		db.ExecContext(ctx, `SET max_parallel_workers_per_gather = 0`) //nolint:errcheck
	}
	var pid int
	if err := db.GetContext(ctx, &pid, `SELECT pg_backend_pid()`); err != nil {
		panic(err)
	}
	var org string
	db.GetContext(ctx, &org, `SELECT id FROM organizations WHERE org_number = $1`, *who) //nolint:errcheck
	role := auth.RoleManager
	if strings.HasPrefix(*who, "B") {
		role = auth.RoleApprover
	}
	c := auth.Caller{OrgID: org, OrgKind: auth.KindProcurementBody, Roles: []auth.Role{role}}
	svc := invoices.NewService(db, nil)
	for _, g := range strings.Split(*groups, ",") {
		if *evict != "" {
			evictBuffers(ctx, *evict)
		}
		var walls, cpus []float64
		var reads []int64
		for i := 0; i < *n; i++ {
			var r0, r1 int64
			db.GetContext(ctx, &r0, `SELECT blks_read FROM pg_stat_database WHERE datname = current_database()`) //nolint:errcheck
			c0 := cpuOf(pid)
			t := time.Now()
			rep, err := svc.ContractLoyalty(ctx, c, invoices.LoyaltyFilter{GroupBy: invoices.LoyaltyGroup(g), From: *from, To: *to})
			w := time.Since(t)
			c1 := cpuOf(pid)
			if err != nil {
				panic(err)
			}
			time.Sleep(600 * time.Millisecond)                                                                   // stats flush
			db.GetContext(ctx, &r1, `SELECT blks_read FROM pg_stat_database WHERE datname = current_database()`) //nolint:errcheck
			if *explain {
				r1 = r0
				for _, m := range notices {
					if i := strings.Index(m, "read="); i >= 0 {
						j := i + 5
						for j < len(m) && m[j] >= '0' && m[j] <= '9' {
							j++
						}
						if strings.Index(m, "Buffers:") < i && !strings.Contains(m[strings.Index(m, "Buffers:"):i], "\n") {
							k, _ := strconv.ParseInt(m[i+5:j], 10, 64)
							r1 += k
						}
					}
				}
				notices = nil
			}
			walls = append(walls, float64(w.Microseconds())/1000)
			cpus = append(cpus, (c1-c0)*1000)
			reads = append(reads, r1-r0)
			if i == 0 && *out != "" {
				b, _ := json.MarshalIndent(rep, "", " ")
				os.WriteFile(*out+"."+*who+"."+g+"."+*from+"."+*to+".json", b, 0o644) //nolint:errcheck
			}
		}
		sort.Float64s(cpus)
		sum := 0.0
		for _, c := range cpus {
			sum += c
		}
		fmt.Printf("%s %s %s..%s cpu mean %.1f median %.1f min %.1f; wall %v read %v\n", *who, g, *from, *to, sum/float64(len(cpus)), cpus[len(cpus)/2], cpus[0], walls, reads)
	}
}

// evictBuffers reads a table four times the size of 128 MB of shared buffers by index, so that
// its pages take them all (a sequential scan would go through a small ring of buffers instead).
func evictBuffers(ctx context.Context, name string) {
	if admin, err := postgres.Open(ctx, "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"); err == nil {
		admin.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(name)) //nolint:errcheck // exists already
		admin.Close()
	}
	db, err := postgres.Open(ctx, "postgres://postgres@127.0.0.1:5432/"+name+"?sslmode=disable")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS filler (id int PRIMARY KEY, pad text);
		INSERT INTO filler SELECT g, repeat(md5(g::text), 30) FROM generate_series(1, 900000) g WHERE NOT EXISTS (SELECT 1 FROM filler);
		ANALYZE filler`); err != nil {
		panic(err)
	}
	if _, err := db.ExecContext(ctx, `SET enable_seqscan = off; SET enable_bitmapscan = off; SET max_parallel_workers_per_gather = 0;
		SELECT count(pad) FROM filler WHERE id > 0`); err != nil {
		panic(err)
	}
}
