-- +goose Up
-- Catalogue search at a million items (issue 15): GIN answers `search_name @@ q` only as a
-- bitmap of every match, and building and sorting that bitmap costs in proportion to the
-- matches: a word in 2 % of a million items (20,000) took 8 ms to hand 200 candidates to the
-- ranking, and PostgreSQL's alternative, a sequential scan until 200 match, as long. These
-- indexes hold the words of a fixed sample of the items — 1 in 16 and 1 in 128, by the first
-- byte of the random id — so that a search of a word (or pair of words) with many matches
-- takes its candidates from the sample: a bitmap of a few hundred entries, whatever the
-- catalogue's size. The search falls back to the rest of the items when the sample holds
-- fewer than it needs (catalog/search_rank.go). PostgreSQL keeps them in step with the items
-- like any index; a search names the same predicate, which is what lets the planner use them.
CREATE INDEX items_search_name_s16 ON items USING gin (search_name) WITH (gin_pending_list_limit = 256)
    WHERE uuid_send(id) < '\x10'::bytea;
CREATE INDEX items_search_name_s128 ON items USING gin (search_name) WITH (gin_pending_list_limit = 256)
    WHERE uuid_send(id) < '\x02'::bytea;
CREATE INDEX items_search_pairs_s16 ON items USING gin (search_pairs) WITH (gin_pending_list_limit = 256)
    WHERE uuid_send(id) < '\x10'::bytea;
CREATE INDEX items_search_pairs_s128 ON items USING gin (search_pairs) WITH (gin_pending_list_limit = 256)
    WHERE uuid_send(id) < '\x02'::bytea;

-- What share of the items a sample holds, for the planner: without statistics of the
-- expression it takes a third of the items for the sample and, under the search's LIMIT,
-- prefers walking the agreement's index and testing every item (550 ms measured for a size
-- word at a million items) to the sample's index. ANALYZE gathers them now; autovacuum keeps
-- them (the share does not change as the catalogue grows).
CREATE STATISTICS items_search_sample_stats ON (uuid_send(id)) FROM items;
ANALYZE items;

-- +goose Down
DROP STATISTICS items_search_sample_stats;
DROP INDEX items_search_pairs_s128;
DROP INDEX items_search_pairs_s16;
DROP INDEX items_search_name_s128;
DROP INDEX items_search_name_s16;
