package invoices

// loyaltyByOrganization is the report by organisation without each organisation's largest
// outside suppliers (its 't' rows, which loyaltyOrgRanking finds), but with rows 'c': the
// organisations' candidates (on_minor the bound, amount the exact outside spend in the range,
// named as loyaltyNamed names them). Nothing is summed per organisation and supplier (as many
// groups as rows in a national scope).
//
// An organisation's spend (CTE "orgs") is its total per month (loyalty_org_months, migration
// 00032: platform orders on agreement, the rest outside) over the window, with the awarded
// suppliers' spend that is judged on agreement moved from outside to on (CTE "awardedspend":
// their months other than platform orders, read once by supplier and judged, or their
// documents in the months a validity cuts), and the documents of "edge" (loyaltyEdge) added
// or subtracted. The largest outside suppliers over all (CTE "overall") are the free months
// outside (loyalty_supplier_months when the scope is national, loyaltySpend), the awarded
// suppliers' spend judged outside and the edge's, per currency, supplier, number and name
// written until what is subtracted is dropped.
func loyaltyByOrg(keyed bool) string {
	overall := `
overall AS (
	SELECT trim(currency) AS currency, supplier_key COLLATE "C" AS supplier_key, sum(amount)::bigint AS amount, max(number) AS number,
	       max(name) AS name
	FROM (` + loyaltyOverallRows + `) s
	GROUP BY 1, 2
),`
	if keyed {
		overall = `
overall AS (
	SELECT currency, supplier_key, sum(amount)::bigint AS amount, max(number) AS number, max(name) AS name
	FROM (SELECT trim(currency) AS currency, supplier_key COLLATE "C" AS supplier_key, number, name, sum(amount) AS amount
	      FROM (` + loyaltyOverallRows + `) s
	      GROUP BY 1, 2, 3, 4
	      HAVING sum(docs) > 0) x
	GROUP BY 1, 2
),`
	}
	return loyaltyCut + loyaltyNational + loyaltyEdge + `
awardedspend AS MATERIALIZED (
	SELECT m.org_id, m.supplier_key, m.supplier_org_number, m.supplier_name, m.currency, m.docs, m.amount_minor AS amount,
	       COALESCE(w.validity @> m.month, false) AS on_agreement
	FROM loyalty_months m
	LEFT JOIN awarded w ON w.org_id = m.org_id AND w.supplier_key = m.supplier_key AND w.division = m.division
	WHERE m.org_id = ANY($1::uuid[]) AND m.supplier_key = ANY($6::text[]) AND m.month >= $4 AND m.month < $5 AND NOT m.platform
	  AND NOT EXISTS (SELECT 1 FROM cut c WHERE c.org_id = m.org_id AND c.supplier_key = m.supplier_key
	      AND c.division = m.division AND c.month = m.month)
	UNION ALL
	SELECT d.org_id, d.supplier_key, d.supplier_org_number, d.supplier_name, d.currency, 1, d.amount_minor,
	       COALESCE(w.validity @> d.day, false)
	FROM cut c
	JOIN loyalty_docs d ON d.org_id = c.org_id AND d.day >= c.month AND d.day < (c.month + interval '1 month')::date
	     AND d.supplier_key = c.supplier_key AND d.division = c.division AND NOT d.platform
	LEFT JOIN awarded w ON w.org_id = d.org_id AND w.supplier_key = d.supplier_key AND w.division = d.division
),
orgs AS (
	SELECT org_id, trim(currency) AS currency, sum(on_amount)::bigint AS on_minor, sum(out_amount)::bigint AS outside_minor
	FROM (SELECT o.org_id, o.currency, CASE WHEN o.platform THEN o.amount_minor ELSE 0 END AS on_amount,
	             CASE WHEN o.platform THEN 0 ELSE o.amount_minor END AS out_amount, o.docs
	      FROM loyalty_org_months o WHERE o.org_id = ANY($1::uuid[]) AND o.month >= $4 AND o.month < $5
	      UNION ALL
	      SELECT a.org_id, a.currency, a.amount, -a.amount, 0 FROM awardedspend a WHERE a.on_agreement
	      UNION ALL
	      SELECT e.org_id, e.currency, CASE WHEN e.on_agreement THEN e.amount ELSE 0 END, CASE WHEN e.on_agreement THEN 0 ELSE e.amount END,
	             e.sign
	      FROM edge e) x
	GROUP BY 1, 2
	HAVING sum(docs) > 0
),
` + overall + loyaltyCandidates + loyaltyKnown + `
SELECT * FROM (
SELECT 'g' AS kind, org_id::text COLLATE "C" AS group_key, currency, on_minor, outside_minor, ''::text AS name, '' AS number,
       0::bigint AS amount
FROM orgs
UNION ALL
SELECT 'T', '', currency, 0, 0, name, number, amount FROM (
	SELECT o.currency, o.amount, COALESCE(k.org_number, o.number) AS number, COALESCE(k.name, o.name) AS name,
	       row_number() OVER (PARTITION BY o.currency ORDER BY o.amount DESC, COALESCE(k.org_number, o.number) COLLATE "C") AS rank
	FROM overall o LEFT JOIN known k ON k.key = o.supplier_key
	WHERE o.amount > 0) x
WHERE rank <= ` + topOutsideSQL + `
UNION ALL
SELECT 'c', c.org_id::text, c.currency, c.bound, 0, COALESCE(k.name, x.name, ''), COALESCE(k.org_number, x.number, ''),
       COALESCE(x.amount, 0)
FROM cand c
LEFT JOIN (SELECT org_id, currency, supplier_key, sum(amount)::bigint AS amount, max(number) AS number, max(name) AS name
           FROM cspend GROUP BY 1, 2, 3) x
     ON x.org_id = c.org_id AND x.currency = c.currency AND x.supplier_key = c.supplier_key
LEFT JOIN known k ON k.key = c.supplier_key
) r ORDER BY kind, group_key, currency, amount DESC, number COLLATE "C"`
}

// loyaltyByOrganization is loyaltyByOrg's statements, [1] the keyed one.
var loyaltyByOrganization = [2]string{loyaltyByOrg(false), loyaltyByOrg(true)}

// loyaltyOverallRows is the rows of the CTE "overall" of loyaltyByOrg: the spend outside the
// agreements per currency, supplier, number and name written, with its documents.
const loyaltyOverallRows = `SELECT m.currency, m.supplier_key, m.supplier_org_number AS number, m.supplier_name AS name, m.docs, m.amount_minor AS amount
	            FROM loyalty_supplier_months m
	            WHERE (SELECT yes FROM national) AND ` + loyaltyFreeAll + ` AND NOT m.platform
	            UNION ALL
	            SELECT m.currency, m.supplier_key, m.supplier_org_number, m.supplier_name, m.docs, m.amount_minor
	            FROM loyalty_months m
	            WHERE NOT (SELECT yes FROM national) AND ` + loyaltyFree + ` AND NOT m.platform
	            UNION ALL
	            SELECT a.currency, a.supplier_key, a.supplier_org_number, a.supplier_name, a.docs, a.amount
	            FROM awardedspend a WHERE NOT a.on_agreement
	            UNION ALL
	            SELECT e.currency, e.supplier_key, e.supplier_org_number, e.supplier_name, e.sign, e.amount
	            FROM edge e WHERE NOT e.on_agreement`

// loyaltyCandidates are the CTEs "cand", per organisation in scope its $7 suppliers with the
// largest bounds (loyalty_outside_bounds: no range's outside spend exceeds a supplier's bound),
// and "cspend", their spend outside the agreements in the range per currency, supplier, number
// and name written (keys whose documents were all subtracted dropped), judged as loyaltySpend
// judges it: their months in the window (in any currency: the planner, told the currency too,
// expects a row where thousands come and meets the awarded set in a loop), the documents of
// months a validity cuts, and the edge's.
const loyaltyCandidates = `
cand AS MATERIALIZED (
	SELECT o.id AS org_id, b.currency, b.supplier_key, b.positive_minor AS bound
	FROM unnest($1::uuid[]) o(id)
	CROSS JOIN LATERAL (SELECT currency, supplier_key, positive_minor FROM loyalty_outside_bounds
	                    WHERE org_id = o.id ORDER BY positive_minor DESC LIMIT $7) b
),
cspend AS (
	SELECT org_id, currency, supplier_key, number, name, sum(amount) AS amount
	FROM (SELECT m.org_id, m.currency, m.supplier_key, m.supplier_org_number AS number, m.supplier_name AS name, m.docs,
	             m.amount_minor AS amount
	      FROM cand c
	      JOIN loyalty_months m ON m.org_id = c.org_id AND m.supplier_key = c.supplier_key AND m.month >= $4 AND m.month < $5
	      LEFT JOIN awarded w ON w.org_id = m.org_id AND w.supplier_key = m.supplier_key AND w.division = m.division
	      WHERE NOT m.platform AND NOT COALESCE(w.validity @> m.month, false) AND NOT EXISTS (SELECT 1 FROM cut x
	            WHERE x.org_id = m.org_id AND x.supplier_key = m.supplier_key AND x.division = m.division AND x.month = m.month)
	      UNION ALL
	      SELECT d.org_id, d.currency, d.supplier_key, d.supplier_org_number, d.supplier_name, 1, d.amount_minor
	      FROM cut x
	      JOIN loyalty_docs d ON d.org_id = x.org_id AND d.day >= x.month AND d.day < (x.month + interval '1 month')::date
	           AND d.supplier_key = x.supplier_key AND d.division = x.division AND NOT d.platform
	      LEFT JOIN awarded w ON w.org_id = d.org_id AND w.supplier_key = d.supplier_key AND w.division = d.division
	      WHERE NOT COALESCE(w.validity @> d.day, false)
	        AND EXISTS (SELECT 1 FROM cand c WHERE c.org_id = d.org_id AND c.supplier_key = d.supplier_key)
	      UNION ALL
	      SELECT e.org_id, e.currency, e.supplier_key, e.supplier_org_number, e.supplier_name, e.sign, e.amount
	      FROM edge e
	      WHERE NOT e.on_agreement AND EXISTS (SELECT 1 FROM cand c WHERE c.org_id = e.org_id AND c.supplier_key = e.supplier_key)) s
	GROUP BY 1, 2, 3, 4, 5
	HAVING sum(docs) > 0
),`
