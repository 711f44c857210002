package catalog

import (
	"context"

	"github.com/avrop/avrop/auth"
)

// SearchStatements returns the statements a search for f by c runs, in order, with their
// values written in, for EXPLAIN (ANALYZE, BUFFERS) by `bench/catalog -explain`: the words'
// expansions, then the search itself. It runs the first (a search's second statement is made
// from its answer) but not the search; the search is the statement from the names alone,
// which answers nearly every search, and leaves out the whole statement that a search runs
// when the names fall short, and the retry with near words that a search finding nothing
// makes. Each statement may begin with SET LOCAL settings, as a search
// sends them. None for a query without words (browsing).
func (s *Service) SearchStatements(ctx context.Context, c auth.Caller, f SearchFilter) ([]string, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	f.Page = f.Page.Normalize()
	sc := scopeOf(c)
	terms := parseQuery(f.Q)
	if sc.none() || len(terms) == 0 {
		return nil, nil
	}
	today := s.today()
	visible := visibleAgreements(sc, newInlineQuery(sc.orgArg(), today))
	out := []string{termsStatement(terms, false, visible)}
	words, agreements, err := s.searchWords(ctx, s.db, terms, false, visible)
	if err != nil || len(words) == 0 || len(agreements) == 0 {
		return out, err
	}
	raw := cleanRaw(f.Q)
	est, err := s.searchEstimate(ctx, s.db, words)
	if err != nil {
		return out, err
	}
	r := newRankedSearch(s.window, !s.noPairs, s.sampleOf(est), sc, f, today, agreementsBase(sc, f, agreements), words, raw, "")
	if s.wholeOnly {
		return append(out, searchSettings+r.statement(words, raw, f)), nil
	}
	return append(out, searchSettings+r.firstStatement(words, raw, f)), nil
}
