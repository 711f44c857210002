package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
)

// parseMoney reads an amount typed by a person — "1 234,50", "1234.5", "12" — as minor units.
func parseMoney(s string) (int64, bool) {
	s = strings.NewReplacer(" ", "", nbsp, "", "\u202f", "", "kr.", "", "kr", "", "SEK", "", "NOK", "", "DKK", "", "€", "").Replace(strings.TrimSpace(s))
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

// atoiDefault parses a positive int or returns def.
func atoiDefault(s string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return def
	}
	return n
}

func asDerr(err error, target **derr.Error) bool { return errors.As(err, target) }

// pager is where a paged list stands and its previous and next links, which keep the page's
// other query parameters (its filters).
type pager struct {
	Page, Pages      int
	PrevURL, NextURL string
}

// listPage is the page a request asks for (?page=, or a form's page field, from 1).
func listPage(r *http.Request, size int) auth.Page {
	return auth.Page{Page: atoiDefault(r.FormValue("page"), 1), PageSize: size}.Normalize()
}

// newPager links the pages of a list of total items at path, keeping the query's other
// parameters (the list's filters).
func newPager(path string, query url.Values, p auth.Page, total int) pager {
	pg := pager{Page: p.Page, Pages: max(1, (total+p.PageSize-1)/p.PageSize)}
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range query {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(n))
		return path + "?" + v.Encode()
	}
	if p.Page > 1 {
		pg.PrevURL = link(min(p.Page-1, pg.Pages))
	}
	if p.Page < pg.Pages {
		pg.NextURL = link(p.Page + 1)
	}
	return pg
}

// formatMoneyInput writes a non-negative amount in minor units as a form value parseMoney
// reads back ("12345" or "12345,50").
func formatMoneyInput(minor int64) string {
	if minor%100 == 0 {
		return strconv.FormatInt(minor/100, 10)
	}
	return fmt.Sprintf("%d,%02d", minor/100, minor%100)
}
