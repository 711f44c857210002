package orders_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func testDB(t testing.TB) *sqlx.DB { t.Helper(); return testenv.PooledDB(t, 20) }

var adminCaller = auth.Caller{UserID: "00000000-0000-0000-0000-000000000000", OrgKind: auth.KindPlatform, Roles: []auth.Role{auth.RoleAdmin}}

// world is a seeded agreement with a body, buyers, suppliers, items and callers.
type world struct {
	t        testing.TB
	db       *sqlx.DB
	svc      *orders.Service
	auth     *auth.Service
	Body     auth.Organization
	Manager  auth.Caller
	Agr      string // agreement id
	Sup1     auth.Organization
	Sup2     auth.Organization
	Sup1C    auth.Caller
	Sup2C    auth.Caller
	Buyer    auth.Organization
	Orderer  auth.Caller
	Orderer2 auth.Caller
	Approver auth.Caller
	Other    auth.Organization // a second participating buyer
	OtherC   auth.Caller       // orderer of Other
	Items1   []string          // items of Sup1, priced 10000, 20000, 30000 (VAT 25 %, 12 %, 6 %)
	Items2   []string          // items of Sup2, priced 10000
}

type agreementOpts struct {
	method             string // ranking (default) or direct
	ceiling            *int64
	participantCeiling *int64
	minOrder           int64
	threshold          int64 // buyer's approval threshold
	validFrom, validTo string
	status             string
}

func ptr[T any](v T) *T { return &v }

func newWorld(t testing.TB, o agreementOpts) *world {
	t.Helper()
	db := testDB(t)
	a := auth.NewService(db, nil, auth.DefaultConfig([]byte("test-secret-0123456789abcdef0123456789")))
	w := &world{t: t, db: db, auth: a, svc: orders.NewService(db, catalog.NewService(db, nil, testenv.RedisPrefix()))}
	if o.method == "" {
		o.method = "ranking"
	}
	if o.validFrom == "" {
		o.validFrom = time.Now().UTC().AddDate(-1, 0, 0).Format(time.DateOnly)
	}
	if o.validTo == "" {
		o.validTo = time.Now().UTC().AddDate(1, 0, 0).Format(time.DateOnly)
	}
	if o.status == "" {
		o.status = "active"
	}
	w.Body = w.org(auth.KindProcurementBody, 0)
	w.Manager = w.user(w.Body, auth.RoleManager)
	w.Sup1 = w.org(auth.KindSupplier, 0)
	w.Sup2 = w.org(auth.KindSupplier, 0)
	w.Sup1C = w.user(w.Sup1, auth.RoleSupplier)
	w.Sup2C = w.user(w.Sup2, auth.RoleSupplier)
	w.Buyer = w.org(auth.KindBuyer, o.threshold)
	w.Orderer = w.user(w.Buyer, auth.RoleOrderer)
	w.Orderer2 = w.user(w.Buyer, auth.RoleOrderer)
	w.Approver = w.user(w.Buyer, auth.RoleApprover)
	w.Other = w.org(auth.KindBuyer, o.threshold)
	w.OtherC = w.user(w.Other, auth.RoleOrderer, auth.RoleApprover)

	ctx := context.Background()
	ref := "RA-" + testenv.Unique()
	testenv.Must(t, db.GetContext(ctx, &w.Agr, `INSERT INTO agreements (procurement_body_id, reference, title, cpv_code, currency,
		valid_from, valid_to, status, ceiling_minor, call_off_method, min_order_minor, lead_time_days)
		VALUES ($1, $2, 'Test agreement', '33190000', 'SEK', $3, $4, $5, $6, $7, $8, 10) RETURNING id`,
		w.Body.ID, ref, o.validFrom, o.validTo, o.status, o.ceiling, o.method, o.minOrder))
	exec(t, db, `INSERT INTO agreement_participants (agreement_id, org_id, ceiling_minor) VALUES ($1, $2, $3), ($1, $4, NULL)`,
		w.Agr, w.Buyer.ID, o.participantCeiling, w.Other.ID)
	exec(t, db, `INSERT INTO agreement_suppliers (agreement_id, org_id, rank) VALUES ($1, $2, 1), ($1, $3, 2)`, w.Agr, w.Sup1.ID, w.Sup2.ID)
	for i, p := range []struct {
		price int64
		vat   int
	}{{10000, 2500}, {20000, 1200}, {30000, 600}} {
		w.Items1 = append(w.Items1, w.item(w.Sup1.ID, p.price, p.vat, i))
	}
	w.Items2 = append(w.Items2, w.item(w.Sup2.ID, 10000, 2500, 0))
	return w
}

func exec(t testing.TB, db sqlx.ExtContext, q string, args ...any) {
	t.Helper()
	testenv.Exec(t, db, q, args...)
}

// item adds an active item with a price effective since yesterday.
func (w *world) item(supplier string, price int64, vat, n int) string {
	w.t.Helper()
	var id string
	testenv.Must(w.t, w.db.GetContext(context.Background(), &id, `INSERT INTO items (agreement_id, supplier_id, sku, name, unit, cpv_code,
		eco_labels, vat_rate_bp) VALUES ($1, $2, $3, $4, 'EA', '33190000', $5, $6) RETURNING id`,
		w.Agr, supplier, "SKU-"+testenv.Unique(), "Item "+testenv.Unique(), pq.Array([]string{}), vat))
	exec(w.t, w.db, `INSERT INTO item_prices (item_id, price_minor, effective_from) VALUES ($1, $2, current_date - 1)`, id, price)
	_ = n
	return id
}

func (w *world) org(kind auth.OrgKind, threshold int64) auth.Organization {
	w.t.Helper()
	u := testenv.Unique()
	o, err := w.auth.CreateOrganization(context.Background(), adminCaller, auth.OrganizationInput{
		Name: "Kommun " + u, OrgNumber: testenv.OrgNumber(), Kind: kind, Country: "SE", ApprovalThresholdMinor: threshold})
	testenv.Must(w.t, err)
	return o
}

// user inserts a user directly (no password hashing: these callers never sign in).
func (w *world) user(org auth.Organization, roles ...auth.Role) auth.Caller {
	w.t.Helper()
	rs := make([]string, len(roles))
	for i, r := range roles {
		rs[i] = string(r)
	}
	var id string
	testenv.Must(w.t, w.db.GetContext(context.Background(), &id, `INSERT INTO users (org_id, email, name, password_hash, roles)
		VALUES ($1, $2, $3, 'x', $4) RETURNING id`, org.ID, "u"+testenv.Unique()+"@example.se", "User "+string(roles[0]), pq.Array(rs)))
	return auth.Caller{UserID: id, OrgID: org.ID, OrgKind: org.Kind, Roles: roles}
}

// input is a valid order from Sup1 of one of each item with quantity q.
func (w *world) input(q int64) orders.OrderInput {
	in := orders.OrderInput{AgreementID: w.Agr, SupplierID: w.Sup1.ID, DeliveryAddress: "Hemtjänst Norr, Storgatan 1", CostCenter: "4410"}
	for _, id := range w.Items1 {
		in.Lines = append(in.Lines, orders.LineInput{ItemID: id, Quantity: q})
	}
	return in
}

func (w *world) place(c auth.Caller, in orders.OrderInput) orders.Order {
	w.t.Helper()
	o, _, err := w.svc.CreateOrder(context.Background(), c, in, "")
	testenv.Must(w.t, err)
	return o
}

func (w *world) committed() (agreement, participant int64) {
	w.t.Helper()
	ctx := context.Background()
	w.db.GetContext(ctx, &agreement, `SELECT COALESCE((SELECT sum(committed_minor) FROM agreement_usage WHERE agreement_id = $1), 0)::bigint`, w.Agr) //nolint:errcheck
	w.db.GetContext(ctx, &participant, `SELECT COALESCE((SELECT committed_minor FROM participant_usage WHERE agreement_id = $1 AND org_id = $2), 0)`, //nolint:errcheck
		w.Agr, w.Buyer.ID)
	return agreement, participant
}

// sumCommitted is the committed value recomputed from the orders themselves.
func (w *world) sumCommitted() int64 {
	w.t.Helper()
	var n int64
	testenv.Must(w.t, w.db.GetContext(context.Background(), &n, `SELECT COALESCE(sum(total_minor), 0)::bigint FROM orders WHERE agreement_id = $1
		AND status IN ('pending_approval', 'approved', 'accepted', 'shipped', 'delivered')`, w.Agr))
	return n
}
