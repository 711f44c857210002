-- +goose Up

-- Contract loyalty for a scope that holds every buyer with spend (a national manager) sums the
-- spend of the suppliers no agreement in the scope awards per group and supplier; read from
-- loyalty_months that is every buyer's row (412,700 for 290 municipalities over two years,
-- 150 ms of scan and aggregate per report), though without the buyer the same sums are 14,200
-- rows (docs/volume.md, "Contract loyalty"). Two sums of loyalty_months, kept in step with it
-- by loyalty_flush at commit:
--   loyalty_supplier_months: without the buyer, for the groups by CPV, month and supplier and
--     the largest outside suppliers over all, read only when the scope holds every buyer that
--     has spend in the range (a narrower scope must not see another buyer's spend);
--   loyalty_org_months: without the supplier (and division), for the report by organisation:
--     a buyer's spend of suppliers awarded nowhere in the scope is its total less the awarded
--     suppliers' rows, which the report reads anyway.
-- docs counts the documents, as in loyalty_months, so a row exists exactly when some row of
-- loyalty_months it sums does.
CREATE TABLE loyalty_supplier_months (
    month               date NOT NULL,
    division            text NOT NULL,
    supplier_key        text NOT NULL,
    currency            text NOT NULL,
    platform            boolean NOT NULL,
    supplier_org_number text NOT NULL,
    supplier_name       text NOT NULL,
    docs                bigint NOT NULL,
    amount_minor        bigint NOT NULL,
    PRIMARY KEY (month, division, supplier_key, currency, platform, supplier_org_number, supplier_name)
);
CREATE TABLE loyalty_org_months (
    org_id       uuid NOT NULL,
    month        date NOT NULL,
    currency     text NOT NULL,
    platform     boolean NOT NULL,
    docs         bigint NOT NULL,
    amount_minor bigint NOT NULL,
    PRIMARY KEY (org_id, month, currency, platform)
);
-- Whether a buyer outside the scope has spend in the range.
CREATE INDEX loyalty_org_months_month_idx ON loyalty_org_months (month, org_id);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION loyalty_flush() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tx bigint := txid_current();
    inv uuid[];
    led bigint[];
    ord uuid[];
    lorg uuid[];
    lnum text[];
    buckets int[];
    b int;
    docs text[];
    old_rows loyalty_docs[];
    new_rows loyalty_docs[];
    zero loyalty_months[];
    zero_s loyalty_supplier_months[];
    zero_o loyalty_org_months[];
    zero_b loyalty_outside_bounds[];
BEGIN
    DELETE FROM loyalty_pending WHERE txid = tx;
    WITH d AS (DELETE FROM loyalty_dirty WHERE txid = tx RETURNING kind, id, number)
    SELECT array_agg(DISTINCT d.id::uuid) FILTER (WHERE d.kind = 'i'), array_agg(DISTINCT d.id::uuid) FILTER (WHERE d.kind = 'o'),
           array_agg(d.id::bigint) FILTER (WHERE d.kind = 'l'),
           array_agg(d.id::uuid) FILTER (WHERE d.kind = 'L'), array_agg(d.number) FILTER (WHERE d.kind = 'L'),
           array_agg(DISTINCT (hashtextextended(d.kind::text || d.id || ':' || d.number, 0) & 1023)::int) FILTER (WHERE d.kind IN ('L', 'o'))
    INTO inv, ord, led, lorg, lnum, buckets FROM d;

    -- The keys' locks, in one order for everyone: a buyer's invoice number (its invoices and
    -- ledger rows) and an order (the order and the invoices that name it), hashed into 1,024
    -- locks so that a load of 100,000 ledger rows takes at most that many.
    FOR b IN SELECT x FROM unnest(buckets) x ORDER BY x LOOP
        PERFORM pg_advisory_xact_lock(4096001, b);
    END LOOP;

    -- Under the locks: every ledger row of a marked invoice number, as committed now.
    led := ARRAY(SELECT x FROM unnest(led) x
                 UNION SELECT r.id FROM unnest(lorg, lnum) AS k(org_id, number)
                 JOIN spend_records r ON r.org_id = k.org_id AND r.invoice_number = k.number);
    inv := COALESCE(inv, '{}');
    ord := COALESCE(ord, '{}');
    docs := ARRAY(SELECT 'i:' || x FROM unnest(inv) x UNION ALL SELECT 'l:' || x FROM unnest(led) x
                  UNION ALL SELECT 'o:' || x FROM unnest(ord) x);

    old_rows := ARRAY(SELECT d FROM loyalty_docs d WHERE d.doc = ANY(docs) ORDER BY d.doc);
    new_rows := ARRAY(SELECT s FROM loyalty_doc_state(inv, led, ord) s ORDER BY s.doc);
    IF old_rows = new_rows THEN
        RETURN NULL;
    END IF;

    WITH up AS (
        INSERT INTO loyalty_months AS m (org_id, month, division, supplier_key, currency, platform, supplier_org_number,
            supplier_name, docs, amount_minor)
        SELECT (g.r).org_id, date_trunc('month', (g.r).day)::date, (g.r).division, (g.r).supplier_key, (g.r).currency,
               (g.r).platform, (g.r).supplier_org_number, (g.r).supplier_name, sum(g.sign), sum(g.sign * (g.r).amount_minor)
        FROM (SELECT o AS r, -1 AS sign FROM unnest(old_rows) o UNION ALL SELECT n, 1 FROM unnest(new_rows) n) g
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
        HAVING sum(g.sign) <> 0 OR sum(g.sign * (g.r).amount_minor) <> 0
        ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
        ON CONFLICT (org_id, month, division, supplier_key, currency, platform, supplier_org_number, supplier_name) DO UPDATE
        SET docs = m.docs + EXCLUDED.docs, amount_minor = m.amount_minor + EXCLUDED.amount_minor
        RETURNING m.*)
    SELECT array_agg(ROW(up.*)::loyalty_months) INTO zero FROM up WHERE up.docs = 0;
    -- Rows this flush has just locked and emptied.
    DELETE FROM loyalty_months m USING unnest(zero) z
    WHERE m.org_id = z.org_id AND m.month = z.month AND m.division = z.division AND m.supplier_key = z.supplier_key
      AND m.currency = z.currency AND m.platform = z.platform AND m.supplier_org_number = z.supplier_org_number
      AND m.supplier_name = z.supplier_name AND m.docs = 0;

    -- The bound of each (buyer, currency, supplier) the documents belong to (migration 00031).
    WITH up AS (
        INSERT INTO loyalty_outside_bounds AS b (org_id, currency, supplier_key, docs, positive_minor)
        SELECT (g.r).org_id, (g.r).currency, (g.r).supplier_key, sum(g.sign), sum(g.sign * greatest((g.r).amount_minor, 0))
        FROM (SELECT o AS r, -1 AS sign FROM unnest(old_rows) o UNION ALL SELECT n, 1 FROM unnest(new_rows) n) g
        WHERE NOT (g.r).platform
        GROUP BY 1, 2, 3
        HAVING sum(g.sign) <> 0 OR sum(g.sign * greatest((g.r).amount_minor, 0)) <> 0
        ORDER BY 1, 2, 3
        ON CONFLICT (org_id, currency, supplier_key) DO UPDATE
        SET docs = b.docs + EXCLUDED.docs, positive_minor = b.positive_minor + EXCLUDED.positive_minor
        RETURNING b.*)
    SELECT array_agg(ROW(up.*)::loyalty_outside_bounds) INTO zero_b FROM up WHERE up.docs = 0;
    -- In a statement of its own: a statement does not see its data-modifying CTE's updates (in
    -- 00031's flush the emptied bounds stayed, with docs 0).
    DELETE FROM loyalty_outside_bounds b USING unnest(zero_b) z
    WHERE b.org_id = z.org_id AND b.currency = z.currency AND b.supplier_key = z.supplier_key AND b.docs = 0;

    -- The sums without the buyer and without the supplier (migration 00032), in one order for
    -- every flush (tables as here, rows by key): per month, division, supplier and currency; per buyer, month
    -- and currency.
    WITH up AS (
        INSERT INTO loyalty_supplier_months AS m (month, division, supplier_key, currency, platform, supplier_org_number,
            supplier_name, docs, amount_minor)
        SELECT date_trunc('month', (g.r).day)::date, (g.r).division, (g.r).supplier_key, (g.r).currency, (g.r).platform,
               (g.r).supplier_org_number, (g.r).supplier_name, sum(g.sign), sum(g.sign * (g.r).amount_minor)
        FROM (SELECT o AS r, -1 AS sign FROM unnest(old_rows) o UNION ALL SELECT n, 1 FROM unnest(new_rows) n) g
        GROUP BY 1, 2, 3, 4, 5, 6, 7
        HAVING sum(g.sign) <> 0 OR sum(g.sign * (g.r).amount_minor) <> 0
        ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (month, division, supplier_key, currency, platform, supplier_org_number, supplier_name) DO UPDATE
        SET docs = m.docs + EXCLUDED.docs, amount_minor = m.amount_minor + EXCLUDED.amount_minor
        RETURNING m.*)
    SELECT array_agg(ROW(up.*)::loyalty_supplier_months) INTO zero_s FROM up WHERE up.docs = 0;
    -- In a statement of its own: a statement does not see its data-modifying CTE's updates.
    DELETE FROM loyalty_supplier_months m USING unnest(zero_s) z
    WHERE m.month = z.month AND m.division = z.division AND m.supplier_key = z.supplier_key
      AND m.currency = z.currency AND m.platform = z.platform AND m.supplier_org_number = z.supplier_org_number
      AND m.supplier_name = z.supplier_name AND m.docs = 0;
    WITH up AS (
        INSERT INTO loyalty_org_months AS m (org_id, month, currency, platform, docs, amount_minor)
        SELECT (g.r).org_id, date_trunc('month', (g.r).day)::date, (g.r).currency, (g.r).platform, sum(g.sign),
               sum(g.sign * (g.r).amount_minor)
        FROM (SELECT o AS r, -1 AS sign FROM unnest(old_rows) o UNION ALL SELECT n, 1 FROM unnest(new_rows) n) g
        GROUP BY 1, 2, 3, 4
        HAVING sum(g.sign) <> 0 OR sum(g.sign * (g.r).amount_minor) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (org_id, month, currency, platform) DO UPDATE
        SET docs = m.docs + EXCLUDED.docs, amount_minor = m.amount_minor + EXCLUDED.amount_minor
        RETURNING m.*)
    SELECT array_agg(ROW(up.*)::loyalty_org_months) INTO zero_o FROM up WHERE up.docs = 0;
    DELETE FROM loyalty_org_months m USING unnest(zero_o) z
    WHERE m.org_id = z.org_id AND m.month = z.month AND m.currency = z.currency AND m.platform = z.platform AND m.docs = 0;

    DELETE FROM loyalty_docs d WHERE d.doc = ANY(docs);
    INSERT INTO loyalty_docs SELECT * FROM unnest(new_rows);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION loyalty_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE loyalty_docs, loyalty_months, loyalty_outside_bounds, loyalty_supplier_months, loyalty_org_months, loyalty_dirty, loyalty_pending;
    INSERT INTO loyalty_docs SELECT * FROM loyalty_doc_state(NULL, NULL, NULL) s ORDER BY s.org_id, s.day;
    INSERT INTO loyalty_months (org_id, month, division, supplier_key, currency, platform, supplier_org_number, supplier_name,
        docs, amount_minor)
    SELECT org_id, date_trunc('month', day)::date, division, supplier_key, currency, platform, supplier_org_number, supplier_name,
           count(*), sum(amount_minor)
    FROM loyalty_docs GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8;
    INSERT INTO loyalty_outside_bounds (org_id, currency, supplier_key, docs, positive_minor)
    SELECT org_id, currency, supplier_key, count(*), sum(greatest(amount_minor, 0))
    FROM loyalty_docs WHERE NOT platform GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
    INSERT INTO loyalty_supplier_months (month, division, supplier_key, currency, platform, supplier_org_number, supplier_name,
        docs, amount_minor)
    SELECT month, division, supplier_key, currency, platform, supplier_org_number, supplier_name, sum(docs), sum(amount_minor)
    FROM loyalty_months GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7;
    INSERT INTO loyalty_org_months (org_id, month, currency, platform, docs, amount_minor)
    SELECT org_id, month, currency, platform, sum(docs), sum(amount_minor)
    FROM loyalty_months GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;
END;
$$;
-- +goose StatementEnd

-- The backfill, and the bounds 00031's flush emptied but left.
DELETE FROM loyalty_outside_bounds WHERE docs = 0;
INSERT INTO loyalty_supplier_months (month, division, supplier_key, currency, platform, supplier_org_number, supplier_name,
    docs, amount_minor)
SELECT month, division, supplier_key, currency, platform, supplier_org_number, supplier_name, sum(docs), sum(amount_minor)
FROM loyalty_months GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO loyalty_org_months (org_id, month, currency, platform, docs, amount_minor)
SELECT org_id, month, currency, platform, sum(docs), sum(amount_minor)
FROM loyalty_months GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;

-- +goose Down
-- The functions as migration 00031 made them.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION loyalty_flush() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tx bigint := txid_current();
    inv uuid[];
    led bigint[];
    ord uuid[];
    lorg uuid[];
    lnum text[];
    buckets int[];
    b int;
    docs text[];
    old_rows loyalty_docs[];
    new_rows loyalty_docs[];
    zero loyalty_months[];
BEGIN
    DELETE FROM loyalty_pending WHERE txid = tx;
    WITH d AS (DELETE FROM loyalty_dirty WHERE txid = tx RETURNING kind, id, number)
    SELECT array_agg(DISTINCT d.id::uuid) FILTER (WHERE d.kind = 'i'), array_agg(DISTINCT d.id::uuid) FILTER (WHERE d.kind = 'o'),
           array_agg(d.id::bigint) FILTER (WHERE d.kind = 'l'),
           array_agg(d.id::uuid) FILTER (WHERE d.kind = 'L'), array_agg(d.number) FILTER (WHERE d.kind = 'L'),
           array_agg(DISTINCT (hashtextextended(d.kind::text || d.id || ':' || d.number, 0) & 1023)::int) FILTER (WHERE d.kind IN ('L', 'o'))
    INTO inv, ord, led, lorg, lnum, buckets FROM d;

    -- The keys' locks, in one order for everyone: a buyer's invoice number (its invoices and
    -- ledger rows) and an order (the order and the invoices that name it), hashed into 1,024
    -- locks so that a load of 100,000 ledger rows takes at most that many.
    FOR b IN SELECT x FROM unnest(buckets) x ORDER BY x LOOP
        PERFORM pg_advisory_xact_lock(4096001, b);
    END LOOP;

    -- Under the locks: every ledger row of a marked invoice number, as committed now.
    led := ARRAY(SELECT x FROM unnest(led) x
                 UNION SELECT r.id FROM unnest(lorg, lnum) AS k(org_id, number)
                 JOIN spend_records r ON r.org_id = k.org_id AND r.invoice_number = k.number);
    inv := COALESCE(inv, '{}');
    ord := COALESCE(ord, '{}');
    docs := ARRAY(SELECT 'i:' || x FROM unnest(inv) x UNION ALL SELECT 'l:' || x FROM unnest(led) x
                  UNION ALL SELECT 'o:' || x FROM unnest(ord) x);

    old_rows := ARRAY(SELECT d FROM loyalty_docs d WHERE d.doc = ANY(docs) ORDER BY d.doc);
    new_rows := ARRAY(SELECT s FROM loyalty_doc_state(inv, led, ord) s ORDER BY s.doc);
    IF old_rows = new_rows THEN
        RETURN NULL;
    END IF;

    WITH up AS (
        INSERT INTO loyalty_months AS m (org_id, month, division, supplier_key, currency, platform, supplier_org_number,
            supplier_name, docs, amount_minor)
        SELECT (g.r).org_id, date_trunc('month', (g.r).day)::date, (g.r).division, (g.r).supplier_key, (g.r).currency,
               (g.r).platform, (g.r).supplier_org_number, (g.r).supplier_name, sum(g.sign), sum(g.sign * (g.r).amount_minor)
        FROM (SELECT o AS r, -1 AS sign FROM unnest(old_rows) o UNION ALL SELECT n, 1 FROM unnest(new_rows) n) g
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
        HAVING sum(g.sign) <> 0 OR sum(g.sign * (g.r).amount_minor) <> 0
        ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
        ON CONFLICT (org_id, month, division, supplier_key, currency, platform, supplier_org_number, supplier_name) DO UPDATE
        SET docs = m.docs + EXCLUDED.docs, amount_minor = m.amount_minor + EXCLUDED.amount_minor
        RETURNING m.*)
    SELECT array_agg(ROW(up.*)::loyalty_months) INTO zero FROM up WHERE up.docs = 0;
    -- Rows this flush has just locked and emptied.
    DELETE FROM loyalty_months m USING unnest(zero) z
    WHERE m.org_id = z.org_id AND m.month = z.month AND m.division = z.division AND m.supplier_key = z.supplier_key
      AND m.currency = z.currency AND m.platform = z.platform AND m.supplier_org_number = z.supplier_org_number
      AND m.supplier_name = z.supplier_name AND m.docs = 0;

    -- The bound of each (buyer, currency, supplier) the documents belong to (migration 00031).
    WITH up AS (
        INSERT INTO loyalty_outside_bounds AS b (org_id, currency, supplier_key, docs, positive_minor)
        SELECT (g.r).org_id, (g.r).currency, (g.r).supplier_key, sum(g.sign), sum(g.sign * greatest((g.r).amount_minor, 0))
        FROM (SELECT o AS r, -1 AS sign FROM unnest(old_rows) o UNION ALL SELECT n, 1 FROM unnest(new_rows) n) g
        WHERE NOT (g.r).platform
        GROUP BY 1, 2, 3
        HAVING sum(g.sign) <> 0 OR sum(g.sign * greatest((g.r).amount_minor, 0)) <> 0
        ORDER BY 1, 2, 3
        ON CONFLICT (org_id, currency, supplier_key) DO UPDATE
        SET docs = b.docs + EXCLUDED.docs, positive_minor = b.positive_minor + EXCLUDED.positive_minor
        RETURNING b.org_id, b.currency, b.supplier_key, b.docs)
    DELETE FROM loyalty_outside_bounds b USING up
    WHERE up.docs = 0 AND b.org_id = up.org_id AND b.currency = up.currency AND b.supplier_key = up.supplier_key AND b.docs = 0;

    DELETE FROM loyalty_docs d WHERE d.doc = ANY(docs);
    INSERT INTO loyalty_docs SELECT * FROM unnest(new_rows);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION loyalty_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE loyalty_docs, loyalty_months, loyalty_outside_bounds, loyalty_dirty, loyalty_pending;
    INSERT INTO loyalty_docs SELECT * FROM loyalty_doc_state(NULL, NULL, NULL) s ORDER BY s.org_id, s.day;
    INSERT INTO loyalty_months (org_id, month, division, supplier_key, currency, platform, supplier_org_number, supplier_name,
        docs, amount_minor)
    SELECT org_id, date_trunc('month', day)::date, division, supplier_key, currency, platform, supplier_org_number, supplier_name,
           count(*), sum(amount_minor)
    FROM loyalty_docs GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8;
    INSERT INTO loyalty_outside_bounds (org_id, currency, supplier_key, docs, positive_minor)
    SELECT org_id, currency, supplier_key, count(*), sum(greatest(amount_minor, 0))
    FROM loyalty_docs WHERE NOT platform GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
END;
$$;
-- +goose StatementEnd

DROP TABLE loyalty_org_months;
DROP TABLE loyalty_supplier_months;
