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
	return allPages(func(p auth.Page) ([]Order, int, error) {
		f.Page = p
		return s.ListOrders(ctx, c, f)
	})
}

// allPages reads a list page by page until its total or MaxExportRows.
func allPages[T any](list func(p auth.Page) ([]T, int, error)) ([]T, error) {
	var all []T
	p := auth.Page{Page: 1, PageSize: 100}
	for {
		got, total, err := list(p)
		if err != nil {
			return nil, err
		}
		all = append(all, got...)
		if len(got) == 0 || len(all) >= total || len(all) >= MaxExportRows {
			return all, nil
		}
		p.Page++
	}
}

// DeviationCSVHeader is the header row of a deviation list export (GET /deviations with
// Accept: text/csv, and the manager's deviation list in the UI).
var DeviationCSVHeader = []string{"id", "created_at", "order_id", "order_number", "agreement_id", "agreement_reference",
	"buyer_org_id", "buyer_org_name", "supplier_id", "supplier_name", "kind", "status", "description", "response",
	"responded_at", "close_note", "closed_at"}

// DeviationCSVRecords is one CSV record per deviation (without the header), text defused
// against spreadsheet formulas.
func DeviationCSVRecords(list []Deviation) [][]string {
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	out := make([][]string, 0, len(list))
	for _, d := range list {
		out = append(out, []string{d.ID, d.CreatedAt.UTC().Format(time.RFC3339), d.OrderID, CSVText(d.OrderNumber), d.AgreementID,
			CSVText(d.AgreementReference), d.BuyerOrgID, CSVText(d.BuyerOrgName), d.SupplierID, CSVText(d.SupplierName), string(d.Kind),
			d.Status, CSVText(d.Description), CSVText(d.Response), at(d.RespondedAt), CSVText(d.CloseNote), at(d.ClosedAt)})
	}
	return out
}

// ListAllDeviations is ListDeviations over every page (at most MaxExportRows deviations),
// for exports. Errors: those of ListDeviations.
func (s *Service) ListAllDeviations(ctx context.Context, c auth.Caller, f DeviationFilter) ([]Deviation, error) {
	return allPages(func(p auth.Page) ([]Deviation, int, error) {
		f.Page = p
		return s.ListDeviations(ctx, c, f)
	})
}
