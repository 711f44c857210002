-- +goose Up
-- Catalogue search at a million items (issue 15), continuing 00030: a search whose words no
-- item name holds together ("stomi termometer") looks for them in the descriptions
-- (items.search_all), and GIN answers that only as a bitmap of every match — 16,600 entries,
-- 8 ms of a 12 ms search at a million items, the slowest searches of the benchmark's mix.
-- The same samples as 00030 (1 in 16 and 1 in 128 items, by the first byte of the random id)
-- now index the descriptions too, so that those candidates come from a bitmap of a thousand;
-- the search falls back to the other items when the sample holds fewer than it needs
-- (catalog/search_rank.go).
CREATE INDEX items_search_all_s16 ON items USING gin (search_all) WITH (gin_pending_list_limit = 256)
    WHERE uuid_send(id) < '\x10'::bytea;
CREATE INDEX items_search_all_s128 ON items USING gin (search_all) WITH (gin_pending_list_limit = 256)
    WHERE uuid_send(id) < '\x02'::bytea;

-- +goose Down
DROP INDEX items_search_all_s128;
DROP INDEX items_search_all_s16;
