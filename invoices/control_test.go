package invoices

import (
	"reflect"
	"testing"
)

// consistent returns totals that agree with the lines at one VAT rate.
func consistent(rate int, lines ...ControlLine) ControlTotals {
	var sum int64
	for _, l := range lines {
		sum += l.AmountMinor
	}
	vat := roundHalfUp(sum*int64(rate), 10000)
	return ControlTotals{LineExtensionMinor: sum, TaxExclusiveMinor: sum, TaxMinor: vat, TaxInclusiveMinor: sum + vat,
		PayableMinor: sum + vat, Subtotals: []VATSubtotal{{RateBP: rate, TaxableMinor: sum, TaxMinor: vat}}}
}

func line(no int, sku string, qty int64, amount int64) ControlLine {
	return ControlLine{LineNo: no, SKU: sku, Quantity: QtyOf(qty), AmountMinor: amount, VATRateBP: 2500}
}

// order: A ordered 10 at 100.00 (received 10), B ordered 5 at 50.00 (received 3).
var orderLines = []OrderLineFacts{
	{SKU: "A", Quantity: 10, Received: 10, UnitPriceMinor: 10000, VATRateBP: 2500},
	{SKU: "B", Quantity: 5, Received: 3, UnitPriceMinor: 5000, VATRateBP: 2500},
}

func ptrInt(n int) *int { return &n }

func TestControlFindings(t *testing.T) {
	cases := []struct {
		name    string
		in      ControlInput
		want    []Finding
		comment string
	}{
		{
			name: "matched",
			in: ControlInput{Lines: []ControlLine{line(1, "A", 10, 100000), line(2, "B", 3, 15000)},
				OrderFound: true, OrderLines: orderLines},
		},
		{
			name: "price above order: 10 × 105.00 against 10 × 100.00",
			in:   ControlInput{Lines: []ControlLine{line(1, "A", 10, 105000)}, OrderFound: true, OrderLines: orderLines},
			want: []Finding{{Code: FindingPriceAboveOrder, LineNo: ptrInt(1), AmountMinor: 5000}},
		},
		{
			name: "quantity above received: 5 of B, 3 received",
			in:   ControlInput{Lines: []ControlLine{line(1, "B", 5, 25000)}, OrderFound: true, OrderLines: orderLines},
			want: []Finding{{Code: FindingQuantityAboveReceived, LineNo: ptrInt(1), AmountMinor: 10000}},
		},
		{
			name: "quantity above received counting earlier invoices: 2 of B after 2 invoiced",
			in: ControlInput{Lines: []ControlLine{line(1, "B", 2, 10000)}, OrderFound: true, OrderLines: orderLines,
				Earlier: map[string]Qty{"B": QtyOf(2)}},
			want: []Finding{{Code: FindingQuantityAboveReceived, LineNo: ptrInt(1), AmountMinor: 5000}},
		},
		{
			name: "a credit note restores room: 3 of B after 3 invoiced and 1 credited",
			in: ControlInput{Lines: []ControlLine{line(1, "B", 1, 5000)}, OrderFound: true, OrderLines: orderLines,
				Earlier: map[string]Qty{"B": QtyOf(2)}},
		},
		{
			name: "lines of one invoice count against each other",
			in: ControlInput{Lines: []ControlLine{line(1, "B", 2, 10000), line(2, "B", 2, 10000)}, OrderFound: true,
				OrderLines: orderLines},
			want: []Finding{{Code: FindingQuantityAboveReceived, LineNo: ptrInt(2), AmountMinor: 5000}},
		},
		{
			name: "price and quantity together never count the same money twice",
			in:   ControlInput{Lines: []ControlLine{line(1, "B", 4, 24000)}, OrderFound: true, OrderLines: orderLines},
			// Justified: 3 × 50.00 = 150.00 of 240.00. Price: 240 − 200 = 40.00; quantity: 1 × 50.00.
			want: []Finding{{Code: FindingPriceAboveOrder, LineNo: ptrInt(1), AmountMinor: 4000},
				{Code: FindingQuantityAboveReceived, LineNo: ptrInt(1), AmountMinor: 5000}},
		},
		{
			name: "not on order",
			in:   ControlInput{Lines: []ControlLine{line(1, "A", 1, 10000), line(2, "Z", 2, 3000)}, OrderFound: true, OrderLines: orderLines},
			want: []Finding{{Code: FindingNotOnOrder, LineNo: ptrInt(2), AmountMinor: 3000}},
		},
		{
			name: "vat mismatch: 25 % invoiced on a 12 % line",
			in: ControlInput{Lines: []ControlLine{line(1, "C", 2, 20000)}, OrderFound: true,
				OrderLines: []OrderLineFacts{{SKU: "C", Quantity: 2, Received: 2, UnitPriceMinor: 10000, VATRateBP: 1200}}},
			want: []Finding{{Code: FindingVATMismatch, LineNo: ptrInt(1), AmountMinor: 2600}},
		},
		{
			name: "order not found",
			in:   ControlInput{Lines: []ControlLine{line(1, "A", 1, 10000)}, OrderReference: "X-1"},
			want: []Finding{{Code: FindingOrderNotFound, AmountMinor: 10000}},
		},
		{
			name: "a credit note is only checked for its arithmetic",
			in:   ControlInput{CreditNote: true, Lines: []ControlLine{line(1, "Z", 1, 10000)}},
		},
		{
			name: "a negative line reduces what was invoiced",
			in: ControlInput{Lines: []ControlLine{line(1, "B", 3, 15000), line(2, "B", -1, -5000), line(3, "B", 1, 5000)},
				OrderFound: true, OrderLines: orderLines},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.in.Totals = consistent(2500, c.in.Lines...)
			got := strip(Control(c.in))
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %s, want %s", show(got), show(c.want))
			}
		})
	}
}

func TestControlTotalsInconsistent(t *testing.T) {
	lines := []ControlLine{line(1, "A", 10, 100000)}
	base := consistent(2500, lines...)
	cases := map[string]struct {
		mutate func(*ControlTotals)
		amount int64
	}{
		"line total": {func(t *ControlTotals) {
			t.LineExtensionMinor += 100
			t.TaxExclusiveMinor += 100
			t.TaxInclusiveMinor += 100
			t.PayableMinor += 100
		}, 100},
		"tax exclusive": {func(t *ControlTotals) { t.TaxExclusiveMinor -= 7; t.TaxInclusiveMinor -= 7; t.PayableMinor -= 7 }, 7},
		"tax inclusive": {func(t *ControlTotals) { t.TaxInclusiveMinor += 1; t.PayableMinor += 1 }, 1},
		"payable":       {func(t *ControlTotals) { t.PayableMinor += 5000 }, 5000},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			tot := base
			tot.Subtotals = append([]VATSubtotal(nil), base.Subtotals...)
			c.mutate(&tot)
			got := strip(Control(ControlInput{Lines: lines, Totals: tot, OrderFound: true, OrderLines: orderLines}))
			want := []Finding{{Code: FindingTotalsInconsistent, AmountMinor: c.amount}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %s, want %s", show(got), show(want))
			}
		})
	}
	t.Run("VAT per rate rounded once (BR-CO-17)", func(t *testing.T) {
		tot := base
		tot.Subtotals = []VATSubtotal{{RateBP: 2500, TaxableMinor: 100000, TaxMinor: 25001}}
		tot.TaxMinor, tot.TaxInclusiveMinor, tot.PayableMinor = 25001, 125001, 125001
		got := strip(Control(ControlInput{Lines: lines, Totals: tot, OrderFound: true, OrderLines: orderLines}))
		want := []Finding{{Code: FindingTotalsInconsistent, AmountMinor: 1}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %s, want %s", show(got), show(want))
		}
	})
}

func strip(fs []Finding) []Finding {
	if len(fs) == 0 {
		return nil
	}
	out := make([]Finding, len(fs))
	for i, f := range fs {
		f.Detail = ""
		out[i] = f
	}
	return out
}

func show(fs []Finding) string {
	s := "["
	for _, f := range fs {
		n := "doc"
		if f.LineNo != nil {
			n = "line " + formatScaled(int64(*f.LineNo), 0)
		}
		s += " " + f.Code + "@" + n + "=" + formatScaled(f.AmountMinor, 0)
	}
	return s + " ]"
}

func TestParseScaled(t *testing.T) {
	cases := []struct {
		in    string
		scale int
		want  int64
		ok    bool
	}{
		{"12.5", 2, 1250, true}, {"-3", 3, -3000, true}, {"+0.25", 2, 25, true}, {".5", 2, 50, true},
		{"1.234", 2, 0, false}, {"1e3", 2, 0, false}, {"", 2, 0, false}, {"-", 2, 0, false}, {"1.2300", 2, 123, true},
		{"9999999999999999", 2, 0, false},
	}
	for _, c := range cases {
		got, ok := parseScaled(c.in, c.scale)
		if got != c.want || ok != c.ok {
			t.Errorf("parseScaled(%q, %d) = %d, %v; want %d, %v", c.in, c.scale, got, ok, c.want, c.ok)
		}
	}
}
