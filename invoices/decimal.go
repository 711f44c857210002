package invoices

import (
	"strconv"
	"strings"
)

// parseScaled reads an xs:decimal ("-12.5", "+3", ".25") as an integer count of 10^-scale
// units without floating point: parseScaled("12.5", 2) = 1250. More significant decimals
// than scale, exponents, other characters or more than 15 integer digits are refused, so the
// result never overflows and no amount is silently rounded.
func parseScaled(s string, scale int) (int64, bool) {
	s = strings.TrimSpace(s)
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return 0, false
	}
	frac = strings.TrimRight(frac, "0")
	if len(intPart) > 15 || len(frac) > scale || !digits(intPart) || !digits(frac) {
		return 0, false
	}
	var n int64
	for _, c := range intPart {
		n = n*10 + int64(c-'0')
	}
	frac += strings.Repeat("0", scale-len(frac))
	for _, c := range frac {
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// formatScaled writes n units of 10^-scale as a decimal without trailing zeros:
// formatScaled(1250, 2) = "12.5", formatScaled(-3000, 3) = "-3".
func formatScaled(n int64, scale int) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	p := int64(1)
	for range scale {
		p *= 10
	}
	s := sign + strconv.FormatInt(n/p, 10)
	if f := n % p; f != 0 {
		fs := strconv.FormatInt(f, 10)
		fs = strings.Repeat("0", scale-len(fs)) + fs
		s += "." + strings.TrimRight(fs, "0")
	}
	return s
}

// MarshalJSON writes a quantity as a JSON number with its decimals: 2500 → 2.5.
func (q Qty) MarshalJSON() ([]byte, error) { return []byte(formatScaled(int64(q), 3)), nil }

// String is the quantity as a decimal.
func (q Qty) String() string { return formatScaled(int64(q), 3) }
