package invoices

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/orders"
)

// LoyaltyGroup is what contract loyalty is grouped by.
type LoyaltyGroup string

// The groupings of GET /analytics/contract-loyalty.
const (
	ByOrganization LoyaltyGroup = "organization"
	ByCPV          LoyaltyGroup = "cpv"
	ByMonth        LoyaltyGroup = "month"
	BySupplier     LoyaltyGroup = "supplier"
)

// LoyaltyFilter is the query of a contract-loyalty report. From and To are dates
// (YYYY-MM-DD) or months (YYYY-MM: From its first day, To its last), inclusive; empty From is
// the first day of the month eleven months before To's, empty To is today. OrgID narrows a
// manager's report to one participant.
type LoyaltyFilter struct {
	GroupBy LoyaltyGroup
	From    string
	To      string
	OrgID   string
}

// TopOutside is the number of off-agreement suppliers listed per group.
const TopOutside = 5

const topOutsideSQL = "5" // TopOutside in the query

// Loyalty is a contract-loyalty report: per group (and currency), spend on agreements,
// spend outside them, the loyal share in basis points and the largest off-agreement
// suppliers.
type Loyalty struct {
	GroupBy LoyaltyGroup  `json:"group_by"`
	From    string        `json:"from"`
	To      string        `json:"to"`
	Items   []LoyaltyItem `json:"items"`
	Totals  []LoyaltyItem `json:"totals"` // one per currency, Group "total"
}

// LoyaltyItem is one group's figures, all excluding VAT.
type LoyaltyItem struct {
	Group            string            `json:"group"`
	Label            string            `json:"label"`
	Currency         string            `json:"currency"`
	OnAgreementMinor int64             `json:"on_agreement_minor"`
	OutsideMinor     int64             `json:"outside_minor"`
	LoyalShareBP     int               `json:"loyal_share_bp"`
	TopOutside       []OutsideSupplier `json:"top_outside"`
}

// OutsideSupplier is a supplier bought from outside the agreements.
type OutsideSupplier struct {
	SupplierOrgNumber string `json:"supplier_org_number"`
	Name              string `json:"name"`
	AmountMinor       int64  `json:"amount_minor"`
}

// normalize checks the filter and fills in its defaults; today is the caller's date.
func (f LoyaltyFilter) normalize(today time.Time) (LoyaltyFilter, time.Time, time.Time, error) {
	var v derr.Validator
	if f.GroupBy == "" {
		f.GroupBy = ByOrganization
	}
	switch f.GroupBy {
	case ByOrganization, ByCPV, ByMonth, BySupplier:
	default:
		v.Check(false, "group_by", "choice", "must be organization, cpv, month or supplier")
	}
	to, toOK := today, true
	if f.To != "" {
		to, toOK = parseDayOrMonth(f.To, true)
	}
	v.Check(toOK, "to", "date", "must be a date YYYY-MM-DD or a month YYYY-MM")
	from, fromOK := time.Date(to.Year(), to.Month()-11, 1, 0, 0, 0, 0, time.UTC), true
	if f.From != "" {
		from, fromOK = parseDayOrMonth(f.From, false)
	}
	v.Check(fromOK, "from", "date", "must be a date YYYY-MM-DD or a month YYYY-MM")
	v.Check(!fromOK || !toOK || !to.Before(from), "to", "date_order", "must not be before from")
	v.Check(f.OrgID == "" || auth.ValidUUID(f.OrgID), "org_id", "invalid_id", "must be a UUID")
	if err := v.Err(); err != nil {
		return f, from, to, err
	}
	f.From, f.To = from.Format(time.DateOnly), to.Format(time.DateOnly)
	return f, from, to, nil
}

// parseDayOrMonth reads YYYY-MM-DD, or YYYY-MM as its first day (or its last when end).
func parseDayOrMonth(s string, end bool) (time.Time, bool) {
	if d, err := time.Parse(time.DateOnly, s); err == nil && d.Year() >= 1990 && d.Year() <= 2200 {
		return d, true
	}
	m, err := time.Parse("2006-01", s)
	if err != nil || m.Year() < 1990 || m.Year() > 2200 {
		return time.Time{}, false
	}
	if end {
		return m.AddDate(0, 1, -1), true
	}
	return m, true
}

// awardedCTE is the awarded set: one row per organisation in scope ($1), supplier and CPV
// division (the first two digits) with the validity of the active agreements that award the
// supplier and have the organisation take part, as a multirange, so that spend meets it in
// one hash join instead of a range search per row. The supplier's key is made once per
// agreement and supplier, not per participant.
const awardedCTE = `
WITH awarded AS MATERIALIZED (
	SELECT p.org_id, s.supplier_key, s.division, range_agg(s.validity) AS validity
	FROM (SELECT a.id, upper(regexp_replace(so.org_number, '[^0-9A-Za-z]', '', 'g')) AS supplier_key,
	             left(a.cpv_code, 2) AS division, daterange(a.valid_from, a.valid_to, '[]') AS validity
	      FROM agreements a
	      JOIN agreement_suppliers s ON s.agreement_id = a.id
	      JOIN organizations so ON so.id = s.org_id
	      WHERE a.status = 'active' OFFSET 0) s
	JOIN agreement_participants p ON p.agreement_id = s.id
	WHERE p.org_id = ANY($1::uuid[])
	GROUP BY 1, 2, 3
),`

// loyaltyGrouped sums the judged spend rows of a CTE "spend" (on agreement: a platform order,
// or spend whose supplier is awarded for its organisation and division on its day) per group
// ($4) and currency, and finds the largest off-agreement suppliers per group and over all, so
// that a national report sends a few thousand rows to Go, not one per organisation and
// supplier. Suppliers known on the platform are named by their organisation (the oldest with
// that number), others as the spend names them. Rows: 'g' a group's sums (label: a supplier
// group's name), 't' one of a group's largest outside suppliers, 'T' one over all groups.
const loyaltyGrouped = `
sums AS (
	SELECT CASE $4
	           WHEN 'organization' THEN s.org_id::text
	           WHEN 'cpv' THEN s.division
	           WHEN 'month' THEN to_char(s.day, 'YYYY-MM')
	           ELSE s.supplier_key END COLLATE "C" AS group_key,
	       trim(s.currency) AS currency, s.supplier_key COLLATE "C" AS supplier_key, s.on_agreement, sum(s.amount)::bigint AS amount,
	       max(s.supplier_org_number) AS number, max(s.supplier_name) AS name
	FROM spend s GROUP BY 1, 2, 3, 4
),` + loyaltyNamed

// loyaltyNamed names the sums of a CTE "sums" (group_key, currency, supplier_key,
// on_agreement, amount, and the largest supplier number and name written) and ranks them: the
// rest of loyaltyGrouped, shared with the rollups' queries (loyalty_rollup.go).
const loyaltyNamed = loyaltyKnown + `,
named AS (
	SELECT s.group_key, s.currency, s.supplier_key, s.on_agreement, s.amount,
	       COALESCE(k.org_number, s.number) AS number, COALESCE(k.name, s.name) AS name
	FROM sums s LEFT JOIN known k ON k.key = s.supplier_key
),
outside AS (
	SELECT n.*, row_number() OVER (PARTITION BY n.group_key, n.currency ORDER BY n.amount DESC, n.number COLLATE "C") AS rank
	FROM named n WHERE NOT n.on_agreement AND n.amount > 0
),
overall AS (
	SELECT currency, supplier_key, sum(amount)::bigint AS amount, max(number) AS number, max(name) AS name
	FROM named WHERE NOT on_agreement GROUP BY 1, 2
)
SELECT * FROM (
SELECT 'g' AS kind, group_key, currency, COALESCE(sum(amount) FILTER (WHERE on_agreement), 0)::bigint AS on_minor,
       COALESCE(sum(amount) FILTER (WHERE NOT on_agreement), 0)::bigint AS outside_minor, max(name) AS name, '' AS number,
       0::bigint AS amount
FROM named GROUP BY group_key, currency
UNION ALL
SELECT 't', group_key, currency, 0, 0, name, number, amount FROM outside WHERE rank <= ` + topOutsideSQL + `
UNION ALL
SELECT 'T', '', currency, 0, 0, name, number, amount FROM (
	SELECT o.*, row_number() OVER (PARTITION BY currency ORDER BY amount DESC, number COLLATE "C") AS rank
	FROM overall o WHERE amount > 0) x
WHERE rank <= ` + topOutsideSQL + `
) r ORDER BY kind, group_key, currency, amount DESC, number COLLATE "C"`

// loyaltyKnown is the CTE "known" of loyaltyNamed and the rollups' queries: suppliers on the
// platform by key. The key sorts in the C collation: equal keys are equal bytes in any
// deterministic collation, and the C collation's comparison is memcmp, where the database's
// may call strcoll for every comparison (2,000 suppliers' keys sorted in every report).
const loyaltyKnown = `
known AS (
	SELECT DISTINCT ON (key) key, name, org_number FROM (
		SELECT upper(regexp_replace(org_number, '[^0-9A-Za-z]', '', 'g')) COLLATE "C" AS key, name, org_number, created_at
		FROM organizations WHERE kind = 'supplier') o
	ORDER BY key, created_at
)`

// loyaltyWindow is the months [first, end) the report reads whole from the monthly sums:
// every month the range [from, to] covers whole, and, when subtract, each month it cuts (at
// either end, or both when it lies within one month) whose days outside the range are fewer
// than those inside. The documents the report reads one by one are then those of the range
// outside the window, added, and those of the window outside the range, subtracted
// (loyaltyEdge): for the default range, which ends today, the few days left of this month
// rather than all its days so far. When the window is empty, first = end = from.
func loyaltyWindow(from, to time.Time, subtract bool) (time.Time, time.Time) {
	month := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC) }
	days := func(a, b time.Time) int { return int(b.Sub(a).Hours()/24) + 1 } // [a, b], a <= b
	lastOf := func(m time.Time) time.Time { return m.AddDate(0, 1, -1) }
	whole := func(outside, inside int) bool { return outside == 0 || (subtract && outside < inside) }
	mf, mt := month(from), month(to)
	first, end := mf, mt.AddDate(0, 1, 0)
	if mf.Equal(mt) {
		if inside := days(from, to); !whole(lastOf(mf).Day()-inside, inside) {
			return from, from
		}
		return first, end
	}
	if inside := days(from, lastOf(mf)); !whole(from.Day()-1, inside) {
		first = mf.AddDate(0, 1, 0)
	}
	if inside := to.Day(); !whole(lastOf(mt).Day()-inside, inside) {
		end = mt
	}
	if !end.After(first) {
		return from, from
	}
	return first, end
}

// loyaltySubtractFrom is how many organisations a scope needs for a report grouped other than
// by organisation to subtract (loyaltyWindow): subtracting keys the sums by the supplier
// numbers and names written, a second aggregate over the groups, which for a few buyers costs
// more than judging the cut days' documents (a regional manager's 15 buyers by CPV: 54–68 ms of
// PostgreSQL CPU without, 82–88 ms with); for 290 it saves 70,000 documents' judgement.
const loyaltySubtractFrom = 50

// loyaltyRow is a row of loyaltyGrouped.
type loyaltyRow struct {
	Kind     string `db:"kind"`
	Group    string `db:"group_key"`
	Currency string `db:"currency"`
	On       int64  `db:"on_minor"`
	Outside  int64  `db:"outside_minor"`
	Name     string `db:"name"`
	Number   string `db:"number"`
	Amount   int64  `db:"amount"`
}

// ContractLoyalty reports how much of the spend in the caller's scope went through the
// agreements (SPEC §9): an approver's own organisation; a manager's procurement body's
// agreements' participants (and the body itself when it buys). Errors: Forbidden (other
// roles), Invalid (filter), NotFound (OrgID outside the scope).
func (s *Service) ContractLoyalty(ctx context.Context, c auth.Caller, f LoyaltyFilter) (Loyalty, error) {
	if !c.HasAny(auth.RoleApprover, auth.RoleManager) {
		return Loyalty{}, derr.Forbiddenf("Contract loyalty is for approvers and managers.")
	}
	f, from, to, err := f.normalize(s.now())
	if err != nil {
		return Loyalty{}, err
	}
	orgs, err := s.loyaltyOrgs(ctx, c)
	if err != nil {
		return Loyalty{}, err
	}
	ids := make([]string, 0, len(orgs))
	for id := range orgs {
		if f.OrgID == "" || id == f.OrgID {
			ids = append(ids, id)
		}
	}
	if f.OrgID != "" && len(ids) == 0 {
		return Loyalty{}, derr.NotFoundf("organisation not found")
	}
	var rows []loyaltyRow
	// JIT compiling these statements costs more than it saves; a national scope sums some
	// 400,000 rollup rows, which want memory rather than disk; and the planner, which cannot
	// tell how many rows a cut month removes, would otherwise meet the awarded set by merging
	// on the organisation alone.
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; SET LOCAL enable_mergejoin = off`); err != nil {
			return err
		}
		if s.loyaltyFromBase {
			return sqlx.SelectContext(ctx, tx, &rows, loyaltyBaseQuery, pq.Array(ids), from, to, string(f.GroupBy))
		}
		var err error
		rows, err = s.loyaltyRollups(ctx, tx, ids, from, to, f.GroupBy)
		return err
	})
	if err != nil {
		return Loyalty{}, fmt.Errorf("contract loyalty: %w", err)
	}
	rep := summarize(rows, f.GroupBy, func(key string) string {
		if f.GroupBy == ByOrganization {
			return orgs[key]
		}
		return ""
	})
	rep.From, rep.To = f.From, f.To
	return rep, nil
}

// summarize makes the report of loyaltyGrouped's rows: groups sorted (organisations and
// suppliers by label), totals per currency. label names a group key (organisations' names).
func summarize(rows []loyaltyRow, by LoyaltyGroup, label func(string) string) Loyalty {
	rep := Loyalty{GroupBy: by, Items: []LoyaltyItem{}, Totals: []LoyaltyItem{}}
	groups := map[[2]string]int{}
	totals := map[string]int{}
	// Groups first, then their suppliers: the statement orders rows by kind, and where 'T'
	// sorts before 'g' (the C collation) the totals' suppliers came before the totals existed
	// and were lost.
	for _, r := range rows {
		switch r.Kind {
		case "g":
			it := LoyaltyItem{Group: r.Group, Currency: r.Currency, OnAgreementMinor: r.On, OutsideMinor: r.Outside,
				TopOutside: []OutsideSupplier{}}
			if by == BySupplier {
				it.Label = r.Name
			}
			if it.Label == "" {
				it.Label = label(it.Group)
			}
			if it.Label == "" {
				it.Label = it.Group
			}
			it.LoyalShareBP = orders.ShareBP(it.OnAgreementMinor, it.OnAgreementMinor+it.OutsideMinor)
			groups[[2]string{r.Group, r.Currency}] = len(rep.Items)
			rep.Items = append(rep.Items, it)
			i, ok := totals[r.Currency]
			if !ok {
				i = len(rep.Totals)
				totals[r.Currency] = i
				rep.Totals = append(rep.Totals, LoyaltyItem{Group: "total", Label: "total", Currency: r.Currency, TopOutside: []OutsideSupplier{}})
			}
			rep.Totals[i].OnAgreementMinor += r.On
			rep.Totals[i].OutsideMinor += r.Outside
		}
	}
	for _, r := range rows {
		switch r.Kind {
		case "t":
			if i, ok := groups[[2]string{r.Group, r.Currency}]; ok {
				rep.Items[i].TopOutside = append(rep.Items[i].TopOutside, OutsideSupplier{SupplierOrgNumber: r.Number, Name: r.Name, AmountMinor: r.Amount})
			}
		case "T":
			if i, ok := totals[r.Currency]; ok {
				rep.Totals[i].TopOutside = append(rep.Totals[i].TopOutside, OutsideSupplier{SupplierOrgNumber: r.Number, Name: r.Name, AmountMinor: r.Amount})
			}
		}
	}
	for i := range rep.Totals {
		t := &rep.Totals[i]
		t.LoyalShareBP = orders.ShareBP(t.OnAgreementMinor, t.OnAgreementMinor+t.OutsideMinor)
	}
	sort.Slice(rep.Items, func(i, j int) bool {
		x, y := rep.Items[i], rep.Items[j]
		if by == ByOrganization || by == BySupplier {
			if x.Label != y.Label {
				return x.Label < y.Label
			}
		}
		if x.Group != y.Group {
			return x.Group < y.Group
		}
		return x.Currency < y.Currency
	})
	sort.Slice(rep.Totals, func(i, j int) bool { return rep.Totals[i].Currency < rep.Totals[j].Currency })
	return rep
}

// loyaltyOrgs maps the id of every organisation in the caller's loyalty scope to its name.
func (s *Service) loyaltyOrgs(ctx context.Context, c auth.Caller) (map[string]string, error) {
	var rows []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	err := sqlx.SelectContext(ctx, s.db, &rows, `
		SELECT o.id, o.name FROM organizations o WHERE o.id = $1 AND ($2 OR o.kind IN ('buyer', 'procurement_body'))
		UNION
		SELECT o.id, o.name FROM agreements a
		JOIN agreement_participants p ON p.agreement_id = a.id
		JOIN organizations o ON o.id = p.org_id
		WHERE $2 AND a.procurement_body_id = $1`, c.OrgID, c.Has(auth.RoleManager))
	if err != nil {
		return nil, fmt.Errorf("loyalty organisations: %w", err)
	}
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		m[r.ID] = r.Name
	}
	return m, nil
}

// LoyaltyCSVHeader is the header row of a contract-loyalty export.
var LoyaltyCSVHeader = []string{"group_by", "group", "label", "currency", "on_agreement_minor", "outside_minor", "loyal_share_bp",
	"top_outside"}

// CSVRecords is the report's groups as CSV records (without the header); the largest
// off-agreement suppliers are one cell, "name (org number): amount_minor" separated by "; ".
func (l Loyalty) CSVRecords() [][]string {
	out := make([][]string, 0, len(l.Items))
	for _, it := range l.Items {
		top := ""
		for i, o := range it.TopOutside {
			if i > 0 {
				top += "; "
			}
			top += o.Name + " (" + o.SupplierOrgNumber + "): " + strconv.FormatInt(o.AmountMinor, 10)
		}
		out = append(out, []string{string(l.GroupBy), orders.CSVText(it.Group), orders.CSVText(it.Label), it.Currency,
			strconv.FormatInt(it.OnAgreementMinor, 10), strconv.FormatInt(it.OutsideMinor, 10), strconv.Itoa(it.LoyalShareBP), orders.CSVText(top)})
	}
	return out
}
