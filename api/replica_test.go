package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/localpg"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

// replicaAPI is the API on a PostgreSQL primary of its own with a streaming replica, follow-up
// reading through postgres.Reads.
type replicaAPI struct {
	*testAPI
	primary, replica *sqlx.DB
	replicaSrv       *localpg.Server
	reads            *postgres.Reads
}

func newReplicaAPI(t *testing.T) *replicaAPI {
	t.Helper()
	if !localpg.Available() {
		if os.Getenv("CI") != "" {
			t.Fatal("PostgreSQL server programs not installed in CI")
		}
		t.Skip("PostgreSQL server programs not installed")
	}
	ctx := context.Background()
	p, err := localpg.StartPrimary(ctx, nil)
	testenv.Must(t, err)
	t.Cleanup(p.Remove)
	pdb, err := postgres.OpenPool(ctx, p.URL("postgres"), 10)
	testenv.Must(t, err)
	t.Cleanup(func() { pdb.Close() })
	testenv.Must(t, postgres.Migrate(ctx, pdb.DB))
	r, err := p.StartReplica(ctx)
	testenv.Must(t, err)
	t.Cleanup(r.Remove)
	rdb, err := postgres.OpenPool(ctx, r.URL("postgres"), 10)
	testenv.Must(t, err)
	t.Cleanup(func() { rdb.Close() })

	reads := postgres.NewReads(pdb, rdb, 30*time.Second)
	wctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	go reads.Watch(wctx, 20*time.Millisecond)

	redis := testenv.Redis(t)
	authSvc := auth.NewService(pdb, redis, testAuthConfig())
	cat := catalog.NewService(pdb, redis, testenv.RedisPrefix())
	ord := orders.NewService(pdb, cat)
	ord.SetReads(reads)
	cat.SetReads(reads)
	d := Deps{DB: pdb, Redis: redis, Auth: authSvc, Catalog: cat, Orders: ord, Reads: reads,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	a := &testAPI{t: t, handler: NewHandler(d), Auth: authSvc, Catalog: cat, Orders: ord, Deps: d}
	return &replicaAPI{testAPI: a, primary: pdb, replica: rdb, replicaSrv: r, reads: reads}
}

// caughtUp waits until the replica has replayed everything the primary has written.
func (ra *replicaAPI) caughtUp(t *testing.T) {
	t.Helper()
	lsn, err := postgres.CurrentLSN(context.Background(), ra.primary)
	testenv.Must(t, err)
	deadline := time.Now().Add(15 * time.Second)
	for {
		if up, replay, _ := ra.reads.State(); up && replay >= lsn {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the replica did not catch up")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dosettAgreement makes, on the primary, an agreement valid today with one buyer, one supplier
// and one item named name at 100.00 SEK.
func (ra *replicaAPI) dosettAgreement(t *testing.T, name string) (sup, buyer auth.Organization, agr, item string) {
	t.Helper()
	ctx := context.Background()
	body := ra.org(auth.KindProcurementBody)
	sup, buyer = ra.org(auth.KindSupplier), ra.org(auth.KindBuyer)
	testenv.Must(t, ra.primary.GetContext(ctx, &agr, `INSERT INTO agreements (procurement_body_id, reference, title, cpv_code, currency,
		valid_from, valid_to, ceiling_minor, call_off_method, min_order_minor) VALUES ($1, $2, 'Dosetter', '33190000', 'SEK',
		current_date - 30, current_date + 365, 1000000, 'direct', 0) RETURNING id`, body.ID, "RA-"+testenv.Unique()))
	ra.exec(t, `INSERT INTO agreement_participants (agreement_id, org_id) VALUES ($1, $2)`, agr, buyer.ID)
	ra.exec(t, `INSERT INTO agreement_suppliers (agreement_id, org_id, rank) VALUES ($1, $2, 1)`, agr, sup.ID)
	testenv.Must(t, ra.primary.GetContext(ctx, &item, `INSERT INTO items (agreement_id, supplier_id, sku, name, unit, cpv_code, eco_labels, vat_rate_bp)
		VALUES ($1, $2, $3, $4, 'EA', '33190000', $5, 2500) RETURNING id`, agr, sup.ID, "S-"+testenv.Unique(), name, pq.Array([]string{})))
	ra.exec(t, `INSERT INTO item_prices (item_id, price_minor, effective_from) VALUES ($1, 10000, current_date - 1)`, item)
	return sup, buyer, agr, item
}

func (ra *replicaAPI) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := ra.primary.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// committed is the agreement's committed amount as GET /agreements/{id}/usage reports it, sent
// with headers (a cookie, the position header) or none.
func (ra *replicaAPI) committed(t *testing.T, agr, token string, headers ...string) float64 {
	t.Helper()
	res := ra.do("GET", "/api/v1/agreements/"+agr+"/usage", token, nil, headers...)
	wantStatus(t, res, http.StatusOK)
	return res.JSON["committed_minor"].(float64)
}

// A client reads its own order in follow-up right after placing it, although the replica has
// not replayed it: its position (cookie or header) sends its read to the primary, while a
// client without writes reads the replica. A stopped replica is skipped.
func TestFollowUpReadsItsWritesWithAReplica(t *testing.T) {
	ra := newReplicaAPI(t)
	ctx := context.Background()
	sup, buyer, agr, item := ra.dosettAgreement(t, "Dosett")
	_, orderer := ra.user(buyer, auth.RoleOrderer)
	_, approver := ra.user(buyer, auth.RoleApprover)
	ra.caughtUp(t)

	if got := ra.committed(t, agr, approver); got != 0 {
		t.Fatalf("committed before any order = %v, want 0", got)
	}
	// Hold the replica back: whatever is written now is certainly not there yet.
	_, err := ra.replica.Exec(`SELECT pg_wal_replay_pause()`)
	testenv.Must(t, err)
	res := ra.do("POST", "/api/v1/orders", orderer, map[string]any{"agreement_id": agr, "supplier_id": sup.ID,
		"lines": []map[string]any{{"item_id": item, "quantity": 3}}, "delivery_address": "Hemtjänst Norr, Storgatan 1", "cost_center": "4410"})
	wantStatus(t, res, http.StatusCreated)
	lsn := res.Header.Get(lsnHeader)
	if _, err := postgres.ParseLSN(lsn); err != nil {
		t.Fatalf("the order's response carries %s %q, want a WAL position", lsnHeader, lsn)
	}
	var cookie string
	for _, c := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, lsnCookie+"="+lsn+";") && strings.Contains(c, "HttpOnly") {
			cookie = lsnCookie + "=" + lsn
		}
	}
	if cookie == "" {
		t.Fatalf("Set-Cookie = %q, want %s=%s (HttpOnly)", res.Header.Values("Set-Cookie"), lsnCookie, lsn)
	}

	if got := ra.committed(t, agr, orderer, "Cookie", cookie); got != 30000 {
		t.Fatalf("the orderer's read with its cookie right after the order: committed %v, want 30000", got)
	}
	if got := ra.committed(t, agr, approver, lsnHeader, lsn); got != 30000 {
		t.Fatalf("a read with the position header: committed %v, want 30000", got)
	}
	// Without a position the read goes to the replica, which has not replayed the order:
	// proof that reads do go there.
	if got := ra.committed(t, agr, approver); got != 0 {
		t.Fatalf("a read without a position: committed %v, want 0 from the held-back replica", got)
	}
	// A failed write carries no new position.
	res = ra.do("POST", "/api/v1/orders", orderer, map[string]any{"agreement_id": agr})
	if res.Status < 400 || res.Header.Get(lsnHeader) != "" {
		t.Fatalf("a rejected order answered %d with %s %q, want a 4xx without it", res.Status, lsnHeader, res.Header.Get(lsnHeader))
	}

	_, err = ra.replica.Exec(`SELECT pg_wal_replay_resume()`)
	testenv.Must(t, err)
	ra.caughtUp(t)
	if got := ra.committed(t, agr, approver); got != 30000 {
		t.Fatalf("after the replica caught up: committed %v, want 30000", got)
	}

	testenv.Must(t, ra.replicaSrv.Stop(ctx))
	for range 5 {
		if got := ra.committed(t, agr, approver); got != 30000 {
			t.Fatalf("with the replica stopped: committed %v, want 30000 from the primary", got)
		}
	}
}
