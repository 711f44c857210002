package catalog

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
)

// Query limits: a search uses at most maxTerms words of at most maxTermLen characters.
const (
	maxQueryLen = 200
	maxTerms    = 6
	maxTermLen  = 40
)

// parseQuery splits a free-text query into lower-cased words of letters and digits; anything
// else separates words. Words beyond maxTerms are dropped, long words cut; a word repeated
// counts once. The result is safe to use as a tsquery lexeme.
func parseQuery(q string) []string {
	if len(q) > 4*maxQueryLen {
		q = q[:4*maxQueryLen]
	}
	if !utf8.ValidString(q) {
		q = strings.ToValidUTF8(q, " ")
	}
	var terms []string
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !isWordRune(r) }) {
		if r := []rune(w); len(r) > maxTermLen {
			w = string(r[:maxTermLen])
		}
		if seen[w] {
			continue
		}
		seen[w] = true
		terms = append(terms, w)
		if len(terms) == maxTerms {
			break
		}
	}
	return terms
}

// isWordRune reports whether r belongs in a search word.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// cleanRaw is the query as typed, made safe for PostgreSQL text: valid UTF-8 without control
// characters, lower-cased and trimmed.
func cleanRaw(q string) string {
	q = strings.ToValidUTF8(q, "")
	q = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, q)
	return strings.ToLower(strings.TrimSpace(q))
}

// likePattern is an infix LIKE pattern for term (letters and digits only: nothing to escape).
func likePattern(term string) string { return "%" + term + "%" }

// termQuery is a term's tsquery (Swedish, English and simple prefix match) as text, and
// whether the term is a stop word in both languages.
type termQuery struct {
	tsq  string
	stop bool
	like string // the shortest of the term and its stems that is a prefix of it: the infix pattern's core
}

// tsqCache remembers each term's tsquery: stemming is deterministic, and asking PostgreSQL
// once per term saves a round trip on every later search. It is emptied when it grows past
// maxCachedTerms, so that odd input cannot fill the memory.
var tsqCache = struct {
	sync.RWMutex
	m map[string]termQuery
}{m: map[string]termQuery{}}

const maxCachedTerms = 50_000

func loadTerm(t string) (termQuery, bool) {
	tsqCache.RLock()
	defer tsqCache.RUnlock()
	q, ok := tsqCache.m[t]
	return q, ok
}

func storeTerm(t string, q termQuery) {
	tsqCache.Lock()
	defer tsqCache.Unlock()
	if len(tsqCache.m) >= maxCachedTerms {
		tsqCache.m = map[string]termQuery{}
	}
	tsqCache.m[t] = q
}

func (s *Service) termQueries(ctx context.Context, terms []string) ([]termQuery, error) {
	out := make([]termQuery, len(terms))
	var missing []string
	for i, t := range terms {
		if v, ok := loadTerm(t); ok {
			out[i] = v
		} else {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		st, err := s.stmt(ctx, `SELECT t, (to_tsquery('swedish', t || ':*') || to_tsquery('english', t || ':*') ||
			to_tsquery('simple', t || ':*'))::text AS tsq,
			numnode(to_tsquery('swedish', t || ':*') || to_tsquery('english', t || ':*')) = 0 AS stop,
			coalesce((SELECT min(l) FROM (SELECT unnest(tsvector_to_array(to_tsvector('swedish', t))) UNION ALL
				SELECT unnest(tsvector_to_array(to_tsvector('english', t)))) AS x(l) WHERE left(t, length(l)) = l), '') AS stem
			FROM unnest($1::text[]) AS t`)
		if err != nil {
			return nil, err
		}
		rows, err := st.QueryxContext(ctx, pq.Array(missing))
		if err != nil {
			return nil, fmt.Errorf("search terms: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var t string
			var q termQuery
			var stem string
			if err := rows.Scan(&t, &q.tsq, &q.stop, &stem); err != nil {
				return nil, fmt.Errorf("search terms: %w", err)
			}
			q.like = t
			if utf8.RuneCountInString(stem) >= 3 && len(stem) < len(t) {
				q.like = stem
			}
			storeTerm(t, q)
			for i, term := range terms {
				if term == t {
					out[i] = q
				}
			}
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("search terms: %w", err)
		}
	}
	return out, nil
}

func (f *SearchFilter) validate() error {
	var v derr.Validator
	v.Check(len(f.Q) <= maxQueryLen, "q", "too_long", fmt.Sprintf("is at most %d characters", maxQueryLen))
	v.Check(f.AgreementID == "" || auth.ValidUUID(f.AgreementID), "agreement_id", "invalid_id", "must be a UUID")
	v.Check(f.SupplierID == "" || auth.ValidUUID(f.SupplierID), "supplier_id", "invalid_id", "must be a UUID")
	okCPV := len(f.CPV) <= 8
	for _, r := range f.CPV {
		okCPV = okCPV && r >= '0' && r <= '9'
	}
	v.Check(okCPV, "cpv", "cpv_prefix", "must be the first digits of a CPV code, e.g. 3314")
	v.Check(f.EcoLabel == "" || ecoLabelRe.MatchString(f.EcoLabel), "eco", "eco_label", "must be true, false or an eco-label such as svanen")
	return v.Err()
}

// SearchItems searches the active items of active agreements (valid today) in the caller's
// scope: full text over name, description, sku and GTIN with Swedish and English stemming,
// prefix matching ("hand" finds "handskar"), infix matching inside compounds and, when nothing
// matches, typo tolerance ("handskr"); ranked by relevance, or by name without a query.
// Errors: Invalid (bad filter).
func (s *Service) SearchItems(ctx context.Context, c auth.Caller, f SearchFilter) (ItemPage, error) {
	raw, err := s.SearchItemsJSON(ctx, c, f)
	if err != nil {
		return ItemPage{}, err
	}
	var p ItemPage
	if err := json.Unmarshal(raw, &p); err != nil {
		return ItemPage{}, fmt.Errorf("search: decode: %w", err)
	}
	return p, nil
}

// SearchItemsJSON is SearchItems encoded as the JSON list response, served from the cache
// when it can be: the API writes it as is.
func (s *Service) SearchItemsJSON(ctx context.Context, c auth.Caller, f SearchFilter) ([]byte, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	f.Page = f.Page.Normalize()
	sc := scopeOf(c)
	if sc.none() {
		return json.Marshal(ItemPage{Items: []Item{}, Page: f.Page.Page, PageSize: f.Page.PageSize})
	}
	terms := parseQuery(f.Q)
	eco := "0"
	if f.Eco {
		eco = "1"
	}
	hash := hashKey(sc.key(), strings.Join(terms, " "), cleanRaw(f.Q), f.AgreementID, f.SupplierID, f.CPV, eco, f.EcoLabel,
		strconv.Itoa(f.Page.Page), strconv.Itoa(f.Page.PageSize))
	return s.cached(ctx, "s", hash, func(ctx context.Context) ([]byte, error) {
		p, err := s.search(ctx, sc, terms, f)
		if err != nil {
			return nil, err
		}
		return json.Marshal(p)
	})
}

// searchQuery assembles a search statement; args[0] is the caller's organisation and
// args[1] today.
type searchQuery struct {
	args []any
}

func (q *searchQuery) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

type searchRow struct {
	Item
	Total int `db:"total"`
}

func (s *Service) search(ctx context.Context, sc scope, terms []string, f SearchFilter) (ItemPage, error) {
	today := s.today()
	page := ItemPage{Items: []Item{}, Page: f.Page.Page, PageSize: f.Page.PageSize}
	tqs, err := s.termQueries(ctx, terms)
	if err != nil {
		return page, err
	}
	var words []string
	var wq []termQuery
	for i, t := range terms {
		if !tqs[i].stop || len(terms) == 1 {
			words = append(words, t)
			wq = append(wq, tqs[i])
		}
	}

	base := func(q *searchQuery) string {
		var b strings.Builder
		b.WriteString(`i.active AND i.agreement_id IN (SELECT a.id FROM agreements a WHERE a.status = 'active'
			AND $2::date BETWEEN a.valid_from AND a.valid_to AND ` + sc.agreementPredicate() + `)`)
		if sc.supplier && !sc.all && !sc.manager && !sc.buyer {
			b.WriteString(` AND i.supplier_id = $1`)
		}
		if f.AgreementID != "" {
			b.WriteString(` AND i.agreement_id = ` + q.arg(f.AgreementID))
		}
		if f.SupplierID != "" {
			b.WriteString(` AND i.supplier_id = ` + q.arg(f.SupplierID))
		}
		if f.CPV != "" {
			b.WriteString(` AND i.cpv_code LIKE ` + q.arg(f.CPV+"%"))
		}
		if f.Eco {
			b.WriteString(` AND cardinality(i.eco_labels) > 0`)
		}
		if f.EcoLabel != "" {
			b.WriteString(` AND i.eco_labels @> ARRAY[` + q.arg(f.EcoLabel) + `::text]`)
		}
		return b.String()
	}

	if len(words) == 0 {
		return s.browse(ctx, sc, f, today, base, page)
	}

	// The raw query as typed (lower-cased) also matches as a substring of name, sku and GTIN,
	// so that article numbers like "OM-1" or "EVO-200" are found however the parser splits them.
	raw := cleanRaw(f.Q)
	textCond := func(q *searchQuery, typo bool) (string, []string, []string) {
		var all, rankParts, conds []string
		for i, w := range words {
			all = append(all, "("+wq[i].tsq+")")
			// Words of three letters or more match as an infix of the text (name, sku, GTIN and
			// description) at their shortest stem: one trigram index scan finds inflections
			// ("handskar" → handsk), words typed halfway and parts of compounds
			// ("undersökningshandskar"). Shorter words match by full-text prefix.
			var cond string
			if utf8.RuneCountInString(w) >= 3 {
				cond = "i.search_text LIKE " + q.arg(likePattern(wq[i].like))
			} else {
				cond = "i.search @@ " + q.arg(wq[i].tsq) + "::tsquery"
			}
			if typo && utf8.RuneCountInString(w) >= 4 {
				wa := q.arg(w)
				cond += " OR " + wa + " <% i.search_text"
				rankParts = append(rankParts, "word_similarity("+wa+", i.search_text)")
			}
			conds = append(conds, "("+cond+")")
		}
		c := strings.Join(conds, " AND ")
		// Only when the query holds more than words and spaces: otherwise the words already
		// cover it, and the extra index scan is wasted.
		if utf8.RuneCountInString(raw) >= 3 && raw != strings.Join(words, " ") {
			c = "((" + c + ") OR i.search_text LIKE " + q.arg("%"+postgres.EscapeLike(raw)+"%") + ")"
		}
		return c, all, rankParts
	}
	run := func(typo bool) ([]searchRow, error) {
		q := &searchQuery{args: []any{sc.orgArg(), today}}
		where := base(q)
		cond, all, rankParts := textCond(q, typo)
		where += " AND " + cond
		anyTerm := q.arg(strings.Join(all, " | "))
		rank := "ts_rank(i.search, " + anyTerm + "::tsquery)"
		if len(rankParts) > 0 {
			rank += " + " + strings.Join(rankParts, " + ")
		}
		// Names that contain the whole query weigh more than words scattered over the
		// description.
		rank += " + CASE WHEN lower(i.name) LIKE " + q.arg(likePattern(strings.Join(words, " "))) + " THEN 0.5 ELSE 0 END"
		limit, offset := q.arg(f.Page.PageSize), q.arg(f.Page.Offset())
		sqlText := `WITH m AS (SELECT i.id, ` + rank + ` AS rank, count(*) OVER () AS total FROM items i WHERE ` + where + `
			ORDER BY rank DESC, i.name, i.id LIMIT ` + limit + ` OFFSET ` + offset + `)
			` + itemSelect() + `, m.total FROM m JOIN items i ON i.id = m.id` + itemJoins("$2") + `
			ORDER BY m.rank DESC, i.name, i.id`
		var rows []searchRow
		if err := s.searchSQL(ctx, typo, sqlText, q.args, &rows, false); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		return rows, nil
	}
	count := func(typo bool) (int, error) {
		q := &searchQuery{args: []any{sc.orgArg(), today}}
		where := base(q)
		cond, _, _ := textCond(q, typo)
		sqlText := `SELECT count(*) FROM items i WHERE ` + where + " AND " + cond
		var n int
		if err := s.searchSQL(ctx, typo, sqlText, q.args, &n, true); err != nil {
			return 0, fmt.Errorf("search count: %w", err)
		}
		return n, nil
	}
	// Exact, stemmed, prefix and infix matches first; typo tolerance only when they find
	// nothing at all. Past the last page the window count is absent: count on its own.
	typo := false
	rows, err := run(false)
	if err != nil {
		return page, err
	}
	if len(rows) == 0 {
		total := 0
		if f.Page.Page > 1 {
			if total, err = count(false); err != nil {
				return page, err
			}
		}
		if total == 0 {
			typo = true
			if rows, err = run(true); err != nil {
				return page, err
			}
		}
		page.Total = total
	}
	for _, r := range rows {
		page.Items = append(page.Items, r.Item)
		page.Total = r.Total
	}
	if len(rows) == 0 && typo && f.Page.Page > 1 {
		if page.Total, err = count(true); err != nil {
			return page, err
		}
	}
	return page, nil
}

// searchSQL runs a search statement into dest (one row when one is set): prepared on the
// pool, or, for the typo-tolerant search, inside a read-only transaction that lowers pg_trgm's
// word-similarity threshold so that a missing or wrong letter still finds the word.
func (s *Service) searchSQL(ctx context.Context, typo bool, sqlText string, args []any, dest any, one bool) error {
	if !typo {
		st, err := s.stmt(ctx, sqlText)
		if err != nil {
			return err
		}
		if one {
			return st.GetContext(ctx, dest, args...)
		}
		return st.SelectContext(ctx, dest, args...)
	}
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // read only
	if _, err := tx.ExecContext(ctx, `SET LOCAL pg_trgm.word_similarity_threshold = 0.45`); err != nil {
		return err
	}
	if one {
		return tx.GetContext(ctx, dest, sqlText, args...)
	}
	return tx.SelectContext(ctx, dest, sqlText, args...)
}

// browse pages through the catalogue by name when there is no query: counting and paging are
// separate statements so the page walks the name index instead of sorting every item.
func (s *Service) browse(ctx context.Context, sc scope, f SearchFilter, today string, base func(*searchQuery) string, page ItemPage) (ItemPage, error) {
	q := &searchQuery{args: []any{sc.orgArg(), today}}
	where := base(q)
	st, err := s.stmt(ctx, `SELECT count(*) FROM items i WHERE `+where)
	if err != nil {
		return page, err
	}
	if err := st.GetContext(ctx, &page.Total, q.args...); err != nil {
		return page, fmt.Errorf("browse count: %w", err)
	}
	if page.Total == 0 {
		return page, nil
	}
	limit, offset := q.arg(f.Page.PageSize), q.arg(f.Page.Offset())
	st, err = s.stmt(ctx, `WITH m AS (SELECT i.id FROM items i WHERE `+where+` ORDER BY i.name, i.id LIMIT `+limit+` OFFSET `+offset+`)
		`+itemSelect()+` FROM m JOIN items i ON i.id = m.id`+itemJoins("$2")+` ORDER BY i.name, i.id`)
	if err != nil {
		return page, err
	}
	if err := st.SelectContext(ctx, &page.Items, q.args...); err != nil {
		return page, fmt.Errorf("browse: %w", err)
	}
	return page, nil
}

// itemRecord is what decides who may see a cached item. It is cached as one tab-separated
// line before the item's JSON, so a hot read checks scope without decoding any JSON.
type itemRecord struct {
	BodyID          string         `db:"procurement_body_id"`
	AgreementStatus string         `db:"agreement_status"`
	ValidFrom       string         `db:"valid_from"`
	ValidTo         string         `db:"valid_to"`
	Participants    pq.StringArray `db:"participants"`
	SupplierID      string         `db:"-"`
	Active          bool           `db:"-"`
}

func (r itemRecord) encode(item []byte) []byte {
	active := "0"
	if r.Active {
		active = "1"
	}
	head := strings.Join([]string{r.BodyID, r.AgreementStatus, r.ValidFrom, r.ValidTo, r.SupplierID, active,
		strings.Join(r.Participants, ",")}, "\t")
	return append([]byte(head+"\n"), item...)
}

// decodeItemRecord splits a cached item into its record and JSON; ok is false for the cached
// "no such item" and for anything malformed.
func decodeItemRecord(raw []byte) (r itemRecord, item []byte, ok bool) {
	nl := bytes.IndexByte(raw, '\n')
	if nl < 0 {
		return r, nil, false
	}
	f := strings.Split(string(raw[:nl]), "\t")
	if len(f) != 7 {
		return r, nil, false
	}
	r = itemRecord{BodyID: f[0], AgreementStatus: f[1], ValidFrom: f[2], ValidTo: f[3], SupplierID: f[4], Active: f[5] == "1"}
	if f[6] != "" {
		r.Participants = strings.Split(f[6], ",")
	}
	return r, raw[nl+1:], true
}

// visible reports whether the scope sees the item: its supplier, the agreement's managers,
// admins, and participating buyers while the item is active and the agreement active and
// valid today.
func (r itemRecord) visible(sc scope, today string) bool {
	switch {
	case sc.all:
		return true
	case sc.supplier && r.SupplierID == sc.org:
		return true
	case sc.manager && r.BodyID == sc.org:
		return true
	case sc.buyer:
		if !r.Active || r.AgreementStatus != StatusActive || today < r.ValidFrom || today > r.ValidTo {
			return false
		}
		for _, p := range r.Participants {
			if p == sc.org {
				return true
			}
		}
	}
	return false
}

// GetItem returns a catalogue item in the caller's scope with its current and next price.
// Errors: NotFound (absent or out of scope).
func (s *Service) GetItem(ctx context.Context, c auth.Caller, id string) (Item, error) {
	raw, err := s.GetItemJSON(ctx, c, id)
	if err != nil {
		return Item{}, err
	}
	var it Item
	if err := json.Unmarshal(raw, &it); err != nil {
		return Item{}, fmt.Errorf("item: decode: %w", err)
	}
	return it, nil
}

// GetItemJSON is GetItem encoded as JSON, served from the cache when it can be.
func (s *Service) GetItemJSON(ctx context.Context, c auth.Caller, id string) ([]byte, error) {
	sc := scopeOf(c)
	if !auth.ValidUUID(id) || sc.none() {
		return nil, derr.NotFoundf("item not found")
	}
	today := s.today()
	raw, err := s.cached(ctx, "i", id, func(ctx context.Context) ([]byte, error) {
		st, err := s.stmt(ctx, itemSelect()+`, a.procurement_body_id, a.status AS agreement_status,
			a.valid_from::text AS valid_from, a.valid_to::text AS valid_to,
			ARRAY(SELECT p.org_id::text FROM agreement_participants p WHERE p.agreement_id = i.agreement_id) AS participants
			FROM items i`+itemJoins("$2")+` WHERE i.id = $1`)
		if err != nil {
			return nil, err
		}
		var row struct {
			Item
			itemRecord
		}
		if err := st.GetContext(ctx, &row, id, today); err != nil {
			if isNoRows(err) {
				return []byte("null"), nil
			}
			return nil, fmt.Errorf("item: %w", err)
		}
		rec := row.itemRecord
		rec.SupplierID, rec.Active = row.Item.SupplierID, row.Item.Active
		item, err := json.Marshal(row.Item)
		if err != nil {
			return nil, err
		}
		return rec.encode(item), nil
	})
	if err != nil {
		return nil, err
	}
	rec, item, ok := decodeItemRecord(raw)
	if !ok || !rec.visible(sc, today) {
		return nil, derr.NotFoundf("item not found")
	}
	return item, nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
