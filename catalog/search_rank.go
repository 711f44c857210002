package catalog

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/postgres"
)

// searchWindow is how many candidates each index lookup of a search hands to the ranking.
// Ranking a bounded set is what keeps a search's cost flat as the catalogue grows: a word
// that matches 60,000 of a million items costs the same as one that matches 600. Pages
// reach past the window in steps of a window, so pages within one step rank the same set.
const searchWindow = 200

// sizeToken is a garment size in an item name, the one item_size_order (migration 00010)
// orders by; an item's name without it groups the sizes of one product together. A name
// without a size order holds none, so the ranking skips the regular expression for it.
const sizeToken = `\m(XXS|XS|S|M|L|XL|XXL|2XL|XXXL|3XL|4XL)\M`

// Scores of a query word's strongest match in an item (wordScore's ladder): the name before
// the description, the word as typed before its synonyms, its start, a compound holding it
// and, last, a lexicon word near a typo (by how near).
const (
	scoreExact, scoreSynonym, scorePrefix, scoreInfix = "10", "9", "8", "6"
	scoreAllWord, scoreAllPrefix, scoreAllInfix       = "3", "2.5", "2"
)

// candCols are what the ranking needs of a candidate, carried from the index lookups so that
// no candidate is read twice.
const candCols = `i.id, i.name, i.sku, i.gtin, i.size_order, i.search_name, i.search_all`

// rankedSearch is one search statement's parts: the candidates (a CTE "c" of item ids) and
// the arguments they use.
type rankedSearch struct {
	q         *searchQuery
	where     string // the scope and filters on items i
	cands     string // WITH c AS (…)
	match     string // the placeholder of the tsquery every candidate matches
	window    int
	windowArg string // the window in the statement
	need      string // how many ranked candidates the page needs (offset + page size) in the statement

	// The names' candidates alone (cn: from the sample only, when there is one) and the sku's,
	// and the column saying whether they were enough (firstEnough): see rank.
	firstCands, firstEnough string
}

// searchSamples are the samples of the items whose names' words and pairs (migration 00030)
// and descriptions' words (00033) have indexes of their own: 1 in n items, those whose random id begins with a byte below
// bound. The statement names the index's predicate word for word, which is what lets
// PostgreSQL use a partial index.
var searchSamples = []struct {
	n     int
	bound string
}{{128, `'\x02'::bytea`}, {16, `'\x10'::bytea`}}

// sampleFor is the sparsest sample (1 in n items) expected to hold sampleCover windows of
// matches, given est matches among all items; 0 when none is (a search with fewer matches
// takes them from the whole index, which is then cheap).
func sampleFor(est, window int) int {
	for _, s := range searchSamples {
		if est >= sampleCover*window*s.n {
			return s.n
		}
	}
	return 0
}

// sampleCover is how many windows of matches a sample must be expected to hold: the estimate
// counts matches anywhere in an item and in every agreement, so a sample may hold fewer name
// matches in scope than expected; when it holds fewer than a window the rest of the items
// make up the difference (newRankedSearch), which costs what a search without the sample does.
const sampleCover = 2

// sampleBound is the predicate's bound of the sample of 1 in n items.
func sampleBound(n int) string {
	for _, s := range searchSamples {
		if s.n == n {
			return s.bound
		}
	}
	panic("catalog: no search sample of 1 in " + strconv.Itoa(n))
}

// newRankedSearch finds candidates three ways, each from an index and each stopping early:
// up to a window of items whose name holds every word (cn: with sample n > 0 first from the
// sample of 1 in n items, then from the others if the sample held fewer than a window, so that
// a word with 20,000 matches hands the ranking a window from a bitmap of a thousand instead of
// building one of 20,000; which window is ranked was never more than some window of the
// matches, and a search with fewer matches than a window still finds them all); when those are fewer than the
// page asked for needs, up to a window in all with items whose description does (cd, the
// name's matches left out, so that cn and cd never overlap and are complete together when
// they fall short of the window); and up to a window whose sku starts with, or whose GTIN is,
// the query as typed (cs). However large the catalogue, at most two windows are ranked.
//
// Looking in the descriptions is a second intersection of the words' posting lists, the
// costliest step of a search of several common words at a million items; names that already
// fill the page make it unnecessary (an item holding every word in its name ranks above one
// holding some only in its description), and the total is then estimated (full).
//
// added, for the retry of a search that found nothing with its words' near words, is the
// words those add (nearAdds): since no item in scope held every word as first expanded, not
// even in its description, an item holding every word now holds one of them — in its name
// when its name holds every word. Saying so changes no match, and the intersections that
// proved nothing matched need not be walked again: GIN goes from the added words' posting
// lists. It is said where the words are intersected in one index: the descriptions, and the
// names when they are not found through the pairs (exact, and cheap already; another index
// there would be a BitmapAnd that reads every posting list of the added words).
func newRankedSearch(window int, usePairs bool, sample int, sc scope, f SearchFilter, today string, base func(*searchQuery) string,
	words []termMatch, raw, added string) *rankedSearch {
	r := &rankedSearch{q: newInlineQuery(sc.orgArg(), today)}
	r.where = base(r.q)
	var all, each []string
	for _, w := range words {
		all, each = append(all, "("+w.any()+")"), append(each, w.any())
	}
	if added != "" {
		each = append(each, added)
	}
	r.match = r.q.arg(strings.Join(all, " & "))
	r.window = window * ((f.Page.Offset() + f.Page.PageSize + window - 1) / window)
	n := r.q.arg(r.window)
	r.windowArg = n
	r.need = r.q.arg(f.Page.Offset() + f.Page.PageSize)
	sku := `SELECT ` + candCols + ` FROM items i WHERE false`
	if utf8.RuneCountInString(raw) >= 2 {
		sku = `SELECT ` + candCols + ` FROM items i WHERE ` + r.where + ` AND (lower(i.sku) LIKE ` + r.q.arg(postgres.EscapeLike(raw)+"%") +
			` OR i.gtin = ` + r.q.arg(raw) + `) LIMIT ` + n
	}
	// The names' candidates through the words' pairs when two words pair (search_pairs.go);
	// the words left out of the pairs from the names' index.
	nameMatch := r.every("search_name", each)
	if pairs, rest, orName := pairQuery(words); len(pairs) > 0 && usePairs {
		// The pairs hold exactly the names with both words: added is left out (above).
		nameMatch = r.every("search_pairs", pairs)
		if len(rest) > 0 {
			nameMatch += ` AND ` + r.every("search_name", rest)
		}
		if orName != "" {
			nameMatch = `(` + nameMatch + ` OR i.search_name @@ ` + r.q.arg(orName) + `::tsquery)`
		}
	}
	names := `SELECT ` + candCols + ` FROM items i WHERE ` + r.where + ` AND ` + nameMatch
	descs := `SELECT ` + candCols + ` FROM items i WHERE ` + r.where + ` AND ` + r.every("search_all", each) + `
			AND NOT i.search_name @@ ` + r.match + `::tsquery`
	descLimit := `CASE WHEN (SELECT count(*) FROM cn) >= ` + r.need + ` THEN 0 ELSE greatest(0, ` + n + ` - (SELECT count(*) FROM cn)) END`
	cn := `cn AS (` + names + ` LIMIT ` + n + `)`
	cd := `cd AS (` + descs + ` LIMIT ` + descLimit + `)`
	if sample > 0 {
		// The descriptions' candidates too come first from the sample (migration 00033), as
		// the names' do.
		in := `uuid_send(i.id) < ` + sampleBound(sample)
		cn = fromSample("cn", names, n, in)
		cd = fromSample("cd", descs, descLimit, in)
	}
	r.cands = `WITH ` + cn + `,
		` + cd + `,
		cs AS (` + sku + `),
		c AS (SELECT * FROM cn UNION ALL SELECT * FROM cd
			UNION ALL SELECT * FROM cs WHERE cs.id NOT IN (SELECT id FROM cn UNION ALL SELECT id FROM cd))`
	// The same without the descriptions nor, with a sample, the other items: when the names
	// (of the sample) fill the window — with a sample — or the page — without — the whole
	// statement's other parts take nothing (their LIMITs are 0), and this finds exactly what
	// it does.
	first, enough := `cn AS (`+names+` LIMIT `+n+`)`, r.need
	if sample > 0 {
		first, enough = `cn AS (`+names+` AND uuid_send(i.id) < `+sampleBound(sample)+` LIMIT `+n+`)`, n
	}
	r.firstCands = `WITH ` + first + `,
		cs AS (` + sku + `),
		c AS (SELECT * FROM cn UNION ALL SELECT * FROM cs WHERE cs.id NOT IN (SELECT id FROM cn))`
	r.firstEnough = `((SELECT count(*) FROM cn) >= ` + enough + `) AS full`
	return r
}

// every is the condition that column col (of items i) matches every one of the tsqueries qs,
// each a condition of its own. For one GIN index scan, PostgreSQL makes each a scan key and
// advances the keys in step, each skipping to the item the others have reached, where one
// tsquery "a & b" is one key that walks whole the posting lists of the words it needs (most
// often all of them), one item at a time, testing the whole query on each. The items found
// are the same, in the same order; proving that no item holds two common words together
// (the slowest searches, which then run again with near words) costs about a third of it at
// a million items (README, Speed, "Sixth round").
func (r *rankedSearch) every(col string, qs []string) string {
	conds := make([]string, len(qs))
	for n, q := range qs {
		conds[n] = `i.` + col + ` @@ ` + r.q.arg(q) + `::tsquery`
	}
	return strings.Join(conds, ` AND `)
}

// fromSample is the CTE name of up to limit rows of sel (a SELECT … WHERE): first those of
// the sample (in, its predicate; CTE name0), then the other items making up what it lacks.
func fromSample(name, sel, limit, in string) string {
	return name + `0 AS (` + sel + ` AND ` + in + ` LIMIT ` + limit + `),
		` + name + ` AS (SELECT * FROM ` + name + `0 UNION ALL (` + sel + ` AND NOT ` + in + `
			LIMIT greatest(0, ` + limit + ` - (SELECT count(*) FROM ` + name + `0))))`
}

// score is the SQL of an item's (alias i) relevance: per query word its strongest match on
// the ladder (wordScore), summed; an article number typed in full or in part, and a name
// holding the whole query as typed, lift an item further.
func (r *rankedSearch) score(words []termMatch, raw string) string {
	var sum, plain []string
	for _, w := range words {
		sum = append(sum, r.wordScore(w))
		plain = append(plain, w.word)
	}
	rawArg := r.q.arg(raw)
	return `(` + strings.Join(sum, ` + `) + `)
		+ CASE WHEN lower(i.sku) = ` + rawArg + ` OR i.gtin = ` + rawArg + ` THEN 100
			WHEN lower(i.sku) LIKE ` + r.q.arg(postgres.EscapeLike(raw)+"%") + ` THEN 50 ELSE 0 END
		+ CASE WHEN lower(i.name) LIKE ` + r.q.arg("%"+postgres.EscapeLike(strings.Join(plain, " "))+"%") + ` THEN 1 ELSE 0 END`
}

// wordScore is the SQL of a query word's strongest match in an item, written out with the
// word's own tsqueries (a match it does not have is left out): one CASE per word instead of a
// subquery per candidate over arrays of every word's matches, which cost a subplan and a
// function scan for each of the 200 candidates. A typo's near words are tried nearest first,
// so the first that matches scores by its similarity.
func (r *rankedSearch) wordScore(w termMatch) string {
	var b strings.Builder
	b.WriteString(`(CASE`)
	when := func(match, then string) { b.WriteString(` WHEN ` + match + ` THEN ` + then) }
	on := func(col, q string) string { return `i.` + col + ` @@ ` + r.q.arg(q) + `::tsquery` }
	for _, l := range []struct{ q, score string }{{w.exact, scoreExact}, {w.synonym, scoreSynonym}, {w.prefix, scorePrefix}, {w.infix, scoreInfix}} {
		if l.q != "" {
			when(on("search_name", l.q), l.score)
		}
	}
	fuzzy := slices.Clone(w.fuzzy)
	slices.SortStableFunc(fuzzy, func(a, b fuzzyWord) int { return cmp.Compare(b.sim, a.sim) })
	for _, f := range fuzzy {
		when(on("search_name", tsLexeme(f.word)), `3 + 2 * `+r.q.arg(f.sim)+`::float8`)
	}
	switch {
	case w.exact != "" && w.synonym != "":
		when(on("search_all", w.exact)+` OR `+on("search_all", w.synonym), scoreAllWord)
	case w.exact != "" || w.synonym != "":
		when(on("search_all", w.exact+w.synonym), scoreAllWord)
	}
	for _, l := range []struct{ q, score string }{{w.prefix, scoreAllPrefix}, {w.infix, scoreAllInfix}} {
		if l.q != "" {
			when(on("search_all", l.q), l.score)
		}
	}
	for _, f := range fuzzy {
		when(on("search_all", tsLexeme(f.word)), `1 + `+r.q.arg(f.sim)+`::float8`)
	}
	b.WriteString(` ELSE 0 END)::float8`)
	return b.String()
}

// statement is the whole search: candidates, their scores, one page of them with prices.
func (r *rankedSearch) statement(words []termMatch, raw string, f SearchFilter) string {
	return r.statementOf(r.cands, r.fullColumn(), words, raw, f)
}

// firstStatement is the search from the names' candidates alone (firstCands): its column
// full says whether they were enough, and only then is its page the whole statement's.
func (r *rankedSearch) firstStatement(words []termMatch, raw string, f SearchFilter) string {
	return r.statementOf(r.firstCands, r.firstEnough, words, raw, f)
}

// statementOf is a search statement: the candidates, their page ranked, and the page's items
// read through search_page (migration 00037), whose statement — itemSelect and itemJoins, six
// joins — PostgreSQL plans once per connection rather than in every search statement (about
// 0.4 ms of a statement's 1.2 ms of planning; README, Speed, "Seventh round").
func (r *rankedSearch) statementOf(cands, full string, words []termMatch, raw string, f SearchFilter) string {
	score := r.score(words, raw)
	limit, offset := r.q.arg(f.Page.PageSize), r.q.arg(f.Page.Offset())
	return cands + `, top AS (
			SELECT i.id, i.name, i.size_order, CASE WHEN i.size_order IS NULL THEN i.name
				ELSE regexp_replace(i.name, '` + sizeToken + `', '', 'g') END AS family, ` + score + ` AS score
			FROM c AS i
			ORDER BY ` + pageOrder + ` LIMIT ` + limit + ` OFFSET ` + offset + `)
		SELECT ` + searchPageCols + `, (SELECT count(*) FROM c) AS total, ` + full + `
		FROM search_page(ARRAY(SELECT id FROM top ORDER BY ` + pageOrder + `), ` + r.q.today() + `::date) AS p
		ORDER BY p.n`
}

// pageOrder is a page's order, as the ranked candidates are cut to it and as its ids are
// handed to search_page (a CTE's rows come in no promised order).
const pageOrder = `score DESC, family, size_order NULLS LAST, name, id`

// searchPageCols are search_page's columns but its order n: an Item's, named as itemSelect
// names them.
const searchPageCols = `p.id, p.agreement_id, p.agreement_reference, p.agreement_title, p.supplier_id, p.supplier_name,
	p.supplier_rank, p.sku, p.gtin, p.name, p.description, p.unit, p.pack_size, p.cpv_code, p.eco_labels, p.vat_rate_bp,
	p.active, p.approval, p.image_hash, p.currency, p.price_minor, p.price_effective_from, p.next_price_minor,
	p.next_price_effective_from, p.kind, p.setup_price_minor, p.min_term_months, p.notice_months, p.created_at, p.updated_at`

// rank runs a search over words: candidates from the indexes, the bounded set scored and
// ordered — score, then the name without its size, then the size (XS … XXL), then the name —
// and one page of it read with prices. The total is exact when the candidates were fewer
// than a window, else PostgreSQL's estimate of all matches (Estimated).
func (s *Service) rank(ctx context.Context, db *sqlx.DB, sc scope, f SearchFilter, today string, base func(*searchQuery) string,
	words []termMatch, raw, added string) (ItemPage, error) {
	page := ItemPage{Items: []Item{}, Page: f.Page.Page, PageSize: f.Page.PageSize}
	est, err := s.searchEstimate(ctx, db, words)
	if err != nil {
		return page, err
	}
	r := newRankedSearch(s.window, !s.noPairs, s.sampleOf(est), sc, f, today, base, words, raw, added)
	var rows []searchRow
	// One round trip: the statement as one simple query, in the implicit transaction that
	// SET LOCAL needs (searchSettings). First from the names alone, which fill the page of
	// nearly every search (92 % of the benchmark's): PostgreSQL then plans two or three scans
	// of the items instead of four to six (README, Speed, "Sixth round"); when they do not,
	// the whole statement.
	if !s.wholeOnly {
		if err := db.SelectContext(ctx, &rows, searchSettings+r.firstStatement(words, raw, f)); err != nil {
			return page, fmt.Errorf("search: %w", err)
		}
		if len(rows) > 0 && rows[0].Full {
			s.namesFirst.Add(1)
		} else {
			rows = nil
		}
	}
	if rows == nil {
		if err := db.SelectContext(ctx, &rows, searchSettings+r.statement(words, raw, f)); err != nil {
			return page, fmt.Errorf("search: %w", err)
		}
	}
	full := false
	for _, row := range rows {
		page.Items = append(page.Items, row.Item)
		page.Total, full = row.Total, row.Full
	}
	if len(rows) == 0 && f.Page.Page > 1 {
		// Past the last page: count the candidates on their own.
		var c struct {
			Total int  `db:"total"`
			Full  bool `db:"full"`
		}
		if err := db.GetContext(ctx, &c, searchSettings+r.cands+` SELECT (SELECT count(*) FROM c) AS total, `+r.fullColumn()); err != nil {
			return page, fmt.Errorf("search count: %w", err)
		}
		page.Total, full = c.Total, c.Full
	}
	if full {
		page.Total, page.Estimated = max(page.Total, est), true
	}
	return page, nil
}

// searchEstimate is how many items match every word (wordStats.estimates): in their names
// through the item pairs when the search uses them, or anywhere, whichever is more — the items
// whose names hold every word are among those matching anywhere, so the larger is the nearer.
// It chooses the sample (sampleOf) and is the total of a search with more matches than it ranks.
func (s *Service) searchEstimate(ctx context.Context, db *sqlx.DB, words []termMatch) (int, error) {
	all, names, err := s.stats.estimates(ctx, db, words, !s.noPairs)
	return max(all, names), err
}

// sampleOf is the sample a search with est estimated matches takes its names' candidates
// from (sampleFor), or the one tests force (Service.sample; -1 none).
func (s *Service) sampleOf(est int) int {
	switch {
	case s.sample < 0:
		return 0
	case s.sample > 0:
		return s.sample
	}
	return sampleFor(est, s.window)
}

// searchSettings hold for one search statement: JIT stays off, because a search's plan looks
// expensive to PostgreSQL (its LIMITs sit over index scans of many rows) and compiling it
// took longer (about 340 ms, measured at a million items) than running it; no parallel
// workers, which cost more to start than the few hundred rows a search reads; no sequential
// scans, which PostgreSQL chose for a word in 2–10 % of the items (reading 13,000 rows at a
// million items for 200 candidates, 10 ms) and, until ANALYZE has seen items.search_pairs
// (after migration 00025, autovacuum waits for a tenth of the items to change), for a rare
// pair it took for a common one (25,000 rows); and the joins in the order written (the page's
// 20 items first, then what each names), which spares the planner its search over the join
// orders: 0.4 of a search's 1.1 ms of planning at a million items.
const searchSettings = `SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL enable_seqscan = off;
	SET LOCAL join_collapse_limit = 1; SET LOCAL from_collapse_limit = 1; `

// fullColumn says whether the candidates filled the window, or the descriptions were not
// looked in, so that their count is not all the matches.
func (r *rankedSearch) fullColumn() string {
	return `((SELECT count(*) FROM cn) + (SELECT count(*) FROM cd) >= ` + r.windowArg + `
		OR (SELECT count(*) FROM cn) >= ` + r.need + `) AS full`
}
