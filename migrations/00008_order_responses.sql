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

-- +goose Down
ALTER TABLE order_lines DROP COLUMN quantity_confirmed;
ALTER TABLE orders DROP COLUMN responded_at;
ALTER TABLE orders DROP COLUMN promised_delivery_date;
ALTER TABLE orders DROP COLUMN response_reason;
ALTER TABLE orders DROP COLUMN response_code;
