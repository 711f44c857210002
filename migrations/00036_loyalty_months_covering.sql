-- +goose Up
-- Contract loyalty's first call on a cold server (issue 14). A national report reads the awarded
-- suppliers' months by supplier and month (00034) and its candidates' months by buyer and
-- supplier (00031); fetched from the table, those rows lie on nearly every one of its pages
-- (5,452 of 5,467 for the awarded months on the bench's national database), so a call whose
-- pages are not in shared buffers read some 8,400 pages from disk: 441 ms after a PostgreSQL
-- restart, where a warm call takes 110-160 ms. With the sums in the indexes both are read from
-- the indexes alone (the awarded suppliers' entries are a few hundred pages): 190 ms after a
-- restart. The price: docs and amount_minor are now in indexes, so the flush's updates of a
-- month's row are no longer HOT and write an entry in each index (README "Speed").
CREATE INDEX loyalty_months_supplier_month_cover_idx ON loyalty_months (supplier_key, month)
    INCLUDE (org_id, division, currency, platform, supplier_org_number, supplier_name, docs, amount_minor);
DROP INDEX loyalty_months_supplier_month_idx;
CREATE INDEX loyalty_months_org_supplier_cover_idx ON loyalty_months (org_id, supplier_key, month)
    INCLUDE (division, currency, platform, supplier_org_number, supplier_name, docs, amount_minor);
DROP INDEX loyalty_months_org_supplier_idx;

-- +goose Down
CREATE INDEX loyalty_months_org_supplier_idx ON loyalty_months (org_id, supplier_key, month);
DROP INDEX loyalty_months_org_supplier_cover_idx;
CREATE INDEX loyalty_months_supplier_month_idx ON loyalty_months (supplier_key, month);
DROP INDEX loyalty_months_supplier_month_cover_idx;
