-- +goose Up

-- Follow-up rollups (SPEC §10 "Volume"): spend and supplier scorecards read small tables kept
-- in step with orders inside the transaction that changes them, instead of joining every
-- order to its lines on each request.
--
-- How they stay exact: any change to an order, its lines, its deviations, an item's CPV code or
-- an agreement's lead time marks the order dirty (follow_dirty). At COMMIT a deferred trigger
-- recomputes each dirty order's contribution from the base tables (follow_order_state, the
-- same definitions as the base-table queries), subtracts the contribution stored for it
-- (follow_orders) and adds the new one. Deferring to commit keeps the locks on shared rollup
-- rows as short as possible, and a statement that touches an order several times costs one
-- recomputation. Rows are applied in key order, so two transactions never wait on each other
-- in opposite orders.

-- An approved order's contribution as it was last applied. Only orders approved at some point
-- contribute (spend and scorecards both start at approval).
CREATE TABLE follow_orders (
    order_id             uuid PRIMARY KEY,
    month                date NOT NULL,
    agreement_id         uuid NOT NULL,
    buyer_org_id         uuid NOT NULL,
    supplier_id          uuid NOT NULL,
    currency             text NOT NULL,
    ordered_by           uuid NOT NULL,
    cost_center          text NOT NULL,
    spend                boolean NOT NULL,
    total_minor          bigint NOT NULL,
    eco_minor            bigint NOT NULL,
    cpv                  text[] NOT NULL,
    cpv_total            bigint[] NOT NULL,
    cpv_eco              bigint[] NOT NULL,
    accepted             integer NOT NULL,
    declined             integer NOT NULL,
    shipped_or_delivered integer NOT NULL,
    delivered            integer NOT NULL,
    on_time              integer NOT NULL,
    deviations           integer NOT NULL,
    open_deviations      integer NOT NULL,
    k_late               integer NOT NULL,
    k_wrong_item         integer NOT NULL,
    k_damaged            integer NOT NULL,
    k_missing            integer NOT NULL,
    k_quality            integer NOT NULL,
    k_other              integer NOT NULL,
    k_service_outage     integer NOT NULL,
    outages_in_time      integer NOT NULL
);

-- Spend per month (of approval, UTC), agreement, buyer, supplier and currency, in four
-- dimensions: 'o' the order itself (key ''), 'c' a CPV code of its lines' items, 'k' its cost
-- centre, 'u' its orderer. orders counts distinct orders, so an order with lines of two CPV
-- codes counts once in each 'c' row, as the base-table query's count(DISTINCT) does.
CREATE TABLE follow_spend (
    agreement_id uuid NOT NULL,
    buyer_org_id uuid NOT NULL,
    supplier_id  uuid NOT NULL,
    month        date NOT NULL,
    currency     text NOT NULL,
    dim          "char" NOT NULL CHECK (dim IN ('o', 'c', 'k', 'u')),
    key          text NOT NULL,
    orders       bigint NOT NULL,
    total_minor  bigint NOT NULL,
    eco_minor    bigint NOT NULL,
    PRIMARY KEY (agreement_id, buyer_org_id, supplier_id, month, currency, dim, key)
);
CREATE INDEX follow_spend_buyer_idx ON follow_spend (buyer_org_id, dim, month);
CREATE INDEX follow_spend_supplier_idx ON follow_spend (supplier_id, dim, month);
CREATE INDEX follow_spend_dim_idx ON follow_spend (dim, agreement_id, month);

-- Spend over a range that cuts a month reads the cut days from orders by agreement (a
-- manager's scope, or the agreement filter) and approval time.
CREATE INDEX orders_approved_idx ON orders (agreement_id, approved_at) WHERE approved_at IS NOT NULL;

-- Scorecard counts per agreement, buyer and supplier (scorecards have no date filter).
CREATE TABLE follow_cards (
    agreement_id         uuid NOT NULL,
    buyer_org_id         uuid NOT NULL,
    supplier_id          uuid NOT NULL,
    received             bigint NOT NULL,
    accepted             bigint NOT NULL,
    declined             bigint NOT NULL,
    shipped_or_delivered bigint NOT NULL,
    delivered            bigint NOT NULL,
    on_time              bigint NOT NULL,
    deviations           bigint NOT NULL,
    open_deviations      bigint NOT NULL,
    k_late               bigint NOT NULL,
    k_wrong_item         bigint NOT NULL,
    k_damaged            bigint NOT NULL,
    k_missing            bigint NOT NULL,
    k_quality            bigint NOT NULL,
    k_other              bigint NOT NULL,
    k_service_outage     bigint NOT NULL,
    outages_in_time      bigint NOT NULL,
    PRIMARY KEY (supplier_id, agreement_id, buyer_org_id)
);

-- Orders changed in the current transaction, not yet applied. Rows live only inside their
-- transaction (the flush at commit deletes them), hence unlogged.
CREATE UNLOGGED TABLE follow_dirty (
    order_id uuid PRIMARY KEY
);

-- The contribution of every approved order, computed from the base tables with the
-- definitions of the base-table spend and scorecard queries.
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

-- follow_order_state_all is follow_order_state for every order at once, with hash
-- aggregates instead of per-order subqueries: what a rebuild of millions of orders needs. The
-- tests check that both views agree.
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

-- follow_apply subtracts the old contributions and adds the new ones to the rollups, in key order, and drops
-- rows that fall to zero orders.
-- +goose StatementBegin
CREATE FUNCTION follow_apply(olds follow_orders[], news follow_orders[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO follow_spend AS s (agreement_id, buyer_org_id, supplier_id, month, currency, dim, key, orders, total_minor, eco_minor)
    SELECT d.agreement_id, d.buyer_org_id, d.supplier_id, d.month, d.currency, d.dim, d.key,
           sum(d.orders), sum(d.total_minor), sum(d.eco_minor)
    FROM (
        SELECT (g.r).agreement_id, (g.r).buyer_org_id, (g.r).supplier_id, (g.r).month, (g.r).currency, k.dim, k.key,
               g.sign AS orders, g.sign * k.total AS total_minor, g.sign * k.eco AS eco_minor
        FROM (SELECT o AS r, -1 AS sign FROM unnest(olds) o UNION ALL SELECT n, 1 FROM unnest(news) n) g
        CROSS JOIN LATERAL (
            SELECT 'o'::"char" AS dim, ''::text AS key, (g.r).total_minor AS total, (g.r).eco_minor AS eco
            UNION ALL SELECT 'k', (g.r).cost_center, (g.r).total_minor, (g.r).eco_minor
            UNION ALL SELECT 'u', (g.r).ordered_by::text, (g.r).total_minor, (g.r).eco_minor
            UNION ALL SELECT 'c', c.cpv, c.t, c.e FROM unnest((g.r).cpv, (g.r).cpv_total, (g.r).cpv_eco) AS c(cpv, t, e)
        ) k
        WHERE (g.r).spend
    ) d
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    HAVING sum(d.orders) <> 0 OR sum(d.total_minor) <> 0 OR sum(d.eco_minor) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (agreement_id, buyer_org_id, supplier_id, month, currency, dim, key) DO UPDATE
    SET orders = s.orders + EXCLUDED.orders, total_minor = s.total_minor + EXCLUDED.total_minor,
        eco_minor = s.eco_minor + EXCLUDED.eco_minor;

    DELETE FROM follow_spend s USING unnest(olds || news) AS r
    WHERE s.orders = 0 AND s.agreement_id = r.agreement_id AND s.buyer_org_id = r.buyer_org_id
      AND s.supplier_id = r.supplier_id AND s.month = r.month;

    INSERT INTO follow_cards AS c (supplier_id, agreement_id, buyer_org_id, received, accepted, declined, shipped_or_delivered,
        delivered, on_time, deviations, open_deviations, k_late, k_wrong_item, k_damaged, k_missing, k_quality, k_other,
        k_service_outage, outages_in_time)
    SELECT (g.r).supplier_id, (g.r).agreement_id, (g.r).buyer_org_id, sum(g.sign), sum(g.sign * (g.r).accepted),
           sum(g.sign * (g.r).declined), sum(g.sign * (g.r).shipped_or_delivered), sum(g.sign * (g.r).delivered),
           sum(g.sign * (g.r).on_time), sum(g.sign * (g.r).deviations), sum(g.sign * (g.r).open_deviations),
           sum(g.sign * (g.r).k_late), sum(g.sign * (g.r).k_wrong_item), sum(g.sign * (g.r).k_damaged),
           sum(g.sign * (g.r).k_missing), sum(g.sign * (g.r).k_quality), sum(g.sign * (g.r).k_other),
           sum(g.sign * (g.r).k_service_outage), sum(g.sign * (g.r).outages_in_time)
    FROM (SELECT o AS r, -1 AS sign FROM unnest(olds) o UNION ALL SELECT n, 1 FROM unnest(news) n) g
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (supplier_id, agreement_id, buyer_org_id) DO UPDATE
    SET received = c.received + EXCLUDED.received, accepted = c.accepted + EXCLUDED.accepted,
        declined = c.declined + EXCLUDED.declined, shipped_or_delivered = c.shipped_or_delivered + EXCLUDED.shipped_or_delivered,
        delivered = c.delivered + EXCLUDED.delivered, on_time = c.on_time + EXCLUDED.on_time,
        deviations = c.deviations + EXCLUDED.deviations, open_deviations = c.open_deviations + EXCLUDED.open_deviations,
        k_late = c.k_late + EXCLUDED.k_late, k_wrong_item = c.k_wrong_item + EXCLUDED.k_wrong_item,
        k_damaged = c.k_damaged + EXCLUDED.k_damaged, k_missing = c.k_missing + EXCLUDED.k_missing,
        k_quality = c.k_quality + EXCLUDED.k_quality, k_other = c.k_other + EXCLUDED.k_other,
        k_service_outage = c.k_service_outage + EXCLUDED.k_service_outage,
        outages_in_time = c.outages_in_time + EXCLUDED.outages_in_time;

    DELETE FROM follow_cards c USING unnest(olds || news) AS r
    WHERE c.received = 0 AND c.supplier_id = r.supplier_id AND c.agreement_id = r.agreement_id AND c.buyer_org_id = r.buyer_org_id;
END;
$$;
-- +goose StatementEnd

-- follow_refresh brings the rollups in step with the given orders' current state.
-- +goose StatementBegin
CREATE FUNCTION follow_refresh(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
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

-- follow_flush runs at commit: it applies every order the transaction marked dirty. The
-- first call of a transaction does the work; the later ones find nothing left.
-- +goose StatementBegin
CREATE FUNCTION follow_flush() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[];
BEGIN
    WITH d AS (DELETE FROM follow_dirty RETURNING order_id)
    SELECT array_agg(order_id ORDER BY order_id) INTO ids FROM d;
    IF ids IS NOT NULL THEN
        PERFORM follow_refresh(ids);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER follow_dirty_flush AFTER INSERT ON follow_dirty
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION follow_flush();

-- +goose StatementBegin
CREATE FUNCTION follow_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'orders' THEN
        IF TG_OP <> 'INSERT' THEN
            INSERT INTO follow_dirty VALUES (OLD.id) ON CONFLICT DO NOTHING;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO follow_dirty VALUES (NEW.id) ON CONFLICT DO NOTHING;
        END IF;
    ELSIF TG_TABLE_NAME IN ('order_lines', 'deviations') THEN
        IF TG_OP <> 'INSERT' THEN
            INSERT INTO follow_dirty VALUES (OLD.order_id) ON CONFLICT DO NOTHING;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO follow_dirty VALUES (NEW.order_id) ON CONFLICT DO NOTHING;
        END IF;
    ELSIF TG_TABLE_NAME = 'items' THEN
        INSERT INTO follow_dirty SELECT DISTINCT l.order_id FROM order_lines l WHERE l.item_id = NEW.id ON CONFLICT DO NOTHING;
    ELSIF TG_TABLE_NAME = 'agreements' THEN
        INSERT INTO follow_dirty SELECT o.id FROM orders o WHERE o.agreement_id = NEW.id AND o.approved_at IS NOT NULL
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- A pending order contributes nothing, so inserting one marks nothing: its approval does.
CREATE TRIGGER follow_orders_insert AFTER INSERT ON orders
    FOR EACH ROW WHEN (NEW.approved_at IS NOT NULL) EXECUTE FUNCTION follow_mark();
CREATE TRIGGER follow_orders_change AFTER UPDATE OF status, approved_at, accepted_at, shipped_at, delivered_at,
    requested_delivery_date, currency, agreement_id, buyer_org_id, supplier_id, ordered_by, cost_center ON orders
    FOR EACH ROW WHEN (OLD.approved_at IS NOT NULL OR NEW.approved_at IS NOT NULL) EXECUTE FUNCTION follow_mark();
CREATE TRIGGER follow_orders_delete AFTER DELETE ON orders
    FOR EACH ROW WHEN (OLD.approved_at IS NOT NULL) EXECUTE FUNCTION follow_mark();
CREATE TRIGGER follow_order_lines AFTER INSERT OR DELETE OR UPDATE OF order_id, item_id, line_total_minor, eco_labels
    ON order_lines FOR EACH ROW EXECUTE FUNCTION follow_mark();
CREATE TRIGGER follow_deviations AFTER INSERT OR DELETE OR UPDATE OF order_id, kind, status, responded_at, created_at
    ON deviations FOR EACH ROW EXECUTE FUNCTION follow_mark();
CREATE TRIGGER follow_items AFTER UPDATE OF cpv_code ON items
    FOR EACH ROW WHEN (OLD.cpv_code IS DISTINCT FROM NEW.cpv_code) EXECUTE FUNCTION follow_mark();
CREATE TRIGGER follow_agreements AFTER UPDATE OF lead_time_days, service_response_hours ON agreements
    FOR EACH ROW WHEN (OLD.lead_time_days IS DISTINCT FROM NEW.lead_time_days
        OR OLD.service_response_hours IS DISTINCT FROM NEW.service_response_hours) EXECUTE FUNCTION follow_mark();

-- follow_rebuild recomputes every rollup from the base tables: the backfill below, and the
-- national seed after its bulk COPY (which bypasses the triggers).
-- +goose StatementBegin
CREATE FUNCTION follow_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE follow_orders, follow_spend, follow_cards, follow_dirty;
    INSERT INTO follow_orders SELECT * FROM follow_order_state_all;
    INSERT INTO follow_spend (agreement_id, buyer_org_id, supplier_id, month, currency, dim, key, orders, total_minor, eco_minor)
    SELECT r.agreement_id, r.buyer_org_id, r.supplier_id, r.month, r.currency, k.dim, k.key, count(*), sum(k.total), sum(k.eco)
    FROM follow_orders r
    CROSS JOIN LATERAL (
        SELECT 'o'::"char" AS dim, ''::text AS key, r.total_minor AS total, r.eco_minor AS eco
        UNION ALL SELECT 'k', r.cost_center, r.total_minor, r.eco_minor
        UNION ALL SELECT 'u', r.ordered_by::text, r.total_minor, r.eco_minor
        UNION ALL SELECT 'c', c.cpv, c.t, c.e FROM unnest(r.cpv, r.cpv_total, r.cpv_eco) AS c(cpv, t, e)
    ) k
    WHERE r.spend
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    -- Stored in the order reads want them: a dimension's rows of one agreement and buyer
    -- together, so a report reads a few pages instead of one page per row.
    ORDER BY 6, 1, 2, 4;
    INSERT INTO follow_cards (supplier_id, agreement_id, buyer_org_id, received, accepted, declined, shipped_or_delivered,
        delivered, on_time, deviations, open_deviations, k_late, k_wrong_item, k_damaged, k_missing, k_quality, k_other,
        k_service_outage, outages_in_time)
    SELECT supplier_id, agreement_id, buyer_org_id, count(*), sum(accepted), sum(declined), sum(shipped_or_delivered),
           sum(delivered), sum(on_time), sum(deviations), sum(open_deviations), sum(k_late), sum(k_wrong_item), sum(k_damaged),
           sum(k_missing), sum(k_quality), sum(k_other), sum(k_service_outage), sum(outages_in_time)
    FROM follow_orders GROUP BY 1, 2, 3;
END;
$$;
-- +goose StatementEnd

SELECT follow_rebuild();

-- +goose Down
DROP TRIGGER follow_agreements ON agreements;
DROP TRIGGER follow_items ON items;
DROP TRIGGER follow_deviations ON deviations;
DROP TRIGGER follow_order_lines ON order_lines;
DROP TRIGGER follow_orders_delete ON orders;
DROP TRIGGER follow_orders_change ON orders;
DROP TRIGGER follow_orders_insert ON orders;
DROP FUNCTION follow_rebuild();
DROP FUNCTION follow_mark();
DROP TABLE follow_dirty;
DROP FUNCTION follow_flush();
DROP FUNCTION follow_refresh(uuid[]);
DROP FUNCTION follow_apply(follow_orders[], follow_orders[]);
DROP VIEW follow_order_state_all;
DROP VIEW follow_order_state;
DROP INDEX orders_approved_idx;
DROP TABLE follow_cards;
DROP TABLE follow_spend;
DROP TABLE follow_orders;
