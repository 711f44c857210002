package catalog

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
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

// queryTooLong is formatted once, not on every search.
var queryTooLong = fmt.Sprintf("is at most %d characters", maxQueryLen)

func (f *SearchFilter) validate() error {
	var v derr.Validator
	v.Check(len(f.Q) <= maxQueryLen, "q", "too_long", queryTooLong)
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
// prefix matching ("hand" finds "handskar"), the care staff's synonyms (synonyms.txt: "blöjor"
// finds inkontinensskydd), words inside compounds ("förband" finds skumförband) and typo
// tolerance ("handskr"); ranked by where and how well each word matches, sizes in size order
// (search_rank.go), or by name without a query.
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

// SearchItemsJSON is SearchItems encoded as the JSON list response (SearchItemsEncoded).
func (s *Service) SearchItemsJSON(ctx context.Context, c auth.Caller, f SearchFilter) ([]byte, error) {
	e, err := s.SearchItemsEncoded(ctx, c, f)
	if err != nil {
		return nil, err
	}
	return e.JSON(), nil
}

// SearchItemsEncoded is SearchItems encoded as the JSON list response, and gzipped once per
// cached page, served from the cache when it can be: the API writes it as is.
func (s *Service) SearchItemsEncoded(ctx context.Context, c auth.Caller, f SearchFilter) (Encoded, error) {
	if err := f.validate(); err != nil {
		return Encoded{}, err
	}
	f.Page = f.Page.Normalize()
	sc := scopeOf(c)
	if sc.none() {
		b, err := json.Marshal(ItemPage{Items: []Item{}, Page: f.Page.Page, PageSize: f.Page.PageSize})
		return Encoded{e: &entry{json: b}}, err
	}
	hash := s.searchKeys.hash(sc, f)
	l := s.lookup(ctx, "s", hash)
	if l.ok {
		return l.hit, nil
	}
	return s.loadEncoded(ctx, l, func(ctx context.Context, db *sqlx.DB) ([]byte, error) {
		var p ItemPage
		err := s.limit.do(ctx, func() error {
			var err error
			p, err = s.search(ctx, db, sc, parseQuery(f.Q), f)
			return err
		})
		if err != nil {
			return nil, err
		}
		return json.Marshal(p)
	})
}

// searchQuery assembles a search statement from the filters in use. Browsing binds its values
// as $n placeholders (args; $1 the caller's organisation, $2 today) and runs prepared; the
// text search writes them into the statement as quoted literals (inline), so that a whole
// search is one simple-protocol round trip — on a busy machine every round trip waits for the
// scheduler — and PostgreSQL plans it with its own words.
type searchQuery struct {
	args   []any
	inline bool
	// agreements, when known, are the ids of the agreements the scope sees (visibleAgreements),
	// written into the statement instead of the query that finds them.
	agreements []string
}

// newInlineQuery is a searchQuery that writes literals, for the caller's organisation and today.
func newInlineQuery(org any, today string) *searchQuery {
	return &searchQuery{args: []any{org, today}, inline: true}
}

func (q *searchQuery) arg(v any) string {
	if q.inline {
		return literal(v)
	}
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// org and today are the caller's organisation and today's date in the statement.
func (q *searchQuery) org() string {
	if q.inline {
		return literal(q.args[0]) + "::uuid"
	}
	return "$1"
}

func (q *searchQuery) today() string {
	if q.inline {
		return literal(q.args[1])
	}
	return "$2"
}

// literal is v as SQL: NULL, a number, or a string (arrays in PostgreSQL's text form) quoted by
// lib/pq's QuoteLiteral, which doubles quotes and escapes backslashes.
func literal(v any) string {
	if vr, ok := v.(driver.Valuer); ok {
		var err error
		if v, err = vr.Value(); err != nil {
			panic("catalog: search literal: " + err.Error()) // only pq arrays of strings, numbers and NullStrings reach here
		}
	}
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []byte:
		return pq.QuoteLiteral(string(x))
	case string:
		return pq.QuoteLiteral(x)
	}
	panic(fmt.Sprintf("catalog: search literal of %T", v))
}

type searchRow struct {
	Item
	Total int  `db:"total"`
	Full  bool `db:"full"` // the candidates filled the window: Total is not all the matches
}

func (s *Service) search(ctx context.Context, db *sqlx.DB, sc scope, terms []string, f SearchFilter) (ItemPage, error) {
	today := s.today()
	page := ItemPage{Items: []Item{}, Page: f.Page.Page, PageSize: f.Page.PageSize}
	base := func(q *searchQuery) string { return baseWhere(sc, f, q) }
	if len(terms) == 0 {
		return s.browse(ctx, db, sc, f, today, base, page)
	}
	visible := visibleAgreements(sc, newInlineQuery(sc.orgArg(), today))
	words, agreements, err := s.searchWords(ctx, db, terms, false, visible)
	if err != nil || len(words) == 0 {
		if err != nil {
			return page, err
		}
		return s.browse(ctx, db, sc, f, today, base, page)
	}
	if len(agreements) == 0 {
		return page, nil
	}
	base = agreementsBase(sc, f, agreements)
	raw := cleanRaw(f.Q)
	p, err := s.rank(ctx, db, sc, f, today, base, words, raw, "")
	if err != nil || p.Total > 0 {
		return p, err
	}
	// Nothing at all: every word of four letters or more also matches its nearest lexicon
	// words, in case a word that exists elsewhere in the catalogue was mistyped here — unless
	// that adds no word to what was just matched (the words had no nearer words, or had them
	// already), which would find nothing again: at a million items such a search walks every
	// posting list of its words, 10–15 ms, the slowest searches of the benchmark's mix (README,
	// Speed).
	near, _, err := s.searchWords(ctx, db, terms, true, visible)
	if err != nil {
		return p, err
	}
	added, same := nearAdds(words, near)
	if same {
		return p, nil
	}
	s.retries.Add(1)
	return s.rank(ctx, db, sc, f, today, base, near, raw, added)
}

// nearAdds compares a query's words as first expanded with the same words with their near
// words (termMatch.any, word for word): same when they match the same items, else the words
// the near words add, as a tsquery of alternatives ("" when the words do not pair up).
func nearAdds(first, near []termMatch) (added string, same bool) {
	if len(first) != len(near) {
		return "", false
	}
	var adds []string
	for n := range first {
		had := tsTerms(first[n].any())
		for _, t := range tsTerms(near[n].any()) {
			if !slices.Contains(had, t) && !slices.Contains(adds, t) {
				adds = append(adds, t)
			}
		}
	}
	return strings.Join(adds, " | "), len(adds) == 0
}

// tsTermRe is one term of a tsquery text as this package writes them: a quoted lexeme
// (tsLexeme), perhaps a prefix match.
var tsTermRe = regexp.MustCompile(`'(?:[^']|'')*'(?::\*)?`)

// tsTerms are the terms of a tsquery of alternatives (termMatch.any): which items it matches
// depends on them alone, not on their order or grouping.
func tsTerms(q string) []string { return tsTermRe.FindAllString(q, -1) }

// baseWhere is the scope and filters of a search or browse over items i, written into q.
func baseWhere(sc scope, f SearchFilter, q *searchQuery) string {
	var b strings.Builder
	if q.agreements != nil {
		b.WriteString(`i.active AND i.approval = 'accepted' AND i.agreement_id = ANY(` + q.arg(pq.Array(q.agreements)) + `::uuid[])`)
	} else {
		b.WriteString(`i.active AND i.approval = 'accepted' AND i.agreement_id IN (` + visibleAgreements(sc, q) + `)`)
	}
	if sc.supplier && !sc.all && !sc.manager && !sc.buyer {
		b.WriteString(` AND i.supplier_id = ` + q.org())
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

// agreementsBase is baseWhere naming the agreements the scope sees (from visibleAgreements).
func agreementsBase(sc scope, f SearchFilter, agreements []string) func(*searchQuery) string {
	return func(q *searchQuery) string {
		q.agreements = agreements
		return baseWhere(sc, f, q)
	}
}

// visibleAgreements is the query of the agreements whose items the scope may see in search:
// active and valid today.
func visibleAgreements(sc scope, q *searchQuery) string {
	return `SELECT a.id FROM agreements a WHERE a.status = 'active' AND ` + q.today() + `::date BETWEEN a.valid_from AND a.valid_to
		AND ` + sc.agreementPredicateFor(q.org())
}

// browseCount is where browsing stops counting: fifty windows (10,000 items).
func (s *Service) browseCount() int { return 50 * s.window }

// searchWords expands the query's words and drops stop words ("och", "the") unless the query
// is nothing else.
func (s *Service) searchWords(ctx context.Context, db *sqlx.DB, terms []string, fuzzyAll bool, visible string) ([]termMatch, []string, error) {
	tms, agreements, err := s.expandTerms(ctx, db, terms, fuzzyAll, visible)
	if err != nil {
		return nil, nil, err
	}
	var words []termMatch
	for _, t := range tms {
		if !t.stop || len(tms) == 1 {
			words = append(words, t)
		}
	}
	return words, agreements, nil
}

// browse pages through the catalogue by name when there is no query: counting and paging are
// separate statements so the page walks the name index instead of sorting every item. The
// count stops at browseCount items (a million visible items would take longer to count than
// to page); past it the total is estimated from the catalogue's size (Estimated).
func (s *Service) browse(ctx context.Context, db *sqlx.DB, sc scope, f SearchFilter, today string, base func(*searchQuery) string, page ItemPage) (ItemPage, error) {
	cq := &searchQuery{args: []any{sc.orgArg(), today}}
	cwhere := base(cq)
	stop := cq.arg(s.browseCount() + 1)
	st, err := s.stmtOn(ctx, db, `SELECT count(*) FROM (SELECT FROM items i WHERE `+cwhere+` LIMIT `+stop+`) AS c`)
	if err != nil {
		return page, err
	}
	if err := st.GetContext(ctx, &page.Total, cq.args...); err != nil {
		return page, fmt.Errorf("browse count: %w", err)
	}
	if page.Total == 0 {
		return page, nil
	}
	if page.Total > s.browseCount() {
		est, err := s.stats.estimate(ctx, db, nil)
		if err != nil {
			return page, err
		}
		page.Total, page.Estimated = max(page.Total, est), true
	}
	q := &searchQuery{args: []any{sc.orgArg(), today}}
	where := base(q)
	limit, offset := q.arg(f.Page.PageSize), q.arg(f.Page.Offset())
	st, err = s.stmtOn(ctx, db, `WITH m AS (SELECT i.id FROM items i WHERE `+where+` ORDER BY i.name, i.id LIMIT `+limit+` OFFSET `+offset+`)
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
	raw, err := s.cached(ctx, "i", id, func(ctx context.Context, db *sqlx.DB) ([]byte, error) {
		st, err := s.stmtOn(ctx, db, itemSelect()+`, a.procurement_body_id, a.status AS agreement_status,
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
		// A buyer sees an item only once it is accepted: the record's flag covers both.
		rec.SupplierID, rec.Active = row.Item.SupplierID, row.Item.Active && row.Item.Approval == ApprovalAccepted
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
