package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/orders"
	"github.com/avrop/avrop/placements"
)

// seedInvoices brings the invoice pages to life (SPEC §9): Arvika orders care supplies from
// Abena on the supplies agreement, the orders are delivered (one only shipped), and Abena
// invoices them through PEPPOL — one invoice matches, one charges more than the agreed price,
// one invoices more than was received and adds a freight line that was never ordered. Arvika's
// approver then loads ledger rows with spend beside the agreements, so the contract-loyalty
// page has suppliers outside them to show. Evondos invoices Karlstad's dispensers per month.
func seedInvoices(ctx context.Context, db *sqlx.DB, ord *orders.Service, w *demoWorld) error {
	arvika, abena := w.Buyers[0], w.Suppliers[2]
	orderer, err := demoCaller(ctx, db, "olle.orderer@arvika.se", auth.RoleOrderer)
	if err != nil {
		return err
	}
	approver, err := demoCaller(ctx, db, "anna.approver@arvika.se", auth.RoleApprover)
	if err != nil {
		return err
	}
	seller := w.SupplierCallers[2]
	var agreementID string
	if err := db.GetContext(ctx, &agreementID, `SELECT id FROM agreements WHERE reference = $1`, suppliesAgreementRef); err != nil {
		return fmt.Errorf("supplies agreement: %w", err)
	}
	var items []string
	if err := db.SelectContext(ctx, &items, `SELECT i.id FROM items i WHERE i.agreement_id = $1 AND i.supplier_id = $2 AND i.active
		AND EXISTS (SELECT 1 FROM item_prices p WHERE p.item_id = i.id AND p.effective_from <= current_date)
		ORDER BY i.sku LIMIT 6`, agreementID, abena.ID); err != nil || len(items) < 6 {
		return fmt.Errorf("supplies items of Abena: %d found: %w", len(items), err)
	}
	place := func(qty []int64, moves ...orders.Action) (orders.Order, error) {
		in := orders.OrderInput{AgreementID: agreementID, SupplierID: abena.ID, DeliveryAddress: "Hemtjänsten Arvika, Storgatan 12, Arvika",
			CostCenter: "5120"}
		for i, q := range qty {
			if q > 0 {
				in.Lines = append(in.Lines, orders.LineInput{ItemID: items[i], Quantity: q})
			}
		}
		o, _, err := ord.CreateOrder(ctx, orderer, in, "")
		if err != nil {
			return o, fmt.Errorf("demo order: %w", err)
		}
		if o.Status == orders.StatusPendingApproval {
			if o, err = ord.Move(ctx, approver, o.ID, orders.ActionApprove, ""); err != nil {
				return o, fmt.Errorf("demo order approve: %w", err)
			}
		}
		for _, m := range moves {
			c := seller
			if m == orders.ActionDeliver {
				c = orderer
			}
			if o, err = ord.Move(ctx, c, o.ID, m, ""); err != nil {
				return o, fmt.Errorf("demo order %s: %w", m, err)
			}
		}
		return o, nil
	}
	delivered := []orders.Action{orders.ActionAccept, orders.ActionShip, orders.ActionDeliver}
	matched, err := place([]int64{4, 2}, delivered...)
	if err != nil {
		return err
	}
	pricey, err := place([]int64{0, 0, 10, 5}, delivered...)
	if err != nil {
		return err
	}
	short, err := place([]int64{0, 0, 0, 0, 6, 3}, delivered...)
	if err != nil {
		return err
	}
	if _, err := place([]int64{3, 0, 0, 2}, orders.ActionAccept, orders.ActionShip); err != nil {
		return err
	}

	svc := invoices.NewService(db, nil)
	today := time.Now().UTC()
	party := func(o auth.Organization) invoices.DraftParty {
		return invoices.DraftParty{OrgNumber: o.OrgNumber, Name: o.Name, Country: o.Country}
	}
	lines := func(o orders.Order, adjust func(i int, l *invoices.DraftLine)) []invoices.DraftLine {
		var out []invoices.DraftLine
		for i, l := range o.Lines {
			dl := invoices.DraftLine{SKU: l.SKU, Name: l.Name, Unit: l.Unit, Quantity: int64(l.Quantity), UnitPriceMinor: l.UnitPriceMinor,
				VATRateBP: l.VATRateBP}
			if adjust != nil {
				adjust(i, &dl)
			}
			out = append(out, dl)
		}
		return out
	}
	drafts := []invoices.Draft{
		{Number: "AB-" + today.Format("0601") + "-1001", Lines: lines(matched, nil), OrderNumber: matched.Number},
		{Number: "AB-" + today.Format("0601") + "-1002", OrderNumber: pricey.Number, Lines: lines(pricey, func(i int, l *invoices.DraftLine) {
			if i == 0 {
				l.UnitPriceMinor += l.UnitPriceMinor * 8 / 100 // 8 % above the agreed price
			}
		})},
		{Number: "AB-" + today.Format("0601") + "-1003", OrderNumber: short.Number, Lines: append(lines(short, func(i int, l *invoices.DraftLine) {
			if i == 1 {
				l.Quantity += 2 // two more than were delivered
			}
		}), invoices.DraftLine{SKU: "FRAKT", Name: "Frakt och emballage", Unit: "EA", Quantity: 1, UnitPriceMinor: 495_00, VATRateBP: 2500})},
	}
	for i, d := range drafts {
		d.IssueDate, d.DueDate, d.Currency = today.AddDate(0, 0, i-len(drafts)).Format(time.DateOnly), today.AddDate(0, 0, 30).Format(time.DateOnly), "SEK"
		d.Supplier, d.Buyer = party(abena), party(arvika)
		if _, err := svc.Receive(ctx, seller, d.Document()); err != nil {
			return fmt.Errorf("demo invoice %s: %w", d.Number, err)
		}
	}

	// Ledger rows of the last months: the agreement's own supplier, and purchases outside it.
	var rows []string
	add := func(monthsAgo int, supplierNo, name, number string, amount int64, cpv string) {
		day := time.Date(today.Year(), today.Month()-time.Month(monthsAgo), 12, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		rows = append(rows, strings.Join([]string{arvika.OrgNumber, supplierNo, name, number, day, fmt.Sprint(amount), "SEK", cpv}, ","))
	}
	for m := 1; m <= 6; m++ {
		add(m, abena.OrgNumber, abena.Name, fmt.Sprintf("AB-L-%02d", m), int64(18_500_00+m*1_250_00), "33140000")
		add(m, "556034-8590", "Apoteksgruppen i Sverige AB", fmt.Sprintf("APG-%02d", m), int64(4_200_00+m*310_00), "33141000")
		if m%2 == 0 {
			add(m, "556213-0979", "Lyreco Sverige AB", fmt.Sprintf("LYR-%02d", m), 2_150_00, "30190000")
		}
	}
	add(2, "556789-1233", "Handskcentralen Norden AB", "HC-2211", 9_800_00, "33141420")
	csv := strings.Join(append([]string{strings.Join(invoices.SpendRecordColumns, ",")}, rows...), "\n") + "\n"
	if _, err := svc.LoadSpendRecords(ctx, approver, strings.NewReader(csv)); err != nil {
		return fmt.Errorf("demo ledger: %w", err)
	}
	return seedSubscriptionInvoices(ctx, db, svc, w, today)
}

// seedSubscriptionInvoices has Evondos invoice Karlstad's dispensers monthly (SPEC §9 with
// §7's charges): last month exactly as charged (matched), the month before with the monthly
// fees 5 % above the agreement (charge_above_month). Each invoice states its InvoicePeriod and
// names no order, as a supplier's monthly invoice does.
func seedSubscriptionInvoices(ctx context.Context, db *sqlx.DB, svc *invoices.Service, w *demoWorld, today time.Time) error {
	evondos, karlstad, seller := w.Suppliers[0], w.Karlstad, w.SupplierCallers[0]
	var skus []struct {
		ID   string `db:"id"`
		SKU  string `db:"sku"`
		Name string `db:"name"`
		VAT  int    `db:"vat_rate_bp"`
	}
	if err := db.SelectContext(ctx, &skus, `SELECT p.id, ol.sku, ol.name, ol.vat_rate_bp FROM placements p
		JOIN order_lines ol ON ol.order_id = p.order_id AND ol.line_no = p.line_no
		WHERE p.supplier_id = $1 AND p.org_id = $2`, evondos.ID, karlstad.ID); err != nil {
		return fmt.Errorf("demo subscription placements: %w", err)
	}
	line := map[string]struct {
		sku, name string
		vat       int
	}{}
	for _, r := range skus {
		line[r.ID] = struct {
			sku, name string
			vat       int
		}{r.SKU, r.Name, r.VAT}
	}
	ps := placements.NewService(db)
	first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	for i, monthsAgo := range []int{2, 1} {
		m := placements.Month{First: first.AddDate(0, -monthsAgo, 0)}
		ch, err := ps.MonthCharges(ctx, db, m.String(), evondos.ID, karlstad.ID)
		if err != nil {
			return fmt.Errorf("demo month charges: %w", err)
		}
		monthly, setup := map[string]int64{}, map[string]int64{}
		var order []string
		for _, l := range ch.Lines {
			k := line[l.PlacementID].sku
			if _, ok := monthly[k]; !ok {
				order = append(order, k)
			}
			monthly[k] += l.ChargeMinor - l.SetupMinor
			setup[k] += l.SetupMinor
		}
		d := invoices.Draft{Number: fmt.Sprintf("EV-%s-%04d", m.First.Format("0601"), 7001+i), Currency: "SEK",
			IssueDate: m.Last().AddDate(0, 0, 1).Format(time.DateOnly), DueDate: m.Last().AddDate(0, 0, 31).Format(time.DateOnly),
			PeriodStart: m.First.Format(time.DateOnly), PeriodEnd: m.Last().Format(time.DateOnly),
			Supplier: invoices.DraftParty{OrgNumber: evondos.OrgNumber, Name: evondos.Name, Country: evondos.Country},
			Buyer:    invoices.DraftParty{OrgNumber: karlstad.OrgNumber, Name: karlstad.Name, Country: karlstad.Country}}
		for _, k := range order {
			var name string
			var vat int
			for _, l := range line {
				if l.sku == k {
					name, vat = l.name, l.vat
					break
				}
			}
			fee := monthly[k]
			if monthsAgo == 2 {
				fee += fee * 5 / 100 // 5 % above the agreed monthly price
			}
			d.Lines = append(d.Lines, invoices.DraftLine{SKU: k, Name: name + ", " + m.String(), Unit: "MON", Quantity: 1,
				UnitPriceMinor: fee, VATRateBP: vat})
			if setup[k] > 0 {
				d.Lines = append(d.Lines, invoices.DraftLine{SKU: k, Name: "Installation, " + name, Unit: "C62", Quantity: 1,
					UnitPriceMinor: setup[k], VATRateBP: vat})
			}
		}
		if len(d.Lines) == 0 {
			continue
		}
		if _, err := svc.Receive(ctx, seller, d.Document()); err != nil {
			return fmt.Errorf("demo subscription invoice %s: %w", d.Number, err)
		}
	}
	return nil
}

// demoCaller is the demo user with email acting in role.
func demoCaller(ctx context.Context, db *sqlx.DB, email string, role auth.Role) (auth.Caller, error) {
	var row struct {
		ID    string `db:"id"`
		OrgID string `db:"org_id"`
		Kind  string `db:"kind"`
	}
	if err := db.GetContext(ctx, &row, `SELECT u.id, u.org_id, o.kind FROM users u JOIN organizations o ON o.id = u.org_id
		WHERE u.email = $1`, email); err != nil {
		return auth.Caller{}, fmt.Errorf("seed: demo user %s: %w", email, err)
	}
	return auth.Caller{UserID: row.ID, OrgID: row.OrgID, OrgKind: auth.OrgKind(row.Kind), Roles: []auth.Role{role}}, nil
}
