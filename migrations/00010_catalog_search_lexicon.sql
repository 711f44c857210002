-- +goose Up
-- Catalogue search that stays fast at a million items (issue 15) and ranks the way care staff
-- expect (issue 12). The trigram index over every item's whole text (infix and typo matching
-- by scanning the catalogue) gives way to:
--   * search_name: the words of the name, sku and GTIN;
--   * search_all: the same plus the description's, so a word may match anywhere;
--   * search_words: the lexicon of the catalogue's words, where infix ("förband" in
--     "skumförband") and typo ("handskr" → "handske") matches are looked up among a few
--     thousand words instead of a million items, and then searched as ordinary words;
--   * size_order: XS, S, M, L, XL, XXL in their natural order among otherwise equal items.
DROP INDEX items_search_trgm_idx;
DROP INDEX items_search_idx;
ALTER TABLE items DROP COLUMN search_text;
ALTER TABLE items DROP COLUMN search;

-- +goose StatementBegin
CREATE FUNCTION item_size_order(name text) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN
    CASE coalesce((regexp_match(name, '\m(XXS|XS|S|M|L|XL|XXL|2XL|XXXL|3XL|4XL)\M'))[1],
                  (regexp_match(lower(name), '\m(x-small|small|medium|large|x-large|xx-large)\M'))[1])
        WHEN 'XXS' THEN 1 WHEN 'XS' THEN 2 WHEN 'x-small' THEN 2 WHEN 'S' THEN 3 WHEN 'small' THEN 3
        WHEN 'M' THEN 4 WHEN 'medium' THEN 4 WHEN 'L' THEN 5 WHEN 'large' THEN 5
        WHEN 'XL' THEN 6 WHEN 'x-large' THEN 6 WHEN 'XXL' THEN 7 WHEN '2XL' THEN 7 WHEN 'xx-large' THEN 7
        WHEN 'XXXL' THEN 8 WHEN '3XL' THEN 8 WHEN '4XL' THEN 9
    END;
-- +goose StatementEnd

-- Words only, unstemmed (the simple configuration): a query word is turned into the lexicon's
-- words before it reaches these indexes ("handskar" → handske, handskar, handsken …), because
-- GIN walks an exact word's posting list several times faster than it gathers a prefix's.
ALTER TABLE items
    ADD COLUMN search_name tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', name || ' ' || sku || ' ' || coalesce(gtin, ''))
    ) STORED,
    ADD COLUMN search_all tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', name || ' ' || sku || ' ' || coalesce(gtin, '') || ' ' || description)
    ) STORED,
    ADD COLUMN size_order smallint GENERATED ALWAYS AS (item_size_order(name)) STORED;

-- A small pending list keeps searches fast right after bulk imports: GIN's fast-update list
-- is scanned on every query until it is merged.
CREATE INDEX items_search_name_idx ON items USING gin (search_name) WITH (gin_pending_list_limit = 256);
CREATE INDEX items_search_all_idx ON items USING gin (search_all) WITH (gin_pending_list_limit = 256);
-- Article numbers as typed: the start of a sku, a whole GTIN.
CREATE INDEX items_sku_lower_idx ON items (lower(sku) text_pattern_ops);
CREATE INDEX items_gtin_idx ON items (gtin) WHERE gtin IS NOT NULL;

-- The lexicon: every word of three to forty characters (not only digits) of any item's name
-- or description, in the simple configuration (lower-cased, unstemmed). Words are only added:
-- a word no item holds any more expands a query to a word that matches nothing, which is
-- harmless. COLLATE "C" lets the primary key answer prefix LIKEs.
CREATE TABLE search_words (
    word text COLLATE "C" PRIMARY KEY
);
CREATE INDEX search_words_trgm_idx ON search_words USING gin (word gin_trgm_ops);

-- +goose StatementBegin
-- Adds the words of a statement's new or changed items, once per statement (bulk imports add
-- thousands of items in one). Words are inserted in sorted order so that two transactions
-- adding the same new words wait for each other instead of deadlocking within a statement.
CREATE FUNCTION search_words_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_words (word)
    SELECT DISTINCT w FROM changed_items c,
        unnest(tsvector_to_array(to_tsvector('simple', c.name || ' ' || c.description))) AS w
    WHERE length(w) BETWEEN 3 AND 40 AND w ~ '[[:alpha:]]'
    ORDER BY 1
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER items_search_words_insert AFTER INSERT ON items
    REFERENCING NEW TABLE AS changed_items FOR EACH STATEMENT EXECUTE FUNCTION search_words_add();
CREATE TRIGGER items_search_words_update AFTER UPDATE ON items
    REFERENCING NEW TABLE AS changed_items FOR EACH STATEMENT EXECUTE FUNCTION search_words_add();

INSERT INTO search_words (word)
SELECT DISTINCT w FROM items i, unnest(tsvector_to_array(to_tsvector('simple', i.name || ' ' || i.description))) AS w
WHERE length(w) BETWEEN 3 AND 40 AND w ~ '[[:alpha:]]'
ON CONFLICT DO NOTHING;

-- +goose Down
DROP TRIGGER items_search_words_update ON items;
DROP TRIGGER items_search_words_insert ON items;
DROP FUNCTION search_words_add();
DROP TABLE search_words;
DROP INDEX items_gtin_idx;
DROP INDEX items_sku_lower_idx;
DROP INDEX items_search_all_idx;
DROP INDEX items_search_name_idx;
ALTER TABLE items DROP COLUMN size_order, DROP COLUMN search_all, DROP COLUMN search_name;
DROP FUNCTION item_size_order(text);
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
CREATE INDEX items_search_idx ON items USING gin (search) WITH (gin_pending_list_limit = 256);
CREATE INDEX items_search_trgm_idx ON items USING gin (search_text gin_trgm_ops) WITH (gin_pending_list_limit = 256);
