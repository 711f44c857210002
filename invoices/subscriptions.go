package invoices

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/placements"
)

// Subscription invoices (SPEC §9 with §7). A supplier invoices welfare technology bought as a
// service per month. An invoice is a subscription invoice when its order reference names an
// order with placements (then only that order's placements count), or when it names no order,
// carries cac:InvoicePeriod and its supplier has placements at the buyer (then all of them
// count). It is compared with the placements' charges of the invoiced months: the months of
// InvoicePeriod from its start through its end (at most twelve), or the issue date's month when
// the document states no period.

// maxSubscriptionMonths bounds the months one subscription invoice is compared over.
const maxSubscriptionMonths = 12

// subscriptionPlacement is a placement's invoicing identity: its order line's sku and VAT rate.
type subscriptionPlacement struct {
	ID        string `db:"id"`
	SKU       string `db:"sku"`
	VATRateBP int    `db:"vat_rate_bp"`
}

// subscriptionFacts decides whether r is a subscription invoice and, if so, gathers the
// month's expected charges per sku in tx. orderID is the matched order ("" when none).
func (s *Service) subscriptionFacts(ctx context.Context, tx *sqlx.Tx, r received, orderID, supplierID, buyerID string) (*SubscriptionFacts, error) {
	if r.orderRef != "" && orderID == "" {
		return nil, nil // names an order that is not found: order_not_found
	}
	if orderID == "" && r.periodStart == nil {
		return nil, nil
	}
	var ps []subscriptionPlacement
	if err := tx.SelectContext(ctx, &ps, `SELECT p.id, ol.sku, ol.vat_rate_bp FROM placements p
		JOIN order_lines ol ON ol.order_id = p.order_id AND ol.line_no = p.line_no
		WHERE p.supplier_id = $1 AND p.org_id = $2 AND ($3 = '' OR p.order_id::text = $3)`, supplierID, buyerID, orderID); err != nil {
		return nil, fmt.Errorf("subscription placements: %w", err)
	}
	if len(ps) == 0 {
		return nil, nil
	}
	sf := &SubscriptionFacts{Expected: map[string]int64{}, VATRate: map[string]int{}}
	skuOf := map[string]string{}
	for _, p := range ps {
		skuOf[p.ID] = p.SKU
		sf.Expected[p.SKU] += 0 // a placed sku with nothing charged in the month expects 0
		sf.VATRate[p.SKU] = p.VATRateBP
	}
	sf.Months = invoicedMonths(r)
	for _, m := range sf.Months {
		ch, err := s.placements.MonthCharges(ctx, tx, m, supplierID, buyerID)
		if err != nil {
			return nil, fmt.Errorf("month charges: %w", err)
		}
		for _, l := range ch.Lines {
			if sku, ok := skuOf[l.PlacementID]; ok {
				sf.Expected[sku] += l.ChargeMinor
			}
		}
	}
	return sf, nil
}

// invoicedMonths are the months "YYYY-MM" a subscription invoice covers.
func invoicedMonths(r received) []string {
	start, _ := time.Parse(time.DateOnly, r.issueDate)
	end := start
	if r.periodStart != nil {
		start, _ = time.Parse(time.DateOnly, *r.periodStart)
		end = start
		if r.periodEnd != nil {
			if e, err := time.Parse(time.DateOnly, *r.periodEnd); err == nil && !e.Before(start) {
				end = e
			}
		}
	}
	m := placements.Month{First: time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)}
	var out []string
	for !m.First.After(end) && len(out) < maxSubscriptionMonths {
		out = append(out, m.String())
		m = m.Next()
	}
	return out
}
