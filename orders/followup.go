package orders

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
)

// Follow-up (SPEC §2 "Follow-up"): spend grouped by a dimension and supplier scorecards. Both
// are read-only aggregates over orders in the caller's scope; every share and rate is computed
// with integer arithmetic (basis points, rounded half up), so that money is never a float.

// SpendGroup is the dimension spend is grouped by.
type SpendGroup string

// The dimensions of spend.
const (
	GroupOrganization SpendGroup = "organization" // the buyer organisation
	GroupSupplier     SpendGroup = "supplier"
	GroupAgreement    SpendGroup = "agreement"
	GroupCPV          SpendGroup = "cpv"         // the CPV code of each line's item (joined from items)
	GroupCostCenter   SpendGroup = "cost_center" // the order's cost centre, as typed by the orderer
	GroupOrderer      SpendGroup = "orderer"     // the user who placed the order
	GroupMonth        SpendGroup = "month"       // YYYY-MM of the order's approval, UTC
)

// SpendGroups lists the dimensions in the order the UI offers them.
var SpendGroups = []SpendGroup{GroupOrganization, GroupSupplier, GroupAgreement, GroupCPV, GroupCostCenter, GroupOrderer, GroupMonth}

// ValidSpendGroup reports whether g is a known dimension.
func ValidSpendGroup(g SpendGroup) bool {
	for _, k := range SpendGroups {
		if g == k {
			return true
		}
	}
	return false
}

// spendStatuses are the statuses whose orders count as spend: approved or later and not
// undone. Pending orders are committed against the ceilings (SPEC §2) but are not yet spend:
// the buyer's own approver may still reject them, so spend leaves them out.
var spendStatuses = []string{string(StatusApproved), string(StatusAccepted), string(StatusShipped), string(StatusDelivered)}

// SpendFilter narrows spend. From and To are inclusive dates (YYYY-MM-DD) of the order's
// approval (its UTC day: the day the value became spend). An AgreementID outside the caller's
// scope simply yields no rows, exactly like an id naming no agreement. All ignores Page and
// returns every group (for CSV export).
type SpendFilter struct {
	GroupBy     SpendGroup
	AgreementID string
	From, To    string
	Page        auth.Page
	All         bool
}

// Validate checks the filter; errors are Invalid (validation_failed) with one field each.
func (f SpendFilter) Validate() error {
	var v derr.Validator
	v.Check(ValidSpendGroup(f.GroupBy), "group_by", "choice", "must be one of organization, supplier, agreement, cpv, cost_center, orderer, month")
	v.Check(f.AgreementID == "" || auth.ValidUUID(f.AgreementID), "agreement_id", "invalid_id", "must be a UUID")
	from, okFrom := parseDay(f.From)
	to, okTo := parseDay(f.To)
	v.Check(okFrom, "from", "date", "must be a date (YYYY-MM-DD)")
	v.Check(okTo, "to", "date", "must be a date (YYYY-MM-DD)")
	if okFrom && okTo && f.From != "" && f.To != "" {
		v.Check(!to.Before(from), "to", "date_order", "may not be before from")
	}
	return v.Err()
}

// parseDay parses an optional date; "" is fine. Years outside 1..9999 are refused so that
// PostgreSQL always takes the value.
func parseDay(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Year() < 1 {
		return time.Time{}, false
	}
	return t, true
}

// SpendRow is one group of spend. Amounts are minor units excluding VAT; EcoMinor is the value
// of the lines whose item carries at least one eco-label, and EcoShareBP its share of
// TotalMinor in basis points (10000 = 100 %). OrderCount counts distinct orders: with group_by
// cpv one order whose lines have several CPV codes counts in each of their groups.
type SpendRow struct {
	Key        string `db:"key" json:"key"`
	Label      string `db:"label" json:"label"`
	Currency   string `db:"currency" json:"currency"`
	OrderCount int    `db:"order_count" json:"order_count"`
	TotalMinor int64  `db:"total_minor" json:"total_minor"`
	EcoMinor   int64  `db:"eco_minor" json:"eco_minor"`
	EcoShareBP int    `db:"-" json:"eco_share_bp"`
}

// SpendTotal is the filter's overall figure per currency: orders counted once each.
type SpendTotal struct {
	Currency   string `db:"currency" json:"currency"`
	OrderCount int    `db:"order_count" json:"order_count"`
	TotalMinor int64  `db:"total_minor" json:"total_minor"`
	EcoMinor   int64  `db:"eco_minor" json:"eco_minor"`
	EcoShareBP int    `db:"-" json:"eco_share_bp"`
}

// Spend is a page of spend groups, the number of groups and the overall totals.
type Spend struct {
	GroupBy SpendGroup   `json:"group_by"`
	Rows    []SpendRow   `json:"items"`
	Groups  int          `json:"total"`
	Totals  []SpendTotal `json:"totals"`
}

// spendGroupRow is a row of a spend query: a group and the number of groups.
type spendGroupRow struct {
	SpendRow
	Groups int `db:"group_count"`
}

// newSpend makes the answer from the rows of a page of groups, with their eco shares.
func newSpend(g SpendGroup, rows []spendGroupRow) Spend {
	out := Spend{GroupBy: g, Rows: make([]SpendRow, len(rows)), Totals: []SpendTotal{}}
	for i, r := range rows {
		r.SpendRow.EcoShareBP = ShareBP(r.EcoMinor, r.TotalMinor)
		out.Rows[i] = r.SpendRow
		out.Groups = r.Groups
	}
	return out
}

// spendPage runs q (the groups, sorted) for f's page, and countQ for the number of groups
// when the page is past the last (so the window count is missing).
func (s *Service) spendPage(ctx context.Context, f SpendFilter, q, countQ string, args []any) (Spend, error) {
	qargs := args
	p := f.Page.Normalize()
	if !f.All {
		qargs = append(append([]any{}, args...), p.PageSize, p.Offset())
		q += fmt.Sprintf(` LIMIT $%d OFFSET $%d`, len(qargs)-1, len(qargs))
	}
	var rows []spendGroupRow
	if err := s.read(ctx, func(db sqlx.QueryerContext) error { return sqlx.SelectContext(ctx, db, &rows, q, qargs...) }); err != nil {
		return Spend{}, fmt.Errorf("spend: %w", err)
	}
	out := newSpend(f.GroupBy, rows)
	if len(rows) == 0 && !f.All && p.Offset() > 0 {
		if err := s.read(ctx, func(db sqlx.QueryerContext) error { return sqlx.GetContext(ctx, db, &out.Groups, countQ, args...) }); err != nil {
			return Spend{}, fmt.Errorf("count spend groups: %w", err)
		}
	}
	return out, nil
}

// shareTotals fills in the totals' eco shares.
func (sp *Spend) shareTotals() {
	for i := range sp.Totals {
		sp.Totals[i].EcoShareBP = ShareBP(sp.Totals[i].EcoMinor, sp.Totals[i].TotalMinor)
	}
}

// ShareBP is part/whole in basis points, rounded half up, 0 when whole is 0. It uses big
// integers, so sums of many large orders never overflow.
func ShareBP(part, whole int64) int {
	if whole <= 0 || part <= 0 {
		return 0
	}
	n := new(big.Int).Mul(big.NewInt(part), big.NewInt(10000))
	n.Add(n, big.NewInt(whole/2))
	n.Quo(n, big.NewInt(whole))
	return int(n.Int64())
}

// spendKeys are the SQL expressions of each dimension's key and label. Lines' CPV codes are
// not stored on order lines; they come from the items the lines were ordered from (an item's
// CPV code may have been corrected since, which then shows here).
var spendKeys = map[SpendGroup][2]string{
	GroupOrganization: {"o.buyer_org_id::text", "bo.name"},
	GroupSupplier:     {"o.supplier_id::text", "so.name"},
	GroupAgreement:    {"o.agreement_id::text", "a.reference || ' ' || a.title"},
	GroupCPV:          {"i.cpv_code", "i.cpv_code"},
	GroupCostCenter:   {"o.cost_center", "o.cost_center"},
	GroupOrderer:      {"o.ordered_by::text", "u.name"},
	GroupMonth:        {"to_char(o.approved_at AT TIME ZONE 'UTC', 'YYYY-MM')", "to_char(o.approved_at AT TIME ZONE 'UTC', 'YYYY-MM')"},
}

const spendFrom = `orders o
	JOIN order_lines l ON l.order_id = o.id
	JOIN items i ON i.id = l.item_id
	JOIN agreements a ON a.id = o.agreement_id
	JOIN organizations bo ON bo.id = o.buyer_org_id
	JOIN organizations so ON so.id = o.supplier_id
	JOIN users u ON u.id = o.ordered_by`

// Spend reports the value of orders approved or later (approved, accepted, shipped,
// delivered; not pending, rejected, declined or cancelled), excluding VAT, grouped by one
// dimension, with the eco-labelled share. Groups are per currency too (an agreement has one
// currency; a caller may see several). Rows are sorted by value, largest first, except by
// month, which is chronological.
//
// Scope is the orders the caller may see (like ListOrders): managers the orders on their
// procurement body's agreements; orderers and approvers their own organisation's orders;
// suppliers the orders addressed to them. Admins are Forbidden: the platform's operator has no
// business in a buyer's purchase data, just as with agreement usage. Errors: Forbidden,
// Invalid (bad filter).
func (s *Service) Spend(ctx context.Context, c auth.Caller, f SpendFilter) (Spend, error) {
	if !c.HasAny(auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier, auth.RoleManager) {
		return Spend{}, derr.Forbiddenf("Your role may not see spend.")
	}
	if err := f.Validate(); err != nil {
		return Spend{}, err
	}
	return s.spendFromRollups(ctx, c, f)
}

// spendFromOrders is Spend computed from the base tables (orders joined to their lines) on
// each call: the definition the rollups must equal, kept for the tests that prove they do.
func (s *Service) spendFromOrders(ctx context.Context, c auth.Caller, f SpendFilter) (Spend, error) {
	cond, args := scope(c, 1)
	where := []string{cond, "o.approved_at IS NOT NULL"}
	add := func(format string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(format, len(args)))
	}
	add("o.status = ANY($%d::text[])", "{"+strings.Join(spendStatuses, ",")+"}")
	if f.AgreementID != "" {
		add("o.agreement_id = $%d", f.AgreementID)
	}
	if f.From != "" {
		add("(o.approved_at AT TIME ZONE 'UTC')::date >= $%d::date", f.From)
	}
	if f.To != "" {
		add("(o.approved_at AT TIME ZONE 'UTC')::date <= $%d::date", f.To)
	}
	w := strings.Join(where, " AND ")
	const sums = `count(DISTINCT o.id) AS order_count, COALESCE(sum(l.line_total_minor), 0)::bigint AS total_minor,
		COALESCE(sum(l.line_total_minor) FILTER (WHERE cardinality(l.eco_labels) > 0), 0)::bigint AS eco_minor`
	k := spendKeys[f.GroupBy]
	order := "total_minor DESC, key, currency"
	if f.GroupBy == GroupMonth {
		order = "key, currency"
	}
	q := `SELECT ` + k[0] + ` AS key, min(` + k[1] + `) AS label, trim(o.currency) AS currency, ` + sums +
		`, count(*) OVER () AS group_count FROM ` + spendFrom + ` WHERE ` + w +
		` GROUP BY 1, 3 ORDER BY ` + order
	cq := `SELECT count(*) FROM (SELECT 1 FROM ` + spendFrom + ` WHERE ` + w + ` GROUP BY ` + k[0] + `, o.currency) g`
	out, err := s.spendPage(ctx, f, q, cq, args)
	if err != nil {
		return Spend{}, err
	}
	tq := `SELECT trim(o.currency) AS currency, ` + sums + ` FROM ` + spendFrom + ` WHERE ` + w + ` GROUP BY 1 ORDER BY 1`
	if err := s.read(ctx, func(db sqlx.QueryerContext) error { return sqlx.SelectContext(ctx, db, &out.Totals, tq, args...) }); err != nil {
		return Spend{}, fmt.Errorf("spend totals: %w", err)
	}
	out.shareTotals()
	return out, nil
}

// DeviationKinds are the kinds of deviation in the order the scorecard lists them.
var DeviationKinds = []string{"late", "wrong_item", "damaged", "missing", "quality", "other", "service_outage"}

// Scorecard is a supplier's delivery record over the orders in the caller's scope.
//
//   - OrdersReceived: orders addressed to the supplier from approval on (its inbox).
//   - Accepted: received orders it accepted (including ones later declined after acceptance);
//     Declined: received orders it declined. DeclineRateBP = Declined / OrdersReceived.
//   - Delivered: orders confirmed delivered; OnTime: those delivered (UTC day of delivered_at)
//     on or before the requested delivery date, or, when none was requested, on or before
//     the UTC day of approval plus the agreement's lead_time_days, and with no deviation of
//     kind late (the buyer's word counts against the dates). OnTimeRateBP = OnTime /
//     Delivered, null while nothing is delivered ("no deliveries yet", never 0 %).
//   - Deviations: every deviation on those orders; DeviationsPer100 is per 100 shipped or
//     delivered orders, in hundredths (250 = 2.50 deviations per 100 orders), since deviations
//     can only be reported once the supplier has accepted and mostly concern delivered goods;
//     ByKind has every kind, zeros included; Open counts deviations not yet closed (open or
//     responded).
//
// Rates are basis points (10000 = 100 %), rounded half up; 0 when the denominator is 0.
type Scorecard struct {
	SupplierID          string         `db:"supplier_id" json:"supplier_id"`
	SupplierName        string         `db:"supplier_name" json:"supplier_name"`
	AgreementID         *string        `db:"-" json:"agreement_id"`
	OrdersReceived      int            `db:"received" json:"orders_received"`
	Accepted            int            `db:"accepted" json:"accepted"`
	Declined            int            `db:"declined" json:"declined"`
	DeclineRateBP       int            `db:"-" json:"decline_rate_bp"`
	ShippedOrDelivered  int            `db:"shipped_or_delivered" json:"shipped_or_delivered"`
	Delivered           int            `db:"delivered" json:"delivered"`
	OnTime              int            `db:"on_time" json:"on_time"`
	OnTimeRateBP        *int           `db:"-" json:"on_time_rate_bp"`
	Deviations          int            `db:"deviations" json:"deviations"`
	DeviationsPer100    int            `db:"-" json:"deviations_per_100_x100"`
	OpenDeviations      int            `db:"open_deviations" json:"open_deviations"`
	DeviationsByKind    map[string]int `db:"-" json:"deviations_by_kind"`
	KindLate            int            `db:"k_late" json:"-"`
	KindWrongItem       int            `db:"k_wrong_item" json:"-"`
	KindDamaged         int            `db:"k_damaged" json:"-"`
	KindMissing         int            `db:"k_missing" json:"-"`
	KindQuality         int            `db:"k_quality" json:"-"`
	KindOther           int            `db:"k_other" json:"-"`
	KindServiceOutage   int            `db:"k_service_outage" json:"-"`
	OnlyOwnOrganization bool           `db:"-" json:"only_own_organization"`
	// Service outages of placed devices (SPEC §7): how many were answered within the
	// agreement's service_response_hours, and that share in basis points (0 without outages).
	OutagesAnsweredInTime int `db:"outages_in_time" json:"outages_answered_in_time"`
	OutagesInTimeRateBP   int `db:"-" json:"outages_in_time_rate_bp"`
}

// Scorecard returns one supplier's scorecard, optionally for one agreement only.
//
// Scope: the supplier itself (all its orders); a manager for a supplier awarded on one of
// their procurement body's agreements (counting the orders on the body's agreements only);
// an orderer or approver for a supplier on an agreement their organisation takes part in,
// counting only their own organisation's orders (OnlyOwnOrganization): other buyers' orders
// are theirs and the procurement body's business, as with agreement usage. Anything else,
// including an agreement the supplier is not on, is NotFound; roles without orders (admin)
// are Forbidden.
func (s *Service) Scorecard(ctx context.Context, c auth.Caller, supplierID, agreementID string) (Scorecard, error) {
	if !c.HasAny(auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier, auth.RoleManager) {
		return Scorecard{}, derr.Forbiddenf("Your role may not see supplier scorecards.")
	}
	if !auth.ValidUUID(supplierID) {
		return Scorecard{}, derr.NotFoundf("supplier not found")
	}
	if agreementID != "" && !auth.ValidUUID(agreementID) {
		return Scorecard{}, &derr.Error{Kind: derr.Invalid, Code: "validation_failed", Message: "The filter is not valid.",
			Fields: []derr.FieldError{{Field: "agreement_id", Code: "invalid_id", Message: "must be a UUID"}}}
	}
	cards, err := s.scorecards(ctx, c, supplierID, agreementID, scorecardRollupQuery)
	if err != nil {
		return Scorecard{}, err
	}
	if len(cards) == 0 {
		return Scorecard{}, derr.NotFoundf("supplier not found")
	}
	return cards[0], nil
}

// Scorecards returns the scorecards of every supplier in the caller's scope (see Scorecard),
// optionally on one agreement, sorted by supplier name. Errors: Forbidden, Invalid.
func (s *Service) Scorecards(ctx context.Context, c auth.Caller, agreementID string) ([]Scorecard, error) {
	if !c.HasAny(auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier, auth.RoleManager) {
		return nil, derr.Forbiddenf("Your role may not see supplier scorecards.")
	}
	if agreementID != "" && !auth.ValidUUID(agreementID) {
		return nil, &derr.Error{Kind: derr.Invalid, Code: "validation_failed", Message: "The filter is not valid.",
			Fields: []derr.FieldError{{Field: "agreement_id", Code: "invalid_id", Message: "must be a UUID"}}}
	}
	return s.scorecards(ctx, c, "", agreementID, scorecardRollupQuery)
}

// scorecardQuery computes the scorecards from the base tables: the definition the rollup
// (scorecardRollupQuery) must equal. $1 agreement filter (” for all), $2 caller is supplier, $3 manager,
// $4 buyer, $5 caller's organisation, $6 supplier filter (” for all).
// scorecardVisible is the CTE vis: the suppliers whose scorecards the caller may see.
const scorecardVisible = `vis AS (
	SELECT s.org_id AS supplier_id FROM agreement_suppliers s JOIN agreements a ON a.id = s.agreement_id
	WHERE ($1 = '' OR s.agreement_id::text = $1) AND ($6 = '' OR s.org_id::text = $6)
	  AND (($2 AND s.org_id = $5::uuid) OR ($3 AND a.procurement_body_id = $5::uuid)
	    OR ($4 AND EXISTS (SELECT 1 FROM agreement_participants p WHERE p.agreement_id = s.agreement_id AND p.org_id = $5::uuid)))
	UNION
	SELECT o.id FROM organizations o WHERE $2 AND $1 = '' AND o.id = $5::uuid AND ($6 = '' OR o.id::text = $6)
)`

const scorecardQuery = `
WITH ` + scorecardVisible + `,
ords AS (
	SELECT o.id, o.supplier_id, o.status, o.accepted_at, o.shipped_at, o.delivered_at, a.service_response_hours,
	       (o.delivered_at IS NOT NULL AND (o.delivered_at AT TIME ZONE 'UTC')::date <=
	           COALESCE(o.requested_delivery_date, (o.approved_at AT TIME ZONE 'UTC')::date + a.lead_time_days)
	           AND NOT EXISTS (SELECT 1 FROM deviations d WHERE d.order_id = o.id AND d.kind = 'late')) AS on_time
	FROM orders o JOIN agreements a ON a.id = o.agreement_id
	WHERE o.approved_at IS NOT NULL AND o.supplier_id IN (SELECT supplier_id FROM vis)
	  AND ($1 = '' OR o.agreement_id::text = $1)
	  AND (($2 AND o.supplier_id = $5::uuid) OR ($3 AND a.procurement_body_id = $5::uuid) OR ($4 AND o.buyer_org_id = $5::uuid))
),
os AS (
	SELECT supplier_id, count(*) AS received,
	       count(*) FILTER (WHERE accepted_at IS NOT NULL) AS accepted,
	       count(*) FILTER (WHERE status = 'declined') AS declined,
	       count(*) FILTER (WHERE shipped_at IS NOT NULL OR delivered_at IS NOT NULL) AS shipped_or_delivered,
	       count(*) FILTER (WHERE delivered_at IS NOT NULL) AS delivered,
	       count(*) FILTER (WHERE on_time) AS on_time
	FROM ords GROUP BY supplier_id
),
ds AS (
	SELECT ords.supplier_id, count(*) AS deviations,
	       count(*) FILTER (WHERE d.status <> 'closed') AS open_deviations,
	       count(*) FILTER (WHERE d.kind = 'late') AS k_late,
	       count(*) FILTER (WHERE d.kind = 'wrong_item') AS k_wrong_item,
	       count(*) FILTER (WHERE d.kind = 'damaged') AS k_damaged,
	       count(*) FILTER (WHERE d.kind = 'missing') AS k_missing,
	       count(*) FILTER (WHERE d.kind = 'quality') AS k_quality,
	       count(*) FILTER (WHERE d.kind = 'other') AS k_other,
	       count(*) FILTER (WHERE d.kind = 'service_outage') AS k_service_outage,
	       count(*) FILTER (WHERE d.kind = 'service_outage' AND d.responded_at IS NOT NULL
	           AND d.responded_at <= d.created_at + ords.service_response_hours * interval '1 hour') AS outages_in_time
	FROM deviations d JOIN ords ON ords.id = d.order_id GROUP BY ords.supplier_id
)
SELECT v.supplier_id, org.name AS supplier_name,
       COALESCE(os.received, 0) AS received, COALESCE(os.accepted, 0) AS accepted, COALESCE(os.declined, 0) AS declined,
       COALESCE(os.shipped_or_delivered, 0) AS shipped_or_delivered, COALESCE(os.delivered, 0) AS delivered,
       COALESCE(os.on_time, 0) AS on_time, COALESCE(ds.deviations, 0) AS deviations,
       COALESCE(ds.open_deviations, 0) AS open_deviations, COALESCE(ds.k_late, 0) AS k_late,
       COALESCE(ds.k_wrong_item, 0) AS k_wrong_item, COALESCE(ds.k_damaged, 0) AS k_damaged,
       COALESCE(ds.k_missing, 0) AS k_missing, COALESCE(ds.k_quality, 0) AS k_quality, COALESCE(ds.k_other, 0) AS k_other,
       COALESCE(ds.k_service_outage, 0) AS k_service_outage, COALESCE(ds.outages_in_time, 0) AS outages_in_time
FROM (SELECT DISTINCT supplier_id FROM vis) v
JOIN organizations org ON org.id = v.supplier_id AND org.kind = 'supplier'
LEFT JOIN os ON os.supplier_id = v.supplier_id
LEFT JOIN ds ON ds.supplier_id = v.supplier_id
ORDER BY org.name, v.supplier_id`

func (s *Service) scorecards(ctx context.Context, c auth.Caller, supplierID, agreementID, query string) ([]Scorecard, error) {
	isSupplier := c.Has(auth.RoleSupplier)
	isManager := c.Has(auth.RoleManager)
	isBuyer := c.HasAny(auth.RoleOrderer, auth.RoleApprover)
	org := mustUUID(c.OrgID)
	var cards []Scorecard
	if err := s.read(ctx, func(db sqlx.QueryerContext) error {
		return sqlx.SelectContext(ctx, db, &cards, query, agreementID, isSupplier, isManager, isBuyer, org, supplierID)
	}); err != nil {
		return nil, fmt.Errorf("scorecards: %w", err)
	}
	for i := range cards {
		sc := &cards[i]
		if agreementID != "" {
			a := agreementID
			sc.AgreementID = &a
		}
		// Only a pure buyer's view is narrowed to its own organisation's orders; a manager
		// or the supplier itself sees more through the other clauses of the query.
		sc.OnlyOwnOrganization = isBuyer && !isManager && !(isSupplier && sc.SupplierID == org)
		sc.DeclineRateBP = ShareBP(int64(sc.Declined), int64(sc.OrdersReceived))
		if sc.Delivered > 0 {
			r := ShareBP(int64(sc.OnTime), int64(sc.Delivered))
			sc.OnTimeRateBP = &r
		}
		sc.DeviationsPer100 = ShareBP(int64(sc.Deviations), int64(sc.ShippedOrDelivered))
		sc.DeviationsByKind = map[string]int{"late": sc.KindLate, "wrong_item": sc.KindWrongItem, "damaged": sc.KindDamaged,
			"missing": sc.KindMissing, "quality": sc.KindQuality, "other": sc.KindOther, "service_outage": sc.KindServiceOutage}
		sc.OutagesInTimeRateBP = ShareBP(int64(sc.OutagesAnsweredInTime), int64(sc.KindServiceOutage))
	}
	if cards == nil {
		cards = []Scorecard{}
	}
	return cards, nil
}

// CSV exports. The API and the web UI export the same columns, so a spreadsheet or a script
// reads a file the same way whichever way it was fetched: field names as headers, amounts in
// integer minor units next to a plain decimal (ISO-style, "." as the separator), shares in
// basis points next to a two-decimal percentage.

// SpendCSVHeader is the header row of a spend export.
var SpendCSVHeader = []string{"group_by", "key", "label", "currency", "order_count", "total_minor", "total", "eco_minor", "eco", "eco_share_bp", "eco_share_percent"}

// CSVRecords is the spend's rows as CSV records (without the header), text defused against
// spreadsheet formulas.
func (sp Spend) CSVRecords() [][]string {
	out := make([][]string, 0, len(sp.Rows))
	for _, r := range sp.Rows {
		out = append(out, []string{string(sp.GroupBy), CSVText(r.Key), CSVText(r.Label), r.Currency, itoa(r.OrderCount),
			i64(r.TotalMinor), Decimal(r.TotalMinor), i64(r.EcoMinor), Decimal(r.EcoMinor), itoa(r.EcoShareBP), Decimal(int64(r.EcoShareBP))})
	}
	return out
}

// ScorecardCSVHeader is the header row of a scorecard export.
var ScorecardCSVHeader = append([]string{"supplier_id", "supplier_name", "agreement_id", "orders_received", "accepted", "declined",
	"decline_rate_bp", "shipped_or_delivered", "delivered", "on_time", "on_time_rate_bp", "deviations", "deviations_per_100",
	"open_deviations"}, deviationKindColumns()...)

func deviationKindColumns() []string {
	out := make([]string, len(DeviationKinds))
	for i, k := range DeviationKinds {
		out[i] = "deviations_" + k
	}
	return out
}

// optBP is an optional rate in a CSV cell: empty when there is none.
func optBP(p *int) string {
	if p == nil {
		return ""
	}
	return itoa(*p)
}

// ScorecardCSVRecords is one CSV record per scorecard (without the header).
func ScorecardCSVRecords(cards []Scorecard) [][]string {
	out := make([][]string, 0, len(cards))
	for _, sc := range cards {
		agr := ""
		if sc.AgreementID != nil {
			agr = *sc.AgreementID
		}
		rec := []string{sc.SupplierID, CSVText(sc.SupplierName), agr, itoa(sc.OrdersReceived), itoa(sc.Accepted), itoa(sc.Declined),
			itoa(sc.DeclineRateBP), itoa(sc.ShippedOrDelivered), itoa(sc.Delivered), itoa(sc.OnTime), optBP(sc.OnTimeRateBP),
			itoa(sc.Deviations), Decimal(int64(sc.DeviationsPer100)), itoa(sc.OpenDeviations)}
		for _, k := range DeviationKinds {
			rec = append(rec, itoa(sc.DeviationsByKind[k]))
		}
		out = append(out, rec)
	}
	return out
}

// Decimal formats hundredths (minor units, or basis points as a percentage) as a plain
// decimal with two places: 123456 → "1234.56", -5 → "-0.05".
func Decimal(hundredths int64) string {
	sign := ""
	u := uint64(hundredths)
	if hundredths < 0 {
		sign, u = "-", uint64(-(hundredths+1))+1
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// CSVText defuses a text cell that a spreadsheet would read as a formula (CSV injection).
func CSVText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func itoa(n int) string  { return strconv.Itoa(n) }
func i64(n int64) string { return strconv.FormatInt(n, 10) }
