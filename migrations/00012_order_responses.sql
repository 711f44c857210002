-- +goose Up

-- The supplier's answer to an order (SPEC §8 "Order response"): accepted (AP), declined (RE)
-- or accepted with changes (CA), with a reason and a promised delivery date; each line keeps
-- the quantity the supplier confirmed beside the quantity ordered.
ALTER TABLE orders ADD COLUMN response_code text CHECK (response_code IN ('AP', 'RE', 'CA'));
ALTER TABLE orders ADD COLUMN response_reason text NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN promised_delivery_date date;
ALTER TABLE orders ADD COLUMN responded_at timestamptz;
ALTER TABLE order_lines ADD COLUMN quantity_confirmed integer
    CHECK (quantity_confirmed >= 0 AND quantity_confirmed <= quantity);

-- Partial delivery (SPEC §8): what has been shipped and received of each line; a line received
-- short opens a deviation `missing` that names the line and the missing quantity.
ALTER TABLE order_lines ADD COLUMN quantity_shipped integer NOT NULL DEFAULT 0 CHECK (quantity_shipped >= 0 AND quantity_shipped <= quantity);
ALTER TABLE order_lines ADD COLUMN quantity_received integer CHECK (quantity_received >= 0 AND quantity_received <= quantity);
ALTER TABLE deviations ADD COLUMN line_no integer;
ALTER TABLE deviations ADD COLUMN quantity_missing integer CHECK (quantity_missing > 0);

-- +goose Down
ALTER TABLE deviations DROP COLUMN quantity_missing;
ALTER TABLE deviations DROP COLUMN line_no;
ALTER TABLE order_lines DROP COLUMN quantity_received;
ALTER TABLE order_lines DROP COLUMN quantity_shipped;
ALTER TABLE order_lines DROP COLUMN quantity_confirmed;
ALTER TABLE orders DROP COLUMN responded_at;
ALTER TABLE orders DROP COLUMN promised_delivery_date;
ALTER TABLE orders DROP COLUMN response_reason;
ALTER TABLE orders DROP COLUMN response_code;
