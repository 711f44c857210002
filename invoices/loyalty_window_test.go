package invoices

import (
	"testing"
	"time"
)

// TestLoyaltyWindow checks which months the report reads whole: those the range covers, and a
// month it cuts when fewer of its days lie outside the range than inside (the rest subtracted).
func TestLoyaltyWindow(t *testing.T) {
	d := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct{ from, to, first, end, whole string }{
		{"2025-12-01", "2026-11-27", "2025-12-01", "2026-12-01", "2025-12-01 2026-11-01"}, // the default range: November less three days
		{"2025-12-01", "2026-11-10", "2025-12-01", "2026-11-01", "2025-12-01 2026-11-01"}, // ten days of November read by day
		{"2025-01-01", "2026-12-31", "2025-01-01", "2027-01-01", "2025-01-01 2027-01-01"}, // whole months
		{"2026-03-04", "2026-05-31", "2026-03-01", "2026-06-01", "2026-04-01 2026-06-01"}, // March less three days
		{"2026-03-20", "2026-05-15", "2026-04-01", "2026-05-01", "2026-04-01 2026-05-01"}, // both ends read by day
		{"2026-03-20", "2026-04-15", "2026-03-20", "2026-03-20", "2026-03-20 2026-03-20"}, // no month whole
		{"2026-11-03", "2026-11-25", "2026-11-01", "2026-12-01", "2026-11-03 2026-11-03"}, // within a month, mostly
		{"2026-11-10", "2026-11-14", "2026-11-10", "2026-11-10", "2026-11-10 2026-11-10"}, // within a month, a few days
		{"2026-02-01", "2026-02-28", "2026-02-01", "2026-03-01", "2026-02-01 2026-03-01"},
		{"2026-02-01", "2026-02-14", "2026-02-01", "2026-02-01", "2026-02-01 2026-02-01"}, // half: read by day
		{"2026-02-15", "2026-03-31", "2026-03-01", "2026-04-01", "2026-03-01 2026-04-01"},
	} {
		first, end := loyaltyWindow(d(c.from), d(c.to), true)
		if got, want := first.Format(time.DateOnly)+" "+end.Format(time.DateOnly), c.first+" "+c.end; got != want {
			t.Errorf("%s–%s: window %s, want %s", c.from, c.to, got, want)
		}
		// Without subtracting, only the months the range covers whole.
		first, end = loyaltyWindow(d(c.from), d(c.to), false)
		if got, want := first.Format(time.DateOnly)+" "+end.Format(time.DateOnly), c.whole; got != want {
			t.Errorf("%s–%s: window without subtracting %s, want %s", c.from, c.to, got, want)
		}
	}
}
