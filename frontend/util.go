package frontend

import (
	"errors"
	"strconv"
	"strings"

	"github.com/avrop/avrop/internal/derr"
)

// parseMoney reads an amount typed by a person — "1 234,50", "1234.5", "12" — as minor units.
func parseMoney(s string) (int64, bool) {
	s = strings.NewReplacer(" ", "", nbsp, "", "\u202f", "", "kr", "", "SEK", "").Replace(strings.TrimSpace(s))
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 18 {
		return 0, false
	}
	// A comma or a point is the decimal mark, whichever comes last; the other is grouping.
	last := strings.LastIndexAny(s, ",.")
	whole, frac := s, ""
	if last >= 0 {
		whole, frac = s[:last], s[last+1:]
		whole = strings.NewReplacer(",", "", ".", "").Replace(whole)
	}
	if len(frac) > 2 || whole == "" && frac == "" {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	if whole == "" {
		whole = "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 1e14 {
		return 0, false
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || f < 0 {
		return 0, false
	}
	return w*100 + f, true
}

func derrConflict(err error) bool { return derr.Is(err, derr.Conflict) }

// atoiDefault parses a positive int or returns def.
func atoiDefault(s string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return def
	}
	return n
}

func asDerr(err error, target **derr.Error) bool { return errors.As(err, target) }
