package placements

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	t, ok := Date(s)
	if !ok {
		panic(s)
	}
	return t
}

func dayPtr(s string) *time.Time { d := day(s); return &d }

func TestAddMonthsClipsToMonthEnd(t *testing.T) {
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-01-31", 1, "2026-02-28"},
		{"2028-01-31", 1, "2028-02-29"}, // leap year
		{"2026-03-31", 1, "2026-04-30"},
		{"2026-11-15", 3, "2027-02-15"},
		{"2026-12-01", 12, "2027-12-01"},
		{"2026-05-10", 0, "2026-05-10"},
	} {
		if got := AddMonths(day(tc.from), tc.n).Format(time.DateOnly); got != tc.want {
			t.Errorf("AddMonths(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
}

func TestMonthsCountsCalendarMonthsAndStartedOnes(t *testing.T) {
	for _, tc := range []struct {
		start, end string
		want       int
	}{
		{"2026-03-01", "2026-03-31", 1},
		{"2026-03-01", "2026-04-01", 2}, // one day into the second month
		{"2026-01-15", "2026-03-14", 2}, // the day before the same date two months later
		{"2026-01-15", "2026-03-15", 3},
		{"2026-12-01", "2027-11-30", 12},
		{"2026-12-01", "2027-09-30", 10},
		{"2026-12-10", "2027-02-20", 3},
		{"2028-01-31", "2028-02-28", 1}, // 31 January + 1 month is 29 February 2028: still the first month
		{"2028-01-31", "2028-02-29", 2},
		{"2026-05-10", "2026-05-10", 1},
		{"2026-05-10", "2026-05-09", 0},
	} {
		if got := Months(day(tc.start), day(tc.end)); got != tc.want {
			t.Errorf("Months(%s, %s) = %d, want %d", tc.start, tc.end, got, tc.want)
		}
	}
}

// dispenser is the demo's medication dispenser: 695 kr a month, 1,500 kr installation,
// minimum 12 months, 3 months' notice.
var dispenser = Terms{MonthlyPriceMinor: 69500, SetupPriceMinor: 150000, MinTermMonths: 12, NoticeMonths: 3}

func TestCommittedValue(t *testing.T) {
	for _, tc := range []struct {
		name         string
		terms        Terms
		start, valid string
		end          *time.Time
		want         int64
	}{
		// 1 Dec 2026 – 30 Sep 2027 is 10 months, below the minimum term of 12.
		{"open, to the agreement's end, at least the minimum term", dispenser, "2026-12-01", "2027-09-30", nil, 150000 + 12*69500},
		// 1 Dec 2026 – 30 Sep 2029 is 12 + 12 + 10 = 34 months.
		{"open, long agreement", dispenser, "2026-12-01", "2029-09-30", nil, 150000 + 34*69500},
		{"end date exactly the minimum term", dispenser, "2026-12-01", "2029-09-30", dayPtr("2027-11-30"), 150000 + 12*69500},
		{"end date half a month into the 13th month", dispenser, "2026-12-01", "2029-09-30", dayPtr("2027-12-15"), 150000 + 13*69500},
		// One month of the agreement left: the minimum term still commits 12.
		{"across the agreement's end", dispenser, "2027-09-01", "2027-09-30", nil, 150000 + 12*69500},
		{"no minimum term, started months", Terms{MonthlyPriceMinor: 69500, SetupPriceMinor: 150000}, "2026-12-10", "2029-09-30",
			dayPtr("2027-02-20"), 150000 + 3*69500},
		{"no setup price", Terms{MonthlyPriceMinor: 19500}, "2026-12-01", "2027-09-30", nil, 10 * 19500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CommittedValue(tc.terms, day(tc.start), tc.end, day(tc.valid)); got != tc.want {
				t.Errorf("CommittedValue = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestEarliestEnd(t *testing.T) {
	// Minimum term decides: 12 months from 1 Dec 2026 end 30 Nov 2027.
	if got := EarliestEnd(dispenser, day("2026-12-01"), day("2027-01-10")).Format(time.DateOnly); got != "2027-11-30" {
		t.Errorf("earliest end by term = %s, want 2027-11-30", got)
	}
	// Notice decides: 3 months from 10 Mar 2028 end 9 Jun 2028.
	if got := EarliestEnd(dispenser, day("2026-12-01"), day("2028-03-10")).Format(time.DateOnly); got != "2028-06-09" {
		t.Errorf("earliest end by notice = %s, want 2028-06-09", got)
	}
}

func TestChargePerDayProRata(t *testing.T) {
	for _, tc := range []struct {
		name      string
		terms     Terms
		month     string
		installed string
		end       *time.Time
		wantDays  int
		want      int64
	}{
		{"whole month", dispenser, "2027-01", "2026-11-20", nil, 31, 69500},
		// 20–30 Nov: 11 of 30 days; 69500 × 11 / 30 = 25483.33 → 25483, plus setup.
		{"installed mid-month, setup in that month", dispenser, "2026-11", "2026-11-20", nil, 11, 25483 + 150000},
		{"month after installation, no setup", dispenser, "2026-12", "2026-11-20", nil, 31, 69500},
		// Leap year: 10–29 Feb 2028 is 20 of 29 days; 69500 × 20 / 29 = 47931.03 → 47931.
		{"leap February", dispenser, "2028-02", "2028-02-10", nil, 20, 47931 + 150000},
		// 10–28 Feb 2027 is 19 of 28 days; 69500 × 19 / 28 = 47160.71 → 47161.
		{"common February", dispenser, "2027-02", "2027-02-10", nil, 19, 47161 + 150000},
		// Ending on the month's last day is the whole month.
		{"ends at month end", dispenser, "2027-01", "2026-11-20", dayPtr("2027-01-31"), 31, 69500},
		// 1–15 Mar: 15 of 31 days; 69500 × 15 / 31 = 33629.03 → 33629.
		{"ends mid-month", dispenser, "2027-03", "2026-11-20", dayPtr("2027-03-15"), 15, 33629},
		{"ended before the month", dispenser, "2027-04", "2026-11-20", dayPtr("2027-03-15"), 0, 0},
		{"installed after the month", dispenser, "2026-10", "2026-11-20", nil, 0, 0},
		// 45 × 1 / 30 = 1.5 → 2 (half up); 44 × 1 / 30 = 1.47 → 1.
		{"half rounds up", Terms{MonthlyPriceMinor: 45}, "2026-11", "2026-11-30", nil, 1, 2},
		{"below half rounds down", Terms{MonthlyPriceMinor: 44}, "2026-11", "2026-11-30", nil, 1, 1},
		// Installed and ended in the same month: 5–14 Jun, 10 of 30 days: 69500 / 3 = 23166.67 → 23167.
		{"installed and ended within one month", dispenser, "2027-06", "2027-06-05", dayPtr("2027-06-14"), 10, 23167 + 150000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := ParseMonth(tc.month)
			if !ok {
				t.Fatal(tc.month)
			}
			days, got := Charge(tc.terms, m, day(tc.installed), tc.end)
			if days != tc.wantDays || got != tc.want {
				t.Errorf("Charge = %d days, %d; want %d days, %d", days, got, tc.wantDays, tc.want)
			}
		})
	}
}

func TestPersonalIdentityNumbers(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"19121212-1212", true},        // Swedish personnummer with century (Skatteverket's test number)
		{"121212-1212", true},          // without century
		{"1212121212", true},           // without separator
		{"Brukare 811228-9874", true},  // inside other text
		{"701063-2391", true},          // samordningsnummer (day + 60)
		{"121212-1213", true},          // Luhn digit wrong, but 12 Dec 1912 is a Danish CPR date
		{"450312-1230", true},          // Swedish, 12 March 1945 (no Danish date: day 45)
		{"450312-1231", false},         // the same with a wrong Luhn digit
		{"01010101006", true},          // Norwegian: both check digits right
		{"01010101007", false},         // Norwegian second check digit wrong
		{"070761-4285", true},          // Danish CPR
		{"320161-4285", false},         // no 32nd day, no Luhn
		{"KS-0042", false},             // a pseudonym
		{"Karlstad brukare 17", false}, // text
		{"HT-NORR-2026-0183", false},   // a reference with a year
		{"", false},
	} {
		if got := ContainsPersonalIdentityNumber(tc.s); got != tc.want {
			t.Errorf("ContainsPersonalIdentityNumber(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

// norwegianNumber makes a valid fødselsnummer from a date and individual number by computing
// both check digits by hand's formula, to test the detector against numbers it did not make.
func norwegianNumber(nine string) string {
	w1 := []int{3, 7, 6, 1, 8, 9, 4, 5, 2}
	w2 := []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
	d := []int{}
	for _, r := range nine {
		d = append(d, int(r-'0'))
	}
	k := func(w []int) int {
		s := 0
		for i, x := range w {
			s += x * d[i]
		}
		return (11 - s%11) % 11
	}
	k1 := k(w1)
	d = append(d, k1)
	k2 := k(w2)
	return nine + string(rune('0'+k1)) + string(rune('0'+k2))
}

func TestNorwegianFodselsnummer(t *testing.T) {
	// 15 July 1965, individual number 005 → check digits 6 and 5 (a published test number).
	if got := norwegianNumber("150765005"); got != "15076500565" {
		t.Fatalf("test vector: got %s, want 15076500565", got)
	}
	for _, s := range []string{"15076500565", "150765 00565", "55076500565" /* D-number: day + 40 */} {
		fixed := s
		if s == "55076500565" {
			fixed = norwegianNumber("550765005")
		}
		if !ContainsPersonalIdentityNumber(fixed) {
			t.Errorf("%s: a valid Norwegian number was not found", fixed)
		}
	}
	if ContainsPersonalIdentityNumber("15076500566") {
		t.Error("15076500566: a wrong second check digit was taken for a fødselsnummer")
	}
}

func FuzzContainsPersonalIdentityNumber(f *testing.F) {
	for _, s := range []string{"19121212-1212", "070761-4285", "15076500565", "KS-0042", "1-2-3-4-5", "+++---"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = ContainsPersonalIdentityNumber(s) // must never panic
		if err := CheckRecipientRef("recipient_ref", s); err != nil && err.Code == "" {
			t.Errorf("refusal without a code for %q", s)
		}
	})
}

// FuzzParseMonth: a month from a query string is either a real month whose String is the
// input, or refused; never a panic.
func FuzzParseMonth(f *testing.F) {
	for _, s := range []string{"2026-12", "2026-13", "0000-00", "2026-1", "९९९९-१२", "", "2026-12-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, ok := ParseMonth(s)
		if ok && m.String() != s {
			t.Errorf("ParseMonth(%q) = %s", s, m)
		}
		if ok && (m.Last().Before(m.First) || m.Next().First.Sub(m.First) < 28*24*time.Hour) {
			t.Errorf("month %s has a bad span", m)
		}
	})
}
