package orders

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/peppol"
	"github.com/avrop/avrop/placements"
)

// CodeOrderNotExportable answers a PEPPOL export of an order that has not reached the supplier.
const CodeOrderNotExportable = "order_not_exportable"

// PeppolParties holds what an order's PEPPOL document needs beyond the Order itself: the
// organisations' registration numbers and countries, the orderer's e-mail address, and the
// GTIN and CPV code of each line's catalogue item (by line number), which the order's lines
// do not copy.
type PeppolParties struct {
	BuyerOrgNumber    string
	BuyerCountry      string
	SupplierOrgNumber string
	SupplierCountry   string
	OrdererEmail      string
	Items             map[int]PeppolItem
}

// PeppolItem is the catalogue's standard identification of a line's item.
type PeppolItem struct {
	GTIN    string
	CPVCode string
	// Subscription is the line's placement terms (nil for goods).
	Subscription *PeppolSubscription
}

// PeppolSubscription is what a subscription line's PEPPOL line states (SPEC §7): the monthly
// and setup prices, the placement's start and end (nil: open), and its terms.
type PeppolSubscription struct {
	MonthlyMinor, SetupMinor int64
	StartDate                string
	EndDate                  *string
	MinTermMonths            int
	NoticeMonths             int
}

// PeppolDocument is an order rendered as a PEPPOL BIS Order 3 document.
type PeppolDocument struct {
	OrderNumber string
	XML         []byte
}

// PeppolOrder returns an order in the caller's scope as a PEPPOL BIS Order 3 document (UBL
// 2.1 Order, call-off order type 226). The scope is GetOrder's: what the caller may not see
// does not exist. Only an order that has reached the supplier (approved and later) exports:
// before approval it is not yet an order to anyone. Errors: NotFound (absent or out of scope),
// Conflict (order_not_exportable).
func (s *Service) PeppolOrder(ctx context.Context, c auth.Caller, id string) (PeppolDocument, error) {
	o, err := s.GetOrder(ctx, c, id)
	if err != nil {
		return PeppolDocument{}, err
	}
	switch o.Status {
	case StatusApproved, StatusAccepted, StatusDeclined, StatusShipped, StatusDelivered:
	default:
		return PeppolDocument{}, derr.Conflictf(CodeOrderNotExportable,
			"Order %s is %s: only orders that have reached the supplier (approved and later) export as PEPPOL documents.", o.Number, o.Status)
	}
	p, err := peppolParties(ctx, s.db, o.ID)
	if err != nil {
		return PeppolDocument{}, err
	}
	b, err := BuildPeppolOrder(o, p)
	if err != nil {
		return PeppolDocument{}, err
	}
	return PeppolDocument{OrderNumber: o.Number, XML: b}, nil
}

// peppolParties reads the order's organisations, orderer and items for its PEPPOL document.
// The order has been checked to be in scope before.
func peppolParties(ctx context.Context, db sqlx.QueryerContext, orderID string) (PeppolParties, error) {
	var row struct {
		BuyerOrgNumber    string `db:"buyer_org_number"`
		BuyerCountry      string `db:"buyer_country"`
		SupplierOrgNumber string `db:"supplier_org_number"`
		SupplierCountry   string `db:"supplier_country"`
		OrdererEmail      string `db:"orderer_email"`
	}
	if err := sqlx.GetContext(ctx, db, &row, `SELECT bo.org_number AS buyer_org_number, bo.country AS buyer_country,
		so.org_number AS supplier_org_number, so.country AS supplier_country, u.email AS orderer_email
		FROM orders o
		JOIN organizations bo ON bo.id = o.buyer_org_id
		JOIN organizations so ON so.id = o.supplier_id
		JOIN users u ON u.id = o.ordered_by
		WHERE o.id = $1`, orderID); err != nil {
		return PeppolParties{}, fmt.Errorf("peppol parties: %w", err)
	}
	var items []struct {
		LineNo  int    `db:"line_no"`
		GTIN    string `db:"gtin"`
		CPVCode string `db:"cpv_code"`
	}
	if err := sqlx.SelectContext(ctx, db, &items, `SELECT l.line_no, COALESCE(i.gtin, '') AS gtin, i.cpv_code
		FROM order_lines l JOIN items i ON i.id = l.item_id WHERE l.order_id = $1`, orderID); err != nil {
		return PeppolParties{}, fmt.Errorf("peppol items: %w", err)
	}
	p := PeppolParties{BuyerOrgNumber: row.BuyerOrgNumber, BuyerCountry: row.BuyerCountry,
		SupplierOrgNumber: row.SupplierOrgNumber, SupplierCountry: row.SupplierCountry, OrdererEmail: row.OrdererEmail,
		Items: make(map[int]PeppolItem, len(items))}
	for _, it := range items {
		p.Items[it.LineNo] = PeppolItem{GTIN: it.GTIN, CPVCode: it.CPVCode}
	}
	var subs []struct {
		LineNo int `db:"line_no"`
		PeppolSubscription
	}
	if err := sqlx.SelectContext(ctx, db, &subs, `SELECT line_no, monthly_price_minor AS monthlyminor, setup_price_minor AS setupminor,
		start_date::text AS startdate, end_date::text AS enddate, min_term_months AS mintermmonths, notice_months AS noticemonths
		FROM placements WHERE order_id = $1`, orderID); err != nil {
		return PeppolParties{}, fmt.Errorf("peppol placements: %w", err)
	}
	for _, sub := range subs {
		it := p.Items[sub.LineNo]
		ps := sub.PeppolSubscription
		it.Subscription = &ps
		p.Items[sub.LineNo] = it
	}
	return p, nil
}

// BuildPeppolOrder renders o as a PEPPOL BIS Order 3 document (peppol.EncodeOrder): the
// buyer organisation as BuyerCustomerParty, the supplier as SellerSupplierParty, the orderer as
// OriginatorCustomerParty, the agreement's reference in Contract, the cost centre in
// AccountingCost. Amounts come from the order's integer minor units, so the document's totals
// are exactly the order's.
func BuildPeppolOrder(o Order, p PeppolParties) ([]byte, error) {
	doc := peppol.Order{
		Number:            o.Number,
		IssueDate:         o.CreatedAt.UTC().Format("2006-01-02"), // the service keeps days in UTC (Service.today)
		Note:              o.Note,
		Currency:          o.Currency,
		CostCenter:        o.CostCenter,
		ContractReference: o.AgreementReference,
		Buyer:             peppol.Organisation{Name: o.BuyerOrgName, Number: p.BuyerOrgNumber, Country: p.BuyerCountry},
		Seller:            peppol.Organisation{Name: o.SupplierName, Number: p.SupplierOrgNumber, Country: p.SupplierCountry},
		Orderer:           &peppol.Person{ID: o.OrderedBy, Name: o.OrderedByName, Email: p.OrdererEmail},
		DeliveryAddress:   o.DeliveryAddress,
		DeliveryCountry:   p.BuyerCountry,
		TotalMinor:        o.TotalMinor,
		VATMinor:          o.VATMinor,
	}
	if o.RequestedDeliveryDate != nil {
		doc.RequestedDeliveryDate = *o.RequestedDeliveryDate
	}
	for _, l := range o.Lines {
		it := p.Items[l.LineNo]
		line := peppol.OrderLine{LineNo: l.LineNo, SellersItemID: l.SKU, Name: l.Name, Unit: l.Unit,
			Quantity: l.Quantity, UnitPriceMinor: l.UnitPriceMinor, LineTotalMinor: l.LineTotalMinor, VATRateBP: l.VATRateBP,
			GTIN: it.GTIN, CPVCode: it.CPVCode}
		if it.Subscription == nil {
			doc.Lines = append(doc.Lines, line)
			continue
		}
		doc.Lines = append(doc.Lines, subscriptionLines(line, *it.Subscription)...)
	}
	return peppol.EncodeOrder(doc)
}

// subscriptionLines states a subscription line (SPEC §7) as PEPPOL BIS Order lines: the device
// as months × the monthly price in unit MON over the requested period from the start date
// through the end date (open-ended: through the last committed month), with the terms as
// AdditionalItemProperty pairs named like the catalogue's, and the setup as its own line
// "<n>-setup" (quantity 1, unit C62). The months are those the order committed: the line's
// total less the setup, over the monthly price, so the lines sum to the order's line total.
func subscriptionLines(l peppol.OrderLine, sub PeppolSubscription) []peppol.OrderLine {
	months := 0
	if sub.MonthlyMinor > 0 {
		months = int((l.LineTotalMinor - sub.SetupMinor) / sub.MonthlyMinor)
	}
	if months <= 0 || sub.SetupMinor+sub.MonthlyMinor*int64(months) != l.LineTotalMinor {
		return []peppol.OrderLine{l} // terms that do not add up to the total: the line as ordered
	}
	start, _ := placements.Date(sub.StartDate)
	end := placements.TermEnd(start, months).Format(time.DateOnly)
	note := fmt.Sprintf("Subscription from %s, %d months committed", sub.StartDate, months)
	if sub.EndDate != nil {
		end = *sub.EndDate
		note += ", ends " + end
	} else {
		note += ", open-ended"
	}
	device := l
	device.Unit, device.Quantity, device.UnitPriceMinor = "MON", months, sub.MonthlyMinor
	device.LineTotalMinor = sub.MonthlyMinor * int64(months)
	device.PeriodStart, device.PeriodEnd, device.Note = sub.StartDate, end, note
	device.Properties = [][2]string{{"kind", "subscription"}, {"min_term_months", strconv.Itoa(sub.MinTermMonths)},
		{"notice_months", strconv.Itoa(sub.NoticeMonths)}}
	out := []peppol.OrderLine{device}
	if sub.SetupMinor > 0 {
		out = append(out, peppol.OrderLine{LineNo: l.LineNo, ID: strconv.Itoa(l.LineNo) + "-setup", SellersItemID: l.SellersItemID,
			Name: "Setup: " + l.Name, Unit: "C62", Quantity: 1, UnitPriceMinor: sub.SetupMinor, LineTotalMinor: sub.SetupMinor,
			VATRateBP: l.VATRateBP, CPVCode: l.CPVCode, Note: "One-off delivery and installation",
			Properties: [][2]string{{"setup_price_minor", strconv.FormatInt(sub.SetupMinor, 10)}}})
	}
	return out
}
