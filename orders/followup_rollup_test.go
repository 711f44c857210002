package orders_test

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"sync"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

// rollupFilters are the spend filters the equivalence tests try for every caller: each
// dimension unbounded, and ranges that are month-aligned, cut months at either end, lie within
// one month, or name the agreement.
func rollupFilters(agr string) []orders.SpendFilter {
	ranges := [][2]string{{"", ""}, {"2025-11-01", "2026-01-31"}, {"2025-11-15", ""}, {"", "2025-12-30"},
		{"2025-12-15", "2026-01-10"}, {"2025-12-02", "2025-12-30"}, {"2025-12-31", "2025-12-31"}, {"2026-01-01", "2026-01-01"},
		{"2020-01-01", "2020-01-31"}, {"1999-01-01", "1999-12-31"}}
	var fs []orders.SpendFilter
	for _, g := range orders.SpendGroups {
		for _, r := range ranges {
			fs = append(fs, orders.SpendFilter{GroupBy: g, From: r[0], To: r[1], All: true})
		}
		fs = append(fs, orders.SpendFilter{GroupBy: g, AgreementID: agr, From: "2025-12-10", All: true},
			orders.SpendFilter{GroupBy: g, Page: auth.Page{Page: 2, PageSize: 1}},
			orders.SpendFilter{GroupBy: g, Page: auth.Page{Page: 50, PageSize: 1}})
	}
	return fs
}

// checkRollupsEqualBaseTables compares, for every caller, spend under every filter and the
// scorecards from the rollups with the base-table computation, and the rollup tables with a
// rebuild from scratch.
func checkRollupsEqualBaseTables(t *testing.T, w *world, callers map[string]auth.Caller) {
	t.Helper()
	ctx := context.Background()
	for name, c := range callers {
		for _, f := range rollupFilters(w.Agr) {
			got, err := w.svc.Spend(ctx, c, f)
			testenv.Must(t, err)
			want, err := w.svc.SpendFromOrders(ctx, c, f)
			testenv.Must(t, err)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: spend %+v:\nrollups     %+v\nbase tables %+v", name, f, got, want)
			}
		}
		for _, agr := range []string{"", w.Agr} {
			got, err := w.svc.Scorecards(ctx, c, agr)
			testenv.Must(t, err)
			want, err := w.svc.ScorecardsFromOrders(ctx, c, agr)
			testenv.Must(t, err)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: scorecards (agreement %q):\nrollups     %+v\nbase tables %+v", name, agr, got, want)
			}
		}
	}
	// The incrementally kept rows equal a recomputation from the base tables (rows that fell
	// to zero are gone too), also the per-agreement sums by month and by day, and the rebuild's set-wise view
	// agrees with the per-order one. One statement, so one snapshot even while other tests write.
	var diff int
	testenv.Must(t, w.db.GetContext(ctx, &diff, `
		WITH st AS (SELECT * FROM follow_order_state),
		spend AS (
			SELECT r.agreement_id, r.buyer_org_id, r.supplier_id, r.month, r.currency, k.dim, k.key,
			       count(*)::bigint AS orders, sum(k.total)::bigint AS total_minor, sum(k.eco)::bigint AS eco_minor
			FROM st r CROSS JOIN LATERAL (
				SELECT 'o'::"char" AS dim, ''::text AS key, r.total_minor AS total, r.eco_minor AS eco
				UNION ALL SELECT 'k', r.cost_center, r.total_minor, r.eco_minor
				UNION ALL SELECT 'u', r.ordered_by::text, r.total_minor, r.eco_minor
				UNION ALL SELECT 'c', c.cpv, c.t, c.e FROM unnest(r.cpv, r.cpv_total, r.cpv_eco) AS c(cpv, t, e)) k
			WHERE r.spend GROUP BY 1, 2, 3, 4, 5, 6, 7),
		agr AS (
			SELECT r.agreement_id, k.dim, r.month, r.currency, k.key,
			       count(*)::bigint AS orders, sum(k.total)::bigint AS total_minor, sum(k.eco)::bigint AS eco_minor
			FROM st r CROSS JOIN LATERAL (
				SELECT 'o'::"char" AS dim, ''::text AS key, r.total_minor AS total, r.eco_minor AS eco
				UNION ALL SELECT 'b', r.buyer_org_id::text, r.total_minor, r.eco_minor
				UNION ALL SELECT 's', r.supplier_id::text, r.total_minor, r.eco_minor
				UNION ALL SELECT 'k', r.cost_center, r.total_minor, r.eco_minor
				UNION ALL SELECT 'u', r.ordered_by::text, r.total_minor, r.eco_minor
				UNION ALL SELECT 'c', c.cpv, c.t, c.e FROM unnest(r.cpv, r.cpv_total, r.cpv_eco) AS c(cpv, t, e)) k
			WHERE r.spend GROUP BY 1, 2, 3, 4, 5),
		agrdays AS (
			SELECT r.agreement_id, k.dim, (r.approved_at AT TIME ZONE 'UTC')::date, r.currency, k.key,
			       count(*)::bigint AS orders, sum(k.total)::bigint AS total_minor, sum(k.eco)::bigint AS eco_minor
			FROM st r CROSS JOIN LATERAL (
				SELECT 'o'::"char" AS dim, ''::text AS key, r.total_minor AS total, r.eco_minor AS eco
				UNION ALL SELECT 'b', r.buyer_org_id::text, r.total_minor, r.eco_minor
				UNION ALL SELECT 's', r.supplier_id::text, r.total_minor, r.eco_minor
				UNION ALL SELECT 'k', r.cost_center, r.total_minor, r.eco_minor
				UNION ALL SELECT 'u', r.ordered_by::text, r.total_minor, r.eco_minor
				UNION ALL SELECT 'c', c.cpv, c.t, c.e FROM unnest(r.cpv, r.cpv_total, r.cpv_eco) AS c(cpv, t, e)) k
			WHERE r.spend GROUP BY 1, 2, 3, 4, 5),
		cards AS (
			SELECT agreement_id, buyer_org_id, supplier_id, count(*)::bigint AS received, sum(accepted)::bigint,
			       sum(declined)::bigint, sum(shipped_or_delivered)::bigint, sum(delivered)::bigint, sum(on_time)::bigint,
			       sum(deviations)::bigint, sum(open_deviations)::bigint, sum(k_late)::bigint, sum(k_wrong_item)::bigint,
			       sum(k_damaged)::bigint, sum(k_missing)::bigint, sum(k_quality)::bigint, sum(k_other)::bigint,
			       sum(k_service_outage)::bigint, sum(outages_in_time)::bigint
			FROM st GROUP BY 1, 2, 3)
		SELECT (SELECT count(*) FROM ((SELECT * FROM spend EXCEPT ALL SELECT * FROM follow_spend)
		                        UNION ALL (SELECT * FROM follow_spend EXCEPT ALL SELECT * FROM spend)) x)
		     + (SELECT count(*) FROM ((SELECT * FROM agr EXCEPT ALL SELECT * FROM follow_spend_agreements)
		                        UNION ALL (SELECT * FROM follow_spend_agreements EXCEPT ALL SELECT * FROM agr)) x)
		     + (SELECT count(*) FROM ((SELECT * FROM agrdays EXCEPT ALL SELECT * FROM follow_spend_agreement_days)
		                        UNION ALL (SELECT * FROM follow_spend_agreement_days EXCEPT ALL SELECT * FROM agrdays)) x)
		     + (SELECT count(*) FROM ((SELECT * FROM cards EXCEPT ALL SELECT * FROM follow_cards)
		                        UNION ALL (SELECT * FROM follow_cards EXCEPT ALL SELECT * FROM cards)) x)
		     + (SELECT count(*) FROM ((SELECT * FROM st EXCEPT ALL SELECT * FROM follow_orders)
		                        UNION ALL (SELECT * FROM follow_orders EXCEPT ALL SELECT * FROM st)) x)
		     + (SELECT count(*) FROM ((SELECT * FROM st EXCEPT ALL SELECT * FROM follow_order_state_all)
		                        UNION ALL (SELECT * FROM follow_order_state_all EXCEPT ALL SELECT * FROM st)) x)`))
	if diff != 0 {
		t.Errorf("%d rollup rows differ from a recomputation from the base tables", diff)
	}
}

// The rollups answer exactly what the base tables do, over orders in every state: pending,
// rejected, cancelled, declined, accepted, partly and wholly shipped, delivered late and on
// time; lines at 25, 12 and 6 % VAT; eco-labelled lines; several CPV codes in one order; orders
// approved in other months and on month edges; deviations of every state; and changes made
// behind the service's back (an item's CPV corrected, a line's total changed, an agreement's
// lead time changed).
func TestRollupsEqualBaseTables(t *testing.T) {
	w := newWorld(t, agreementOpts{method: "direct", threshold: 500000})
	ctx := context.Background()
	exec(t, w.db, `UPDATE items SET eco_labels = '{svanen}' WHERE id = $1`, w.Items1[0])
	exec(t, w.db, `UPDATE items SET cpv_code = '33141000' WHERE id = $1`, w.Items1[2])
	callers := map[string]auth.Caller{"manager": w.Manager, "orderer": w.Orderer, "approver": w.Approver,
		"supplier 1": w.Sup1C, "supplier 2": w.Sup2C, "other buyer": w.OtherC}
	must := func(_ orders.Order, err error) { t.Helper(); testenv.Must(t, err) }
	place := func(c auth.Caller, q int64, cc, sup string) orders.Order {
		in := w.input(q)
		in.CostCenter = cc
		if sup == "2" {
			in = orders.OrderInput{AgreementID: w.Agr, SupplierID: w.Sup2.ID, DeliveryAddress: "Storgatan 1", CostCenter: cc,
				Lines: []orders.LineInput{{ItemID: w.Items2[0], Quantity: q}}}
		}
		return w.place(c, in)
	}
	var os []orders.Order
	for i := 0; i < 24; i++ {
		c := []auth.Caller{w.Orderer, w.Orderer2, w.OtherC}[i%3]
		o := place(c, int64(1+i%4), []string{"4410", "5500", ""}[i%3], []string{"1", "2"}[i%2])
		if o.Status == orders.StatusPendingApproval { // several orders in a day may look like a split order
			must(w.svc.Move(ctx, callerOf(w, o), o.ID, orders.ActionApprove, ""))
		}
		os = append(os, o)
	}
	// Pending orders (above the buyer's threshold) approved, rejected or left pending.
	big := place(w.Orderer, 9, "4410", "1")
	big2 := place(w.Orderer, 10, "9000", "1")
	place(w.Orderer2, 12, "4410", "1")
	must(w.svc.Move(ctx, w.Approver, big.ID, orders.ActionApprove, ""))
	must(w.svc.Move(ctx, w.Approver, big2.ID, orders.ActionReject, "för dyrt"))
	os = append(os, big)
	checkRollupsEqualBaseTables(t, w, callers)

	// Lifecycle: cancel, accept, decline, ship partly and wholly, deliver.
	must(w.svc.Move(ctx, w.Orderer, os[0].ID, orders.ActionCancel, ""))
	for _, o := range os[1:] {
		sup := w.Sup1C
		if o.SupplierID == w.Sup2.ID {
			sup = w.Sup2C
		}
		if _, err := w.svc.Move(ctx, sup, o.ID, orders.ActionAccept, ""); err != nil {
			t.Fatalf("accept %s (%s, supplier %s): %v", o.ID, o.Status, o.SupplierID, err)
		}
	}
	must(w.svc.Move(ctx, w.Sup2C, os[3].ID, orders.ActionDecline, "slut i lager"))
	must(w.svc.Ship(ctx, w.Sup1C, os[2].ID, []orders.QuantityLine{{LineNo: 1, Quantity: 1}}, "del 1"))
	for _, o := range os[4:14] {
		sup := w.Sup1C
		if o.SupplierID == w.Sup2.ID {
			sup = w.Sup2C
		}
		must(w.svc.Ship(ctx, sup, o.ID, nil, ""))
		if o.Lines[0].Quantity%2 == 0 {
			must(w.svc.Deliver(ctx, callerOf(w, o), o.ID, nil, ""))
		}
	}
	checkRollupsEqualBaseTables(t, w, callers)

	// Dates: approvals moved to other months and onto month edges, deliveries made late, a
	// requested delivery date, a delivery after it.
	for i, day := range []string{"2025-11-15T10:00:00Z", "2025-11-30T23:59:59Z", "2025-12-01T00:00:00Z", "2025-12-31T23:30:00Z",
		"2026-01-01T00:00:01Z", "2020-01-15T12:00:00Z"} {
		exec(t, w.db, `UPDATE orders SET approved_at = $2 WHERE id = $1`, os[5+i].ID, day)
	}
	exec(t, w.db, `UPDATE orders SET delivered_at = approved_at + interval '30 days' WHERE id = $1 AND delivered_at IS NOT NULL`, os[6].ID)
	exec(t, w.db, `UPDATE orders SET requested_delivery_date = (approved_at AT TIME ZONE 'UTC')::date + 1 WHERE id = $1`, os[8].ID)

	// Deviations: open, responded, closed, of several kinds.
	for i, k := range []orders.DeviationKind{"late", "damaged", "missing", "quality", "late"} {
		o := os[4+2*i]
		d, err := w.svc.ReportDeviation(ctx, callerOf(w, o), o.ID, orders.DeviationInput{Kind: k, Description: "avvikelse"})
		testenv.Must(t, err)
		if i%2 == 1 {
			_, err = w.svc.RespondDeviation(ctx, supplierOf(w, o), o.ID, d.ID, "vi beklagar")
			testenv.Must(t, err)
		}
		if i == 3 {
			_, err = w.svc.CloseDeviation(ctx, w.Manager, o.ID, d.ID, "ok")
			testenv.Must(t, err)
		}
	}
	checkRollupsEqualBaseTables(t, w, callers)

	// Behind the service's back: a CPV code corrected, a line's total changed, a lead time.
	exec(t, w.db, `UPDATE items SET cpv_code = '33141100' WHERE id = $1`, w.Items1[1])
	exec(t, w.db, `UPDATE order_lines SET line_total_minor = line_total_minor + 1234 WHERE order_id = $1 AND line_no = 1`, os[9].ID)
	exec(t, w.db, `UPDATE agreements SET lead_time_days = 40 WHERE id = $1`, w.Agr)
	checkRollupsEqualBaseTables(t, w, callers)
}

// callerOf is the buyer-side caller who may act on o (its orderer's organisation).
func callerOf(w *world, o orders.Order) auth.Caller {
	if o.BuyerOrgID == w.Other.ID {
		return w.OtherC
	}
	return w.Approver
}

func supplierOf(w *world, o orders.Order) auth.Caller {
	if o.SupplierID == w.Sup2.ID {
		return w.Sup2C
	}
	return w.Sup1C
}

// Many goroutines placing, approving, accepting, delivering and cancelling orders at once
// leave the rollups equal to a recomputation from the base tables.
func TestRollupsUnderConcurrency(t *testing.T) {
	w := newWorld(t, agreementOpts{method: "direct", threshold: 1_000_000_000})
	ctx := context.Background()
	callers := []auth.Caller{w.Orderer, w.Orderer2, w.OtherC}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			r := rand.New(rand.NewSource(int64(g)))
			for i := 0; i < 8; i++ {
				c := callers[r.Intn(len(callers))]
				in := w.input(int64(1 + r.Intn(3)))
				in.CostCenter = fmt.Sprint(4400 + r.Intn(3))
				o, _, err := w.svc.CreateOrder(ctx, c, in, "")
				if err != nil {
					errs <- err
					return
				}
				switch r.Intn(4) {
				case 0:
					_, err = w.svc.Move(ctx, c, o.ID, orders.ActionCancel, "")
				case 1:
					if _, err = w.svc.Move(ctx, w.Sup1C, o.ID, orders.ActionAccept, ""); err == nil {
						_, err = w.svc.Ship(ctx, w.Sup1C, o.ID, nil, "")
					}
				case 2:
					_, err = w.svc.Move(ctx, w.Sup1C, o.ID, orders.ActionDecline, "nej")
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkRollupsEqualBaseTables(t, w, map[string]auth.Caller{"manager": w.Manager, "orderer": w.Orderer,
		"supplier": w.Sup1C, "other buyer": w.OtherC})
}

// A pending order contributes nothing, so changing its lines marks nothing for the flush at
// commit (migration 00029): placing an order that awaits approval costs no follow-up work. Once
// approved, a change of its lines marks it, and a change made while it was pending is counted
// when it is approved.
func TestPendingOrderLinesMarkNothing(t *testing.T) {
	w := newWorld(t, agreementOpts{method: "direct", threshold: 1})
	ctx := context.Background()
	o := w.place(w.Orderer, w.input(3))
	if o.Status != orders.StatusPendingApproval {
		t.Fatalf("order is %s, want pending approval", o.Status)
	}
	marks := func() int {
		t.Helper()
		tx := w.db.MustBegin()
		defer tx.Rollback() //nolint:errcheck
		exec(t, tx, `UPDATE order_lines SET line_total_minor = line_total_minor + 100 WHERE order_id = $1`, o.ID)
		var n int
		testenv.Must(t, tx.Get(&n, `SELECT count(*) FROM follow_dirty WHERE order_id = $1`, o.ID))
		return n
	}
	// New lines mark their order only once it is approved, and once however many lines.
	copyLines := `INSERT INTO order_lines (order_id, line_no, item_id, sku, name, unit, quantity, unit_price_minor, vat_rate_bp,
		line_total_minor, line_vat_minor) SELECT order_id, line_no + $2, item_id, sku, name, unit, quantity, unit_price_minor,
		vat_rate_bp, line_total_minor, line_vat_minor FROM order_lines WHERE order_id = $1 AND line_no <= 3`
	insertMarks := func() int {
		t.Helper()
		tx := w.db.MustBegin()
		defer tx.Rollback() //nolint:errcheck
		exec(t, tx, copyLines, o.ID, 100)
		var n int
		testenv.Must(t, tx.Get(&n, `SELECT count(*) FROM follow_dirty WHERE order_id = $1`, o.ID))
		return n
	}
	if n := marks(); n != 0 {
		t.Fatalf("a pending order's line change marked it %d times, want 0", n)
	}
	if n := insertMarks(); n != 0 {
		t.Fatalf("new lines of a pending order marked it %d times, want 0", n)
	}
	exec(t, w.db, `UPDATE order_lines SET line_total_minor = line_total_minor + 500 WHERE order_id = $1 AND line_no = 1`, o.ID)
	_, err := w.svc.Move(ctx, w.Approver, o.ID, orders.ActionApprove, "")
	testenv.Must(t, err)
	if n := marks(); n != 1 {
		t.Fatalf("an approved order's line change marked it %d times, want 1", n)
	}
	if n := insertMarks(); n != 1 {
		t.Fatalf("three new lines of an approved order marked it %d times, want 1", n)
	}
	exec(t, w.db, copyLines, o.ID, 10) // committed: the rollups take the new lines in
	var lines int
	testenv.Must(t, w.db.Get(&lines, `SELECT count(*) FROM order_lines WHERE order_id = $1`, o.ID))
	if lines != 6 {
		t.Fatalf("%d lines, want 6", lines)
	}
	checkRollupsEqualBaseTables(t, w, map[string]auth.Caller{"manager": w.Manager, "approver": w.Approver, "supplier 1": w.Sup1C})
}
