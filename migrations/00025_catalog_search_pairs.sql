-- +goose Up
-- Catalogue search at a million items (issue 15): GIN answers `search_name @@ q` only as a
-- bitmap of every match, so a query of two words each in 5–10 % of the items walked and
-- intersected posting lists of 100,000 entries to hand 200 candidates to the ranking — work
-- that grows with the catalogue. search_pairs holds, per item, a lexeme for every two words of
-- its name, sku and GTIN ("handske nitril") and each word alone; a search of two or more words
-- looks up the pair of its two most selective words, whose posting list holds only the items
-- with both, and checks the rest of the query on the rows (catalog/search_pairs.go).
-- Words with digits (sizes, article numbers, "448") and of one or two letters are left out:
-- they are mostly unique or everywhere, and would multiply the index for no selectivity.
-- +goose StatementBegin
CREATE FUNCTION search_pairs(v tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN
    array_to_tsvector(ARRAY(
        SELECT CASE WHEN a = b THEN a ELSE a || ' ' || b END
        FROM unnest(tsvector_to_array(v)) AS a, unnest(tsvector_to_array(v)) AS b
        WHERE a COLLATE "C" <= b COLLATE "C"
            AND length(a) >= 3 AND length(b) >= 3 AND a !~ '[0-9]' AND b !~ '[0-9]'
            AND octet_length(a) <= 160 AND octet_length(b) <= 160));
-- +goose StatementEnd

ALTER TABLE items ADD COLUMN search_pairs tsvector GENERATED ALWAYS AS (
    search_pairs(to_tsvector('simple', name || ' ' || sku || ' ' || coalesce(gtin, '')))
) STORED;
CREATE INDEX items_search_pairs_idx ON items USING gin (search_pairs) WITH (gin_pending_list_limit = 256);

-- +goose Down
DROP INDEX items_search_pairs_idx;
ALTER TABLE items DROP COLUMN search_pairs;
DROP FUNCTION search_pairs(tsvector);
