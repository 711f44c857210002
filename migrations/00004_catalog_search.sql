-- +goose Up
-- Catalogue search: one tsvector combining Swedish and English stemming (names weigh most,
-- sku and GTIN through the 'simple' configuration so article numbers match as typed) and a
-- lower-cased text for pg_trgm, which gives infix matches inside Swedish compounds
-- ("handsk" in "undersökningshandskar") and typo tolerance ("handskr").
ALTER TABLE items ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('swedish', name), 'A') ||
    setweight(to_tsvector('english', name), 'A') ||
    setweight(to_tsvector('simple', sku || ' ' || coalesce(gtin, '')), 'A') ||
    setweight(to_tsvector('swedish', description), 'C') ||
    setweight(to_tsvector('english', description), 'D')
) STORED;
ALTER TABLE items ADD COLUMN search_text text GENERATED ALWAYS AS (
    lower(name || ' ' || sku || ' ' || coalesce(gtin, '') || ' ' || description)
) STORED;
-- A small pending list keeps searches fast right after bulk imports: GIN's fast-update list
-- is scanned on every query until it is merged.
CREATE INDEX items_search_idx ON items USING gin (search) WITH (gin_pending_list_limit = 256);
CREATE INDEX items_search_trgm_idx ON items USING gin (search_text gin_trgm_ops) WITH (gin_pending_list_limit = 256);
-- Browsing without a query pages through an agreement's items by name.
CREATE INDEX items_name_idx ON items (name, id);
CREATE INDEX items_supplier_idx ON items (supplier_id, agreement_id);
CREATE INDEX items_cpv_idx ON items (cpv_code text_pattern_ops);
-- The price-change rules look up an item's last applied increase.
CREATE INDEX price_changes_increase_idx ON price_changes (item_id, effective_from DESC)
    WHERE status IN ('applied', 'approved') AND old_price_minor IS NOT NULL AND new_price_minor > old_price_minor;

-- +goose Down
DROP INDEX price_changes_increase_idx;
DROP INDEX items_cpv_idx;
DROP INDEX items_supplier_idx;
DROP INDEX items_name_idx;
DROP INDEX items_search_trgm_idx;
DROP INDEX items_search_idx;
ALTER TABLE items DROP COLUMN search_text;
ALTER TABLE items DROP COLUMN search;
