-- +goose Up

-- Contract loyalty (SPEC §9) reads a monthly rollup kept in step with invoices, ledger rows and
-- platform orders inside the transaction that changes them, instead of aggregating every row
-- of the scope on each request (docs/volume.md, "Contract loyalty").
--
-- What is rolled up is the spend itself, not its judgement: whether spend is on agreement
-- depends on the agreements as they are when the report is read (active, valid on the day,
-- the organisation taking part, the supplier awarded), so it is judged at read time, per
-- month when the agreements' validity covers the month whole or not at all, per document
-- otherwise. Agreements can change without touching the rollup.
--
-- How it stays exact (the pattern of 00018): a change to an invoice, a ledger row, an order,
-- an agreement's CPV code or a supplier's name or number marks the spend documents it may
-- change, and the keys they depend on, in loyalty_dirty. At COMMIT a deferred trigger takes an
-- advisory lock per key (sorted), recomputes each marked document's contribution from the
-- base tables (loyalty_doc_state, the definitions of the base-table query), subtracts the
-- contribution stored in loyalty_docs and adds the new one to loyalty_months, in key order.
-- A ledger row counts only while no invoice of the same buyer and number exists, and an order
-- only while no invoice names it, so both sides of those pairs take the same key's lock: the
-- later of two concurrent transactions recomputes after the earlier has committed and sees it.

-- Every spend document as it was last applied: doc is 'i:' invoice id, 'l:' ledger row id or
-- 'o:' order id; platform orders are on agreement by construction.
CREATE TABLE loyalty_docs (
    doc                 text PRIMARY KEY,
    org_id              uuid NOT NULL,
    day                 date NOT NULL,
    division            text NOT NULL,
    supplier_key        text NOT NULL,
    supplier_org_number text NOT NULL,
    supplier_name       text NOT NULL,
    currency            text NOT NULL,
    platform            boolean NOT NULL,
    amount_minor        bigint NOT NULL
);
-- Ranges that cut a month, and months the agreements' validity cuts, read documents by day.
CREATE INDEX loyalty_docs_org_day_idx ON loyalty_docs (org_id, day);

-- Spend per buyer, month, CPV division, supplier (with the number and name it was written
-- with) and currency; docs counts the documents, so a month whose credit note cancels its
-- invoice still shows as a group, as in the base-table query.
CREATE TABLE loyalty_months (
    org_id              uuid NOT NULL,
    month               date NOT NULL,
    division            text NOT NULL,
    supplier_key        text NOT NULL,
    currency            text NOT NULL,
    platform            boolean NOT NULL,
    supplier_org_number text NOT NULL,
    supplier_name       text NOT NULL,
    docs                bigint NOT NULL,
    amount_minor        bigint NOT NULL,
    PRIMARY KEY (org_id, month, division, supplier_key, currency, platform, supplier_org_number, supplier_name)
);

-- Marks of the current transactions, not yet applied (the flush at commit deletes its own), hence
-- unlogged. kind: 'i' invoice, 'l' ledger row, 'o' order (id), 'L' an invoice number of a buyer
-- (id the buyer, number).
CREATE UNLOGGED TABLE loyalty_dirty (
    txid   bigint NOT NULL,
    kind   "char" NOT NULL,
    id     text NOT NULL,
    number text NOT NULL DEFAULT '',
    PRIMARY KEY (txid, kind, id, number)
);
-- One row per transaction that marked something: its insert queues the one flush at commit.
CREATE UNLOGGED TABLE loyalty_pending (
    txid bigint PRIMARY KEY
);

-- A ledger row that is also received as an invoice is found by buyer and invoice number.
CREATE INDEX spend_records_org_number_idx ON spend_records (org_id, invoice_number);

-- loyalty_doc_state is the current contribution of the given documents (all of them when the
-- three arrays are NULL), with the definitions of the base-table contract-loyalty query.
-- +goose StatementBegin
CREATE FUNCTION loyalty_doc_state(inv uuid[], led bigint[], ord uuid[]) RETURNS SETOF loyalty_docs LANGUAGE plpgsql STABLE AS $$
DECLARE
    everything boolean := inv IS NULL AND led IS NULL AND ord IS NULL;
BEGIN
    RETURN QUERY EXECUTE format($q$
    SELECT 'i:' || i.id, i.buyer_org_id, i.issue_date, left(i.cpv_code, 2),
           upper(regexp_replace(so.org_number, '[^0-9A-Za-z]', '', 'g')), so.org_number, so.name, trim(i.currency)::text, false,
           CASE WHEN i.kind = 'credit_note' THEN -i.tax_exclusive_minor ELSE i.tax_exclusive_minor END
    FROM invoices i JOIN organizations so ON so.id = i.supplier_id
    WHERE %s AND i.status <> 'invalid'
    UNION ALL
    SELECT 'l:' || r.id, r.org_id, r.invoice_date, left(r.cpv_code, 2), r.supplier_key, r.supplier_org_number, r.supplier_name,
           trim(r.currency)::text, false, r.amount_minor
    FROM spend_records r
    WHERE %s AND NOT EXISTS (SELECT 1 FROM invoices i JOIN organizations so ON so.id = i.supplier_id
        WHERE i.buyer_org_id = r.org_id AND i.number = r.invoice_number AND i.status <> 'invalid'
          AND upper(regexp_replace(so.org_number, '[^0-9A-Za-z]', '', 'g')) = r.supplier_key)
    UNION ALL
    SELECT 'o:' || o.id, o.buyer_org_id, (o.created_at AT TIME ZONE 'UTC')::date, left(a.cpv_code, 2),
           upper(regexp_replace(so.org_number, '[^0-9A-Za-z]', '', 'g')), so.org_number, so.name, trim(o.currency)::text, true,
           o.total_minor
    FROM orders o JOIN agreements a ON a.id = o.agreement_id JOIN organizations so ON so.id = o.supplier_id
    WHERE %s AND o.approved_at IS NOT NULL AND o.status IN ('approved', 'accepted', 'shipped', 'delivered')
      AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.order_id = o.id AND i.status <> 'invalid')$q$,
        CASE WHEN everything THEN 'true' ELSE 'i.id = ANY($1)' END,
        CASE WHEN everything THEN 'true' ELSE 'r.id = ANY($2)' END,
        CASE WHEN everything THEN 'true' ELSE 'o.id = ANY($3)' END)
    USING COALESCE(inv, '{}'), COALESCE(led, '{}'), COALESCE(ord, '{}');
END;
$$;
-- +goose StatementEnd

-- loyalty_flush runs at commit: it applies every document the transaction marked.
-- +goose StatementBegin
CREATE FUNCTION loyalty_flush() RETURNS trigger LANGUAGE plpgsql AS $$
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

    DELETE FROM loyalty_docs d WHERE d.doc = ANY(docs);
    INSERT INTO loyalty_docs SELECT * FROM unnest(new_rows);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER loyalty_pending_flush AFTER INSERT ON loyalty_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION loyalty_flush();

-- loyalty_mark_one records one mark of the current transaction.
-- +goose StatementBegin
CREATE FUNCTION loyalty_mark_one(k "char", i text, n text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO loyalty_pending VALUES (txid_current()) ON CONFLICT DO NOTHING;
    INSERT INTO loyalty_dirty VALUES (txid_current(), k, i, COALESCE(n, '')) ON CONFLICT DO NOTHING;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION loyalty_mark() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOREACH r IN ARRAY CASE TG_OP WHEN 'INSERT' THEN ARRAY[NEW] WHEN 'DELETE' THEN ARRAY[OLD] ELSE ARRAY[OLD, NEW] END LOOP
        IF TG_TABLE_NAME = 'invoices' THEN
            PERFORM loyalty_mark_one('i', r.id::text, '');
            PERFORM loyalty_mark_one('L', r.buyer_org_id::text, r.number);
            IF r.order_id IS NOT NULL THEN
                PERFORM loyalty_mark_one('o', r.order_id::text, '');
            END IF;
        ELSIF TG_TABLE_NAME = 'spend_records' THEN
            PERFORM loyalty_mark_one('l', r.id::text, '');
            PERFORM loyalty_mark_one('L', r.org_id::text, r.invoice_number);
        ELSIF TG_TABLE_NAME = 'orders' THEN
            PERFORM loyalty_mark_one('o', r.id::text, '');
        ELSIF TG_TABLE_NAME = 'agreements' THEN
            PERFORM loyalty_mark_one('o', o.id::text, '') FROM orders o WHERE o.agreement_id = r.id AND o.approved_at IS NOT NULL;
        ELSIF TG_TABLE_NAME = 'organizations' THEN
            PERFORM loyalty_mark_one('i', i.id::text, ''), loyalty_mark_one('L', i.buyer_org_id::text, i.number)
            FROM invoices i WHERE i.supplier_id = r.id;
            PERFORM loyalty_mark_one('o', o.id::text, '') FROM orders o WHERE o.supplier_id = r.id AND o.approved_at IS NOT NULL;
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- A load of ledger rows marks them in one statement.
-- +goose StatementBegin
CREATE FUNCTION loyalty_mark_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO loyalty_pending VALUES (txid_current()) ON CONFLICT DO NOTHING;
    INSERT INTO loyalty_dirty
    SELECT txid_current(), 'l', n.id::text, '' FROM loyalty_new n
    UNION SELECT txid_current(), 'L', n.org_id::text, n.invoice_number FROM loyalty_new n
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER loyalty_invoices_insert_delete AFTER INSERT OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION loyalty_mark();
CREATE TRIGGER loyalty_invoices_change AFTER UPDATE OF kind, number, supplier_id, buyer_org_id, order_id, issue_date, currency,
    cpv_code, tax_exclusive_minor, status ON invoices
    FOR EACH ROW WHEN ((OLD.kind, OLD.number, OLD.supplier_id, OLD.buyer_org_id, OLD.order_id, OLD.issue_date, OLD.currency,
        OLD.cpv_code, OLD.tax_exclusive_minor, OLD.status = 'invalid')
        IS DISTINCT FROM (NEW.kind, NEW.number, NEW.supplier_id, NEW.buyer_org_id, NEW.order_id, NEW.issue_date, NEW.currency,
        NEW.cpv_code, NEW.tax_exclusive_minor, NEW.status = 'invalid'))
    EXECUTE FUNCTION loyalty_mark();
CREATE TRIGGER loyalty_spend_records_insert AFTER INSERT ON spend_records
    REFERENCING NEW TABLE AS loyalty_new FOR EACH STATEMENT EXECUTE FUNCTION loyalty_mark_ledger();
CREATE TRIGGER loyalty_spend_records_change AFTER UPDATE OR DELETE ON spend_records
    FOR EACH ROW EXECUTE FUNCTION loyalty_mark();
-- A pending order contributes nothing, so inserting one marks nothing: its approval does.
CREATE TRIGGER loyalty_orders_insert AFTER INSERT ON orders
    FOR EACH ROW WHEN (NEW.approved_at IS NOT NULL) EXECUTE FUNCTION loyalty_mark();
CREATE TRIGGER loyalty_orders_change AFTER UPDATE OF status, approved_at, created_at, total_minor, currency, agreement_id,
    buyer_org_id, supplier_id ON orders
    FOR EACH ROW WHEN ((OLD.approved_at IS NOT NULL OR NEW.approved_at IS NOT NULL)
        AND (OLD.status, OLD.approved_at IS NULL, OLD.created_at, OLD.total_minor, OLD.currency, OLD.agreement_id, OLD.buyer_org_id,
             OLD.supplier_id)
        IS DISTINCT FROM (NEW.status, NEW.approved_at IS NULL, NEW.created_at, NEW.total_minor, NEW.currency, NEW.agreement_id,
             NEW.buyer_org_id, NEW.supplier_id))
    EXECUTE FUNCTION loyalty_mark();
CREATE TRIGGER loyalty_orders_delete AFTER DELETE ON orders
    FOR EACH ROW WHEN (OLD.approved_at IS NOT NULL) EXECUTE FUNCTION loyalty_mark();
CREATE TRIGGER loyalty_agreements AFTER UPDATE OF cpv_code ON agreements
    FOR EACH ROW WHEN (OLD.cpv_code IS DISTINCT FROM NEW.cpv_code) EXECUTE FUNCTION loyalty_mark();
CREATE TRIGGER loyalty_organizations AFTER UPDATE OF org_number, name ON organizations
    FOR EACH ROW WHEN ((OLD.org_number, OLD.name) IS DISTINCT FROM (NEW.org_number, NEW.name)) EXECUTE FUNCTION loyalty_mark();

-- loyalty_rebuild recomputes both tables from the base tables: the backfill below, and the
-- national seed after its bulk COPY (which bypasses the triggers). Run it when nothing writes.
-- +goose StatementBegin
CREATE FUNCTION loyalty_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE loyalty_docs, loyalty_months, loyalty_dirty, loyalty_pending;
    INSERT INTO loyalty_docs SELECT * FROM loyalty_doc_state(NULL, NULL, NULL) s ORDER BY s.org_id, s.day;
    INSERT INTO loyalty_months (org_id, month, division, supplier_key, currency, platform, supplier_org_number, supplier_name,
        docs, amount_minor)
    SELECT org_id, date_trunc('month', day)::date, division, supplier_key, currency, platform, supplier_org_number, supplier_name,
           count(*), sum(amount_minor)
    FROM loyalty_docs GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8;
END;
$$;
-- +goose StatementEnd

SELECT loyalty_rebuild();

-- +goose Down
DROP TRIGGER loyalty_organizations ON organizations;
DROP TRIGGER loyalty_agreements ON agreements;
DROP TRIGGER loyalty_orders_delete ON orders;
DROP TRIGGER loyalty_orders_change ON orders;
DROP TRIGGER loyalty_orders_insert ON orders;
DROP TRIGGER loyalty_spend_records_change ON spend_records;
DROP TRIGGER loyalty_spend_records_insert ON spend_records;
DROP TRIGGER loyalty_invoices_change ON invoices;
DROP TRIGGER loyalty_invoices_insert_delete ON invoices;
DROP FUNCTION loyalty_rebuild();
DROP FUNCTION loyalty_mark_ledger();
DROP FUNCTION loyalty_mark();
DROP FUNCTION loyalty_mark_one("char", text, text);
DROP TABLE loyalty_pending;
DROP FUNCTION loyalty_flush();
DROP FUNCTION loyalty_doc_state(uuid[], bigint[], uuid[]);
DROP INDEX spend_records_org_number_idx;
DROP TABLE loyalty_dirty;
DROP TABLE loyalty_months;
DROP TABLE loyalty_docs;
