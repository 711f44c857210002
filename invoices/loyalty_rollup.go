package invoices

import (
	"context"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Contract loyalty from the rollups of migrations 00024 (loyalty_docs, loyalty_months),
// 00031 (loyalty_outside_bounds) and 00032 (loyalty_supplier_months, loyalty_org_months). The
// answer is the base-table query's (loyaltyBaseQuery), row for row;
// TestLoyaltyRollupsEqualBaseTables and TestLoyaltyCutMonths compare them.
//
// Parameters of every statement: $1 the organisations in scope, $2 from, $3 to, $4 the first
// day and $5 the day after the months read whole (loyaltyWindow), $6 the keys of the suppliers
// an agreement in the scope awards.

// loyaltyCut is the CTEs "agreed", "awarded" and "cut". "agreed" is the active agreements'
// suppliers (by key), CPV divisions and validities; "awarded" is awardedCTE's set, made
// without aggregating where one agreement alone awards a supplier a division (range_agg per
// organisation cost a national report 10–20 ms). "cut" is the months of the window $4 to $5
// in which the validity of an agreement that awards a supplier to an organisation starts or
// ends, whose documents are judged per day: every month in which the awarded validity (their
// union) starts or ends, and perhaps a month where another agreement's validity covers the
// edge, which judged per day gives the same answer.
const loyaltyCut = `
WITH agreed AS MATERIALIZED (
	SELECT a.id, upper(regexp_replace(so.org_number, '[^0-9A-Za-z]', '', 'g')) AS supplier_key, left(a.cpv_code, 2) AS division,
	       daterange(a.valid_from, a.valid_to, '[]') AS validity
	FROM agreements a
	JOIN agreement_suppliers s ON s.agreement_id = a.id
	JOIN organizations so ON so.id = s.org_id
	WHERE a.status = 'active'
),
awarded AS MATERIALIZED (
	SELECT p.org_id, s.supplier_key, s.division, datemultirange(s.validity) AS validity
	FROM (SELECT *, count(*) OVER (PARTITION BY supplier_key, division) AS n FROM agreed) s
	JOIN agreement_participants p ON p.agreement_id = s.id
	WHERE s.n = 1 AND p.org_id = ANY($1::uuid[])
	UNION ALL
	SELECT p.org_id, s.supplier_key, s.division, range_agg(s.validity)
	FROM (SELECT *, count(*) OVER (PARTITION BY supplier_key, division) AS n FROM agreed) s
	JOIN agreement_participants p ON p.agreement_id = s.id
	WHERE s.n > 1 AND p.org_id = ANY($1::uuid[])
	GROUP BY 1, 2, 3
),
cut AS (
	SELECT DISTINCT p.org_id, s.supplier_key, s.division, b.month
	FROM agreed s
	CROSS JOIN LATERAL (VALUES (date_trunc('month', lower(s.validity))::date, lower(s.validity)),
	                           (date_trunc('month', upper(s.validity))::date, upper(s.validity))) b(month, edge)
	JOIN agreement_participants p ON p.agreement_id = s.id
	WHERE b.edge IS NOT NULL AND b.edge <> b.month AND b.month >= $4 AND b.month < $5 AND p.org_id = ANY($1::uuid[])
),`

// loyaltyEdge is the CTE "edge": the scope's documents of the range outside the window (sign
// 1) and of the window outside the range (sign -1), each judged on its day as the base-table
// query judges it. They lie in [least(from, first), greatest(from, first)) and [least(to + 1,
// end), greatest(to + 1, end)): the symmetric difference of the range and the window, which
// overlap or touch. Read once (materialized) for every part of a report that needs them. When
// the window is the range (whole months), the first condition, which holds no column, makes
// the planner skip the scan: else it would descend the index twice per organisation to find
// nothing (580 descents and as many leaf pages for a national scope, most of them read from
// disk on a cold call).
//
// Whole months minus the documents outside the range are the range's spend because sums are
// linear and every document is judged alike both ways: by day here, and in the window by month
// only where the awarded validity covers the month whole or not at all (otherwise per day,
// "cut"), where the day's judgement is the month's. Counts (docs, sign) go with the sums, so
// that a key whose documents are all subtracted is dropped rather than left at zero; the
// supplier numbers and names written, which are not sums (max), are kept as keys until then.
const loyaltyEdge = `
edge AS MATERIALIZED (
	SELECT d.org_id, d.day, d.division, d.supplier_key, d.supplier_org_number, d.supplier_name, d.currency, d.platform,
	       CASE WHEN d.day BETWEEN $2 AND $3 THEN 1 ELSE -1 END AS sign,
	       CASE WHEN d.day BETWEEN $2 AND $3 THEN d.amount_minor ELSE -d.amount_minor END AS amount,
	       d.platform OR COALESCE(w.validity @> d.day, false) AS on_agreement
	FROM loyalty_docs d
	LEFT JOIN awarded w ON w.org_id = d.org_id AND w.supplier_key = d.supplier_key AND w.division = d.division
	WHERE ($2::date <> $4::date OR $3::date + 1 <> $5::date) AND d.org_id = ANY($1::uuid[])
	  AND ((d.day >= least($2::date, $4::date) AND d.day < greatest($2::date, $4::date))
	    OR (d.day >= least($3::date + 1, $5::date) AND d.day < greatest($3::date + 1, $5::date)))
),`

// loyaltyFree selects the rows m of loyalty_months of the CTE "free" of loyaltySpend.
const loyaltyFree = `m.org_id = ANY($1::uuid[]) AND ` + loyaltyFreeAll

// loyaltyFreeAll selects the rows m of loyalty_supplier_months of the CTE "free" of a national
// scope.
const loyaltyFreeAll = `m.month >= $4 AND m.month < $5 AND m.supplier_key <> ALL($6::text[])`

// loyaltyUnjudged selects the rows m of loyalty_supplier_months or loyalty_months of the CTE
// "free" of loyaltySpend: those of the free suppliers and every platform order's, on agreement
// by construction, so that "judged" reads the awarded suppliers' other months only.
const loyaltyUnjudged = `m.month >= $4 AND m.month < $5 AND (m.platform OR m.supplier_key <> ALL($6::text[]))`

// loyaltyNational is the CTE "national": whether every buyer with spend in the window $4 to $5
// is in the scope $1, so that sums without the buyer are the scope's.
const loyaltyNational = `
national AS MATERIALIZED (
	SELECT NOT EXISTS (SELECT 1 FROM loyalty_org_months o WHERE o.month >= $4 AND o.month < $5 AND o.org_id <> ALL($1::uuid[])) AS yes
),`

// loyaltySpend is the judged spend of the scope in two CTEs: "free" one row per month of the
// free suppliers and platform orders, by group (the column col of loyalty_months) (g,
// currency, supplier_key, on_agreement, number, name, docs, amount), and "judged" one row
// per month or document (org_id, g, supplier_key, supplier_org_number, supplier_name,
// currency, docs, amount, on_agreement). day is the group's expression for a row d of
// loyalty_docs.
//
// Spend (loyalty_docs, one row per document; loyalty_months, their sums per month) is the
// union of: received invoices (not invalid; credit notes negative) at their tax-exclusive
// amount; ledger rows not also received as an invoice (same buyer, supplier org number and
// invoice number); and platform orders placed (approved or later, not declined or cancelled)
// that no invoice names yet, at their total. The window's months come from loyalty_months:
// those of suppliers no agreement in the scope awards, and platform orders ("free", on
// agreement or outside with nothing to judge) are summed as they are read; the awarded
// suppliers' are found by buyer and supplier (loyalty_months_org_supplier_cover_idx; by supplier and
// month, migrations 00034 and 00036, when the buyers are many) and judged per month when
// the awarded validity covers the month whole or not at all, per document (loyalty_docs)
// otherwise. The documents of "edge" (loyaltyEdge) add or subtract the days the range and the
// window do not share.
//
// A scope that holds every buyer with spend in the window (a national manager's: CTE
// "national") reads the free months of loyalty_supplier_months (migration 00032), the same sums
// without the buyer, some thirty times fewer rows; any other scope reads loyalty_months, so
// that it never sees another buyer's spend. Both in one statement, one snapshot.
func loyaltySpend(col, day string) string {
	// Not summed here: each row is one of a group's few (a national scope's months of
	// loyalty_supplier_months are nearly one per group, currency and supplier), and the report's
	// sums (loyaltyByColumn) group them with "judged" anyway.
	free := `
	SELECT m.` + col + ` AS g, m.currency, m.supplier_key, m.platform AS on_agreement, m.supplier_org_number AS number,
	       m.supplier_name AS name, m.docs, m.amount_minor AS amount
	FROM loyalty_supplier_months m
	WHERE (SELECT yes FROM national) AND ` + loyaltyUnjudged + `
	UNION ALL
	SELECT m.` + col + `, m.currency, m.supplier_key, m.platform, m.supplier_org_number, m.supplier_name, m.docs, m.amount_minor
	FROM loyalty_months m
	WHERE NOT (SELECT yes FROM national) AND m.org_id = ANY($1::uuid[]) AND ` + loyaltyUnjudged
	if col == "org_id" { // per buyer and supplier: only loyalty_months has both
		free = `
	SELECT m.org_id AS g, m.currency, m.supplier_key, m.platform AS on_agreement, m.supplier_org_number AS number,
	       m.supplier_name AS name, m.docs, m.amount_minor AS amount
	FROM loyalty_months m
	WHERE m.org_id = ANY($1::uuid[]) AND ` + loyaltyUnjudged
	}
	return loyaltyCut + loyaltyNational + loyaltyEdge + `
free AS (` + free + `
),
judged AS (
	SELECT m.org_id, m.` + col + ` AS g, m.supplier_key, m.supplier_org_number, m.supplier_name, m.currency, m.docs,
	       m.amount_minor AS amount, m.platform OR COALESCE(w.validity @> m.month, false) AS on_agreement
	FROM loyalty_months m
	LEFT JOIN awarded w ON w.org_id = m.org_id AND w.supplier_key = m.supplier_key AND w.division = m.division
	WHERE m.org_id = ANY($1::uuid[]) AND m.supplier_key = ANY($6::text[]) AND m.month >= $4 AND m.month < $5 AND NOT m.platform
	  AND NOT EXISTS (SELECT 1 FROM cut c WHERE c.org_id = m.org_id AND c.supplier_key = m.supplier_key
	      AND c.division = m.division AND c.month = m.month)
	UNION ALL
	SELECT d.org_id, ` + day + `, d.supplier_key, d.supplier_org_number, d.supplier_name, d.currency, d.sign, d.amount, d.on_agreement
	FROM edge d
	UNION ALL
	SELECT d.org_id, ` + day + `, d.supplier_key, d.supplier_org_number, d.supplier_name, d.currency, 1, d.amount_minor,
	       COALESCE(w.validity @> d.day, false)
	FROM cut c
	JOIN loyalty_docs d ON d.org_id = c.org_id AND d.day >= c.month AND d.day < (c.month + interval '1 month')::date
	     AND d.supplier_key = c.supplier_key AND d.division = c.division AND NOT d.platform
	LEFT JOIN awarded w ON w.org_id = d.org_id AND w.supplier_key = d.supplier_key AND w.division = d.division
),`
}

// The supplier keys of the awarded set ($6 of loyaltySpend): each awarded supplier's key made
// once, not once per participant of each agreement that awards it (8,700 times for a national
// scope).
const loyaltyAwardedKeys = `
SELECT DISTINCT upper(regexp_replace(so.org_number, '[^0-9A-Za-z]', '', 'g'))
FROM organizations so
WHERE so.id IN (SELECT s.org_id FROM agreements a JOIN agreement_suppliers s ON s.agreement_id = a.id
                WHERE a.status = 'active'
                  AND EXISTS (SELECT 1 FROM agreement_participants p WHERE p.agreement_id = a.id AND p.org_id = ANY($1::uuid[])))`

// loyaltyByColumn is the report grouped by a column of loyalty_months (division, month,
// supplier_key or org_id; day its value for a document d) whose text (key, of "g") is the
// group: summed per group, currency, supplier, number and name written and on or off
// agreement, keys whose documents were all subtracted dropped, then per group, currency,
// supplier and on or off agreement (the largest number and name), made text, with
// loyaltyNamed's rows.
func loyaltyByColumn(column, day, key string, keyed bool) string {
	union := `SELECT * FROM free
	      UNION ALL
	      SELECT g, currency, supplier_key, on_agreement, supplier_org_number, supplier_name, docs, amount FROM judged`
	if !keyed {
		return loyaltySpend(column, day) + `
sums AS (
	SELECT ` + key + ` COLLATE "C" AS group_key, trim(currency) COLLATE "C" AS currency, supplier_key COLLATE "C" AS supplier_key, on_agreement,
	       sum(amount)::bigint AS amount, max(number) AS number, max(name) AS name
	FROM (` + union + `) s
	GROUP BY g, 2, 3, 4
),` + loyaltyNamed
	}
	// The second aggregate groups by text in the C collation, which sorts as memcmp does (the
	// planner, expecting few rows, sorts them).
	return loyaltySpend(column, day) + `
sums AS (
	SELECT ` + key + ` COLLATE "C" AS group_key, trim(currency) COLLATE "C" AS currency, supplier_key, on_agreement,
	       sum(amount)::bigint AS amount, max(number) AS number, max(name) AS name
	FROM (SELECT g, currency, supplier_key COLLATE "C" AS supplier_key, on_agreement, number, name, sum(amount) AS amount
	      FROM (` + union + `) s
	      GROUP BY 1, 2, 3, 4, 5, 6
	      HAVING sum(docs) > 0) x
	GROUP BY 1, 2, 3, 4
),` + loyaltyNamed
}

// loyaltyGroups is the statement of each grouping but the organisation's, keyed (true) or
// not by the supplier numbers and names written (loyaltySpend).
func loyaltyGroups(keyed bool) map[LoyaltyGroup]string {
	return map[LoyaltyGroup]string{
		ByOrganization: loyaltyByColumn("org_id", "d.org_id", "g::text", keyed),
		ByCPV:          loyaltyByColumn("division", "d.division", "g", keyed),
		ByMonth:        loyaltyByColumn("month", "date_trunc('month', d.day)::date", "to_char(g, 'YYYY-MM')", keyed),
		BySupplier:     loyaltyByColumn("supplier_key", "d.supplier_key", "g", keyed),
	}
}

// loyaltyByGroup is loyaltyGroups' statements, [1] the keyed ones, for a window that reaches
// outside the range.
var loyaltyByGroup = [2]map[LoyaltyGroup]string{loyaltyGroups(false), loyaltyGroups(true)}

// defaultLoyaltyCandidates is how many suppliers per organisation the report by organisation
// computes exactly (one more is read, whose bound is the threshold): on the bench's national
// database enough that the default range (the last twelve months) settles every municipality;
// one that is not settled is summed whole (TestLoyaltyRankingByBounds).
const defaultLoyaltyCandidates = 12

// coveringLoyaltyCandidates is how many when the months the report reads hold every month with
// spend: a bound, the positive spend of all time, is then a supplier's outside spend in the
// range but for its spend on agreement and its credits, so fewer settle an organisation (on the
// bench's national database 6 settle all 290 municipalities, 5 leave 2). Each candidate is an
// index probe into loyalty_months, most of them a leaf page of their own: 8 read where 13 were
// are some 1,000 fewer pages for a national report, read from disk when it comes cold.
const coveringLoyaltyCandidates = 7

// loyaltyCovers is whether the months [$1, $2) hold every month with spend (of any buyer).
const loyaltyCovers = `SELECT COALESCE($1 <= min(month) AND max(month) < $2, true) FROM loyalty_org_months`

// loyaltyStatement is a report's statement from the rollups (q) and its arguments; by
// organisation also the statement that sums organisations whole (whole, its arguments args
// with the organisations replaced) and how many suppliers per organisation q computes exactly
// (k; k+1, its last argument, are read).
type loyaltyStatement struct {
	q, whole string
	args     []any
	k        int
}

// loyaltyStatement is the statement of a report from the rollups.
func (s *Service) loyaltyStatement(ctx context.Context, tx *sqlx.Tx, ids []string, from, to time.Time, by LoyaltyGroup) (loyaltyStatement, error) {
	var keys []string
	if err := sqlx.SelectContext(ctx, tx, &keys, loyaltyAwardedKeys, pq.Array(ids)); err != nil {
		return loyaltyStatement{}, err
	}
	if keys == nil {
		keys = []string{} // NULL would make "<> ALL" unknown for every row
	}
	subtract := by == ByOrganization || len(ids) >= loyaltySubtractFrom || s.loyaltySubtractAll
	first, end := loyaltyWindow(from, to, subtract)
	st := loyaltyStatement{args: []any{pq.Array(ids), from, to, first, end, pq.Array(keys)}}
	keyed := 0 // whether documents are subtracted
	if first.Before(from) || end.After(to.AddDate(0, 0, 1)) {
		keyed = 1
	}
	if by != ByOrganization {
		st.q = loyaltyByGroup[keyed][by]
		return st, nil
	}
	st.q, st.whole, st.k = loyaltyByOrganization[keyed], loyaltyByGroup[keyed][ByOrganization], s.loyaltyCandidates
	if st.k == 0 {
		var covers bool
		if err := tx.GetContext(ctx, &covers, loyaltyCovers, first, end); err != nil {
			return loyaltyStatement{}, err
		}
		st.k = defaultLoyaltyCandidates
		if covers {
			st.k = coveringLoyaltyCandidates
		}
	}
	return st, nil
}

// loyaltyRollups is the rows of loyaltyGrouped for the organisations ids, from the rollups.
func (s *Service) loyaltyRollups(ctx context.Context, tx *sqlx.Tx, ids []string, from, to time.Time, by LoyaltyGroup) ([]loyaltyRow, error) {
	st, err := s.loyaltyStatement(ctx, tx, ids, from, to, by)
	if err != nil {
		return nil, err
	}
	var rows []loyaltyRow
	if by != ByOrganization {
		err := sqlx.SelectContext(ctx, tx, &rows, st.q, st.args...)
		return rows, err
	}
	if err := sqlx.SelectContext(ctx, tx, &rows, st.q, append(st.args, st.k+1)...); err != nil {
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
	top, err := loyaltyOrgRanking(ctx, tx, rows, cands, st.k, st.whole, st.args)
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
func loyaltyOrgRanking(ctx context.Context, tx *sqlx.Tx, g, cands []loyaltyRow, k int, whole string, args []any) ([]loyaltyRow, error) {
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
		var summed []loyaltyRow
		if err := sqlx.SelectContext(ctx, tx, &summed, whole, append([]any{pq.Array(orgs)}, args[1:]...)...); err != nil {
			return nil, err
		}
		for _, r := range summed {
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
