-- +goose Up
-- Contract loyalty by organisation reads each buyer's thirteen largest bounds (migration 00031);
-- from the rank index alone when it holds the currency and the supplier too. Fetched from the
-- table they were a heap page each (a buyer's 1,400 bounds span some 13 pages, the thirteen
-- largest anywhere among them): 3,770 pages of 3,778 for a national report, most of the cost
-- of its first call while they are not in shared buffers. positive_minor is already a key of
-- the index, so the flush's updates were not HOT before and the included columns (which do not
-- change) cost a write nothing more.
CREATE INDEX loyalty_outside_bounds_rank_cover_idx ON loyalty_outside_bounds (org_id, positive_minor DESC)
    INCLUDE (currency, supplier_key);
DROP INDEX loyalty_outside_bounds_rank_idx;

-- +goose Down
CREATE INDEX loyalty_outside_bounds_rank_idx ON loyalty_outside_bounds (org_id, positive_minor DESC);
DROP INDEX loyalty_outside_bounds_rank_cover_idx;
