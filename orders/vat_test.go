package orders_test

import (
	"slices"
	"testing"

	"github.com/avrop/avrop/orders"
)

// TestVATByRate proves BR-CO-17: VAT per rate over the sum of the lines at that rate, rounded
// half up once per rate, not the sum of the lines' rounded VAT.
func TestVATByRate(t *testing.T) {
	line := func(bp int, total int64) orders.Line { return orders.Line{VATRateBP: bp, LineTotalMinor: total} }
	tests := []struct {
		name  string
		lines []orders.Line
		want  []orders.RateVAT
	}{
		{"341.22 kr at 25 % in six lines: 85.31 kr, not 85.32 kr line by line", slices.Repeat([]orders.Line{line(2500, 5687)}, 6),
			[]orders.RateVAT{{RateBP: 2500, BaseMinor: 34122, VATMinor: 8531}}},
		{"several rates, highest first", []orders.Line{line(600, 1050), line(2500, 999), line(1200, 333), line(2500, 1), line(600, 50)},
			[]orders.RateVAT{{2500, 1000, 250}, {1200, 333, 40}, {600, 1100, 66}}},
		{"half up at exactly one half", []orders.Line{line(2500, 2)}, []orders.RateVAT{{2500, 2, 1}}},
		{"zero rate", []orders.Line{line(0, 12345)}, []orders.RateVAT{{0, 12345, 0}}},
		{"no lines", nil, []orders.RateVAT{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := orders.VATByRate(tc.lines)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("VATByRate = %+v, want %+v", got, tc.want)
			}
			var sum int64
			for _, r := range tc.want {
				sum += r.VATMinor
			}
			if got := orders.OrderVAT(tc.lines); got != sum {
				t.Fatalf("OrderVAT = %d, want %d", got, sum)
			}
		})
	}
}
