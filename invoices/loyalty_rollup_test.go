package invoices_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/orders"
)

// sameAsBaseTables compares contract loyalty from the rollups of migrations 00024, 00031 and 00032
// with the base-table computation, for a manager, both approvers and the managers of scopeManagers
// (a national scope and one lacking a buyer with spend), every grouping and ranges
// that are unbounded, month-aligned, cut a month at either end or lie within one month, both
// with the product's number of exactly ranked suppliers per organisation and with one (so that
// organisations are summed whole); and the rollup tables row by row with a recomputation from
// the base tables.
func sameAsBaseTables(t *testing.T, w *world, step string) {
	t.Helper()
	ctx := context.Background()
	today := time.Now().UTC()
	m := func(months int) string { return today.AddDate(0, months, 0).Format("2006-01") }
	d := func(days int) string { return today.AddDate(0, 0, days).Format(time.DateOnly) }
	sameAnswers(t, w, step, [][2]string{{"", ""}, {m(-13), m(0)}, {m(-2), m(1)}, {d(-45), d(0)}, {d(-70), d(-20)}, {d(-9), d(-3)},
		{m(-14), d(-40)}, {d(-400), m(-1)}})
	var diff int
	testenv.Must(t, w.db.GetContext(ctx, &diff, `
		WITH s AS (SELECT * FROM loyalty_doc_state(NULL, NULL, NULL)),
		m AS (SELECT org_id, date_trunc('month', day)::date AS month, division, supplier_key, currency, platform,
		             supplier_org_number, supplier_name, count(*) AS docs, sum(amount_minor) AS amount_minor FROM s GROUP BY 1, 2, 3, 4, 5, 6, 7, 8),
		b AS (SELECT org_id, currency, supplier_key, count(*) AS docs, sum(greatest(amount_minor, 0)) AS positive_minor
		      FROM s WHERE NOT platform GROUP BY 1, 2, 3),
		sm AS (SELECT date_trunc('month', day)::date AS month, division, supplier_key, currency, platform, supplier_org_number,
		              supplier_name, count(*) AS docs, sum(amount_minor) AS amount_minor FROM s GROUP BY 1, 2, 3, 4, 5, 6, 7),
		om AS (SELECT org_id, date_trunc('month', day)::date AS month, currency, platform, count(*) AS docs, sum(amount_minor) AS amount_minor
		       FROM s GROUP BY 1, 2, 3, 4)
		SELECT (SELECT count(*) FROM ((SELECT * FROM s EXCEPT SELECT * FROM loyalty_docs) UNION ALL (SELECT * FROM loyalty_docs EXCEPT SELECT * FROM s)) x)
		     + (SELECT count(*) FROM ((SELECT * FROM m EXCEPT SELECT * FROM loyalty_months) UNION ALL (SELECT * FROM loyalty_months EXCEPT SELECT * FROM m)) y)
		     + (SELECT count(*) FROM ((SELECT * FROM b EXCEPT SELECT * FROM loyalty_outside_bounds)
		                   UNION ALL (SELECT * FROM loyalty_outside_bounds EXCEPT SELECT * FROM b)) z)
		     + (SELECT count(*) FROM ((SELECT * FROM sm EXCEPT SELECT * FROM loyalty_supplier_months)
		                   UNION ALL (SELECT * FROM loyalty_supplier_months EXCEPT SELECT * FROM sm)) u)
		     + (SELECT count(*) FROM ((SELECT * FROM om EXCEPT SELECT * FROM loyalty_org_months)
		                   UNION ALL (SELECT * FROM loyalty_org_months EXCEPT SELECT * FROM om)) v)`))
	if diff != 0 {
		t.Fatalf("%s: %d rollup rows differ from a recomputation from the base tables", step, diff)
	}
}

// sameAnswers compares the report from the rollups with the base tables' for the manager, both
// approvers and the managers of scopeManagers, every grouping and the ranges given, with the
// product's number of exactly ranked suppliers per organisation, with one, and subtracting
// days from the months a range cuts whatever the scope's size.
func sameAnswers(t *testing.T, w *world, step string, ranges [][2]string) {
	t.Helper()
	ctx := context.Background()
	base := w.svc.FromBaseTables()
	national, allButOther := w.scopeManagers()
	for _, c := range []auth.Caller{w.Manager, w.Approver, w.OtherC, national, allButOther} {
		for _, g := range []invoices.LoyaltyGroup{invoices.ByOrganization, invoices.ByCPV, invoices.ByMonth, invoices.BySupplier} {
			for _, r := range ranges {
				f := invoices.LoyaltyFilter{GroupBy: g, From: r[0], To: r[1]}
				want, err := base.ContractLoyalty(ctx, c, f)
				testenv.Must(t, err)
				wj, _ := json.Marshal(want)
				for _, svc := range []*invoices.Service{w.svc, w.svc.WithLoyaltyCandidates(1), w.svc.WithLoyaltySubtractAll()} {
					got, err := svc.ContractLoyalty(ctx, c, f)
					testenv.Must(t, err)
					if gj, _ := json.Marshal(got); string(gj) != string(wj) {
						t.Fatalf("%s: %s %s %v: rollups give\n%s\nbase tables give\n%s", step, c.OrgID, g, r, gj, wj)
					}
				}
			}
		}
	}
}

// scopeManagers are two managers whose agreements (awarding nobody) have every buyer with
// spend in the database take part, all of them (national: sums without the buyer are its
// scope's) or all but Other (whose spend those sums hold, so it must read per buyer). It
// checks that the national scope is one for the report (migration 00032's check).
func (w *world) scopeManagers() (national, allButOther auth.Caller) {
	w.t.Helper()
	ctx := context.Background()
	if w.national.OrgID == "" {
		for i, c := range []*auth.Caller{&w.national, &w.allButOther} {
			body := w.org(auth.KindProcurementBody, fmt.Sprintf("Nationell upphandling %d", i))
			*c = w.user(body, auth.RoleManager)
			var agr string
			testenv.Must(w.t, w.db.GetContext(ctx, &agr, `INSERT INTO agreements (procurement_body_id, reference, title, cpv_code, currency,
				valid_from, valid_to, status, call_off_method, lead_time_days)
				VALUES ($1, $2, 'Nationellt', '33190000', 'SEK', current_date - 400, current_date + 400, 'active', 'direct', 10) RETURNING id`,
				body.ID, "NA-"+testenv.Unique()))
		}
	}
	for _, c := range []auth.Caller{w.national, w.allButOther} {
		exec(w.t, w.db, `INSERT INTO agreement_participants (agreement_id, org_id)
			SELECT a.id, o.org_id FROM agreements a, (SELECT org_id FROM loyalty_org_months UNION SELECT $2::uuid UNION SELECT $3::uuid) o
			WHERE a.procurement_body_id = $1 AND (a.procurement_body_id = $4 OR o.org_id <> $3)
			ON CONFLICT DO NOTHING`, c.OrgID, w.Buyer.ID, w.Other.ID, w.national.OrgID)
	}
	var outside int
	testenv.Must(w.t, w.db.GetContext(ctx, &outside, `SELECT count(*) FROM loyalty_org_months o WHERE NOT EXISTS (
		SELECT 1 FROM agreements a JOIN agreement_participants p ON p.agreement_id = a.id
		WHERE a.procurement_body_id = $1 AND p.org_id = o.org_id)`, w.national.OrgID))
	if outside != 0 {
		w.t.Fatalf("the national manager's scope misses %d buyer months", outside)
	}
	return w.national, w.allButOther
}

// TestLoyaltyRollupsEqualBaseTables makes random changes through the services and behind
// their back (SQL), and after each batch compares the rollups with the base tables.
func TestLoyaltyRollupsEqualBaseTables(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	rng := rand.New(rand.NewSource(14))
	today := time.Now().UTC()
	day := func(back int) string { return today.AddDate(0, 0, -back).Format(time.DateOnly) }
	sameAsBaseTables(t, w, "empty")

	var placed []string // order ids
	var numbers []string
	invoiced := map[string]string{} // invoice number → id
	for batch := 0; batch < 6; batch++ {
		// Orders need the agreement active today.
		exec(t, w.db, `UPDATE agreements SET status = 'active', valid_from = current_date - 400, valid_to = current_date + 400 WHERE id = $1`, w.Agr)
		for i := 0; i < 6; i++ {
			o := w.order(rng.Intn(2) == 0, int64(1+rng.Intn(5)), int64(rng.Intn(3)))
			placed = append(placed, o.ID)
			numbers = append(numbers, o.Number)
			// Orders placed on other days, some months back.
			exec(t, w.db, `UPDATE orders SET created_at = now() - $2 * interval '1 day' WHERE id = $1`, o.ID, rng.Intn(120))
		}
		// Invoices: on an order, without one from the off-agreement supplier, credit notes, other days.
		for i := 0; i < 5; i++ {
			n := fmt.Sprintf("R%d-%d-%s", batch, i, testenv.Unique())
			var dr invoices.Draft
			sup := w.SupC
			if rng.Intn(3) == 0 {
				dr = w.draft(n, "", invoices.DraftLine{SKU: "X", Name: "Tvål", Unit: "EA", Quantity: int64(1 + rng.Intn(4)),
					UnitPriceMinor: int64(1000 + rng.Intn(9000)), VATRateBP: 2500, CPV: []string{"33140000", "30190000", "33190000"}[rng.Intn(3)]})
				dr.Supplier, sup = party(w.Sup2), w.Sup2C
			} else {
				dr = w.draft(n, numbers[rng.Intn(len(numbers))], w.line(0, int64(1+rng.Intn(3)), 10000))
			}
			dr.IssueDate = day(rng.Intn(100))
			dr.CreditNote = rng.Intn(5) == 0
			if rng.Intn(2) == 0 {
				dr.Buyer = party(w.Other)
			}
			inv := w.receive(sup, dr)
			invoiced[n] = inv.ID
		}
		// Ledger rows: some the same invoice as a received one (counted once), others of suppliers
		// known and unknown, on other days and in other divisions.
		var rows []string
		for i := 0; i < 12; i++ {
			buyer := []org{w.Buyer, w.Other}[rng.Intn(2)]
			sup := []org{w.Sup, w.Sup2, {Number: "559999-0001", Name: "Apotek X"}}[rng.Intn(3)]
			n := fmt.Sprintf("L%d-%d-%s", batch, i, testenv.Unique())
			if rng.Intn(3) == 0 && len(invoiced) > 0 {
				for k := range invoiced {
					n = k
					break
				}
			}
			rows = append(rows, fmt.Sprintf("%s,%s,%s,%s,%s,%d,SEK,%s", buyer.Number, sup.Number, sup.Name, n, day(rng.Intn(100)),
				1000+rng.Intn(90000), []string{"33190000", "33140000", "30190000", "33600000"}[rng.Intn(4)]))
		}
		_, err := w.svc.LoadSpendRecords(ctx, w.Manager, strings.NewReader(spendHeader+strings.Join(rows, "\n")+"\n"))
		testenv.Must(t, err)
		// A later invoice with a ledger row's number and supplier takes that row's place.
		late := w.draft(fmt.Sprintf("L%d-0-x", batch), "", invoices.DraftLine{SKU: "Y", Name: "Handskar", Unit: "EA", Quantity: 1,
			UnitPriceMinor: 4000, VATRateBP: 2500, CPV: "33140000"})
		late.Supplier = party(w.Sup2)
		w.receive(w.Sup2C, late)
		sameAsBaseTables(t, w, fmt.Sprintf("batch %d through the services", batch))

		// Behind the services' back.
		o := placed[rng.Intn(len(placed))]
		exec(t, w.db, `UPDATE orders SET status = $2 WHERE id = $1`, o, []string{"cancelled", "declined", "accepted", "shipped"}[rng.Intn(4)])
		exec(t, w.db, `UPDATE orders SET total_minor = total_minor + 1 WHERE id = $1`, placed[rng.Intn(len(placed))])
		for _, id := range invoiced {
			if rng.Intn(4) == 0 {
				exec(t, w.db, `UPDATE invoices SET status = CASE WHEN status = 'invalid' THEN 'matched' ELSE 'invalid' END WHERE id = $1`, id)
			}
		}
		exec(t, w.db, `DELETE FROM spend_records WHERE id = (SELECT max(id) FROM spend_records WHERE org_id = $1)`, w.Other.ID)
		exec(t, w.db, `UPDATE spend_records SET amount_minor = amount_minor * 2 WHERE id = (SELECT min(id) FROM spend_records WHERE org_id = $1)`, w.Buyer.ID)
		exec(t, w.db, `UPDATE organizations SET name = $2 WHERE id = $1`, w.Sup2.ID, fmt.Sprintf("Offside Handel %d AB", batch))
		// Agreements change without touching the rollups: judged when read. A validity that starts
		// or ends inside a month makes those months be judged per day.
		switch batch % 3 {
		case 0:
			exec(t, w.db, `UPDATE agreements SET valid_from = current_date - $2::int, valid_to = current_date - $3::int WHERE id = $1`,
				w.Agr, 40+rng.Intn(30), rng.Intn(20))
		case 1:
			exec(t, w.db, `UPDATE agreements SET status = 'terminated' WHERE id = $1`, w.Agr)
		case 2:
			exec(t, w.db, `UPDATE agreements SET status = 'active', valid_from = date_trunc('month', current_date - 60)::date,
				valid_to = current_date + 400 WHERE id = $1`, w.Agr)
		}
		if batch == 4 {
			exec(t, w.db, `UPDATE agreements SET cpv_code = '30190000' WHERE id = $1`, w.Agr)
		}
		sameAsBaseTables(t, w, fmt.Sprintf("batch %d behind the services' back", batch))
	}
}

// TestLoyaltyRollupsUnderConcurrency has 16 goroutines placing, invoicing, cancelling and
// loading ledger rows at once, invoices and ledger rows racing for the same numbers, then
// compares the rollups with the base tables.
func TestLoyaltyRollupsUnderConcurrency(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	today := time.Now().UTC().Format(time.DateOnly)
	tag := testenv.Unique()
	var wg sync.WaitGroup
	errs := make(chan error, 16*8)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 4; i++ {
				n := fmt.Sprintf("C-%s-%d-%d", tag, g/4, i) // goroutines 4k and 4k+1 race for each number
				switch g % 4 {
				case 0: // the invoice of number n, from the off-agreement supplier
					if _, err := w.svc.Receive(ctx, w.Sup2C, w.offDraft(n).Document()); err != nil {
						errs <- fmt.Errorf("receive: %w", err)
					}
				case 1: // the ledger row of the same invoice
					if err := w.ledgerRow(w.Buyer, n, today); err != nil {
						errs <- fmt.Errorf("ledger: %w", err)
					}
				case 2: // another number: the invoice first, then its ledger row, for the other buyer
					dr := w.offDraft("D" + n)
					dr.Buyer = party(w.Other)
					if _, err := w.svc.Receive(ctx, w.Sup2C, dr.Document()); err != nil {
						errs <- fmt.Errorf("receive: %w", err)
					}
					if err := w.ledgerRow(w.Other, "D"+n, today); err != nil {
						errs <- fmt.Errorf("ledger: %w", err)
					}
				case 3: // an order, invoiced by the supplier while another goroutine cancels some
					in := w.orderInput(2, 1)
					o, _, err := w.orders.CreateOrder(ctx, w.Orderer, in, "")
					if err != nil {
						errs <- err
						continue
					}
					if _, err := w.db.ExecContext(ctx, `UPDATE orders SET status = 'delivered', approved_at = now(), delivered_at = now() WHERE id = $1`, o.ID); err != nil {
						errs <- err
						continue
					}
					var wg2 sync.WaitGroup
					wg2.Add(2)
					go func() {
						defer wg2.Done()
						if _, err := w.svc.Receive(ctx, w.SupC, w.draft("CO-"+testenv.Unique(), o.Number, w.line(0, 2, 10000)).Document()); err != nil {
							errs <- fmt.Errorf("receive on order: %w", err)
						}
					}()
					go func() {
						defer wg2.Done()
						if i%2 == 0 {
							if _, err := w.db.ExecContext(ctx, `UPDATE orders SET status = 'cancelled' WHERE id = $1`, o.ID); err != nil {
								errs <- err
							}
						}
					}()
					wg2.Wait()
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	sameAsBaseTables(t, w, "after 16 goroutines")
}

// offDraft is an invoice of number n from the off-agreement supplier to Buyer.
func (w *world) offDraft(n string) invoices.Draft {
	dr := w.draft(n, "", invoices.DraftLine{SKU: "X", Name: "Tvål", Unit: "EA", Quantity: 1, UnitPriceMinor: 3000,
		VATRateBP: 2500, CPV: "33140000"})
	dr.Supplier = party(w.Sup2)
	return dr
}

// ledgerRow loads buyer's ledger row of the off-agreement supplier's invoice n.
func (w *world) ledgerRow(buyer org, n, day string) error {
	csv := spendHeader + fmt.Sprintf("%s,%s,%s,%s,%s,7000,SEK,33140000\n", buyer.Number, w.Sup2.Number, w.Sup2.Name, n, day)
	_, err := w.svc.LoadSpendRecords(context.Background(), w.Manager, strings.NewReader(csv))
	return err
}

// orderInput is an order of qty[i] of Items[i].
func (w *world) orderInput(qty ...int64) orders.OrderInput {
	in := orders.OrderInput{AgreementID: w.Agr, SupplierID: w.Sup.ID, DeliveryAddress: "Hemtjänst Norr, Storgatan 1"}
	for i, q := range qty {
		if q > 0 {
			in.Lines = append(in.Lines, orders.LineInput{ItemID: w.Items[i].ID, Quantity: q})
		}
	}
	return in
}

// TestLoyaltyRankingByBounds ranks a buyer's outside suppliers with five computed exactly (of
// eight): over all the spend the bounds settle the buyer (the fifth largest exceeds the sixth
// bound); over this month two suppliers' bounds, swollen by older spend, exceed what they sold
// this month, the fifth largest among the five does not exceed the sixth bound and the buyer
// is summed whole. Both must give the base tables' answer.
func TestLoyaltyRankingByBounds(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	today := time.Now().UTC()
	now, old := today.Format(time.DateOnly), today.AddDate(0, -14, 0).Format(time.DateOnly)
	var rows []string
	for i, amount := range []int{90000, 80000, 70000, 60000, 50000, 40000, 30000, 25000} { // suppliers A–H
		rows = append(rows, fmt.Sprintf("%s,559999-100%d,Leverantör %c,N-%d,%s,%d,SEK,33600000", w.Buyer.Number, i, 'A'+i, i, now, amount))
	}
	rows = append(rows, fmt.Sprintf("%s,559999-1007,Leverantör H,O-1,%s,1000000,SEK,33600000", w.Buyer.Number, old),
		fmt.Sprintf("%s,559999-1006,Leverantör G,O-2,%s,500000,SEK,33600000", w.Buyer.Number, old))
	_, err := w.svc.LoadSpendRecords(ctx, w.Manager, strings.NewReader(spendHeader+strings.Join(rows, "\n")+"\n"))
	testenv.Must(t, err)
	month := today.Format("2006-01")
	for _, r := range []struct{ from, to, want string }{
		{old, now, "559999-1007 559999-1006 559999-1000 559999-1001 559999-1002"},
		{month, month, "559999-1000 559999-1001 559999-1002 559999-1003 559999-1004"},
	} {
		f := invoices.LoyaltyFilter{GroupBy: invoices.ByOrganization, From: r.from, To: r.to, OrgID: w.Buyer.ID}
		got, err := w.svc.WithLoyaltyCandidates(5).ContractLoyalty(ctx, w.Manager, f)
		testenv.Must(t, err)
		want, err := w.svc.FromBaseTables().ContractLoyalty(ctx, w.Manager, f)
		testenv.Must(t, err)
		gj, _ := json.Marshal(got)
		if wj, _ := json.Marshal(want); string(gj) != string(wj) {
			t.Fatalf("%s–%s: rollups give\n%s\nbase tables give\n%s", r.from, r.to, gj, wj)
		}
		var top []string
		for _, o := range got.Items[0].TopOutside {
			top = append(top, o.SupplierOrgNumber)
		}
		if len(got.Items) != 1 || strings.Join(top, " ") != r.want {
			t.Errorf("%s–%s: got %d groups, top outside %v, want %s", r.from, r.to, len(got.Items), top, r.want)
		}
	}
}

// TestLoyaltyEmptiedRollupRowsGo deletes the only document of a buyer and supplier: every
// rollup row it made must go (00031's flush left the bound, with no documents), and the
// rollups still equal a recomputation and the base tables.
func TestLoyaltyEmptiedRollupRowsGo(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	n := "E-" + testenv.Unique()
	csv := spendHeader + fmt.Sprintf("%s,559999-4242,Leverantör Ensam %s,%s,%s,12500,SEK,33600000\n", w.Other.Number, n, n,
		time.Now().UTC().AddDate(0, -2, 0).Format(time.DateOnly))
	_, err := w.svc.LoadSpendRecords(ctx, w.Manager, strings.NewReader(csv))
	testenv.Must(t, err)
	exec(t, w.db, `DELETE FROM spend_records WHERE invoice_number = $1`, n)
	var left int
	testenv.Must(t, w.db.GetContext(ctx, &left, `SELECT (SELECT count(*) FROM loyalty_outside_bounds WHERE docs = 0)
		+ (SELECT count(*) FROM loyalty_months WHERE docs = 0) + (SELECT count(*) FROM loyalty_supplier_months WHERE docs = 0)
		+ (SELECT count(*) FROM loyalty_org_months WHERE docs = 0)`))
	if left != 0 {
		t.Fatalf("%d emptied rollup rows left", left)
	}
	sameAsBaseTables(t, w, "after the only document went")
}
