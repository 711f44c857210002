-- +goose Up

-- A pack may hold a decimal quantity of its content unit: a roll of 5.2 m², a can of 0.75 l
-- (PEPPOL BIS Catalogue's cbc:ContentUnitQuantity, SPEC §8). Items and the order lines'
-- snapshots take up to three decimals.
ALTER TABLE items ALTER COLUMN pack_size TYPE numeric(12, 3);
ALTER TABLE order_lines ALTER COLUMN pack_size TYPE numeric(12, 3);
ALTER TABLE order_lines DROP CONSTRAINT order_lines_pack_size_check;
ALTER TABLE order_lines ADD CONSTRAINT order_lines_pack_size_check CHECK (pack_size > 0);

-- A PEPPOL catalogue's Delete lines and Replace withdraw items; on an agreement with
-- catalogue approval the withdrawal of an accepted item waits for the managers like any
-- other change of the catalogue (SPEC §6, §8).
ALTER TABLE catalogue_changes DROP CONSTRAINT catalogue_changes_kind_check;
ALTER TABLE catalogue_changes ADD CONSTRAINT catalogue_changes_kind_check
    CHECK (kind IN ('new_item', 'terms', 'first_price', 'withdrawal'));

-- +goose Down
DELETE FROM catalogue_changes WHERE kind = 'withdrawal';
ALTER TABLE catalogue_changes DROP CONSTRAINT catalogue_changes_kind_check;
ALTER TABLE catalogue_changes ADD CONSTRAINT catalogue_changes_kind_check
    CHECK (kind IN ('new_item', 'terms', 'first_price'));
ALTER TABLE order_lines DROP CONSTRAINT order_lines_pack_size_check;
ALTER TABLE order_lines ALTER COLUMN pack_size TYPE integer USING greatest(1, ceil(pack_size))::integer;
ALTER TABLE order_lines ADD CONSTRAINT order_lines_pack_size_check CHECK (pack_size >= 1);
ALTER TABLE items ALTER COLUMN pack_size TYPE integer USING greatest(1, ceil(pack_size))::integer;
-- Changing the type rewrote items' CHECK as a numeric comparison; restore 00002's own.
ALTER TABLE items DROP CONSTRAINT items_pack_size_check;
ALTER TABLE items ADD CONSTRAINT items_pack_size_check CHECK (pack_size > 0);
