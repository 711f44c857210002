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
)

// seedInvoices brings the invoice pages to life (SPEC §9): Arvika orders care supplies from
// Abena on the supplies agreement, the orders are delivered (one only shipped), and Abena
// invoices them through PEPPOL — one invoice matches, one charges more than the agreed price,
// one invoices more than was received and adds a freight line that was never ordered. Arvika's
// approver then loads ledger rows with spend beside the agreements, so the contract-loyalty
// page has suppliers outside them to show.
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
