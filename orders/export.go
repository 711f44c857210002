package orders

import (
	"context"
	"time"

	"github.com/avrop/avrop/auth"
)

// OrderCSVHeader is the header row of an order list export (GET /orders with Accept:
// text/csv, and the manager's order and cascade lists in the UI).
var OrderCSVHeader = []string{"id", "number", "status", "created_at", "buyer_org_id", "buyer_org_name", "agreement_reference",
	"supplier_id", "supplier_name", "supplier_rank", "cascade_reason", "cascade_note", "declined_order_id", "currency",
	"total_minor", "total", "cost_center"}

// OrderCSVRecords is one CSV record per order (without the header), text defused against
// spreadsheet formulas.
func OrderCSVRecords(list []Order) [][]string {
	out := make([][]string, 0, len(list))
	for _, o := range list {
		reason, declined := "", ""
		if o.CascadeReason != nil {
			reason = *o.CascadeReason
		}
		if o.DeclinedOrderID != nil {
			declined = *o.DeclinedOrderID
		}
		out = append(out, []string{o.ID, CSVText(o.Number), string(o.Status), o.CreatedAt.UTC().Format(time.RFC3339), o.BuyerOrgID,
			CSVText(o.BuyerOrgName), CSVText(o.AgreementReference), o.SupplierID, CSVText(o.SupplierName), itoa(o.SupplierRank),
			reason, CSVText(o.CascadeNote), declined, o.Currency, i64(o.TotalMinor), Decimal(o.TotalMinor), CSVText(o.CostCenter)})
	}
	return out
}

// MaxExportRows bounds an export of a list: past it the export stops (the list's filters
// narrow it).
const MaxExportRows = 100_000

// ListAllOrders is ListOrders over every page (at most MaxExportRows orders), for exports.
// Errors: those of ListOrders.
func (s *Service) ListAllOrders(ctx context.Context, c auth.Caller, f OrderFilter) ([]Order, error) {
	var all []Order
	f.Page = auth.Page{Page: 1, PageSize: 100}
	for {
		list, total, err := s.ListOrders(ctx, c, f)
		if err != nil {
			return nil, err
		}
		all = append(all, list...)
		if len(list) == 0 || len(all) >= total || len(all) >= MaxExportRows {
			return all, nil
		}
		f.Page.Page++
	}
}
