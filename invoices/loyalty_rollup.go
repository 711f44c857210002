package invoices

import (
	"context"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Contract loyalty from the rollups of migrations 00024 (loyalty_docs, loyalty_months),
// 00031 (loyalty_outside_bounds) and 00032 (loyalty_supplier_months, loyalty_org_months). The answer is the base-table query's (loyaltyBaseQuery),
// row for row; TestLoyaltyRollupsEqualBaseTables compares them.

// loyaltyCut is the CTE "cut" after awardedCTE: the months (of the whole months $4 to $5) in
// which an awarded supplier's validity starts or ends, whose documents are judged per day;
// found once per validity (the awarded rows share a few).
const loyaltyCut = awardedCTE + `
cut AS (
	SELECT w.org_id, w.supplier_key, w.division, e.month
	FROM (SELECT DISTINCT v.validity, b.month
	      FROM (SELECT DISTINCT validity FROM awarded) v CROSS JOIN LATERAL unnest(v.validity) r
	      CROSS JOIN LATERAL (VALUES (date_trunc('month', lower(r))::date, lower(r)), (date_trunc('month', upper(r))::date, upper(r))) b(month, edge)
	      WHERE b.edge IS NOT NULL AND b.edge <> b.month AND b.month >= $4 AND b.month < $5) e
	JOIN awarded w ON w.validity = e.validity
),`

// loyaltyFree selects the rows m of loyalty_months of the CTE "free" of loyaltySpend.
const loyaltyFree = `m.org_id = ANY($1::uuid[]) AND ` + loyaltyFreeAll

// loyaltyFreeAll selects the rows m of loyalty_supplier_months of the CTE "free" of a national
// scope.
const loyaltyFreeAll = `m.month >= $4 AND m.month < $5 AND m.supplier_key <> ALL($6::text[])`

// loyaltyNational is the CTE "national": whether every buyer with spend in the whole months
// $4 to $5 is in the scope $1, so that sums without the buyer are the scope's.
const loyaltyNational = `
national AS MATERIALIZED (
	SELECT NOT EXISTS (SELECT 1 FROM loyalty_org_months o WHERE o.month >= $4 AND o.month < $5 AND o.org_id <> ALL($1::uuid[])) AS yes
),`

// loyaltySpend is the judged spend of the scope in two CTEs: "free" summed per group (the
// column col of loyalty_months; or as the statement free sums them), currency, supplier and on
// agreement, and "judged" one row per month or document (org_id, g, supplier_key,
// supplier_org_number, supplier_name, currency, amount, on_agreement). day is the group's
// expression for a row d of loyalty_docs. $1 the organisations in scope, $2 from, $3 to, $4 the
// first and $5 the day after the last whole month of the range, $6 the keys of the suppliers
// an agreement in the scope awards.
//
// Spend (loyalty_docs, one row per document; loyalty_months, their sums per month) is the
// union of: received invoices (not invalid; credit notes negative) at their tax-exclusive
// amount; ledger rows not also received as an invoice (same buyer, supplier org number and
// invoice number); and platform orders placed (approved or later, not declined or cancelled)
// that no invoice names yet, at their total. Whole months come from loyalty_months: those of
// suppliers no agreement in the scope awards ("free") are platform orders (on agreement) or
// outside, with nothing to judge, and are summed as they are read (nearly all the rows of a
// national scope; the rows never pass through a join or a union); the awarded suppliers' are
// found by supplier (loyalty_months_org_supplier_idx) and judged per month when the awarded
// validity covers the month whole or not at all. The days of months the range cuts, and the
// documents of months a validity starts or ends inside, come from loyalty_docs and are judged
// per day.
//
// A scope that holds every buyer with spend in the whole months (a national manager's: CTE
// "national") reads the free months of loyalty_supplier_months (migration 00032), the same sums
// without the buyer, some thirty times fewer rows; any other scope reads loyalty_months, so
// that it never sees another buyer's spend. Both in one statement, one snapshot.
func loyaltySpend(col, day, free string) string {
	if free == "" && col == "org_id" { // per buyer and supplier: only loyalty_months has both
		free = `
	SELECT m.org_id AS g, m.currency, m.supplier_key, m.platform AS on_agreement, sum(m.amount_minor) AS amount,
	       max(m.supplier_org_number) AS number, max(m.supplier_name) AS name
	FROM loyalty_months m
	WHERE ` + loyaltyFree + `
	GROUP BY 1, 2, 3, 4`
	}
	if free == "" {
		free = `
	SELECT m.` + col + ` AS g, m.currency, m.supplier_key, m.platform AS on_agreement, sum(m.amount_minor) AS amount,
	       max(m.supplier_org_number) AS number, max(m.supplier_name) AS name
	FROM loyalty_supplier_months m
	WHERE (SELECT yes FROM national) AND ` + loyaltyFreeAll + `
	GROUP BY 1, 2, 3, 4
	UNION ALL
	SELECT m.` + col + `, m.currency, m.supplier_key, m.platform, sum(m.amount_minor), max(m.supplier_org_number), max(m.supplier_name)
	FROM loyalty_months m
	WHERE NOT (SELECT yes FROM national) AND ` + loyaltyFree + `
	GROUP BY 1, 2, 3, 4`
	}
	return loyaltyCut + loyaltyNational + `
free AS (` + free + `
),
judged AS (
	SELECT m.org_id, m.` + col + ` AS g, m.supplier_key, m.supplier_org_number, m.supplier_name, m.currency, m.amount_minor AS amount,
	       m.platform OR COALESCE(w.validity @> m.month, false) AS on_agreement
	FROM loyalty_months m
	LEFT JOIN awarded w ON w.org_id = m.org_id AND w.supplier_key = m.supplier_key AND w.division = m.division
	WHERE m.org_id = ANY($1::uuid[]) AND m.supplier_key = ANY($6::text[]) AND m.month >= $4 AND m.month < $5
	  AND (m.platform OR NOT EXISTS (SELECT 1 FROM cut c WHERE c.org_id = m.org_id AND c.supplier_key = m.supplier_key
	      AND c.division = m.division AND c.month = m.month))
	UNION ALL
	SELECT d.org_id, ` + day + `, d.supplier_key, d.supplier_org_number, d.supplier_name, d.currency, d.amount_minor,
	       d.platform OR COALESCE(w.validity @> d.day, false)
	FROM loyalty_docs d
	LEFT JOIN awarded w ON w.org_id = d.org_id AND w.supplier_key = d.supplier_key AND w.division = d.division
	WHERE d.org_id = ANY($1::uuid[]) AND d.day BETWEEN $2 AND $3 AND (d.day < $4 OR d.day >= $5)
	UNION ALL
	SELECT d.org_id, ` + day + `, d.supplier_key, d.supplier_org_number, d.supplier_name, d.currency, d.amount_minor,
	       COALESCE(w.validity @> d.day, false)
	FROM cut c
	JOIN loyalty_docs d ON d.org_id = c.org_id AND d.day >= c.month AND d.day < (c.month + interval '1 month')::date
	     AND d.supplier_key = c.supplier_key AND d.division = c.division AND NOT d.platform
	LEFT JOIN awarded w ON w.org_id = d.org_id AND w.supplier_key = d.supplier_key AND w.division = d.division
),`
}

// The supplier keys of the awarded set ($6 of loyaltySpend).
const loyaltyAwardedKeys = `
SELECT DISTINCT upper(regexp_replace(so.org_number, '[^0-9A-Za-z]', '', 'g'))
FROM agreements a
JOIN agreement_participants p ON p.agreement_id = a.id
JOIN agreement_suppliers s ON s.agreement_id = a.id
JOIN organizations so ON so.id = s.org_id
WHERE a.status = 'active' AND p.org_id = ANY($1::uuid[])`

// loyaltyByColumn is the report grouped by a column of loyalty_months (division, month,
// supplier_key or org_id; day its value for a document d) whose text (key, of "g") is the
// group: summed per group, currency, supplier and on or off agreement on the column itself,
// and only then made text, with loyaltyNamed's rows.
func loyaltyByColumn(column, day, key string) string {
	return loyaltySpend(column, day, "") + `
sums AS (
	SELECT ` + key + ` COLLATE "C" AS group_key, trim(currency) AS currency, supplier_key, on_agreement, amount, number, name FROM (
		SELECT g, currency, supplier_key COLLATE "C" AS supplier_key, on_agreement, sum(amount)::bigint AS amount,
		       max(number) AS number, max(name) AS name
		FROM (SELECT * FROM free
		      UNION ALL
		      SELECT g, currency, supplier_key, on_agreement, amount, supplier_org_number, supplier_name FROM judged) s
		GROUP BY 1, 2, 3, 4) x
),` + loyaltyNamed
}

var loyaltyByGroup = map[LoyaltyGroup]string{
	ByOrganization: loyaltyByColumn("org_id", "d.org_id", "g::text"),
	ByCPV:          loyaltyByColumn("division", "d.division", "g"),
	ByMonth:        loyaltyByColumn("month", "date_trunc('month', d.day)::date", "to_char(g, 'YYYY-MM')"),
	BySupplier:     loyaltyByColumn("supplier_key", "d.supplier_key", "g"),
}

// loyaltyByOrganization is the report by organisation without each organisation's largest
// outside suppliers (its 't' rows, which loyaltyOrgRanking finds), but with rows 'c': the
// organisations' candidates (on_minor the bound, amount the exact outside spend in the range,
// named as loyaltyNamed names them). Spend is summed per organisation, currency and on or off
// agreement, and per currency and supplier for the largest outside suppliers over all, never
// per organisation and supplier (as many groups as rows in a national scope); in two
// aggregates rather than grouping sets, which PostgreSQL cannot split among parallel workers.
//
// An organisation's free spend is its total (loyalty_org_months, migration 00032) less its
// awarded suppliers' months, kept where documents remain, as loyalty_months keeps rows; the
// largest outside suppliers over all come from loyalty_supplier_months when the scope is
// national (loyaltySpend).
var loyaltyByOrganization = loyaltySpend("org_id", "d.org_id", `
	SELECT x.org_id, x.currency, NULL::text AS supplier_key, x.platform AS on_agreement, sum(x.amount) AS amount,
	       NULL::text AS number, NULL::text AS name, 0 AS overall
	FROM (SELECT o.org_id, o.currency, o.platform, o.docs, o.amount_minor AS amount
	      FROM loyalty_org_months o WHERE o.org_id = ANY($1::uuid[]) AND o.month >= $4 AND o.month < $5
	      UNION ALL
	      SELECT m.org_id, m.currency, m.platform, -m.docs, -m.amount_minor
	      FROM loyalty_months m
	      WHERE m.org_id = ANY($1::uuid[]) AND m.supplier_key = ANY($6::text[]) AND m.month >= $4 AND m.month < $5) x
	GROUP BY 1, 2, 4
	HAVING sum(x.docs) > 0
	UNION ALL
	SELECT NULL, m.currency, m.supplier_key, false, sum(m.amount_minor), max(m.supplier_org_number), max(m.supplier_name), 1
	FROM loyalty_supplier_months m
	WHERE (SELECT yes FROM national) AND `+loyaltyFreeAll+` AND NOT m.platform
	GROUP BY 2, 3
	UNION ALL
	SELECT NULL, m.currency, m.supplier_key, false, sum(m.amount_minor), max(m.supplier_org_number), max(m.supplier_name), 1
	FROM loyalty_months m
	WHERE NOT (SELECT yes FROM national) AND `+loyaltyFree+` AND NOT m.platform
	GROUP BY 2, 3`) + loyaltyCandidates + `
sums AS (
	SELECT org_id, trim(currency) AS currency, supplier_key COLLATE "C" AS supplier_key, on_agreement,
	       sum(amount)::bigint AS amount, max(number) AS number, max(name) AS name, overall
	FROM (SELECT * FROM free
	      UNION ALL
	      SELECT s.org_id, s.currency, s.supplier_key, s.on_agreement, sum(s.amount), max(s.supplier_org_number),
	             max(s.supplier_name), GROUPING(s.org_id)
	      FROM judged s GROUP BY GROUPING SETS ((s.org_id, s.currency, s.on_agreement), (s.currency, s.supplier_key, s.on_agreement))) s
	GROUP BY org_id, currency, supplier_key, on_agreement, overall
),` + loyaltyKnown + `,
overall AS (
	SELECT s.currency, s.supplier_key, s.amount, COALESCE(k.org_number, s.number) AS number, COALESCE(k.name, s.name) AS name
	FROM sums s LEFT JOIN known k ON k.key = s.supplier_key
	WHERE s.overall = 1 AND NOT s.on_agreement
)
SELECT * FROM (
SELECT 'g' AS kind, org_id::text COLLATE "C" AS group_key, currency, COALESCE(sum(amount) FILTER (WHERE on_agreement), 0)::bigint AS on_minor,
       COALESCE(sum(amount) FILTER (WHERE NOT on_agreement), 0)::bigint AS outside_minor, ''::text AS name, '' AS number,
       0::bigint AS amount
FROM sums WHERE overall = 0 GROUP BY org_id, currency
UNION ALL
SELECT 'T', '', currency, 0, 0, name, number, amount FROM (
	SELECT o.*, row_number() OVER (PARTITION BY currency ORDER BY amount DESC, number COLLATE "C") AS rank
	FROM overall o WHERE amount > 0) x
WHERE rank <= ` + topOutsideSQL + `
UNION ALL
SELECT 'c', c.org_id::text, c.currency, c.bound, 0, COALESCE(k.name, x.name, ''), COALESCE(k.org_number, x.number, ''),
       COALESCE(x.amount, 0)
FROM cand c
LEFT JOIN (SELECT org_id, currency, supplier_key, sum(amount)::bigint AS amount, max(number) AS number, max(name) AS name
           FROM cspend WHERE NOT on_agreement GROUP BY 1, 2, 3) x
     ON x.org_id = c.org_id AND x.currency = c.currency AND x.supplier_key = c.supplier_key
LEFT JOIN known k ON k.key = c.supplier_key
) r ORDER BY kind, group_key, currency, amount DESC, number COLLATE "C"`

// loyaltyCandidates are the CTEs "cand", per organisation in scope its $7 suppliers with the
// largest bounds (loyalty_outside_bounds: no range's outside spend exceeds a supplier's bound),
// and "cspend", their spend in the range (in any currency: the planner, told the currency too,
// expects a row where thousands come and meets the awarded set in a loop), judged as
// loyaltySpend judges it.
const loyaltyCandidates = `
cand AS MATERIALIZED (
	SELECT o.id AS org_id, b.currency, b.supplier_key, b.positive_minor AS bound
	FROM unnest($1::uuid[]) o(id)
	CROSS JOIN LATERAL (SELECT currency, supplier_key, positive_minor FROM loyalty_outside_bounds
	                    WHERE org_id = o.id ORDER BY positive_minor DESC LIMIT $7) b
),
cspend AS (
	SELECT m.org_id, m.currency, m.supplier_key, m.supplier_org_number AS number, m.supplier_name AS name, m.amount_minor AS amount,
	       COALESCE(w.validity @> m.month, false) AS on_agreement
	FROM cand c
	JOIN loyalty_months m ON m.org_id = c.org_id AND m.supplier_key = c.supplier_key AND m.month >= $4 AND m.month < $5
	LEFT JOIN awarded w ON w.org_id = m.org_id AND w.supplier_key = m.supplier_key AND w.division = m.division
	WHERE NOT m.platform AND NOT EXISTS (SELECT 1 FROM cut x WHERE x.org_id = m.org_id
	      AND x.supplier_key = m.supplier_key AND x.division = m.division AND x.month = m.month)
	UNION ALL
	SELECT d.org_id, d.currency, d.supplier_key, d.supplier_org_number, d.supplier_name, d.amount_minor, COALESCE(w.validity @> d.day, false)
	FROM loyalty_docs d
	LEFT JOIN awarded w ON w.org_id = d.org_id AND w.supplier_key = d.supplier_key AND w.division = d.division
	WHERE d.org_id = ANY($1::uuid[]) AND d.day BETWEEN $2 AND $3 AND (d.day < $4 OR d.day >= $5) AND NOT d.platform
	  AND EXISTS (SELECT 1 FROM cand c WHERE c.org_id = d.org_id AND c.supplier_key = d.supplier_key)
	UNION ALL
	SELECT d.org_id, d.currency, d.supplier_key, d.supplier_org_number, d.supplier_name, d.amount_minor, COALESCE(w.validity @> d.day, false)
	FROM cut x
	JOIN loyalty_docs d ON d.org_id = x.org_id AND d.day >= x.month AND d.day < (x.month + interval '1 month')::date
	     AND d.supplier_key = x.supplier_key AND d.division = x.division AND NOT d.platform
	LEFT JOIN awarded w ON w.org_id = d.org_id AND w.supplier_key = d.supplier_key AND w.division = d.division
	WHERE EXISTS (SELECT 1 FROM cand c WHERE c.org_id = d.org_id AND c.supplier_key = d.supplier_key)
),`

// defaultLoyaltyCandidates is how many suppliers per organisation the report by organisation
// computes exactly (one more is read, whose bound is the threshold): on the bench's national
// database enough that a range of all the spend settles every municipality; one that is not
// settled is summed whole (TestLoyaltyRankingByBounds).
const defaultLoyaltyCandidates = 12

// loyaltyRollups is the rows of loyaltyGrouped for the organisations ids, from the rollups.
func (s *Service) loyaltyRollups(ctx context.Context, tx *sqlx.Tx, ids []string, from, to time.Time, by LoyaltyGroup) ([]loyaltyRow, error) {
	var keys []string
	if err := sqlx.SelectContext(ctx, tx, &keys, loyaltyAwardedKeys, pq.Array(ids)); err != nil {
		return nil, err
	}
	if keys == nil {
		keys = []string{} // NULL would make "<> ALL" unknown for every row
	}
	first, end := wholeMonths(from, to)
	args := []any{pq.Array(ids), from, to, first, end, pq.Array(keys)}
	var rows []loyaltyRow
	if by != ByOrganization {
		err := sqlx.SelectContext(ctx, tx, &rows, loyaltyByGroup[by], args...)
		return rows, err
	}
	k := s.loyaltyCandidates
	if k == 0 {
		k = defaultLoyaltyCandidates
	}
	if err := sqlx.SelectContext(ctx, tx, &rows, loyaltyByOrganization, append(args, k+1)...); err != nil {
		return nil, err
	}
	var cands []loyaltyRow
	n := 0
	for _, r := range rows {
		if r.Kind == "c" {
			cands = append(cands, r)
		} else {
			rows[n] = r
			n++
		}
	}
	rows = rows[:n]
	top, err := loyaltyOrgRanking(ctx, tx, rows, cands, k, args)
	if err != nil {
		return nil, err
	}
	return append(rows, top...), nil // summarize reads the groups before their suppliers
}

// loyaltyOrgRanking is the 't' rows of the report by organisation: each organisation's
// largest suppliers outside the agreements, per currency. Only the k+1 suppliers with the
// largest bounds (cands, the rows 'c' of loyaltyByOrganization) were computed exactly; an
// organisation whose fifth largest among them exceeds the smallest of their bounds, or that has
// no other supplier, is settled; the others (a range much shorter than the spend's history can
// leave many) are summed whole as loyaltyGrouped does. g are the report's 'g' rows: the
// organisations and currencies that have spend.
func loyaltyOrgRanking(ctx context.Context, tx *sqlx.Tx, g, cands []loyaltyRow, k int, args []any) ([]loyaltyRow, error) {
	type orgCur struct{ org, cur string }
	byOrg := map[string][]loyaltyRow{}
	for _, c := range cands {
		byOrg[c.Group] = append(byOrg[c.Group], c)
	}
	ranked := map[orgCur][]loyaltyRow{}
	unsettled := map[string]bool{}
	for _, r := range g {
		if r.Kind != "g" {
			continue
		}
		cs := byOrg[r.Group]
		// When the organisation has more suppliers than were fetched, every other supplier's
		// bound (On) is at most the smallest fetched.
		exhausted := len(cs) <= k
		var threshold int64
		for i, c := range cs {
			if i == 0 || c.On < threshold {
				threshold = c.On
			}
		}
		var top []loyaltyRow
		for _, c := range cs {
			if c.Currency == r.Currency && c.Amount > 0 {
				top = append(top, loyaltyRow{Kind: "t", Group: c.Group, Currency: c.Currency, Name: c.Name, Number: c.Number, Amount: c.Amount})
			}
		}
		sortTop(top)
		if !exhausted && (len(top) < TopOutside || top[TopOutside-1].Amount <= threshold) {
			unsettled[r.Group] = true
			continue
		}
		ranked[orgCur{r.Group, r.Currency}] = top[:min(len(top), TopOutside)]
	}
	var out []loyaltyRow
	for oc, top := range ranked {
		if !unsettled[oc.org] {
			out = append(out, top...)
		}
	}
	if len(unsettled) > 0 {
		orgs := make([]string, 0, len(unsettled))
		for org := range unsettled {
			orgs = append(orgs, org)
		}
		var whole []loyaltyRow
		if err := sqlx.SelectContext(ctx, tx, &whole, loyaltyByGroup[ByOrganization], append([]any{pq.Array(orgs)}, args[1:]...)...); err != nil {
			return nil, err
		}
		for _, r := range whole {
			if r.Kind == "t" {
				out = append(out, r)
			}
		}
	}
	return out, nil // each group's suppliers in rank order; summarize orders the groups
}

// sortTop orders outside suppliers as the report ranks them: largest first, then by number.
func sortTop(top []loyaltyRow) {
	sort.SliceStable(top, func(i, j int) bool {
		if top[i].Amount != top[j].Amount {
			return top[i].Amount > top[j].Amount
		}
		return top[i].Number < top[j].Number
	})
}
