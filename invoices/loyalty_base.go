package invoices

// loyaltyBaseQuery is contract loyalty from the base tables, what the product ran before the
// rollups of migration 00024: the definition they must match. The tests compare both
// (FromBaseTables); the product reads the rollups. $1 the organisations in scope, $2 from, $3
// to, $4 the grouping.
const loyaltyBaseQuery = awardedCTE + `
base AS (
	SELECT i.buyer_org_id AS org_id, upper(regexp_replace(so.org_number, '[^0-9A-Za-z]', '', 'g')) AS supplier_key,
	       so.org_number AS supplier_org_number, so.name AS supplier_name, left(i.cpv_code, 2) AS division,
	       i.issue_date AS day, i.currency,
	       CASE WHEN i.kind = 'credit_note' THEN -i.tax_exclusive_minor ELSE i.tax_exclusive_minor END AS amount,
	       false AS platform_order
	FROM invoices i JOIN organizations so ON so.id = i.supplier_id
	WHERE i.buyer_org_id = ANY($1::uuid[]) AND i.status <> 'invalid' AND i.issue_date BETWEEN $2 AND $3
	UNION ALL
	SELECT r.org_id, r.supplier_key, r.supplier_org_number, r.supplier_name, left(r.cpv_code, 2), r.invoice_date, r.currency,
	       r.amount_minor, false
	FROM spend_records r
	WHERE r.org_id = ANY($1::uuid[]) AND r.invoice_date BETWEEN $2 AND $3
	  AND NOT EXISTS (SELECT 1 FROM invoices i JOIN organizations so ON so.id = i.supplier_id
	      WHERE i.buyer_org_id = r.org_id AND i.number = r.invoice_number AND i.status <> 'invalid'
	        AND upper(regexp_replace(so.org_number, '[^0-9A-Za-z]', '', 'g')) = r.supplier_key)
	UNION ALL
	SELECT o.buyer_org_id, upper(regexp_replace(so.org_number, '[^0-9A-Za-z]', '', 'g')), so.org_number, so.name,
	       left(a.cpv_code, 2), (o.created_at AT TIME ZONE 'UTC')::date, o.currency, o.total_minor, true
	FROM orders o JOIN agreements a ON a.id = o.agreement_id JOIN organizations so ON so.id = o.supplier_id
	WHERE o.buyer_org_id = ANY($1::uuid[]) AND o.approved_at IS NOT NULL
	  AND o.status IN ('approved', 'accepted', 'shipped', 'delivered')
	  AND o.created_at >= $2::date AND o.created_at < $3::date + 1
	  AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.order_id = o.id AND i.status <> 'invalid')
),
spend AS (
	SELECT s.*, (s.platform_order OR COALESCE(w.validity @> s.day, false)) AS on_agreement
	FROM base s
	LEFT JOIN awarded w ON w.org_id = s.org_id AND w.supplier_key = s.supplier_key AND w.division = s.division
),` + loyaltyGrouped
