package orders

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
)

// Follow-up from rollups (SPEC §10 "Volume"). Migration 00018 keeps follow_spend (per month of
// approval, agreement, buyer, supplier, currency and dimension) and follow_cards (per
// agreement, buyer and supplier) in step with orders inside the transactions that change them,
// so spend and scorecards read a few rows per group instead of every order line. The answers
// equal the base-table queries (spendFromOrders, scorecardQuery) exactly; the tests prove it.
//
// Spend filters by day while the rollup counts months: whole months in the range come from the
// rollup and the days of a month the range cuts (at most the two edge months) from the
// approved orders' stored contributions (follow_orders, one row per order by approval time,
// migration 00022) or, for a manager, from the per-agreement day sums (00026), so any range
// stays exact without reading order lines.

// rollupKey says how one dimension is read: its code and key expression over a follow_spend
// row r; the same over a follow_spend_agreements row r (a manager's calls); the key over an
// order's contribution r (follow_orders, for the days of cut months; c is one of its CPV
// codes); and, for keys naming a row, the table and expression of its label (x is that row).
type rollupKey struct{ dim, key, agrDim, agrKey, edgeKey, labelJoin, label string }

var rollupKeys = map[SpendGroup]rollupKey{
	GroupOrganization: {"o", "r.buyer_org_id::text", "b", "r.key", "r.buyer_org_id::text", "organizations x", "x.name"},
	GroupSupplier:     {"o", "r.supplier_id::text", "s", "r.key", "r.supplier_id::text", "organizations x", "x.name"},
	GroupAgreement:    {"o", "r.agreement_id::text", "o", "r.agreement_id::text", "r.agreement_id::text", "agreements x", "x.reference || ' ' || x.title"},
	GroupCPV:          {"c", "r.key", "c", "r.key", "c.key", "", "g.key"},
	GroupCostCenter:   {"k", "r.key", "k", "r.key", "r.cost_center", "", "g.key"},
	GroupOrderer:      {"u", "r.key", "u", "r.key", "r.ordered_by::text", "users x", "x.name"},
	GroupMonth:        {"o", "to_char(r.month, 'YYYY-MM')", "o", "to_char(r.month, 'YYYY-MM')", "to_char(r.month, 'YYYY-MM')", "", "g.key"},
}

// rollupTotal reads the totals over all groups.
var rollupTotal = rollupKey{dim: "o", key: "''", agrDim: "o", agrKey: "''", edgeKey: "''"}

// monthSplit divides an inclusive day range into whole months [mFrom, mTo) read from the
// rollup and the edge day ranges read from the base tables. Empty bounds are open.
type monthSplit struct {
	rollup         bool
	mFrom, mTo     string // "" = open
	edges          [][2]string
	onlyBaseTables bool
}

func splitMonths(from, to string) monthSplit {
	var sp monthSplit
	var f, t time.Time
	if from != "" {
		f, _ = time.Parse(time.DateOnly, from)
		first := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, time.UTC)
		if !f.Equal(first) {
			first = first.AddDate(0, 1, 0)
		}
		sp.mFrom = first.Format(time.DateOnly)
	}
	if to != "" {
		t, _ = time.Parse(time.DateOnly, to)
		first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		if t.Equal(first.AddDate(0, 1, -1)) {
			first = first.AddDate(0, 1, 0)
		}
		sp.mTo = first.Format(time.DateOnly)
	}
	if sp.mFrom != "" && sp.mTo != "" && sp.mFrom >= sp.mTo {
		// The range lies within a month it does not fill (or two it fills neither of).
		sp.onlyBaseTables = true
		sp.edges = [][2]string{{from, to}}
		return sp
	}
	sp.rollup = true
	if from != "" && from != sp.mFrom {
		mf, _ := time.Parse(time.DateOnly, sp.mFrom)
		sp.edges = append(sp.edges, [2]string{from, mf.AddDate(0, 0, -1).Format(time.DateOnly)})
	}
	if to != "" {
		if mt, _ := time.Parse(time.DateOnly, sp.mTo); !mt.AddDate(0, 0, -1).Equal(t) {
			sp.edges = append(sp.edges, [2]string{sp.mTo, to})
		}
	}
	return sp
}

// spendSources is the UNION ALL of per-group sums (key, currency, order_count, total_minor,
// eco_minor) from the rollups and the orders' contributions. k says what is grouped; the args
// it needs are appended to args. A caller who is only a manager sees whole agreements (those
// of its procurement body), so its months come from the per-agreement sums.
func spendSources(c auth.Caller, f SpendFilter, k rollupKey, args *[]any) string {
	dim, edgeKey := k.dim, k.edgeKey
	table, rollupKey := "follow_spend", k.key
	var rScope string
	if c.Has(auth.RoleManager) && !c.HasAny(auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier) {
		table, dim, rollupKey = "follow_spend_agreements", k.agrDim, k.agrKey
		*args = append(*args, c.OrgID)
		rScope = fmt.Sprintf(`a.procurement_body_id = $%d`, len(*args))
	} else {
		_, sargs := scope(c, len(*args)+1)
		*args = append(*args, sargs...)
		n := len(*args)
		rScope = fmt.Sprintf(`(($%d AND r.buyer_org_id = $%d) OR ($%d AND r.supplier_id = $%d) OR ($%d AND a.procurement_body_id = $%d))`,
			n-3, n, n-2, n, n-1, n)
	}
	edgeJoin, edgeTotal, edgeEco := "", "r.total_minor", "r.eco_minor"
	if k.dim == "c" {
		edgeJoin = ` CROSS JOIN LATERAL unnest(r.cpv, r.cpv_total, r.cpv_eco) AS c(key, total, eco)`
		edgeTotal, edgeEco = "c.total", "c.eco"
	}
	add := func(v any) string {
		*args = append(*args, v)
		return fmt.Sprintf("$%d", len(*args))
	}
	agr := ""
	if f.AgreementID != "" {
		agr = add(f.AgreementID)
	}
	sp := splitMonths(f.From, f.To)
	var parts []string
	if sp.rollup {
		q := `SELECT ` + rollupKey + ` AS key, r.currency, r.orders AS order_count, r.total_minor, r.eco_minor
			FROM ` + table + ` r JOIN agreements a ON a.id = r.agreement_id
			WHERE r.dim = '` + dim + `' AND r.orders <> 0 AND ` + rScope
		if agr != "" {
			q += ` AND r.agreement_id = ` + agr + `::uuid`
		}
		if sp.mFrom != "" {
			q += ` AND r.month >= ` + add(sp.mFrom) + `::date`
		}
		if sp.mTo != "" {
			q += ` AND r.month < ` + add(sp.mTo) + `::date`
		}
		parts = append(parts, q)
	}
	for _, e := range sp.edges {
		if table == "follow_spend_agreements" {
			// A manager's days [e0, e1] from the per-agreement day sums; by month, a day's month.
			q := `SELECT ` + strings.ReplaceAll(rollupKey, "r.month", "r.day") + ` AS key, r.currency, r.orders AS order_count,
				r.total_minor, r.eco_minor
				FROM follow_spend_agreement_days r JOIN agreements a ON a.id = r.agreement_id
				WHERE r.dim = '` + dim + `' AND r.orders <> 0 AND ` + rScope
			if agr != "" {
				q += ` AND r.agreement_id = ` + agr + `::uuid`
			}
			q += ` AND r.day >= ` + add(e[0]) + `::date AND r.day <= ` + add(e[1]) + `::date`
			parts = append(parts, q)
			continue
		}
		// The UTC days [e0, e1] as a range of approval times, read from the approved orders'
		// contributions through the index of the caller's scope.
		q := `SELECT ` + edgeKey + ` AS key, r.currency, count(*) AS order_count, sum(` + edgeTotal + `) AS total_minor,
			sum(` + edgeEco + `) AS eco_minor
			FROM follow_orders r JOIN agreements a ON a.id = r.agreement_id` + edgeJoin + `
			WHERE r.spend AND ` + rScope
		if agr != "" {
			q += ` AND r.agreement_id = ` + agr + `::uuid`
		}
		q += ` AND r.approved_at >= (` + add(e[0]) + `::date)::timestamp AT TIME ZONE 'UTC'
			AND r.approved_at < (` + add(e[1]) + `::date + 1)::timestamp AT TIME ZONE 'UTC' GROUP BY 1, 2`
		parts = append(parts, q)
	}
	if len(parts) == 0 {
		return `SELECT NULL::text AS key, NULL::text AS currency, 0::bigint AS order_count, 0::bigint AS total_minor, 0::bigint AS eco_minor WHERE false`
	}
	src := parts[0]
	for _, p := range parts[1:] {
		src += "\n\tUNION ALL\n" + p
	}
	return src
}

// spendFromRollups is Spend (see there) answered from the rollups.
func (s *Service) spendFromRollups(ctx context.Context, c auth.Caller, f SpendFilter) (Spend, error) {
	k := rollupKeys[f.GroupBy]
	var args []any
	src := spendSources(c, f, k, &args)
	grouped := `SELECT key, currency, sum(order_count)::bigint AS order_count, sum(total_minor)::bigint AS total_minor,
		sum(eco_minor)::bigint AS eco_minor FROM (` + src + `) s GROUP BY key, currency`
	join := ""
	if k.labelJoin != "" {
		join = ` JOIN ` + k.labelJoin + ` ON x.id = g.key::uuid`
	}
	order := "total_minor DESC, key, currency"
	if f.GroupBy == GroupMonth {
		order = "key, currency"
	}
	q := `SELECT g.key, ` + k.label + ` AS label, g.currency, g.order_count, g.total_minor, g.eco_minor, count(*) OVER () AS group_count
		FROM (` + grouped + `) g` + join + ` ORDER BY ` + order
	out, err := s.spendPage(ctx, f, q, `SELECT count(*) FROM (`+grouped+`) g`, args)
	if err != nil {
		return Spend{}, err
	}
	var targs []any
	tsrc := spendSources(c, f, rollupTotal, &targs)
	tq := `SELECT currency, sum(order_count)::bigint AS order_count, sum(total_minor)::bigint AS total_minor,
		sum(eco_minor)::bigint AS eco_minor FROM (` + tsrc + `) s GROUP BY 1 ORDER BY 1`
	if err := s.read(ctx, func(db sqlx.QueryerContext) error { return sqlx.SelectContext(ctx, db, &out.Totals, tq, targs...) }); err != nil {
		return Spend{}, fmt.Errorf("spend totals: %w", err)
	}
	out.shareTotals()
	return out, nil
}

// scorecardRollupQuery is scorecardQuery (same parameters, same columns) summing follow_cards
// instead of every order and deviation.
const scorecardRollupQuery = `
WITH ` + scorecardVisible + `,
cs AS (
	SELECT c.supplier_id, sum(c.received) AS received, sum(c.accepted) AS accepted, sum(c.declined) AS declined,
	       sum(c.shipped_or_delivered) AS shipped_or_delivered, sum(c.delivered) AS delivered, sum(c.on_time) AS on_time,
	       sum(c.deviations) AS deviations, sum(c.open_deviations) AS open_deviations, sum(c.k_late) AS k_late,
	       sum(c.k_wrong_item) AS k_wrong_item, sum(c.k_damaged) AS k_damaged, sum(c.k_missing) AS k_missing,
	       sum(c.k_quality) AS k_quality, sum(c.k_other) AS k_other, sum(c.k_service_outage) AS k_service_outage,
	       sum(c.outages_in_time) AS outages_in_time
	FROM follow_cards c JOIN agreements a ON a.id = c.agreement_id
	WHERE c.supplier_id IN (SELECT supplier_id FROM vis)
	  AND ($1 = '' OR c.agreement_id::text = $1)
	  AND (($2 AND c.supplier_id = $5::uuid) OR ($3 AND a.procurement_body_id = $5::uuid) OR ($4 AND c.buyer_org_id = $5::uuid))
	GROUP BY c.supplier_id
)
SELECT v.supplier_id, org.name AS supplier_name,
       COALESCE(cs.received, 0)::bigint AS received, COALESCE(cs.accepted, 0)::bigint AS accepted,
       COALESCE(cs.declined, 0)::bigint AS declined, COALESCE(cs.shipped_or_delivered, 0)::bigint AS shipped_or_delivered,
       COALESCE(cs.delivered, 0)::bigint AS delivered, COALESCE(cs.on_time, 0)::bigint AS on_time,
       COALESCE(cs.deviations, 0)::bigint AS deviations, COALESCE(cs.open_deviations, 0)::bigint AS open_deviations,
       COALESCE(cs.k_late, 0)::bigint AS k_late, COALESCE(cs.k_wrong_item, 0)::bigint AS k_wrong_item,
       COALESCE(cs.k_damaged, 0)::bigint AS k_damaged, COALESCE(cs.k_missing, 0)::bigint AS k_missing,
       COALESCE(cs.k_quality, 0)::bigint AS k_quality, COALESCE(cs.k_other, 0)::bigint AS k_other,
       COALESCE(cs.k_service_outage, 0)::bigint AS k_service_outage, COALESCE(cs.outages_in_time, 0)::bigint AS outages_in_time
FROM (SELECT DISTINCT supplier_id FROM vis) v
JOIN organizations org ON org.id = v.supplier_id AND org.kind = 'supplier'
LEFT JOIN cs ON cs.supplier_id = v.supplier_id
ORDER BY org.name, v.supplier_id`
