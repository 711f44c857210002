package catalog

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// wordStats is PostgreSQL's own statistics of the catalogue's words — ANALYZE's most common
// elements of items.search_all and items.search_pairs with their frequencies, and the table's
// row count — read at most every statsTTL. A search with more matches than it ranks estimates
// its total from them the way PostgreSQL's planner estimates a full-text match, with no
// statement at all: counting 60,000 matches, or even asking the planner, would cost more than
// the search. Scope and filters are not part of the estimate; the page says the total is
// estimated.
//
// Searches read one immutable snapshot without a lock; only a load takes the mutex, so that
// one search reads the statistics when they are missing or older than statsTTL.
type wordStats struct {
	mu   sync.Mutex // one load at a time
	snap atomic.Pointer[statsSnapshot]
}

// statsSnapshot is one reading of the statistics; never modified once stored.
type statsSnapshot struct {
	at      time.Time
	freq    map[string]float64
	sorted  []string // the words of freq, sorted, for starts
	minFreq float64  // below the least common element: what a word not among them gets
	rows    float64
	// The same of items.search_pairs (search_pairs.go): how many names hold two words together.
	pairFreq    map[string]float64
	minPairFreq float64
}

const statsTTL = 5 * time.Minute

// current is the snapshot to estimate with, read anew when there is none or it is older than
// statsTTL.
func (w *wordStats) current(ctx context.Context, db *sqlx.DB) (*statsSnapshot, error) {
	if s := w.snap.Load(); s != nil && time.Since(s.at) <= statsTTL {
		return s, nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if s := w.snap.Load(); s != nil && time.Since(s.at) <= statsTTL {
		return s, nil // another search has just read them
	}
	s := &statsSnapshot{}
	if err := s.load(ctx, db); err != nil {
		return nil, err
	}
	w.snap.Store(s)
	return s, nil
}

func (w *statsSnapshot) load(ctx context.Context, db *sqlx.DB) error {
	var st struct {
		Elems     pq.StringArray  `db:"elems"`
		Freqs     pq.Float64Array `db:"freqs"`
		PairElems pq.StringArray  `db:"pair_elems"`
		PairFreqs pq.Float64Array `db:"pair_freqs"`
		Rows      float64         `db:"rows"`
	}
	err := db.GetContext(ctx, &st, `SELECT coalesce((SELECT most_common_elems::text::text[] FROM pg_stats
			WHERE schemaname = current_schema() AND tablename = 'items' AND attname = 'search_all'), '{}') AS elems,
		coalesce((SELECT most_common_elem_freqs FROM pg_stats
			WHERE schemaname = current_schema() AND tablename = 'items' AND attname = 'search_all'), '{}') AS freqs,
		coalesce((SELECT most_common_elems::text::text[] FROM pg_stats
			WHERE schemaname = current_schema() AND tablename = 'items' AND attname = 'search_pairs'), '{}') AS pair_elems,
		coalesce((SELECT most_common_elem_freqs FROM pg_stats
			WHERE schemaname = current_schema() AND tablename = 'items' AND attname = 'search_pairs'), '{}') AS pair_freqs,
		greatest((SELECT reltuples FROM pg_class WHERE oid = 'items'::regclass), 0) AS rows`)
	if err != nil {
		return fmt.Errorf("search statistics: %w", err)
	}
	w.freq, w.minFreq = elemFreqs(st.Elems, st.Freqs)
	w.pairFreq, w.minPairFreq = elemFreqs(st.PairElems, st.PairFreqs)
	w.sorted = nil
	for e := range w.freq {
		w.sorted = append(w.sorted, e)
	}
	w.rows = st.Rows
	slices.Sort(w.sorted)
	w.at = time.Now()
	return nil
}

// elemFreqs is a column's most common elements with their frequencies, and what an element
// not among them gets.
func elemFreqs(elems []string, freqs []float64) (map[string]float64, float64) {
	m, least := map[string]float64{}, 0.0001
	if len(freqs) >= len(elems)+2 && len(elems) > 0 {
		// After the elements' frequencies come the least and the greatest (for tsvector;
		// arrays add the frequency of nulls); PostgreSQL gives an unlisted element half the
		// least.
		least = freqs[len(elems)] / 2
		for i, e := range elems {
			m[e] = freqs[i]
		}
	}
	return m, least
}

// estimate is the number of items matching every word: per word the sum of its alternatives'
// frequencies (at most 1), multiplied over the words, times the catalogue's size.
func (w *wordStats) estimate(ctx context.Context, db *sqlx.DB, words []termMatch) (int, error) {
	all, _, err := w.estimates(ctx, db, words, false)
	return all, err
}

// estimates are estimate and, with pairs (a search through the item pairs), the estimated
// number of items whose name holds every word: per pair set (pairSets) the sum of its pair
// lexemes' frequencies in items.search_pairs, times the other words' frequencies (0 when no
// two words pair). Words that come together — a typo's nearest word that the other word also
// starts ("paappershandduk papper": both are pappershandduk, 16,700 items) — are each common
// and their product rare (510); the pairs' own frequencies count the items holding both.
func (ws *wordStats) estimates(ctx context.Context, db *sqlx.DB, words []termMatch, pairs bool) (all, names int, err error) {
	w, err := ws.current(ctx, db)
	if err != nil {
		return 0, 0, err
	}
	sel := 1.0
	for _, t := range words {
		sel *= w.wordSel(t)
	}
	all = int(sel*w.rows + 0.5)
	if !pairs {
		return all, 0, nil
	}
	sets, paired, _ := pairSets(words)
	if len(sets) == 0 {
		return all, 0, nil
	}
	sel = 1.0
	for _, set := range sets {
		sel *= min(freqSum(set, w.pairFreq, w.minPairFreq), 1)
	}
	for i, t := range words {
		if !paired[i] {
			sel *= w.wordSel(t)
		}
	}
	return all, int(sel*w.rows + 0.5), nil
}

// wordSel is the share of the items a word matches: the sum of its alternatives' frequencies,
// at most 1.
func (w *statsSnapshot) wordSel(t termMatch) float64 {
	s := freqSum(t.wholeWords, w.freq, w.minFreq)
	for _, p := range t.starts {
		found := false
		for _, x := range w.sorted[lowerBound(w.sorted, p):] {
			if !strings.HasPrefix(x, p) {
				break
			}
			s, found = s+w.freq[x], true
		}
		if !found {
			s += w.minFreq
		}
	}
	return min(s, 1)
}

// freqSum is the sum of the elements' frequencies, each element once; least for one not in freq.
func freqSum(elems []string, freq map[string]float64, least float64) float64 {
	s := 0.0
	for i, x := range elems {
		if slices.Contains(elems[:i], x) {
			continue // a handful of elements: no map to allocate per search
		}
		if f, ok := freq[x]; ok {
			s += f
		} else {
			s += least
		}
	}
	return s
}

// lowerBound is the index of the first word not before x.
func lowerBound(sorted []string, x string) int {
	i, _ := slices.BinarySearch(sorted, x)
	return i
}
