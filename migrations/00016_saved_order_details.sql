-- +goose Up

-- Delivery addresses and cost centres a buyer organisation saves so that its orderers choose
-- them at checkout rather than typing them (SPEC §5). An order still copies the text it was
-- placed with: changing or removing a saved one never rewrites an order.
CREATE TABLE saved_order_details (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('delivery_address', 'cost_center')),
    label      text NOT NULL DEFAULT '' CHECK (length(label) <= 100),
    value      text NOT NULL CHECK (length(value) BETWEEN 1 AND 500),
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT saved_order_details_value_key UNIQUE (org_id, kind, value)
);

-- +goose Down
DROP TABLE saved_order_details;
