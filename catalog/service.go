package catalog

import (
	"context"
	"fmt"
	"regexp"
	"sort"
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
)

// Service is the catalogue's entry point. It is safe for concurrent use.
type Service struct {
	db    *sqlx.DB
	cache *cache
	now   func() time.Time

	stmtMu sync.Mutex
	stmts  map[string]*sqlx.Stmt
	group  singleflight.Group
	loads  atomic.Int64 // catalogue reads that went to PostgreSQL (tests count them)
}

// NewService returns the catalogue service. rdb may be nil or down: reads then come from
// PostgreSQL. prefix namespaces the service's Redis keys.
func NewService(db *sqlx.DB, rdb *redis.Client, prefix string) *Service {
	return &Service{db: db, cache: newCache(rdb, prefix), now: time.Now, stmts: map[string]*sqlx.Stmt{}}
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
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if st, ok := s.stmts[query]; ok {
		return statement{st: st}, nil
	}
	if len(s.stmts) >= maxPrepared {
		return statement{db: s.db, query: query}, nil
	}
	st, err := s.db.PreparexContext(ctx, query)
	if err != nil {
		return statement{}, fmt.Errorf("prepare: %w", err)
	}
	s.stmts[query] = st
	return statement{st: st}, nil
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

// agreementVisible is the SQL predicate on agreements alias a for this scope; org is $1.
// Only the parts that apply are emitted, so the planner sees no dead ORs.
func (sc scope) agreementPredicate() string {
	if sc.all {
		return "($1::uuid IS NULL OR true)"
	}
	var parts []string
	if sc.manager {
		parts = append(parts, "a.procurement_body_id = $1")
	}
	if sc.buyer {
		parts = append(parts, "EXISTS (SELECT 1 FROM agreement_participants p WHERE p.agreement_id = a.id AND p.org_id = $1)")
	}
	if sc.supplier {
		parts = append(parts, "EXISTS (SELECT 1 FROM agreement_suppliers s WHERE s.agreement_id = a.id AND s.org_id = $1)")
	}
	if len(parts) == 0 {
		return "($1::uuid IS NULL AND false)"
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
	unitRe      = regexp.MustCompile(`^[A-Z0-9]{2,3}$`)
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

// ---------------------------------------------------------------------------------------
// Agreements

func (in *AgreementInput) validate() error {
	var v derr.Validator
	v.Check(referenceRe.MatchString(in.Reference), "reference", "is required: letters, digits, - _ . / (at most 64)")
	v.Check(strings.TrimSpace(in.Title) != "" && len(in.Title) <= 200, "title", "is required (at most 200 characters)")
	v.Check(len(in.Description) <= 10000, "description", "is at most 10000 characters")
	v.Check(cpvRe.MatchString(in.CPVCode), "cpv_code", "must be a CPV code such as 33190000 or 33190000-8")
	v.Check(iso4217[in.Currency], "currency", "must be an ISO 4217 code such as SEK")
	v.Check(validDate(in.ValidFrom), "valid_from", "must be a date YYYY-MM-DD")
	v.Check(validDate(in.ValidTo), "valid_to", "must be a date YYYY-MM-DD")
	if validDate(in.ValidFrom) && validDate(in.ValidTo) {
		v.Check(in.ValidTo > in.ValidFrom, "valid_to", "must be after valid_from")
	}
	v.Check(in.CeilingMinor == nil || *in.CeilingMinor > 0, "ceiling_minor", "must be positive or null")
	v.Check(in.CallOffMethod == MethodRanking || in.CallOffMethod == MethodDirect, "call_off_method", "must be ranking or direct")
	v.Check(in.MinOrderMinor >= 0, "min_order_minor", "must not be negative")
	v.Check(in.MaxPriceIncreaseBP >= 0 && in.MaxPriceIncreaseBP <= 10000, "max_price_increase_bp", "must be between 0 and 10000")
	v.Check(in.PriceAdjustmentIntervalMonths == nil || (*in.PriceAdjustmentIntervalMonths >= 0 && *in.PriceAdjustmentIntervalMonths <= 120),
		"price_adjustment_interval_months", "must be between 0 and 120")
	v.Check(in.LeadTimeDays >= 0 && in.LeadTimeDays <= 365, "lead_time_days", "must be between 0 and 365")
	v.Check(in.ProcurementBodyID == "" || auth.ValidUUID(in.ProcurementBodyID), "procurement_body_id", "must be a UUID")

	v.Check(len(in.Participants) <= 1000, "participants", "at most 1000")
	seen := map[string]bool{}
	for i, p := range in.Participants {
		f := fmt.Sprintf("participants[%d]", i)
		v.Check(auth.ValidUUID(p.OrgID), f+".org_id", "must be a UUID")
		v.Check(!seen[p.OrgID], f+".org_id", "is listed twice")
		seen[p.OrgID] = true
		v.Check(p.CeilingMinor == nil || *p.CeilingMinor > 0, f+".ceiling_minor", "must be positive or null")
	}
	v.Check(len(in.Suppliers) >= 1, "suppliers", "at least one awarded supplier is required")
	v.Check(len(in.Suppliers) <= 100, "suppliers", "at most 100")
	allZero := true
	for _, s := range in.Suppliers {
		allZero = allZero && s.Rank == 0
	}
	if allZero {
		for i := range in.Suppliers {
			in.Suppliers[i].Rank = i + 1
		}
	}
	seen = map[string]bool{}
	ranks := map[int]bool{}
	for i, s := range in.Suppliers {
		f := fmt.Sprintf("suppliers[%d]", i)
		v.Check(auth.ValidUUID(s.OrgID), f+".org_id", "must be a UUID")
		v.Check(!seen[s.OrgID], f+".org_id", "is listed twice")
		seen[s.OrgID] = true
		v.Check(s.Rank >= 1 && s.Rank <= len(in.Suppliers), f+".rank", fmt.Sprintf("must be between 1 and %d", len(in.Suppliers)))
		v.Check(!ranks[s.Rank], f+".rank", "is taken by another supplier")
		ranks[s.Rank] = true
	}
	return v.Err()
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
		v.Check(ok, f, "no such organisation")
		v.Check(!ok || k == auth.KindBuyer || k == auth.KindProcurementBody, f, "must be a buyer organisation")
	}
	for i, s := range suppliers {
		k, ok := kinds[s.OrgID]
		f := fmt.Sprintf("suppliers[%d].org_id", i)
		v.Check(ok, f, "no such organisation")
		v.Check(!ok || k == auth.KindSupplier, f, "must be a supplier organisation")
	}
	return v.Err()
}

// CreateAgreement creates an agreement with its participants and awarded suppliers. Managers
// create agreements of their own procurement body; admins name the body.
// Errors: Forbidden (other roles), Invalid (validation, wrong organisation kinds), Conflict
// (reference taken).
func (s *Service) CreateAgreement(ctx context.Context, c auth.Caller, in AgreementInput) (Agreement, error) {
	switch {
	case c.Has(auth.RoleAdmin):
		if in.ProcurementBodyID == "" {
			return Agreement{}, derr.Fields([]derr.FieldError{{Field: "procurement_body_id", Message: "is required for admins"}})
		}
	case c.Has(auth.RoleManager) && c.OrgKind == auth.KindProcurementBody:
		if in.ProcurementBodyID == "" {
			in.ProcurementBodyID = c.OrgID
		}
		if in.ProcurementBodyID != c.OrgID {
			return Agreement{}, derr.Fields([]derr.FieldError{{Field: "procurement_body_id", Message: "must be your own procurement body"}})
		}
	default:
		return Agreement{}, derr.Forbiddenf("Only managers of a procurement body and admins create agreements.")
	}
	if err := in.validate(); err != nil {
		return Agreement{}, err
	}
	var id string
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		kinds, err := orgKinds(ctx, tx, []string{in.ProcurementBodyID})
		if err != nil {
			return err
		}
		if kinds[in.ProcurementBodyID] != auth.KindProcurementBody {
			return derr.Fields([]derr.FieldError{{Field: "procurement_body_id", Message: "must be a procurement body"}})
		}
		if err := checkOrgKinds(ctx, tx, in.Participants, in.Suppliers); err != nil {
			return err
		}
		id, err = insertAgreement(ctx, tx, in)
		if err != nil {
			return postgres.Error(err, "agreement with this reference")
		}
		for _, p := range in.Participants {
			if err := upsertParticipant(ctx, tx, id, p); err != nil {
				return err
			}
		}
		for _, sp := range in.Suppliers {
			if err := insertAwardedSupplier(ctx, tx, id, sp); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Agreement{}, err
	}
	s.cache.bump(ctx)
	return s.getAgreement(ctx, s.db, id)
}

// UpdateAgreement changes an agreement of the caller's procurement body (admins: any).
// Terminating is final. Errors: Forbidden (other roles), NotFound (absent or out of scope),
// Invalid, Conflict (terminated agreements cannot change).
func (s *Service) UpdateAgreement(ctx context.Context, c auth.Caller, id string, p AgreementPatch) (Agreement, error) {
	if !c.HasAny(auth.RoleAdmin, auth.RoleManager) {
		return Agreement{}, derr.Forbiddenf("Only managers and admins change agreements.")
	}
	if !auth.ValidUUID(id) {
		return Agreement{}, derr.NotFoundf("agreement not found")
	}
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		a, err := agreementForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if !c.Has(auth.RoleAdmin) && a.ProcurementBodyID != c.OrgID {
			return derr.NotFoundf("agreement not found")
		}
		if a.Status == StatusTerminated {
			return derr.Conflictf("agreement_terminated", "A terminated agreement cannot change.")
		}
		var v derr.Validator
		if p.Title != nil {
			v.Check(strings.TrimSpace(*p.Title) != "" && len(*p.Title) <= 200, "title", "is required (at most 200 characters)")
			a.Title = *p.Title
		}
		if p.Description != nil {
			v.Check(len(*p.Description) <= 10000, "description", "is at most 10000 characters")
			a.Description = *p.Description
		}
		if p.ValidTo != nil {
			v.Check(validDate(*p.ValidTo), "valid_to", "must be a date YYYY-MM-DD")
			v.Check(*p.ValidTo > a.ValidFrom, "valid_to", "must be after valid_from")
			a.ValidTo = *p.ValidTo
		}
		if p.CeilingMinor.Set {
			v.Check(p.CeilingMinor.Value == nil || *p.CeilingMinor.Value > 0, "ceiling_minor", "must be positive or null")
			a.CeilingMinor = p.CeilingMinor.Value
		}
		if p.MinOrderMinor != nil {
			v.Check(*p.MinOrderMinor >= 0, "min_order_minor", "must not be negative")
			a.MinOrderMinor = *p.MinOrderMinor
		}
		if p.MaxPriceIncreaseBP != nil {
			v.Check(*p.MaxPriceIncreaseBP >= 0 && *p.MaxPriceIncreaseBP <= 10000, "max_price_increase_bp", "must be between 0 and 10000")
			a.MaxPriceIncreaseBP = *p.MaxPriceIncreaseBP
		}
		if p.PriceAdjustmentIntervalMonths != nil {
			v.Check(*p.PriceAdjustmentIntervalMonths >= 0 && *p.PriceAdjustmentIntervalMonths <= 120, "price_adjustment_interval_months", "must be between 0 and 120")
			a.PriceAdjustmentIntervalMonths = *p.PriceAdjustmentIntervalMonths
		}
		if p.LeadTimeDays != nil {
			v.Check(*p.LeadTimeDays >= 0 && *p.LeadTimeDays <= 365, "lead_time_days", "must be between 0 and 365")
			a.LeadTimeDays = *p.LeadTimeDays
		}
		terminate := false
		if p.Status != nil {
			v.Check(*p.Status == StatusTerminated || *p.Status == StatusActive, "status", "must be terminated (or active, unchanged)")
			terminate = *p.Status == StatusTerminated
		}
		seen := map[string]bool{}
		for i, pp := range p.Participants {
			f := fmt.Sprintf("participants[%d]", i)
			v.Check(auth.ValidUUID(pp.OrgID), f+".org_id", "must be a UUID")
			v.Check(!seen[pp.OrgID], f+".org_id", "is listed twice")
			seen[pp.OrgID] = true
			v.Check(pp.CeilingMinor == nil || *pp.CeilingMinor > 0, f+".ceiling_minor", "must be positive or null")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := checkOrgKinds(ctx, tx, p.Participants, nil); err != nil {
			return err
		}
		if err := updateAgreement(ctx, tx, a, terminate); err != nil {
			return postgres.Error(err, "agreement")
		}
		for _, pp := range p.Participants {
			if err := upsertParticipant(ctx, tx, id, pp); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Agreement{}, err
	}
	s.cache.bump(ctx)
	return s.getAgreement(ctx, s.db, id)
}

// GetAgreement returns an agreement in the caller's scope with its participants and awarded
// suppliers. Errors: NotFound (absent or out of scope).
func (s *Service) GetAgreement(ctx context.Context, c auth.Caller, id string) (Agreement, error) {
	sc := scopeOf(c)
	if !auth.ValidUUID(id) || sc.none() {
		return Agreement{}, derr.NotFoundf("agreement not found")
	}
	ok, err := agreementInScope(ctx, s.db, sc, id)
	if err != nil {
		return Agreement{}, err
	}
	if !ok {
		return Agreement{}, derr.NotFoundf("agreement not found")
	}
	return s.getAgreement(ctx, s.db, id)
}

func (s *Service) getAgreement(ctx context.Context, db sqlx.QueryerContext, id string) (Agreement, error) {
	list, err := agreementsByID(ctx, db, []string{id})
	if err != nil {
		return Agreement{}, err
	}
	if len(list) == 0 {
		return Agreement{}, derr.NotFoundf("agreement not found")
	}
	return list[0], nil
}

// ListAgreements lists the agreements in the caller's scope, newest validity first, each with
// its participants and suppliers.
func (s *Service) ListAgreements(ctx context.Context, c auth.Caller, f AgreementFilter) ([]Agreement, int, error) {
	sc := scopeOf(c)
	f.Page = f.Page.Normalize()
	if f.Status != "" && f.Status != StatusActive && f.Status != StatusTerminated {
		return nil, 0, derr.Fields([]derr.FieldError{{Field: "status", Message: "must be active or terminated"}})
	}
	if sc.none() {
		return []Agreement{}, 0, nil
	}
	ids, total, err := listAgreementIDs(ctx, s.db, sc, f)
	if err != nil {
		return nil, 0, err
	}
	list, err := agreementsByID(ctx, s.db, ids)
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// ---------------------------------------------------------------------------------------
// Items

func validateItemFields(v *derr.Validator, prefix string, in *ItemInput) {
	in.SKU = strings.TrimSpace(in.SKU)
	in.GTIN = strings.TrimSpace(in.GTIN)
	in.Name = strings.TrimSpace(in.Name)
	in.Unit = strings.TrimSpace(in.Unit)
	in.CPVCode = strings.TrimSpace(in.CPVCode)
	if in.PackSize == 0 {
		in.PackSize = 1
	}
	v.Check(in.SKU != "" && len(in.SKU) <= 64 && !strings.ContainsAny(in.SKU, "\r\n\t"), prefix+"sku", "is required (at most 64 characters, no line breaks)")
	v.Check(in.GTIN == "" || validGTIN(in.GTIN), prefix+"gtin", "must be a GTIN-8, -12, -13 or -14 with a valid check digit")
	v.Check(in.Name != "" && len(in.Name) <= 300, prefix+"name", "is required (at most 300 characters)")
	v.Check(len(in.Description) <= 10000, prefix+"description", "is at most 10000 characters")
	v.Check(unitRe.MatchString(in.Unit), prefix+"unit", "must be a UN/ECE Rec 20 unit code such as EA, BX or PK")
	v.Check(in.PackSize >= 1 && in.PackSize <= 1000000, prefix+"pack_size", "must be between 1 and 1000000")
	v.Check(cpvRe.MatchString(in.CPVCode), prefix+"cpv_code", "must be a CPV code such as 33190000 or 33190000-8")
	v.Check(len(in.EcoLabels) <= 20, prefix+"eco_labels", "at most 20")
	for _, l := range in.EcoLabels {
		if !ecoLabelRe.MatchString(l) {
			v.Check(false, prefix+"eco_labels", "each label is lower-case letters, digits and _ (e.g. svanen, eu_ecolabel)")
			break
		}
	}
	v.Check(in.VATRateBP != nil && *in.VATRateBP >= 0 && *in.VATRateBP <= 10000, prefix+"vat_rate_bp", "is required, between 0 and 10000")
	v.Check(in.PriceMinor != nil && *in.PriceMinor >= 0 && *in.PriceMinor <= maxPriceMinor, prefix+"price_minor", "is required, 0 or more")
	v.Check(in.EffectiveFrom == "" || validDate(in.EffectiveFrom), prefix+"effective_from", "must be a date YYYY-MM-DD or empty for today")
}

// normaliseLabels sorts and deduplicates eco-labels.
func normaliseLabels(l []string) []string {
	out := make([]string, 0, len(l))
	for _, x := range l {
		x = strings.TrimSpace(x)
		if x != "" {
			out = append(out, x)
		}
	}
	sort.Strings(out)
	out = compactStrings(out)
	return out
}

func compactStrings(s []string) []string {
	if len(s) < 2 {
		return s
	}
	j := 1
	for i := 1; i < len(s); i++ {
		if s[i] != s[j-1] {
			s[j] = s[i]
			j++
		}
	}
	return s[:j]
}

// supplierAgreement checks that the caller is a supplier awarded agreement id and returns its
// terms. Errors: Forbidden (not a supplier), NotFound (not awarded or absent).
func (s *Service) supplierAgreement(ctx context.Context, db sqlx.QueryerContext, c auth.Caller, id string, lock bool) (Agreement, error) {
	if !c.Has(auth.RoleSupplier) {
		return Agreement{}, derr.Forbiddenf("Only suppliers maintain catalogue items.")
	}
	if !auth.ValidUUID(id) || !auth.ValidUUID(c.OrgID) {
		return Agreement{}, derr.NotFoundf("agreement not found")
	}
	a, err := agreementTermsForSupplier(ctx, db, id, c.OrgID, lock)
	if err != nil {
		return Agreement{}, err
	}
	return a, nil
}

// AddItem adds an item with its first price to an agreement the calling supplier is awarded.
// Errors: Forbidden (not a supplier), NotFound (agreement out of scope), Invalid (validation,
// agreement_not_active, price_effective_in_past), Conflict (sku taken).
func (s *Service) AddItem(ctx context.Context, c auth.Caller, agreementID string, in ItemInput) (Item, error) {
	var v derr.Validator
	validateItemFields(&v, "", &in)
	if err := v.Err(); err != nil {
		if _, err2 := s.supplierAgreement(ctx, s.db, c, agreementID, false); err2 != nil {
			return Item{}, err2
		}
		return Item{}, err
	}
	in.EcoLabels = normaliseLabels(in.EcoLabels)
	today := s.today()
	if in.EffectiveFrom == "" {
		in.EffectiveFrom = today
	}
	if in.EffectiveFrom < today {
		return Item{}, derr.Invalidf("price_effective_in_past", "effective_from may not be in the past.")
	}
	var id string
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		a, err := s.supplierAgreement(ctx, tx, c, agreementID, true)
		if err != nil {
			return err
		}
		if a.Status != StatusActive {
			return derr.Invalidf("agreement_not_active", "The agreement is terminated.")
		}
		id, err = insertItem(ctx, tx, agreementID, c.OrgID, in)
		if err != nil {
			return postgres.Error(err, "item with this sku")
		}
		pcID, err := insertPriceChange(ctx, tx, priceChangeRow{ItemID: id, RequestedBy: c.UserID, New: *in.PriceMinor,
			EffectiveFrom: in.EffectiveFrom, Reason: "first price", Status: PriceApplied})
		if err != nil {
			return err
		}
		return insertPrice(ctx, tx, id, *in.PriceMinor, in.EffectiveFrom, pcID)
	})
	if err != nil {
		return Item{}, err
	}
	s.cache.bump(ctx)
	return itemByID(ctx, s.db, id, today)
}

// UpdateItem changes an item of the calling supplier. Errors: Forbidden (not a supplier),
// NotFound (absent or another supplier's), Invalid.
func (s *Service) UpdateItem(ctx context.Context, c auth.Caller, id string, p ItemPatch) (Item, error) {
	if !c.Has(auth.RoleSupplier) {
		return Item{}, derr.Forbiddenf("Only suppliers maintain catalogue items.")
	}
	if !auth.ValidUUID(id) {
		return Item{}, derr.NotFoundf("item not found")
	}
	today := s.today()
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		it, err := itemForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if it.SupplierID != c.OrgID {
			return derr.NotFoundf("item not found")
		}
		in := ItemInput{SKU: it.SKU, Name: it.Name, Description: it.Description, Unit: it.Unit, PackSize: it.PackSize,
			CPVCode: it.CPVCode, EcoLabels: it.EcoLabels, VATRateBP: &it.VATRateBP, PriceMinor: new(int64)}
		if it.GTIN != nil {
			in.GTIN = *it.GTIN
		}
		if p.GTIN != nil {
			in.GTIN = *p.GTIN
		}
		if p.Name != nil {
			in.Name = *p.Name
		}
		if p.Description != nil {
			in.Description = *p.Description
		}
		if p.Unit != nil {
			in.Unit = *p.Unit
		}
		if p.PackSize != nil {
			in.PackSize = *p.PackSize
			if in.PackSize == 0 {
				in.PackSize = -1 // refuse 0 explicitly given
			}
		}
		if p.CPVCode != nil {
			in.CPVCode = *p.CPVCode
		}
		if p.EcoLabels != nil {
			in.EcoLabels = *p.EcoLabels
		}
		if p.VATRateBP != nil {
			in.VATRateBP = p.VATRateBP
		}
		var v derr.Validator
		validateItemFields(&v, "", &in)
		if err := v.Err(); err != nil {
			return err
		}
		in.EcoLabels = normaliseLabels(in.EcoLabels)
		active := it.Active
		if p.Active != nil {
			active = *p.Active
		}
		return updateItemFields(ctx, tx, id, in, active)
	})
	if err != nil {
		return Item{}, err
	}
	s.cache.bump(ctx)
	return itemByID(ctx, s.db, id, today)
}

// ListAgreementItems lists the items of an agreement in the caller's scope, by name: suppliers
// see their own items (active or not), managers and admins all, buyers the active ones. A
// non-empty q keeps the items whose name holds it or whose sku starts with it.
// Errors: NotFound (agreement absent or out of scope).
func (s *Service) ListAgreementItems(ctx context.Context, c auth.Caller, agreementID, q string, page auth.Page) ([]Item, int, error) {
	sc := scopeOf(c)
	page = page.Normalize()
	if !auth.ValidUUID(agreementID) || sc.none() {
		return nil, 0, derr.NotFoundf("agreement not found")
	}
	q, err := auth.ListSearch(q)
	if err != nil {
		return nil, 0, err
	}
	ok, err := agreementInScope(ctx, s.db, sc, agreementID)
	if err != nil {
		return nil, 0, err
	}
	if !ok {
		return nil, 0, derr.NotFoundf("agreement not found")
	}
	supplier := ""
	if sc.supplier && !sc.all {
		supplier = sc.org
	}
	onlyActive := !sc.all && !sc.manager && !sc.supplier
	return listItems(ctx, s.db, agreementID, supplier, onlyActive, q, s.today(), page)
}
