package invoices_test

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
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/orders"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func testDB(t testing.TB) *sqlx.DB { t.Helper(); return testenv.PooledDB(t, 10) }

// world is an agreement with a body, a buyer (and another), a supplier (and an off-agreement
// one), items and callers.
type world struct {
	t        testing.TB
	db       *sqlx.DB
	svc      *invoices.Service
	orders   *orders.Service
	Body     org
	Manager  auth.Caller
	Buyer    org
	Orderer  auth.Caller
	Approver auth.Caller
	Other    org
	OtherC   auth.Caller // approver of Other
	Sup      org
	SupC     auth.Caller
	Sup2     org // awarded nowhere
	Sup2C    auth.Caller
	Agr      string
	Items    []item // SKU-A 100.00 at 25 %, SKU-B 50.00 at 12 %
	// Managers of scopes with every buyer that has spend, and all but Other (scopeManagers).
	national, allButOther auth.Caller
}

type org struct {
	ID, Number, Name string
	Kind             auth.OrgKind
}

type item struct {
	ID, SKU string
	Price   int64
	VAT     int
}

func newWorld(t testing.TB) *world {
	t.Helper()
	db := testDB(t)
	cat := catalog.NewService(db, nil, testenv.RedisPrefix())
	w := &world{t: t, db: db, svc: invoices.NewService(db, nil), orders: orders.NewService(db, cat)}
	w.Body = w.org(auth.KindProcurementBody, "Region Värmland")
	w.Manager = w.user(w.Body, auth.RoleManager)
	w.Buyer = w.org(auth.KindBuyer, "Karlstads kommun")
	w.Orderer = w.user(w.Buyer, auth.RoleOrderer)
	w.Approver = w.user(w.Buyer, auth.RoleApprover)
	w.Other = w.org(auth.KindBuyer, "Arvika kommun")
	w.OtherC = w.user(w.Other, auth.RoleApprover)
	w.Sup = w.org(auth.KindSupplier, "Evondos AB")
	w.SupC = w.user(w.Sup, auth.RoleSupplier)
	w.Sup2 = w.org(auth.KindSupplier, "Offside Handel AB")
	w.Sup2C = w.user(w.Sup2, auth.RoleSupplier)
	ctx := context.Background()
	testenv.Must(t, db.GetContext(ctx, &w.Agr, `INSERT INTO agreements (procurement_body_id, reference, title, cpv_code, currency,
		valid_from, valid_to, status, call_off_method, lead_time_days)
		VALUES ($1, $2, 'Läkemedelsautomater', '33190000', 'SEK', current_date - 400, current_date + 400, 'active', 'direct', 10) RETURNING id`,
		w.Body.ID, "RA-"+testenv.Unique()))
	exec(t, db, `INSERT INTO agreement_participants (agreement_id, org_id) VALUES ($1, $2), ($1, $3)`, w.Agr, w.Buyer.ID, w.Other.ID)
	exec(t, db, `INSERT INTO agreement_suppliers (agreement_id, org_id, rank) VALUES ($1, $2, 1)`, w.Agr, w.Sup.ID)
	for _, it := range []item{{SKU: "SKU-A-" + testenv.Unique(), Price: 10000, VAT: 2500}, {SKU: "SKU-B-" + testenv.Unique(), Price: 5000, VAT: 1200}} {
		testenv.Must(t, db.GetContext(ctx, &it.ID, `INSERT INTO items (agreement_id, supplier_id, sku, name, unit, cpv_code, eco_labels, vat_rate_bp)
			VALUES ($1, $2, $3, $4, 'EA', '33190000', '{}', $5) RETURNING id`, w.Agr, w.Sup.ID, it.SKU, "Artikel "+it.SKU, it.VAT))
		exec(t, db, `INSERT INTO item_prices (item_id, price_minor, effective_from) VALUES ($1, $2, current_date - 1)`, it.ID, it.Price)
		w.Items = append(w.Items, it)
	}
	return w
}

func exec(t testing.TB, db sqlx.ExtContext, q string, args ...any) {
	t.Helper()
	testenv.Exec(t, db, q, args...)
}

func (w *world) org(kind auth.OrgKind, name string) org {
	w.t.Helper()
	o := org{Number: testenv.OrgNumber(), Name: name + " " + testenv.Unique(), Kind: kind}
	testenv.Must(w.t, w.db.GetContext(context.Background(), &o.ID, `INSERT INTO organizations (name, org_number, kind, country)
		VALUES ($1, $2, $3, 'SE') RETURNING id`, o.Name, o.Number, kind))
	return o
}

func (w *world) user(o org, roles ...auth.Role) auth.Caller {
	w.t.Helper()
	rs := make([]string, len(roles))
	for i, r := range roles {
		rs[i] = string(r)
	}
	var id string
	testenv.Must(w.t, w.db.GetContext(context.Background(), &id, `INSERT INTO users (org_id, email, name, password_hash, roles)
		VALUES ($1, $2, 'User', 'x', $3) RETURNING id`, o.ID, "u"+testenv.Unique()+"@example.se", pq.Array(rs)))
	return auth.Caller{UserID: id, OrgID: o.ID, OrgKind: o.Kind, Roles: roles}
}

// order places an order of qty[i] of Items[i] and marks it delivered (everything received)
// when delivered is true, else approved.
func (w *world) order(delivered bool, qty ...int64) orders.Order {
	w.t.Helper()
	in := orders.OrderInput{AgreementID: w.Agr, SupplierID: w.Sup.ID, DeliveryAddress: "Hemtjänst Norr, Storgatan 1"}
	for i, q := range qty {
		if q > 0 {
			in.Lines = append(in.Lines, orders.LineInput{ItemID: w.Items[i].ID, Quantity: q})
		}
	}
	o, _, err := w.orders.CreateOrder(context.Background(), w.Orderer, in, "")
	testenv.Must(w.t, err)
	status := "approved"
	if delivered {
		status = "delivered"
	}
	exec(w.t, w.db, `UPDATE orders SET status = $2, approved_at = now(), delivered_at = CASE WHEN $2 = 'delivered' THEN now() END
		WHERE id = $1`, o.ID, status)
	return o
}

func party(o org) invoices.DraftParty {
	return invoices.DraftParty{OrgNumber: o.Number, Name: o.Name, Country: "SE"}
}

// draft is an invoice from Sup to Buyer on order number (may be empty), lines as given.
func (w *world) draft(number, orderNumber string, lines ...invoices.DraftLine) invoices.Draft {
	return invoices.Draft{Number: number, IssueDate: time.Now().UTC().Format(time.DateOnly), Currency: "SEK",
		OrderNumber: orderNumber, Supplier: party(w.Sup), Buyer: party(w.Buyer), Lines: lines}
}

// line is qty of Items[i] at price (minor units) with the item's own VAT rate.
func (w *world) line(i int, qty, price int64) invoices.DraftLine {
	it := w.Items[i]
	return invoices.DraftLine{SKU: it.SKU, Name: "Artikel", Unit: "EA", Quantity: qty, UnitPriceMinor: price, VATRateBP: it.VAT}
}

func (w *world) receive(c auth.Caller, d invoices.Draft) invoices.Invoice {
	w.t.Helper()
	inv, err := w.svc.Receive(context.Background(), c, d.Document())
	testenv.Must(w.t, err)
	return inv
}
