-- +goose Up

-- PEPPOL checks units against UN/ECE Rec 20 including the Rec 21 packaging codes prefixed with
-- X (SPEC §8): a box is XBX, not BX. The codes Avrop used to take are renamed in the catalogue
-- and in the orders' line snapshots, so that exported orders pass.
UPDATE items SET unit = 'X' || unit WHERE unit IN ('BX', 'PK', 'CT');
UPDATE order_lines SET unit = 'X' || unit WHERE unit IN ('BX', 'PK', 'CT');

-- Order lines keep the item's eco-labels and pack size as they were when ordered, so that
-- follow-up's eco share reads history instead of today's catalogue. Existing lines take the
-- item's present values: the best there is for them.
ALTER TABLE order_lines ADD COLUMN eco_labels text[] NOT NULL DEFAULT '{}';
ALTER TABLE order_lines ADD COLUMN pack_size integer NOT NULL DEFAULT 1 CHECK (pack_size >= 1);
UPDATE order_lines l SET eco_labels = i.eco_labels, pack_size = i.pack_size FROM items i WHERE i.id = l.item_id;

-- +goose Down
ALTER TABLE order_lines DROP COLUMN pack_size;
ALTER TABLE order_lines DROP COLUMN eco_labels;
UPDATE order_lines SET unit = substr(unit, 2) WHERE unit IN ('XBX', 'XPK', 'XCT');
UPDATE items SET unit = substr(unit, 2) WHERE unit IN ('XBX', 'XPK', 'XCT');
