-- +goose Up

-- Spend over a range that cuts a month (SPEC §10 "Volume"): the days of the edge months were
-- read from orders joined to every line (0.2–1 s for a region at 1,000,000 orders). Each
-- approved order's contribution in follow_orders already holds what spend needs — totals,
-- eco-labelled value, per-CPV sums, cost centre, orderer — so the edges read one row per
-- order from it, by approval time, instead of the order and all its lines. A day-level rollup
-- would hold about as many rows as this: at national volume an agreement, buyer and supplier
-- see two or three approved orders a day.

ALTER TABLE follow_orders ADD COLUMN approved_at timestamptz;
UPDATE follow_orders f SET approved_at = o.approved_at FROM orders o WHERE o.id = f.order_id;
ALTER TABLE follow_orders ALTER COLUMN approved_at SET NOT NULL;

-- One per scope: a manager's agreements, a buyer, a supplier. Only orders that count as spend.
CREATE INDEX follow_orders_agreement_day_idx ON follow_orders (agreement_id, approved_at) WHERE spend;
CREATE INDEX follow_orders_buyer_day_idx ON follow_orders (buyer_org_id, approved_at) WHERE spend;
CREATE INDEX follow_orders_supplier_day_idx ON follow_orders (supplier_id, approved_at) WHERE spend;

-- The views gain the approval time as their last column, matching follow_orders.
CREATE OR REPLACE VIEW follow_order_state AS
SELECT o.id AS order_id,
       date_trunc('month', o.approved_at AT TIME ZONE 'UTC')::date AS month,
       o.agreement_id, o.buyer_org_id, o.supplier_id, trim(o.currency)::text AS currency, o.ordered_by, o.cost_center,
       (o.status IN ('approved', 'accepted', 'shipped', 'delivered') AND ls.n > 0) AS spend,
       COALESCE(ls.total, 0)::bigint AS total_minor, COALESCE(ls.eco, 0)::bigint AS eco_minor,
       COALESCE(cs.cpv, '{}') AS cpv, COALESCE(cs.totals, '{}') AS cpv_total, COALESCE(cs.ecos, '{}') AS cpv_eco,
       (o.accepted_at IS NOT NULL)::int AS accepted,
       (o.status = 'declined')::int AS declined,
       (o.shipped_at IS NOT NULL OR o.delivered_at IS NOT NULL)::int AS shipped_or_delivered,
       (o.delivered_at IS NOT NULL)::int AS delivered,
       (o.delivered_at IS NOT NULL AND (o.delivered_at AT TIME ZONE 'UTC')::date <=
           COALESCE(o.requested_delivery_date, (o.approved_at AT TIME ZONE 'UTC')::date + a.lead_time_days)
           AND ds.k_late = 0)::int AS on_time,
       ds.deviations::int, ds.open_deviations::int, ds.k_late::int, ds.k_wrong_item::int, ds.k_damaged::int,
       ds.k_missing::int, ds.k_quality::int, ds.k_other::int, ds.k_service_outage::int, ds.outages_in_time::int,
       o.approved_at
FROM orders o
JOIN agreements a ON a.id = o.agreement_id
CROSS JOIN LATERAL (
    SELECT count(*) AS n, sum(l.line_total_minor) AS total,
           sum(l.line_total_minor) FILTER (WHERE cardinality(l.eco_labels) > 0) AS eco
    FROM order_lines l WHERE l.order_id = o.id) ls
CROSS JOIN LATERAL (
    SELECT array_agg(x.cpv ORDER BY x.cpv) AS cpv, array_agg(x.t ORDER BY x.cpv) AS totals, array_agg(x.e ORDER BY x.cpv) AS ecos
    FROM (SELECT i.cpv_code AS cpv, sum(l.line_total_minor)::bigint AS t,
                 COALESCE(sum(l.line_total_minor) FILTER (WHERE cardinality(l.eco_labels) > 0), 0)::bigint AS e
          FROM order_lines l JOIN items i ON i.id = l.item_id WHERE l.order_id = o.id GROUP BY i.cpv_code) x) cs
CROSS JOIN LATERAL (
    SELECT count(*) AS deviations,
           count(*) FILTER (WHERE d.status <> 'closed') AS open_deviations,
           count(*) FILTER (WHERE d.kind = 'late') AS k_late,
           count(*) FILTER (WHERE d.kind = 'wrong_item') AS k_wrong_item,
           count(*) FILTER (WHERE d.kind = 'damaged') AS k_damaged,
           count(*) FILTER (WHERE d.kind = 'missing') AS k_missing,
           count(*) FILTER (WHERE d.kind = 'quality') AS k_quality,
           count(*) FILTER (WHERE d.kind = 'other') AS k_other,
           count(*) FILTER (WHERE d.kind = 'service_outage') AS k_service_outage,
           count(*) FILTER (WHERE d.kind = 'service_outage' AND d.responded_at IS NOT NULL
               AND d.responded_at <= d.created_at + a.service_response_hours * interval '1 hour') AS outages_in_time
    FROM deviations d WHERE d.order_id = o.id) ds
WHERE o.approved_at IS NOT NULL;

CREATE OR REPLACE VIEW follow_order_state_all AS
SELECT o.id AS order_id,
       date_trunc('month', o.approved_at AT TIME ZONE 'UTC')::date AS month,
       o.agreement_id, o.buyer_org_id, o.supplier_id, trim(o.currency)::text AS currency, o.ordered_by, o.cost_center,
       (o.status IN ('approved', 'accepted', 'shipped', 'delivered') AND COALESCE(ls.n, 0) > 0) AS spend,
       COALESCE(ls.total, 0)::bigint AS total_minor, COALESCE(ls.eco, 0)::bigint AS eco_minor,
       COALESCE(ls.cpv, '{}') AS cpv, COALESCE(ls.totals, '{}') AS cpv_total, COALESCE(ls.ecos, '{}') AS cpv_eco,
       (o.accepted_at IS NOT NULL)::int AS accepted,
       (o.status = 'declined')::int AS declined,
       (o.shipped_at IS NOT NULL OR o.delivered_at IS NOT NULL)::int AS shipped_or_delivered,
       (o.delivered_at IS NOT NULL)::int AS delivered,
       (o.delivered_at IS NOT NULL AND (o.delivered_at AT TIME ZONE 'UTC')::date <=
           COALESCE(o.requested_delivery_date, (o.approved_at AT TIME ZONE 'UTC')::date + a.lead_time_days)
           AND COALESCE(ds.k_late, 0) = 0)::int AS on_time,
       COALESCE(ds.deviations, 0)::int AS deviations, COALESCE(ds.open_deviations, 0)::int AS open_deviations,
       COALESCE(ds.k_late, 0)::int AS k_late, COALESCE(ds.k_wrong_item, 0)::int AS k_wrong_item,
       COALESCE(ds.k_damaged, 0)::int AS k_damaged, COALESCE(ds.k_missing, 0)::int AS k_missing,
       COALESCE(ds.k_quality, 0)::int AS k_quality, COALESCE(ds.k_other, 0)::int AS k_other,
       COALESCE(ds.k_service_outage, 0)::int AS k_service_outage, COALESCE(ds.outages_in_time, 0)::int AS outages_in_time,
       o.approved_at
FROM orders o
JOIN agreements a ON a.id = o.agreement_id
LEFT JOIN (
    SELECT x.order_id, sum(x.n) AS n, sum(x.t) AS total, sum(x.e) AS eco,
           array_agg(x.cpv ORDER BY x.cpv) AS cpv, array_agg(x.t ORDER BY x.cpv) AS totals, array_agg(x.e ORDER BY x.cpv) AS ecos
    FROM (SELECT l.order_id, i.cpv_code AS cpv, count(*) AS n, sum(l.line_total_minor)::bigint AS t,
                 COALESCE(sum(l.line_total_minor) FILTER (WHERE cardinality(l.eco_labels) > 0), 0)::bigint AS e
          FROM order_lines l JOIN items i ON i.id = l.item_id GROUP BY l.order_id, i.cpv_code) x
    GROUP BY x.order_id) ls ON ls.order_id = o.id
LEFT JOIN (
    SELECT d.order_id, count(*) AS deviations,
           count(*) FILTER (WHERE d.status <> 'closed') AS open_deviations,
           count(*) FILTER (WHERE d.kind = 'late') AS k_late,
           count(*) FILTER (WHERE d.kind = 'wrong_item') AS k_wrong_item,
           count(*) FILTER (WHERE d.kind = 'damaged') AS k_damaged,
           count(*) FILTER (WHERE d.kind = 'missing') AS k_missing,
           count(*) FILTER (WHERE d.kind = 'quality') AS k_quality,
           count(*) FILTER (WHERE d.kind = 'other') AS k_other,
           count(*) FILTER (WHERE d.kind = 'service_outage') AS k_service_outage,
           count(*) FILTER (WHERE d.kind = 'service_outage' AND d.responded_at IS NOT NULL
               AND d.responded_at <= d.created_at + da.service_response_hours * interval '1 hour') AS outages_in_time
    FROM deviations d JOIN orders do2 ON do2.id = d.order_id JOIN agreements da ON da.id = do2.agreement_id
    GROUP BY d.order_id) ds ON ds.order_id = o.id
WHERE o.approved_at IS NOT NULL;

-- follow_refresh stores the approval time with the rest of the contribution.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION follow_refresh(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    old_rows follow_orders[];
    new_rows follow_orders[];
BEGIN
    -- Lock the stored contributions first (in id order), then read the current state, so
    -- that a concurrent refresh of the same order is applied before this one reads.
    old_rows := ARRAY(SELECT f FROM follow_orders f WHERE f.order_id = ANY(ids) ORDER BY f.order_id FOR UPDATE);
    new_rows := ARRAY(SELECT ROW(s.*)::follow_orders FROM follow_order_state s WHERE s.order_id = ANY(ids) ORDER BY s.order_id);
    IF old_rows = new_rows THEN
        RETURN;
    END IF;
    PERFORM follow_apply(old_rows, new_rows);
    DELETE FROM follow_orders f WHERE f.order_id = ANY(ids)
      AND NOT EXISTS (SELECT 1 FROM unnest(new_rows) n WHERE n.order_id = f.order_id);
    INSERT INTO follow_orders SELECT * FROM unnest(new_rows)
    ON CONFLICT (order_id) DO UPDATE SET (month, agreement_id, buyer_org_id, supplier_id, currency, ordered_by, cost_center, spend,
        total_minor, eco_minor, cpv, cpv_total, cpv_eco, accepted, declined, shipped_or_delivered, delivered, on_time, deviations,
        open_deviations, k_late, k_wrong_item, k_damaged, k_missing, k_quality, k_other, k_service_outage, outages_in_time, approved_at)
      = (EXCLUDED.month, EXCLUDED.agreement_id, EXCLUDED.buyer_org_id, EXCLUDED.supplier_id, EXCLUDED.currency, EXCLUDED.ordered_by,
        EXCLUDED.cost_center, EXCLUDED.spend, EXCLUDED.total_minor, EXCLUDED.eco_minor, EXCLUDED.cpv, EXCLUDED.cpv_total,
        EXCLUDED.cpv_eco, EXCLUDED.accepted, EXCLUDED.declined, EXCLUDED.shipped_or_delivered, EXCLUDED.delivered,
        EXCLUDED.on_time, EXCLUDED.deviations, EXCLUDED.open_deviations, EXCLUDED.k_late, EXCLUDED.k_wrong_item,
        EXCLUDED.k_damaged, EXCLUDED.k_missing, EXCLUDED.k_quality, EXCLUDED.k_other, EXCLUDED.k_service_outage,
        EXCLUDED.outages_in_time, EXCLUDED.approved_at);
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP VIEW follow_order_state_all;
DROP VIEW follow_order_state;
CREATE VIEW follow_order_state AS
SELECT o.id AS order_id,
       date_trunc('month', o.approved_at AT TIME ZONE 'UTC')::date AS month,
       o.agreement_id, o.buyer_org_id, o.supplier_id, trim(o.currency)::text AS currency, o.ordered_by, o.cost_center,
       (o.status IN ('approved', 'accepted', 'shipped', 'delivered') AND ls.n > 0) AS spend,
       COALESCE(ls.total, 0)::bigint AS total_minor, COALESCE(ls.eco, 0)::bigint AS eco_minor,
       COALESCE(cs.cpv, '{}') AS cpv, COALESCE(cs.totals, '{}') AS cpv_total, COALESCE(cs.ecos, '{}') AS cpv_eco,
       (o.accepted_at IS NOT NULL)::int AS accepted,
       (o.status = 'declined')::int AS declined,
       (o.shipped_at IS NOT NULL OR o.delivered_at IS NOT NULL)::int AS shipped_or_delivered,
       (o.delivered_at IS NOT NULL)::int AS delivered,
       (o.delivered_at IS NOT NULL AND (o.delivered_at AT TIME ZONE 'UTC')::date <=
           COALESCE(o.requested_delivery_date, (o.approved_at AT TIME ZONE 'UTC')::date + a.lead_time_days)
           AND ds.k_late = 0)::int AS on_time,
       ds.deviations::int, ds.open_deviations::int, ds.k_late::int, ds.k_wrong_item::int, ds.k_damaged::int,
       ds.k_missing::int, ds.k_quality::int, ds.k_other::int, ds.k_service_outage::int, ds.outages_in_time::int
FROM orders o
JOIN agreements a ON a.id = o.agreement_id
CROSS JOIN LATERAL (
    SELECT count(*) AS n, sum(l.line_total_minor) AS total,
           sum(l.line_total_minor) FILTER (WHERE cardinality(l.eco_labels) > 0) AS eco
    FROM order_lines l WHERE l.order_id = o.id) ls
CROSS JOIN LATERAL (
    SELECT array_agg(x.cpv ORDER BY x.cpv) AS cpv, array_agg(x.t ORDER BY x.cpv) AS totals, array_agg(x.e ORDER BY x.cpv) AS ecos
    FROM (SELECT i.cpv_code AS cpv, sum(l.line_total_minor)::bigint AS t,
                 COALESCE(sum(l.line_total_minor) FILTER (WHERE cardinality(l.eco_labels) > 0), 0)::bigint AS e
          FROM order_lines l JOIN items i ON i.id = l.item_id WHERE l.order_id = o.id GROUP BY i.cpv_code) x) cs
CROSS JOIN LATERAL (
    SELECT count(*) AS deviations,
           count(*) FILTER (WHERE d.status <> 'closed') AS open_deviations,
           count(*) FILTER (WHERE d.kind = 'late') AS k_late,
           count(*) FILTER (WHERE d.kind = 'wrong_item') AS k_wrong_item,
           count(*) FILTER (WHERE d.kind = 'damaged') AS k_damaged,
           count(*) FILTER (WHERE d.kind = 'missing') AS k_missing,
           count(*) FILTER (WHERE d.kind = 'quality') AS k_quality,
           count(*) FILTER (WHERE d.kind = 'other') AS k_other,
           count(*) FILTER (WHERE d.kind = 'service_outage') AS k_service_outage,
           count(*) FILTER (WHERE d.kind = 'service_outage' AND d.responded_at IS NOT NULL
               AND d.responded_at <= d.created_at + a.service_response_hours * interval '1 hour') AS outages_in_time
    FROM deviations d WHERE d.order_id = o.id) ds
WHERE o.approved_at IS NOT NULL;

CREATE VIEW follow_order_state_all AS
SELECT o.id AS order_id,
       date_trunc('month', o.approved_at AT TIME ZONE 'UTC')::date AS month,
       o.agreement_id, o.buyer_org_id, o.supplier_id, trim(o.currency)::text AS currency, o.ordered_by, o.cost_center,
       (o.status IN ('approved', 'accepted', 'shipped', 'delivered') AND COALESCE(ls.n, 0) > 0) AS spend,
       COALESCE(ls.total, 0)::bigint AS total_minor, COALESCE(ls.eco, 0)::bigint AS eco_minor,
       COALESCE(ls.cpv, '{}') AS cpv, COALESCE(ls.totals, '{}') AS cpv_total, COALESCE(ls.ecos, '{}') AS cpv_eco,
       (o.accepted_at IS NOT NULL)::int AS accepted,
       (o.status = 'declined')::int AS declined,
       (o.shipped_at IS NOT NULL OR o.delivered_at IS NOT NULL)::int AS shipped_or_delivered,
       (o.delivered_at IS NOT NULL)::int AS delivered,
       (o.delivered_at IS NOT NULL AND (o.delivered_at AT TIME ZONE 'UTC')::date <=
           COALESCE(o.requested_delivery_date, (o.approved_at AT TIME ZONE 'UTC')::date + a.lead_time_days)
           AND COALESCE(ds.k_late, 0) = 0)::int AS on_time,
       COALESCE(ds.deviations, 0)::int AS deviations, COALESCE(ds.open_deviations, 0)::int AS open_deviations,
       COALESCE(ds.k_late, 0)::int AS k_late, COALESCE(ds.k_wrong_item, 0)::int AS k_wrong_item,
       COALESCE(ds.k_damaged, 0)::int AS k_damaged, COALESCE(ds.k_missing, 0)::int AS k_missing,
       COALESCE(ds.k_quality, 0)::int AS k_quality, COALESCE(ds.k_other, 0)::int AS k_other,
       COALESCE(ds.k_service_outage, 0)::int AS k_service_outage, COALESCE(ds.outages_in_time, 0)::int AS outages_in_time
FROM orders o
JOIN agreements a ON a.id = o.agreement_id
LEFT JOIN (
    SELECT x.order_id, sum(x.n) AS n, sum(x.t) AS total, sum(x.e) AS eco,
           array_agg(x.cpv ORDER BY x.cpv) AS cpv, array_agg(x.t ORDER BY x.cpv) AS totals, array_agg(x.e ORDER BY x.cpv) AS ecos
    FROM (SELECT l.order_id, i.cpv_code AS cpv, count(*) AS n, sum(l.line_total_minor)::bigint AS t,
                 COALESCE(sum(l.line_total_minor) FILTER (WHERE cardinality(l.eco_labels) > 0), 0)::bigint AS e
          FROM order_lines l JOIN items i ON i.id = l.item_id GROUP BY l.order_id, i.cpv_code) x
    GROUP BY x.order_id) ls ON ls.order_id = o.id
LEFT JOIN (
    SELECT d.order_id, count(*) AS deviations,
           count(*) FILTER (WHERE d.status <> 'closed') AS open_deviations,
           count(*) FILTER (WHERE d.kind = 'late') AS k_late,
           count(*) FILTER (WHERE d.kind = 'wrong_item') AS k_wrong_item,
           count(*) FILTER (WHERE d.kind = 'damaged') AS k_damaged,
           count(*) FILTER (WHERE d.kind = 'missing') AS k_missing,
           count(*) FILTER (WHERE d.kind = 'quality') AS k_quality,
           count(*) FILTER (WHERE d.kind = 'other') AS k_other,
           count(*) FILTER (WHERE d.kind = 'service_outage') AS k_service_outage,
           count(*) FILTER (WHERE d.kind = 'service_outage' AND d.responded_at IS NOT NULL
               AND d.responded_at <= d.created_at + da.service_response_hours * interval '1 hour') AS outages_in_time
    FROM deviations d JOIN orders do2 ON do2.id = d.order_id JOIN agreements da ON da.id = do2.agreement_id
    GROUP BY d.order_id) ds ON ds.order_id = o.id
WHERE o.approved_at IS NOT NULL;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION follow_refresh(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    old_rows follow_orders[];
    new_rows follow_orders[];
BEGIN
    -- Lock the stored contributions first (in id order), then read the current state, so
    -- that a concurrent refresh of the same order is applied before this one reads.
    old_rows := ARRAY(SELECT f FROM follow_orders f WHERE f.order_id = ANY(ids) ORDER BY f.order_id FOR UPDATE);
    new_rows := ARRAY(SELECT ROW(s.*)::follow_orders FROM follow_order_state s WHERE s.order_id = ANY(ids) ORDER BY s.order_id);
    IF old_rows = new_rows THEN
        RETURN;
    END IF;
    PERFORM follow_apply(old_rows, new_rows);
    DELETE FROM follow_orders f WHERE f.order_id = ANY(ids)
      AND NOT EXISTS (SELECT 1 FROM unnest(new_rows) n WHERE n.order_id = f.order_id);
    INSERT INTO follow_orders SELECT * FROM unnest(new_rows)
    ON CONFLICT (order_id) DO UPDATE SET (month, agreement_id, buyer_org_id, supplier_id, currency, ordered_by, cost_center, spend,
        total_minor, eco_minor, cpv, cpv_total, cpv_eco, accepted, declined, shipped_or_delivered, delivered, on_time, deviations,
        open_deviations, k_late, k_wrong_item, k_damaged, k_missing, k_quality, k_other, k_service_outage, outages_in_time)
      = (EXCLUDED.month, EXCLUDED.agreement_id, EXCLUDED.buyer_org_id, EXCLUDED.supplier_id, EXCLUDED.currency, EXCLUDED.ordered_by,
        EXCLUDED.cost_center, EXCLUDED.spend, EXCLUDED.total_minor, EXCLUDED.eco_minor, EXCLUDED.cpv, EXCLUDED.cpv_total,
        EXCLUDED.cpv_eco, EXCLUDED.accepted, EXCLUDED.declined, EXCLUDED.shipped_or_delivered, EXCLUDED.delivered,
        EXCLUDED.on_time, EXCLUDED.deviations, EXCLUDED.open_deviations, EXCLUDED.k_late, EXCLUDED.k_wrong_item,
        EXCLUDED.k_damaged, EXCLUDED.k_missing, EXCLUDED.k_quality, EXCLUDED.k_other, EXCLUDED.k_service_outage,
        EXCLUDED.outages_in_time);
END;
$$;
-- +goose StatementEnd
DROP INDEX follow_orders_supplier_day_idx;
DROP INDEX follow_orders_buyer_day_idx;
DROP INDEX follow_orders_agreement_day_idx;
ALTER TABLE follow_orders DROP COLUMN approved_at;
