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

-- The snapshot is taken by the database as each line is written, from the item row the order
-- has read in the same transaction, so every way of writing lines keeps it.
-- +goose StatementBegin
CREATE FUNCTION order_line_snapshot() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT i.eco_labels, i.pack_size INTO NEW.eco_labels, NEW.pack_size FROM items i WHERE i.id = NEW.item_id;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER order_lines_snapshot BEFORE INSERT ON order_lines FOR EACH ROW EXECUTE FUNCTION order_line_snapshot();

-- An order's VAT is per rate over the sum of its lines at that rate, rounded half up once per
-- rate (EN 16931 BR-CO-17), no longer the sum of the lines' rounded VAT.
UPDATE orders o SET vat_minor = v.vat
FROM (SELECT order_id, sum(r.vat)::bigint AS vat
      FROM (SELECT order_id, (sum(line_total_minor) * vat_rate_bp + 5000) / 10000 AS vat
            FROM order_lines GROUP BY order_id, vat_rate_bp) r
      GROUP BY order_id) v
WHERE v.order_id = o.id AND o.vat_minor <> v.vat;

-- +goose Down
UPDATE orders o SET vat_minor = v.vat
FROM (SELECT order_id, sum(line_vat_minor)::bigint AS vat FROM order_lines GROUP BY order_id) v
WHERE v.order_id = o.id;
DROP TRIGGER order_lines_snapshot ON order_lines;
DROP FUNCTION order_line_snapshot();
ALTER TABLE order_lines DROP COLUMN pack_size;
ALTER TABLE order_lines DROP COLUMN eco_labels;
UPDATE order_lines SET unit = substr(unit, 2) WHERE unit IN ('XBX', 'XPK', 'XCT');
UPDATE items SET unit = substr(unit, 2) WHERE unit IN ('XBX', 'XPK', 'XCT');
