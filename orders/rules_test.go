package orders_test

import (
	"testing"

	"github.com/avrop/avrop/orders"
)

// The shared rules the UI calls instead of re-deriving them; each case fails if the rule is
// broken (rounding, bounds, the ranking's reason, the minimum order, the approval threshold).
func TestSharedRules(t *testing.T) {
	t.Run("VAT is rounded half up per line, never truncated", func(t *testing.T) {
		for _, tc := range []struct {
			total int64
			bp    int
			want  int64
		}{{60690, 2500, 15173}, {62650, 2500, 15663}, {100, 600, 6}, {99, 1200, 12}, {0, 2500, 0}, {1, 5000, 1}} {
			if got := orders.LineVAT(tc.total, tc.bp); got != tc.want {
				t.Errorf("LineVAT(%d, %d) = %d, want %d", tc.total, tc.bp, got, tc.want)
			}
		}
		total, vat := orders.Totals([]orders.PricedLine{{UnitPriceMinor: 8950, Quantity: 7, VATRateBP: 2500}, {UnitPriceMinor: 4500, Quantity: 1, VATRateBP: 1200}})
		if total != 67150 || vat != 15663+540 {
			t.Errorf("Totals = %d, %d; want 67150, %d", total, vat, 15663+540)
		}
	})
	t.Run("quantity bounds", func(t *testing.T) {
		for q, want := range map[int64]bool{0: false, 1: true, orders.MaxQuantity: true, orders.MaxQuantity + 1: false, -1: false} {
			if got := orders.ValidQuantity(q); got != want {
				t.Errorf("ValidQuantity(%d) = %v", q, got)
			}
		}
	})
	t.Run("cascade reason only below rank 1 on ranking", func(t *testing.T) {
		if !orders.NeedsCascadeReason("ranking", 2) || orders.NeedsCascadeReason("ranking", 1) || orders.NeedsCascadeReason("direct", 3) {
			t.Error("NeedsCascadeReason is wrong")
		}
	})
	t.Run("short of the minimum order", func(t *testing.T) {
		if orders.ShortOfMinimum(9000, 10000) != 1000 || orders.ShortOfMinimum(10000, 10000) != 0 || orders.ShortOfMinimum(12000, 10000) != 0 {
			t.Error("ShortOfMinimum is wrong")
		}
	})
	t.Run("approval from the threshold up", func(t *testing.T) {
		if orders.NeedsApproval(9999, 10000) || !orders.NeedsApproval(10000, 10000) || !orders.NeedsApproval(0, 0) {
			t.Error("NeedsApproval is wrong")
		}
	})
}
