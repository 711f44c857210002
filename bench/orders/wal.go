package main

// WAL per order (-wal): the write-ahead log a workload's orders wrote, read back with
// pg_waldump between the LSNs before and after each of its phases and kept to the records that
// touch the bench database's relations (and the other records of their transactions: commits,
// multixacts), so that other databases on a shared server do not count. It needs the server's pg_wal directory on this
// machine (the bench runs as a user that can read it) and pg_waldump beside pgbench.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"

	"github.com/jmoiron/sqlx"
)

// walUse sums the bench database's WAL over phases: records, bytes, full-page images, and the
// same per relation (by name; records of no relation, such as a commit or a multixact, by their
// resource manager in parentheses).
type walUse struct {
	records, bytes, fpi int64
	byRel               map[string]*walRel
}

type walRel struct{ records, bytes, fpi int64 }

// walProbe reads the WAL of one database between two LSNs.
type walProbe struct {
	admin   *sqlx.DB
	dump    string // pg_waldump
	dir     string // pg_wal
	dbOID   string
	relName map[string]string // relfilenode -> relation name
	db      *sqlx.DB
}

func newWALProbe(ctx context.Context, admin, db *sqlx.DB, dbName string) (*walProbe, error) {
	p := &walProbe{admin: admin, db: db}
	var dataDir string
	if err := admin.GetContext(ctx, &dataDir, `SHOW data_directory`); err != nil {
		return nil, fmt.Errorf("wal: data_directory: %w", err)
	}
	p.dir = filepath.Join(dataDir, "pg_wal")
	if err := admin.GetContext(ctx, &p.dbOID, `SELECT oid::text FROM pg_database WHERE datname = $1`, dbName); err != nil {
		return nil, fmt.Errorf("wal: database oid: %w", err)
	}
	var ok bool
	if p.dump, ok = findBeside("pg_waldump"); !ok {
		return nil, fmt.Errorf("wal: pg_waldump not found")
	}
	return p, nil
}

// findBeside looks a PostgreSQL client program up on PATH and in /usr/lib/postgresql/*/bin.
func findBeside(name string) (string, bool) {
	if p, err := exec.LookPath(name); err == nil {
		return p, true
	}
	ms, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(ms) == 0 {
		return "", false
	}
	sort.Strings(ms)
	return ms[len(ms)-1], true
}

func (p *walProbe) lsn(ctx context.Context) string {
	var l string
	p.admin.GetContext(ctx, &l, `SELECT pg_current_wal_insert_lsn()::text`) //nolint:errcheck
	return l
}

var (
	walLine = regexp.MustCompile(`^rmgr: (\S+)\s+len \(rec/tot\):\s*\d+/\s*(\d+), tx:\s*(\d+),`)
	walRelR = regexp.MustCompile(`rel \d+/(\d+)/(\d+)`)
)

// add reads the WAL between from and to into u.
func (p *walProbe) add(ctx context.Context, u *walUse, from, to string) error {
	if p.relName == nil {
		var rows []struct {
			Node string `db:"node"`
			Name string `db:"relname"`
		}
		if err := p.db.SelectContext(ctx, &rows, `SELECT pg_relation_filenode(oid)::text AS node, relname FROM pg_class
			WHERE pg_relation_filenode(oid) IS NOT NULL`); err != nil {
			return fmt.Errorf("wal: relations: %w", err)
		}
		p.relName = map[string]string{}
		for _, r := range rows {
			p.relName[r.Node] = r.Name
		}
	}
	cmd := exec.CommandContext(ctx, p.dump, "-p", p.dir, "-s", from, "-e", to)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && len(out) == 0 {
		return fmt.Errorf("wal: pg_waldump %s..%s: %w: %s", from, to, err, bytes.TrimSpace(stderr.Bytes()))
	}
	if u.byRel == nil {
		u.byRel = map[string]*walRel{}
	}
	ours := map[string]bool{} // transactions that touched the database
	type rec struct {
		rmgr, tx string
		size     int64
		line     []byte
	}
	var commits []rec
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		m := walLine.FindSubmatch(line)
		if m == nil {
			continue
		}
		size, _ := strconv.ParseInt(string(m[2]), 10, 64)
		rels := walRelR.FindAllSubmatch(line, -1)
		if len(rels) == 0 {
			if tx := string(m[3]); tx != "0" {
				commits = append(commits, rec{rmgr: string(m[1]), tx: tx, size: size})
			}
			continue
		}
		if string(rels[0][1]) != p.dbOID {
			continue
		}
		ours[string(m[3])] = true
		name := p.relName[string(rels[0][2])]
		if name == "" {
			name = "rel " + string(rels[0][2])
		}
		fpi := int64(bytes.Count(line, []byte(" FPW")))
		u.records++
		u.bytes += size
		u.fpi += fpi
		r := u.byRel[name]
		if r == nil {
			r = &walRel{}
			u.byRel[name] = r
		}
		r.records++
		r.bytes += size
		r.fpi += fpi
	}
	for _, c := range commits {
		if ours[c.tx] {
			u.records++
			u.bytes += c.size
			name := "(" + c.rmgr + ")"
			r := u.byRel[name]
			if r == nil {
				r = &walRel{}
				u.byRel[name] = r
			}
			r.records++
			r.bytes += c.size
		}
	}
	return nil
}

// print writes u per order, and the relations that wrote the most.
func (u *walUse) print(orders int) {
	if orders == 0 || u.records == 0 {
		return
	}
	n := float64(orders)
	fmt.Printf("  WAL per order: %.1f records, %.0f bytes, %.2f full-page images\n", float64(u.records)/n, float64(u.bytes)/n, float64(u.fpi)/n)
	names := make([]string, 0, len(u.byRel))
	for k := range u.byRel {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return u.byRel[names[i]].bytes > u.byRel[names[j]].bytes })
	for i, k := range names {
		if i == 24 {
			break
		}
		r := u.byRel[k]
		fmt.Printf("    %-36s %5.2f records %6.0f bytes %5.2f FPI\n", k, float64(r.records)/n, float64(r.bytes)/n, float64(r.fpi)/n)
	}
}
