package catalog

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// termMatch is how one query word may match an item, as PostgreSQL tsquery texts over the
// items' words (unstemmed), from the strongest match to the weakest; an empty text matches
// nothing. The ranking gives each item, word by word, the strongest match it makes
// (search_rank.go). The lexicon turns every kind of match into whole words, because GIN walks
// a word's posting list several times faster than it gathers a prefix's (measured at a
// million items: 5.7 against 44 ms for the same 16,728 items).
type termMatch struct {
	word    string
	exact   string      // the word and the lexicon's words with its Swedish or English stem: "handskar" → 'handske' | 'handskar'
	synonym string      // the lexicon's words for the catalogue words the dictionary gives for it
	prefix  string      // the lexicon's words starting with its stem, for a word still being typed
	infix   string      // lexicon words holding it inside ("förband" → 'skumförband')
	fuzzy   []fuzzyWord // lexicon words close to it, when nothing holds it (typos)
	stop    bool        // a Swedish and English stop word ("och", "the")
	known   bool        // some lexicon word starts with the word or holds it

	// All of the above as whole words and as starts matched by PostgreSQL's prefix match,
	// for the estimated total (search_stats.go).
	wholeWords, starts []string

	// alts is every whole word any() matches in an item's name; pairable says whether the
	// item pairs (search_pairs.go) can stand for them: any() holds no prefix match and every
	// word is one the pairs are made of.
	alts     []string
	pairable bool
	// unlisted are the prefix matches of starts no lexicon word has (a typo, an article
	// number being typed): any() holds them beside alts, and they match only words outside
	// the lexicon.
	unlisted []string
}

// fuzzyWord is a lexicon word near a mistyped query word, and how near (pg_trgm similarity).
type fuzzyWord struct {
	word string
	sim  float64
}

// any is everything the word matches, for finding candidates.
func (t termMatch) any() string {
	return orQueries([]string{t.exact, t.prefix, t.synonym, t.infix, t.fuzzyQuery()})
}

func (t termMatch) fuzzyQuery() string {
	var ws []string
	for _, f := range t.fuzzy {
		ws = append(ws, tsLexeme(f.word))
	}
	return strings.Join(ws, " | ")
}

// orQueries joins tsquery texts with OR, each in parentheses.
func orQueries(qs []string) string {
	var parts []string
	for _, q := range qs {
		if q != "" {
			parts = append(parts, "("+q+")")
		}
	}
	return strings.Join(parts, " | ")
}

// lexemes is the words as a tsquery of alternatives, each word once.
func lexemes(words []string) string {
	var out []string
	seen := map[string]bool{}
	for _, w := range words {
		if !seen[w] {
			seen[w] = true
			out = append(out, tsLexeme(w))
		}
	}
	return strings.Join(out, " | ")
}

// tsLexeme quotes a word as one tsquery lexeme, taken as is (no stemming).
func tsLexeme(w string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(w) + "'"
}

// Bounds on what one query word expands to: enough for the compounds of a care catalogue
// ("handske" in undersöknings-, engångs-, nitril-, vinylhandske …) and a typo's few
// neighbours, without a three-letter word turning into a query of thousands of words.
const (
	maxPrefixWords = 64 // more words than this start with it: PostgreSQL's prefix match instead
	maxInfixWords  = 16
	maxFuzzyWords  = 5
	minInfixLen    = 4 // shorter words match inside too many others to mean anything
	minPrefixLen   = 3 // shorter words match as whole words only
	minFuzzyLen    = 4
)

// expandTerms looks up each query word's matches in one round trip: its stems, its start,
// its synonyms (synonyms.txt), the lexicon words holding it and, for words that nothing in
// the lexicon starts with or holds — typos — the nearest lexicon words by trigram similarity;
// with fuzzyAll every word of four letters or more gets those (the retry when nothing was
// found).
//
// The same round trip reads the agreements whose items the search may show (visible, a
// query of agreement ids), so that the search itself names them: PostgreSQL then plans the
// candidates' index lookups knowing how many items they hold.
func (s *Service) expandTerms(ctx context.Context, db *sqlx.DB, terms []string, fuzzyAll bool, visible string) ([]termMatch, []string, error) {
	rows, agreements, err := s.termRows(ctx, db, terms, fuzzyAll, visible)
	if err != nil {
		return nil, nil, err
	}
	out := make([]termMatch, len(terms))
	for n, t := range terms {
		out[n] = expandTerm(t, rows[n])
	}
	return out, agreements, nil
}

// expandTerm is a query word's matches from its rows of the words' statement: its own and its
// synonyms'.
func expandTerm(word string, rows []termRow) termMatch {
	t := termMatch{word: word, pairable: true}
	var syns, infixes []string
	for _, r := range rows {
		for _, w := range r.infix {
			infixes = append(infixes, tsLexeme(w))
		}
		t.alts = append(t.alts, r.infix...)
		// The word's start as whole words, or as PostgreSQL's prefix match when the lexicon
		// holds none (article numbers, numbers) or too many (a start of one or two letters).
		prefix := tsLexeme(r.stem) + ":*"
		if utf8.RuneCountInString(r.word) < minPrefixLen {
			// "m" of "handskar nitril m" is a size, not the start of every word with an m.
			prefix = ""
		} else if len(r.starts) > 0 && len(r.starts) <= maxPrefixWords {
			prefix = lexemes(append([]string{r.word}, r.starts...))
			t.wholeWords = append(t.wholeWords, r.starts...)
			t.alts = append(append(t.alts, r.word), r.starts...)
		} else {
			t.starts = append(t.starts, r.stem)
			if len(r.starts) == 0 {
				// No lexicon word starts with it: the prefix match finds only words outside
				// the lexicon (article numbers), few, so the pairs may stand for the rest.
				t.unlisted = append(t.unlisted, prefix)
			} else {
				t.pairable = false
			}
		}
		t.wholeWords = append(append(t.wholeWords, r.word), r.infix...)
		if r.syn {
			syns = append(syns, prefix)
			continue
		}
		t.exact, t.prefix, t.stop, t.known = lexemes(append([]string{r.word}, r.same...)), prefix, r.stop, len(r.starts) > 0 || len(r.infix) > 0
		t.alts = append(append(t.alts, r.word), r.same...)
		if !r.stop {
			for i, w := range r.fuzzy {
				t.fuzzy = append(t.fuzzy, fuzzyWord{word: w, sim: r.sims[i]})
			}
			t.wholeWords = append(t.wholeWords, r.fuzzy...)
			t.alts = append(t.alts, r.fuzzy...)
		}
	}
	t.alts, t.pairable = pairWords(t.alts, t.pairable)
	t.synonym = orQueries(syns)
	t.infix = strings.Join(infixes, " | ")
	return t
}

// termRows are the words' statement's rows for each query word, and the agreements the
// scope sees: from this process's expansions when the catalogue has not changed since they
// were read (search_words_cache.go), else from PostgreSQL in one round trip for the words not
// known, which also reads the agreements.
func (s *Service) termRows(ctx context.Context, db *sqlx.DB, terms []string, fuzzyAll bool, visible string) ([][]termRow, []string, error) {
	ver := cacheVersionOf(ctx)
	rows := make([][]termRow, len(terms))
	var missing []string
	var missingAt []int
	for n, t := range terms {
		if e, ok := s.expansions.get(ver, wordKey(t, fuzzyAll)); ok {
			rows[n] = e.rows
		} else {
			missing, missingAt = append(missing, t), append(missingAt, n)
		}
	}
	var agreements []string
	if e, ok := s.expansions.get(ver, scopeKey(visible)); ok {
		agreements = e.agreements
		if len(missing) == 0 {
			return rows, agreements, nil
		}
	}
	if len(missing) == 0 {
		var ags pq.StringArray
		if err := db.GetContext(ctx, &ags, `SELECT ARRAY(`+visible+`)::text[]`); err != nil {
			return nil, nil, fmt.Errorf("search agreements: %w", err)
		}
		s.expansions.put(ver, &expansionEntry{key: scopeKey(visible), agreements: ags})
		return rows, ags, nil
	}
	got, ags, err := s.readTermRows(ctx, db, missing, fuzzyAll, visible)
	if err != nil {
		return nil, nil, err
	}
	for i, n := range missingAt {
		rows[n] = got[i]
		s.expansions.put(ver, &expansionEntry{key: wordKey(missing[i], fuzzyAll), rows: got[i]})
	}
	s.expansions.put(ver, &expansionEntry{key: scopeKey(visible), agreements: ags})
	return rows, ags, nil
}

// readTermRows runs the words' statement for terms: each word's rows, and the agreements.
func (s *Service) readTermRows(ctx context.Context, db *sqlx.DB, terms []string, fuzzyAll bool, visible string) ([][]termRow, []string, error) {
	// One simple query with its values written in (see searchQuery): SET LOCAL holds for
	// its implicit transaction. Near words come from the lexicon's trigram index through
	// pg_trgm's similarity (whole words alike, ≥ 0.3: "silikn" → silikon) or word
	// similarity (the typed word alike to part of a compound, ≥ 0.45: "handskr" →
	// nitrilhandskar).
	s.wordReads.Add(1)
	rs, err := db.QueryxContext(ctx, termsStatement(terms, fuzzyAll, visible))
	if err != nil {
		return nil, nil, fmt.Errorf("search terms: %w", err)
	}
	defer rs.Close()
	out := make([][]termRow, len(terms))
	var agreements pq.StringArray
	for rs.Next() {
		var n int
		var r termRow
		var starts, same, infix, fuzzy pq.StringArray
		var sims pq.Float64Array
		if err := rs.Scan(&n, &r.syn, &r.word, &r.stem, &r.stop, &starts, &same, &infix, &fuzzy, &sims, &agreements); err != nil {
			return nil, nil, fmt.Errorf("search terms: %w", err)
		}
		r.starts, r.same, r.infix, r.fuzzy, r.sims = starts, same, infix, fuzzy, sims
		out[n] = append(out[n], r)
	}
	if err := rs.Err(); err != nil {
		return nil, nil, fmt.Errorf("search terms: %w", err)
	}
	return out, agreements, nil
}

// termsStatement is expandTerms' statement for the query's words and their synonyms.
func termsStatement(terms []string, fuzzyAll bool, visible string) string {
	// Each word looked up with its index among the query's words and whether it is a synonym.
	var idx []int
	var syn []bool
	var words []string
	for i, t := range terms {
		idx, syn, words = append(idx, i), append(syn, false), append(words, t)
		for _, w := range synonyms.lookup(t) {
			idx, syn, words = append(idx, i), append(syn, true), append(words, w)
		}
	}
	return `SET LOCAL pg_trgm.word_similarity_threshold = 0.45;
		SELECT a.n, a.syn, a.word, st.stem,
			numnode(to_tsquery('swedish', a.word) || to_tsquery('english', a.word)) = 0 AS stop,
			pw.starts,
			ARRAY(SELECT x FROM unnest(pw.starts) AS x WHERE x = a.word
				OR tsvector_to_array(to_tsvector('swedish', x) || to_tsvector('english', x)) && st.stems) AS same,
			ix.infix, coalesce(fz.words, '{}') AS fuzzy, coalesce(fz.sims, '{}') AS sims,
			ARRAY(` + visible + `)::text[] AS agreements
		FROM unnest(` + literal(pq.Array(idx)) + `::int[], ` + literal(pq.Array(syn)) + `::bool[], ` + literal(pq.Array(words)) + `::text[]) AS a(n, syn, word)
		-- The word's Swedish and English stems, and the shortest of them that begins the word
		-- ("handskar" → handsk), so that inflections find the same words; the word itself when
		-- no stem begins it. Each lateral ends in OFFSET 0, which keeps PostgreSQL from pulling
		-- it up into every expression that names it: the stems, the stem and the lexicon's
		-- starts were planned and computed again wherever used (planning 0.6 → 0.3 ms).
		CROSS JOIN LATERAL (SELECT tsvector_to_array(to_tsvector('swedish', a.word) || to_tsvector('english', a.word)) AS stems OFFSET 0) ss
		CROSS JOIN LATERAL (SELECT ss.stems, coalesce((SELECT min(l) FROM unnest(ss.stems) AS l
			WHERE length(l) >= 3 AND left(a.word, length(l)) = l), a.word) AS stem OFFSET 0) st
		-- The lexicon's words starting with the stem, shortest first (a range of its primary key).
		CROSS JOIN LATERAL (SELECT ARRAY(SELECT w.word FROM search_words w
			WHERE w.word >= st.stem AND w.word < st.stem || chr(1114111)
			ORDER BY length(w.word), w.word LIMIT ` + fmt.Sprint(maxPrefixWords+1) + `) AS starts OFFSET 0) pw
		CROSS JOIN LATERAL (SELECT ARRAY(SELECT w.word FROM search_words w
			WHERE length(st.stem) >= ` + fmt.Sprint(minInfixLen) + ` AND w.word LIKE '%' || st.stem || '%'
				AND NOT (w.word >= st.stem AND w.word < st.stem || chr(1114111))
			ORDER BY length(w.word), w.word LIMIT ` + fmt.Sprint(maxInfixWords) + `) AS infix OFFSET 0) ix
		LEFT JOIN LATERAL (SELECT array_agg(z.word ORDER BY z.sim DESC, length(z.word), z.word) AS words,
				array_agg(z.sim ORDER BY z.sim DESC, length(z.word), z.word) AS sims
			FROM (SELECT w.word, greatest(similarity(w.word, a.word), word_similarity(a.word, w.word))::float8 AS sim
				FROM search_words w WHERE (w.word % a.word OR a.word <% w.word) AND w.word <> a.word
				ORDER BY sim DESC, length(w.word), w.word LIMIT ` + fmt.Sprint(maxFuzzyWords) + `) z
			WHERE NOT a.syn AND length(a.word) >= ` + fmt.Sprint(minFuzzyLen) + ` AND a.word !~ '[0-9]'
				AND (` + strconv.FormatBool(fuzzyAll) + ` OR (cardinality(pw.starts) = 0 AND cardinality(ix.infix) = 0))) fz ON true`
}
