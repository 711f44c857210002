package placements

import (
	"strings"
	"time"
)

// ContainsPersonalIdentityNumber reports whether s holds something that is a valid Swedish
// personnummer or samordningsnummer (Luhn check digit; samordningsnummer add 60 to the day),
// a Norwegian fødselsnummer or D/H-number (both mod-11 check digits), or a Danish CPR number
// (a real date of birth and four digits; CPR numbers have not carried a reliable check digit
// since 2007, so any valid date counts). A recipient reference must be the municipality's
// pseudonym, never the person's identity: GDPR Article 9 health data must not travel to
// suppliers with a key to the person.
//
// Digits are read in runs that may be split by spaces, hyphens, plus signs or dots
// ("19121212-1212", "070761 4285"), anywhere in s.
func ContainsPersonalIdentityNumber(s string) bool {
	for _, run := range digitRuns(s) {
		if isPersonalIdentityNumber(run) {
			return true
		}
	}
	return false
}

// digitRuns returns the runs of digits in s, joining digits split by one separator.
func digitRuns(s string) []string {
	var runs []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			runs = append(runs, b.String())
			b.Reset()
		}
	}
	prevSep := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			prevSep = false
		case (r == '-' || r == '+' || r == ' ' || r == '.') && b.Len() > 0 && !prevSep:
			prevSep = true
		default:
			flush()
			prevSep = false
		}
	}
	flush()
	return runs
}

func isPersonalIdentityNumber(d string) bool {
	switch len(d) {
	case 10:
		return swedish(d) || danish(d)
	case 11:
		return norwegian(d)
	case 12:
		// Swedish with the century: the check digit covers the last ten digits.
		return swedish(d[2:]) && validDate(atoi(d[:4]), atoi(d[4:6]), swedishDay(atoi(d[6:8])))
	}
	return false
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// swedishDay undoes the samordningsnummer's +60 on the day.
func swedishDay(day int) int {
	if day > 60 {
		return day - 60
	}
	return day
}

// swedish checks YYMMDDNNNC: a plausible month and day (or day + 60) and the Luhn digit.
func swedish(d string) bool {
	m, day := atoi(d[2:4]), swedishDay(atoi(d[4:6]))
	if m < 1 || m > 12 || day < 1 || day > 31 {
		return false
	}
	sum := 0
	for i := 0; i < 10; i++ {
		v := int(d[i] - '0')
		if i%2 == 0 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

// norwegian checks DDMMYYIIIKK: a plausible day (D-number +40) and month (H-number +40) and
// both mod-11 check digits.
func norwegian(d string) bool {
	day, m := atoi(d[0:2]), atoi(d[2:4])
	if day > 40 {
		day -= 40
	}
	if m > 40 {
		m -= 40
	}
	if m < 1 || m > 12 || day < 1 || day > 31 {
		return false
	}
	digit := func(i int) int { return int(d[i] - '0') }
	check := func(weights []int) int {
		sum := 0
		for i, w := range weights {
			sum += w * digit(i)
		}
		k := 11 - sum%11
		if k == 11 {
			k = 0
		}
		return k
	}
	k1 := check([]int{3, 7, 6, 1, 8, 9, 4, 5, 2})
	if k1 == 10 || k1 != digit(9) {
		return false
	}
	k2 := check([]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2})
	return k2 != 10 && k2 == digit(10)
}

// danish checks DDMMYYSSSS: a real date of birth in one of the centuries the seventh digit
// allows.
func danish(d string) bool {
	day, m, yy := atoi(d[0:2]), atoi(d[2:4]), atoi(d[4:6])
	return validDate(1900+yy, m, day) || validDate(2000+yy, m, day)
}

func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
