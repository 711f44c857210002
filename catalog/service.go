package catalog

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/productimage"
)

// Service is the catalogue's entry point. It is safe for concurrent use.
type Service struct {
	db    *sqlx.DB
	cache *cache
	now   func() time.Time

	stmtMu sync.Mutex
	stmts  map[stmtKey]*sqlx.Stmt
	group  singleflight.Group
	loads  atomic.Int64 // catalogue reads that went to PostgreSQL (tests count them)
	window int          // candidates per index lookup of a search (searchWindow; tests make it small)
	stats  wordStats    // for the estimated total of large searches
	// expansions are the query words' expansions and the scopes' agreements already read
	// (search_words_cache.go).
	expansions expansions
	searchKeys searchKeys      // search filters' cache-key hashes (search_keys.go)
	wordReads  atomic.Int64    // words' statements run (tests count them)
	noPairs    bool            // searches without the item pairs (tests compare them; search_pairs.go)
	sample     int             // tests: every search's names from the sample of 1 in sample items (-1: never; 0: by the estimate)
	retries    atomic.Int64    // searches that found nothing and ran again with near words (tests count them)
	wholeOnly  bool            // tests: every search runs its whole statement, never the names' first (search_rank.go)
	namesFirst atomic.Int64    // searches answered by the names' statement alone (tests count them)
	reads      *postgres.Reads // search and item reads: the replica when it may serve them (SetReads)
	limit      searchLimit     // uncached searches running at once (search_limit.go)
	// fetcher fetches the pictures price lists name by URL (images.go).
	fetcher *productimage.Fetcher

	validToHook ValidToHook
}

// SetReads lets search and item reads go to the streaming replica of DATABASE_REPLICA_URL when
// it is up, not lagging, and has replayed both the caller's own last write and the last
// catalogue write the cache knows of (postgres.Reads, cache.go); without it they read from the
// primary. Call before serving.
func (s *Service) SetReads(r *postgres.Reads) {
	s.reads = r
	if r != nil {
		s.cache.lsn = func(ctx context.Context) (postgres.LSN, error) { return postgres.CurrentLSN(ctx, s.db) }
	}
}

// ValidToHook runs inside an agreement's change that moves its valid_to, after the agreement,
// its participants and suppliers are written and while its row is held exclusively: orders,
// which owns the ceilings, revalues the open-ended placements there (SPEC §7) and refuses the
// change with an Invalid error when they would pass a ceiling. Catalog cannot import orders,
// so orders registers it (SetValidToHook).
type ValidToHook func(ctx context.Context, tx *sqlx.Tx, agreementID, actorID, validTo string) error

// SetValidToHook registers the hook that runs when an agreement's valid_to changes.
func (s *Service) SetValidToHook(h ValidToHook) { s.validToHook = h }

// NewService returns the catalogue service. rdb may be nil or down: reads then come from
// PostgreSQL. prefix namespaces the service's Redis keys.
func NewService(db *sqlx.DB, rdb redis.UniversalClient, prefix string) *Service {
	s := &Service{db: db, cache: newCache(rdb, prefix), now: time.Now, stmts: map[stmtKey]*sqlx.Stmt{},
		window: searchWindow, fetcher: productimage.NewFetcher(0, nil)}
	s.SetSearchConcurrency(DefaultSearchConcurrency())
	return s
}

// SetClock replaces the service clock (tests move "today" across effective dates with it).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// today is the current date (UTC) as "YYYY-MM-DD".
func (s *Service) today() string { return s.now().UTC().Format(dateLayout) }

const dateLayout = "2006-01-02"

// stmt returns query prepared once per pool: lib/pq spends an extra round trip on every
// unprepared query with arguments. Search builds its text from the filters in use, so the set
// of texts is finite but large; past maxPrepared distinct texts the rare ones run unprepared.
func (s *Service) stmt(ctx context.Context, query string) (statement, error) {
	return s.stmtOn(ctx, s.db, query)
}

// stmtOn is stmt on the pool db: the primary's, or the read replica's (SetReads).
func (s *Service) stmtOn(ctx context.Context, db *sqlx.DB, query string) (statement, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	key := stmtKey{db, query}
	if st, ok := s.stmts[key]; ok {
		return statement{st: st}, nil
	}
	if len(s.stmts) >= maxPrepared {
		return statement{db: db, query: query}, nil
	}
	st, err := db.PreparexContext(ctx, query)
	if err != nil {
		return statement{}, fmt.Errorf("prepare: %w", err)
	}
	s.stmts[key] = st
	return statement{st: st}, nil
}

type stmtKey struct {
	db    *sqlx.DB
	query string
}

const maxPrepared = 1024

// statement is a prepared statement, or a query text to run unprepared.
type statement struct {
	st    *sqlx.Stmt
	db    *sqlx.DB
	query string
}

func (s statement) SelectContext(ctx context.Context, dest any, args ...any) error {
	if s.st != nil {
		return s.st.SelectContext(ctx, dest, args...)
	}
	return s.db.SelectContext(ctx, dest, s.query, args...)
}

func (s statement) GetContext(ctx context.Context, dest any, args ...any) error {
	if s.st != nil {
		return s.st.GetContext(ctx, dest, args...)
	}
	return s.db.GetContext(ctx, dest, s.query, args...)
}

func (s statement) QueryxContext(ctx context.Context, args ...any) (*sqlx.Rows, error) {
	if s.st != nil {
		return s.st.QueryxContext(ctx, args...)
	}
	return s.db.QueryxContext(ctx, s.query, args...)
}

// scope is what a caller may see, derived from their organisation and roles.
type scope struct {
	all      bool   // admin
	org      string // the caller's organisation
	manager  bool   // agreements of org as procurement body
	buyer    bool   // agreements org participates in
	supplier bool   // agreements org is awarded, and only its own items
}

func scopeOf(c auth.Caller) scope {
	sc := scope{all: c.Has(auth.RoleAdmin), org: c.OrgID}
	if !auth.ValidUUID(sc.org) {
		sc.org = ""
	}
	if sc.org != "" {
		sc.manager = c.Has(auth.RoleManager)
		sc.buyer = c.HasAny(auth.RoleOrderer, auth.RoleApprover)
		sc.supplier = c.Has(auth.RoleSupplier)
	}
	return sc
}

// key identifies the scope in cache keys.
func (sc scope) key() string {
	if sc.all {
		return "all"
	}
	var b strings.Builder
	b.WriteString(sc.org)
	b.WriteByte(':')
	for _, f := range []bool{sc.manager, sc.buyer, sc.supplier} {
		if f {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	return b.String()
}

// none reports whether the scope can see nothing at all.
func (sc scope) none() bool { return !sc.all && !sc.manager && !sc.buyer && !sc.supplier }

// agreementPredicate is the SQL predicate on agreements alias a for this scope; org is $1.
// Only the parts that apply are emitted, so the planner sees no dead ORs.
func (sc scope) agreementPredicate() string { return sc.agreementPredicateFor("$1") }

// agreementPredicateFor is agreementPredicate with org given as the SQL expression org (a
// placeholder or a quoted literal).
func (sc scope) agreementPredicateFor(org string) string {
	if sc.all {
		return "(" + org + "::uuid IS NULL OR true)"
	}
	var parts []string
	if sc.manager {
		parts = append(parts, "a.procurement_body_id = "+org)
	}
	if sc.buyer {
		parts = append(parts, "EXISTS (SELECT 1 FROM agreement_participants p WHERE p.agreement_id = a.id AND p.org_id = "+org+")")
	}
	if sc.supplier {
		parts = append(parts, "EXISTS (SELECT 1 FROM agreement_suppliers s WHERE s.agreement_id = a.id AND s.org_id = "+org+")")
	}
	if len(parts) == 0 {
		return "(" + org + "::uuid IS NULL AND false)"
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// orgArg is the $1 argument of scoped queries (NULL for a caller without an organisation).
func (sc scope) orgArg() any {
	if sc.org == "" {
		return nil
	}
	return sc.org
}

var (
	cpvRe       = regexp.MustCompile(`^[0-9]{8}(-[0-9])?$`)
	currencyRe  = regexp.MustCompile(`^[A-Z]{3}$`)
	ecoLabelRe  = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)
	referenceRe = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}_./ -]{0,63}$`)
)

// iso4217 lists the active ISO 4217 currency codes the platform accepts.
var iso4217 = map[string]bool{}

func init() {
	for _, c := range strings.Fields(`AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD
	BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
	GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP
	LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK
	PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND
	TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL`) {
		iso4217[c] = true
	}
}

// validDate reports whether s is a calendar date "YYYY-MM-DD".
func validDate(s string) bool {
	_, err := time.Parse(dateLayout, s)
	return err == nil
}

// validGTIN reports whether s is a GTIN-8, -12, -13 or -14 with a correct check digit.
func validGTIN(s string) bool {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return false
	}
	sum := 0
	for i := 0; i < len(s); i++ {
		d := int(s[i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if i == len(s)-1 {
			break
		}
		// weights 3,1,3,1… counted from the digit left of the check digit
		if (len(s)-1-i)%2 == 1 {
			sum += 3 * d
		} else {
			sum += d
		}
	}
	return (10-sum%10)%10 == int(s[len(s)-1]-'0')
}

// checkOrgKinds verifies that participants are buyer organisations (or procurement bodies that
// also buy) and suppliers are supplier organisations. Errors: Invalid.
func checkOrgKinds(ctx context.Context, db sqlx.QueryerContext, participants []ParticipantInput, suppliers []SupplierInput) error {
	ids := make([]string, 0, len(participants)+len(suppliers))
	for _, p := range participants {
		ids = append(ids, p.OrgID)
	}
	for _, s := range suppliers {
		ids = append(ids, s.OrgID)
	}
	kinds, err := orgKinds(ctx, db, ids)
	if err != nil {
		return err
	}
	var v derr.Validator
	for i, p := range participants {
		k, ok := kinds[p.OrgID]
		f := fmt.Sprintf("participants[%d].org_id", i)
		v.Check(ok, f, "no_such_organisation", "no such organisation")
		v.Check(!ok || k == auth.KindBuyer || k == auth.KindProcurementBody, f, "org_kind", "must be a buyer organisation")
	}
	for i, s := range suppliers {
		k, ok := kinds[s.OrgID]
		f := fmt.Sprintf("suppliers[%d].org_id", i)
		v.Check(ok, f, "no_such_organisation", "no such organisation")
		v.Check(!ok || k == auth.KindSupplier, f, "org_kind", "must be a supplier organisation")
	}
	return v.Err()
}
