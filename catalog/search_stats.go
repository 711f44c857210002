package catalog

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// wordStats is PostgreSQL's own statistics of the catalogue's words — ANALYZE's most common
// elements of items.search_all with their frequencies, and the table's row count — read at
// most every statsTTL. A search with more matches than it ranks estimates its total from
// them the way PostgreSQL's planner estimates a full-text match, with no statement at all:
// counting 60,000 matches, or even asking the planner, would cost more than the search.
// Scope and filters are not part of the estimate; the page says the total is estimated.
type wordStats struct {
	mu      sync.Mutex
	at      time.Time
	freq    map[string]float64
	sorted  []string // the words of freq, sorted, for starts
	minFreq float64  // below the least common element: what a word not among them gets
	rows    float64
}

const statsTTL = 5 * time.Minute

func (w *wordStats) load(ctx context.Context, db *sqlx.DB) error {
	var st struct {
		Elems pq.StringArray  `db:"elems"`
		Freqs pq.Float64Array `db:"freqs"`
		Rows  float64         `db:"rows"`
	}
	err := db.GetContext(ctx, &st, `SELECT coalesce((SELECT most_common_elems::text::text[] FROM pg_stats
			WHERE schemaname = current_schema() AND tablename = 'items' AND attname = 'search_all'), '{}') AS elems,
		coalesce((SELECT most_common_elem_freqs FROM pg_stats
			WHERE schemaname = current_schema() AND tablename = 'items' AND attname = 'search_all'), '{}') AS freqs,
		greatest((SELECT reltuples FROM pg_class WHERE oid = 'items'::regclass), 0) AS rows`)
	if err != nil {
		return fmt.Errorf("search statistics: %w", err)
	}
	w.freq, w.sorted, w.minFreq, w.rows = map[string]float64{}, nil, 0.0001, st.Rows
	if len(st.Freqs) >= len(st.Elems)+2 && len(st.Elems) > 0 {
		// After the elements' frequencies come the least and the greatest (for tsvector;
		// arrays add the frequency of nulls); PostgreSQL gives an unlisted element half the
		// least.
		w.minFreq = st.Freqs[len(st.Elems)] / 2
		for i, e := range st.Elems {
			w.freq[e] = st.Freqs[i]
			w.sorted = append(w.sorted, e)
		}
	}
	slices.Sort(w.sorted)
	w.at = time.Now()
	return nil
}

// estimate is the number of items matching every word: per word the sum of its alternatives'
// frequencies (at most 1), multiplied over the words, times the catalogue's size.
func (w *wordStats) estimate(ctx context.Context, db *sqlx.DB, words []termMatch) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if time.Since(w.at) > statsTTL || w.freq == nil {
		if err := w.load(ctx, db); err != nil {
			return 0, err
		}
	}
	sel := 1.0
	for _, t := range words {
		s := 0.0
		seen := map[string]bool{}
		for _, x := range t.wholeWords {
			if seen[x] {
				continue
			}
			seen[x] = true
			if f, ok := w.freq[x]; ok {
				s += f
			} else {
				s += w.minFreq
			}
		}
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
		sel *= min(s, 1)
	}
	return int(sel*w.rows + 0.5), nil
}

// lowerBound is the index of the first word not before x.
func lowerBound(sorted []string, x string) int {
	i, _ := slices.BinarySearch(sorted, x)
	return i
}
