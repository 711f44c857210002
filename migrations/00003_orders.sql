-- +goose Up

-- Call-off orders. Every figure a buyer, supplier or manager will later rely on (prices, VAT,
-- names, units, totals, the supplier's rank) is copied in at creation: later catalogue changes
-- never alter an order.
CREATE TABLE orders (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    number                  text NOT NULL,
    buyer_org_id            uuid NOT NULL REFERENCES organizations (id),
    ordered_by              uuid NOT NULL REFERENCES users (id),
    agreement_id            uuid NOT NULL REFERENCES agreements (id),
    supplier_id             uuid NOT NULL REFERENCES organizations (id),
    supplier_rank           integer NOT NULL,
    status                  text NOT NULL CHECK (status IN ('pending_approval', 'approved', 'rejected', 'accepted',
                                'declined', 'shipped', 'delivered', 'cancelled')),
    currency                char(3) NOT NULL,
    total_minor             bigint NOT NULL CHECK (total_minor >= 0),
    vat_minor               bigint NOT NULL CHECK (vat_minor >= 0),
    delivery_address        text NOT NULL,
    cost_center             text NOT NULL DEFAULT '',
    requested_delivery_date date,
    note                    text NOT NULL DEFAULT '',
    cascade_reason          text CHECK (cascade_reason IN ('higher_rank_declined', 'higher_rank_no_reply',
                                'higher_rank_cannot_deliver')),
    cascade_note            text NOT NULL DEFAULT '',
    declined_order_id       uuid REFERENCES orders (id),
    decline_reason          text NOT NULL DEFAULT '',
    approved_at             timestamptz,
    accepted_at             timestamptz,
    shipped_at              timestamptz,
    delivered_at            timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_number_key UNIQUE (buyer_org_id, number)
);
CREATE INDEX orders_buyer_idx ON orders (buyer_org_id, created_at DESC);
CREATE INDEX orders_supplier_idx ON orders (supplier_id, created_at DESC) WHERE approved_at IS NOT NULL;
CREATE INDEX orders_agreement_idx ON orders (agreement_id, created_at DESC);
CREATE INDEX orders_pending_idx ON orders (buyer_org_id) WHERE status = 'pending_approval';

CREATE TABLE order_lines (
    order_id         uuid NOT NULL REFERENCES orders (id),
    line_no          integer NOT NULL CHECK (line_no >= 1),
    item_id          uuid NOT NULL REFERENCES items (id),
    sku              text NOT NULL,
    name             text NOT NULL,
    unit             text NOT NULL,
    quantity         integer NOT NULL CHECK (quantity > 0),
    unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
    vat_rate_bp      integer NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
    line_total_minor bigint NOT NULL CHECK (line_total_minor >= 0),
    line_vat_minor   bigint NOT NULL CHECK (line_vat_minor >= 0),
    PRIMARY KEY (order_id, line_no)
);
CREATE INDEX order_lines_item_idx ON order_lines (item_id);

-- Every lifecycle move (and the creation) of an order: who, when, from, to, note. The
-- database itself refuses to change or delete an event, so the history holds even against a
-- bug or a hand-written statement.
CREATE TABLE order_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    uuid NOT NULL REFERENCES orders (id),
    actor_id    uuid NOT NULL REFERENCES users (id),
    from_status text,
    to_status   text NOT NULL,
    note        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX order_events_order_idx ON order_events (order_id, id);

-- +goose StatementBegin
CREATE FUNCTION order_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'order events are append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER order_events_no_update BEFORE UPDATE OR DELETE ON order_events
    FOR EACH ROW EXECUTE FUNCTION order_events_append_only();
CREATE TRIGGER order_events_no_truncate BEFORE TRUNCATE ON order_events
    FOR EACH STATEMENT EXECUTE FUNCTION order_events_append_only();

-- Committed value per agreement and per participant: the sum of every order that is pending
-- approval, approved, accepted, shipped or delivered. An order debits these rows with one
-- conditional statement inside its transaction (agreement row first, then participant row);
-- rejections, declines and cancellations credit them back. ceiling_minor is the ceiling the
-- last debit was checked against, so the CHECK constraint is a backstop against any bug in
-- the conditional statement.
CREATE TABLE agreement_usage (
    agreement_id    uuid PRIMARY KEY REFERENCES agreements (id),
    committed_minor bigint NOT NULL DEFAULT 0 CHECK (committed_minor >= 0),
    ceiling_minor   bigint,
    CONSTRAINT agreement_usage_within_ceiling CHECK (ceiling_minor IS NULL OR committed_minor <= ceiling_minor)
);

CREATE TABLE participant_usage (
    agreement_id    uuid NOT NULL REFERENCES agreements (id),
    org_id          uuid NOT NULL REFERENCES organizations (id),
    committed_minor bigint NOT NULL DEFAULT 0 CHECK (committed_minor >= 0),
    ceiling_minor   bigint,
    PRIMARY KEY (agreement_id, org_id),
    CONSTRAINT participant_usage_within_ceiling CHECK (ceiling_minor IS NULL OR committed_minor <= ceiling_minor)
);

-- Per buyer organisation and year, the last order number handed out; incremented in the
-- order's transaction so numbers are unique and have no gaps from committed orders' view.
CREATE TABLE order_counters (
    org_id     uuid NOT NULL REFERENCES organizations (id),
    year       integer NOT NULL,
    last_value bigint NOT NULL,
    PRIMARY KEY (org_id, year)
);

-- Idempotency keys of POST /orders, per user, kept 24 hours. The key is claimed in the
-- order's own transaction, so a key exists exactly when its order does.
CREATE TABLE idempotency_keys (
    user_id     uuid NOT NULL REFERENCES users (id),
    key         text NOT NULL,
    fingerprint bytea NOT NULL,
    order_id    uuid REFERENCES orders (id),
    response    jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Deviations (avvikelser) reported by the buyer on accepted, shipped or delivered orders.
CREATE TABLE deviations (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id     uuid NOT NULL REFERENCES orders (id),
    kind         text NOT NULL CHECK (kind IN ('late', 'wrong_item', 'damaged', 'missing', 'quality', 'other')),
    description  text NOT NULL,
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'responded', 'closed')),
    reported_by  uuid NOT NULL REFERENCES users (id),
    response     text NOT NULL DEFAULT '',
    responded_by uuid REFERENCES users (id),
    responded_at timestamptz,
    close_note   text NOT NULL DEFAULT '',
    closed_by    uuid REFERENCES users (id),
    closed_at    timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deviations_order_idx ON deviations (order_id, created_at);

-- +goose Down
DROP TABLE deviations;
DROP TABLE idempotency_keys;
DROP TABLE order_counters;
DROP TABLE participant_usage;
DROP TABLE agreement_usage;
DROP TABLE order_events;
DROP FUNCTION order_events_append_only();
DROP TABLE order_lines;
DROP TABLE orders;
