package invoices_test

import (
	"context"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/orders"
	"github.com/avrop/avrop/placements"
)

// subscriptionWorld is the world on a fixed clock with a subscription item of Sup (695.00 a
// month, setup 1,500.00, VAT 25 %) and one order placed on 1 October 2026 of two placements:
// P1 starting and installed on 1 October, P2 starting 10 October and installed on 15 October.
// The agreement runs 2026-01-01 to 2027-12-31.
func subscriptionWorld(t *testing.T) (w *world, sku string, o orders.Order) {
	t.Helper()
	w = newWorld(t)
	ctx := context.Background()
	exec(t, w.db, `UPDATE agreements SET valid_from = '2026-01-01', valid_to = '2027-12-31' WHERE id = $1`, w.Agr)
	sku = "DISP-" + testenv.Unique()
	var item string
	testenv.Must(t, w.db.GetContext(ctx, &item, `INSERT INTO items (agreement_id, supplier_id, sku, name, unit, cpv_code, eco_labels,
		vat_rate_bp, kind, min_term_months, notice_months) VALUES ($1, $2, $3, 'Läkemedelsautomat', 'MON', '33190000', $4, 2500,
		'subscription', 12, 3) RETURNING id`, w.Agr, w.Sup.ID, sku, pq.Array([]string{})))
	exec(t, w.db, `INSERT INTO item_prices (item_id, price_minor, setup_price_minor, effective_from) VALUES ($1, 69500, 150000, '2000-01-01')`, item)
	w.orders.SetClock(func() time.Time { return time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC) })
	o, _, err := w.orders.CreateOrder(ctx, w.Orderer, orders.OrderInput{AgreementID: w.Agr, SupplierID: w.Sup.ID,
		DeliveryAddress: "Storgatan 1, Karlstad", Lines: []orders.LineInput{
			{ItemID: item, Quantity: 1, RecipientRef: "KS-1", StartDate: "2026-10-01"},
			{ItemID: item, Quantity: 1, RecipientRef: "KS-2", StartDate: "2026-10-10"},
		}}, "")
	testenv.Must(t, err)
	exec(t, w.db, `UPDATE orders SET status = 'approved', approved_at = now() WHERE id = $1`, o.ID)
	w.orders.SetClock(func() time.Time { return time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC) })
	for i, on := range []string{"2026-10-01", "2026-10-15"} {
		_, err := w.orders.Placements().Install(ctx, w.SupC, *o.Lines[i].PlacementID, placements.InstallInput{InstalledOn: on})
		testenv.Must(t, err)
	}
	return w, sku, o
}

// Subscription invoices are compared with the month's placement charges, figures by hand:
//
//	October 2026 (31 days): P1 installed 1 Oct: 695.00 + setup 1,500.00 = 2,195.00;
//	P2 installed 15 Oct, 17 active days: 695.00 × 17 / 31 = 381.129… → 381.13, + setup
//	1,500.00 = 1,881.13. Expected 4,076.13.
//	November 2026: both whole months, 2 × 695.00 = 1,390.00.
func TestSubscriptionInvoiceAgainstMonthCharges(t *testing.T) {
	w, sku, o := subscriptionWorld(t)
	sub := func(qty, price int64) invoices.DraftLine {
		return invoices.DraftLine{SKU: sku, Name: "Läkemedelsautomat", Unit: "MON", Quantity: qty, UnitPriceMinor: price, VATRateBP: 2500}
	}
	month := func(number, order, from, to string, lines ...invoices.DraftLine) invoices.Draft {
		d := w.draft(number, order, lines...)
		d.PeriodStart, d.PeriodEnd = from, to
		return d
	}
	t.Run("November by InvoicePeriod, no order reference: matched", func(t *testing.T) {
		inv := w.receive(w.SupC, month("S-"+testenv.Unique(), "", "2026-11-01", "2026-11-30", sub(2, 69500)))
		if inv.Status != invoices.StatusMatched || len(inv.Findings) != 0 {
			t.Errorf("got %s %+v, want matched", inv.Status, inv.Findings)
		}
	})
	t.Run("October on the order: two full months, setups and freight", func(t *testing.T) {
		freight := invoices.DraftLine{SKU: "FRAKT", Name: "Frakt", Unit: "EA", Quantity: 1, UnitPriceMinor: 5000, VATRateBP: 2500}
		inv := w.receive(w.SupC, month("S-"+testenv.Unique(), o.Number, "2026-10-01", "2026-10-31",
			sub(2, 69500), sub(2, 150000), freight))
		// Lines 1+2 come to 1,390.00 + 3,000.00 = 4,390.00 for the item against 4,076.13:
		// 313.87 above (P2's 14 days before installation); line 3 is not a placement's item.
		want := []struct {
			code   string
			line   int
			amount int64
		}{{invoices.FindingChargeAboveMonth, 2, 31387}, {invoices.FindingNotOnOrder, 3, 5000}}
		if inv.Status != invoices.StatusDeviating || len(inv.Findings) != len(want) {
			t.Fatalf("got %s %+v, want deviating with %v", inv.Status, inv.Findings, want)
		}
		for i, wf := range want {
			if f := inv.Findings[i]; f.Code != wf.code || f.Line() != wf.line || f.AmountMinor != wf.amount {
				t.Errorf("finding %d: got %s line %d %d, want %s line %d %d", i, f.Code, f.Line(), f.AmountMinor, wf.code, wf.line, wf.amount)
			}
		}
		if inv.AtStakeMinor != 36387 {
			t.Errorf("at stake %d, want 36387", inv.AtStakeMinor)
		}
	})
	t.Run("October exactly as charged: matched", func(t *testing.T) {
		inv := w.receive(w.SupC, month("S-"+testenv.Unique(), o.Number, "2026-10-01", "2026-10-31",
			sub(1, 69500), sub(1, 38113), sub(2, 150000)))
		if inv.Status != invoices.StatusMatched {
			t.Errorf("got %s %+v, want matched", inv.Status, inv.Findings)
		}
	})
	t.Run("the issue date's month when no period is stated; VAT other than the item's", func(t *testing.T) {
		d := w.draft("S-"+testenv.Unique(), o.Number, invoices.DraftLine{SKU: sku, Name: "x", Unit: "MON", Quantity: 2,
			UnitPriceMinor: 69500, VATRateBP: 1200})
		d.IssueDate = "2026-11-30"
		inv := w.receive(w.SupC, d)
		if len(inv.Findings) != 1 || inv.Findings[0].Code != invoices.FindingVATMismatch || inv.Findings[0].AmountMinor != 0 {
			t.Errorf("got %+v, want only vat_mismatch with nothing at stake (lower VAT)", inv.Findings)
		}
	})
	t.Run("a month before any installation: everything above the charges", func(t *testing.T) {
		inv := w.receive(w.SupC, month("S-"+testenv.Unique(), "", "2026-09-01", "2026-09-30", sub(1, 69500)))
		if len(inv.Findings) != 1 || inv.Findings[0].Code != invoices.FindingChargeAboveMonth || inv.Findings[0].AmountMinor != 69500 {
			t.Errorf("got %+v, want charge_above_month 69500", inv.Findings)
		}
	})
	t.Run("a goods invoice with a period but no placements of the supplier stays order_not_found", func(t *testing.T) {
		d := w.draft("S-"+testenv.Unique(), "", w.line(0, 1, 10000))
		d.Supplier = party(w.Sup2)
		d.PeriodStart, d.PeriodEnd = "2026-11-01", "2026-11-30"
		inv := w.receive(w.Sup2C, d)
		if len(inv.Findings) != 1 || inv.Findings[0].Code != invoices.FindingOrderNotFound {
			t.Errorf("got %+v, want order_not_found", inv.Findings)
		}
	})
}
