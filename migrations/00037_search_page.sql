-- +goose Up
-- Catalogue search at a million items (issue 15, "Seventh round" of docs/speed.md): a search
-- statement's page — its 20 items with agreement, supplier, rank and current and next price —
-- is read through this function, whose statement PL/pgSQL plans once per connection (a
-- generic plan after five calls), instead of PostgreSQL planning those six joins again in
-- every search statement (about 0.4 of a statement's 1.2 ms of planning). The candidates and
-- their ranking stay in the search statement, planned with its own words.
--
-- Its columns and joins are catalog.itemSelect and catalog.itemJoins, which other reads still
-- use: a change to one is a change to both (TestSearchPageLikeItemSelect fails otherwise).
-- Rows come in the order of ids.
-- +goose StatementBegin
CREATE FUNCTION search_page(ids uuid[], today date)
RETURNS TABLE (id uuid, agreement_id uuid, agreement_reference text, agreement_title text, supplier_id uuid,
    supplier_name text, supplier_rank integer, sku text, gtin text, name text, description text, unit text,
    pack_size numeric(12,3), cpv_code text, eco_labels text[], vat_rate_bp integer, active boolean, approval text,
    image_hash text, currency character(3), price_minor bigint, price_effective_from text, next_price_minor bigint,
    next_price_effective_from text, kind text, setup_price_minor bigint, min_term_months integer,
    notice_months integer, created_at timestamptz, updated_at timestamptz, n bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY SELECT i.id, i.agreement_id, a.reference, a.title, i.supplier_id,
        o.name, s.rank, i.sku, i.gtin, i.name, i.description, i.unit, i.pack_size,
        i.cpv_code, i.eco_labels, i.vat_rate_bp, i.active, i.approval, i.image_hash, a.currency, cur.price_minor,
        cur.effective_from::text, nxt.price_minor, nxt.effective_from::text, i.kind, cur.setup_price_minor,
        i.min_term_months, i.notice_months, i.created_at, i.updated_at, t.n
    FROM unnest(ids) WITH ORDINALITY AS t(id, n)
    JOIN items i ON i.id = t.id
    JOIN agreements a ON a.id = i.agreement_id
    JOIN agreement_suppliers s ON s.agreement_id = i.agreement_id AND s.org_id = i.supplier_id
    JOIN organizations o ON o.id = i.supplier_id
    LEFT JOIN LATERAL (SELECT p.price_minor, p.setup_price_minor, p.effective_from FROM item_prices p
        WHERE p.item_id = i.id AND p.effective_from <= today
        ORDER BY p.effective_from DESC, p.created_at DESC LIMIT 1) cur ON true
    LEFT JOIN LATERAL (SELECT p.price_minor, p.effective_from FROM item_prices p
        WHERE p.item_id = i.id AND p.effective_from > today
        ORDER BY p.effective_from ASC, p.created_at DESC LIMIT 1) nxt ON true
    ORDER BY t.n;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION search_page(uuid[], date);
