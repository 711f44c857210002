-- +goose Up

-- Subscription items (SPEC §7): a device placed at a care recipient and paid per month. The
-- setup price (delivery and installation) is effective-dated with the monthly price, so it
-- lives on the price row.
ALTER TABLE items
    ADD COLUMN kind text NOT NULL DEFAULT 'goods' CHECK (kind IN ('goods', 'subscription')),
    ADD COLUMN min_term_months integer NOT NULL DEFAULT 0 CHECK (min_term_months BETWEEN 0 AND 120),
    ADD COLUMN notice_months integer NOT NULL DEFAULT 0 CHECK (notice_months BETWEEN 0 AND 24);
ALTER TABLE item_prices ADD COLUMN setup_price_minor bigint NOT NULL DEFAULT 0 CHECK (setup_price_minor >= 0);

-- How many hours a supplier has to answer a service outage of a placed device.
ALTER TABLE agreements ADD COLUMN service_response_hours integer NOT NULL DEFAULT 24
    CHECK (service_response_hours BETWEEN 1 AND 8760);

-- A placement is one subscription order line placed at a care recipient: created in the
-- order's transaction, its committed value debited from the ceilings with the order. The
-- prices and terms are copied from the catalogue then; later price changes never alter them.
-- recipient_ref is the municipality's pseudonymous reference, never a personal identity
-- number (refused by the service).
CREATE TABLE placements (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id            uuid NOT NULL,
    line_no             integer NOT NULL,
    agreement_id        uuid NOT NULL REFERENCES agreements (id),
    item_id             uuid NOT NULL REFERENCES items (id),
    org_id              uuid NOT NULL REFERENCES organizations (id),
    supplier_id         uuid NOT NULL REFERENCES organizations (id),
    recipient_ref       text NOT NULL CHECK (recipient_ref <> ''),
    address             text NOT NULL CHECK (address <> ''),
    start_date          date NOT NULL,
    end_date            date,
    installed_on        date,
    returned_on         date,
    status              text NOT NULL CHECK (status IN ('ordered', 'installed', 'ended', 'returned', 'cancelled')),
    monthly_price_minor bigint NOT NULL CHECK (monthly_price_minor >= 0),
    setup_price_minor   bigint NOT NULL CHECK (setup_price_minor >= 0),
    min_term_months     integer NOT NULL CHECK (min_term_months >= 0),
    notice_months       integer NOT NULL CHECK (notice_months >= 0),
    committed_minor     bigint NOT NULL CHECK (committed_minor >= 0),
    released_minor      bigint NOT NULL DEFAULT 0 CHECK (released_minor >= 0),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (order_id, line_no) REFERENCES order_lines (order_id, line_no),
    UNIQUE (order_id, line_no),
    CHECK (end_date IS NULL OR end_date >= start_date),
    CHECK (status NOT IN ('installed') OR installed_on IS NOT NULL),
    CHECK (status NOT IN ('ended', 'returned') OR end_date IS NOT NULL)
);
CREATE INDEX placements_org_idx ON placements (org_id, agreement_id);
CREATE INDEX placements_supplier_idx ON placements (supplier_id, status);
CREATE INDEX placements_agreement_idx ON placements (agreement_id, installed_on);

-- Every move of a placement (creation, install, end, return, move, cancel): who, when, from,
-- to, and what changed. Append-only, enforced by the database like order events.
CREATE TABLE placement_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    placement_id uuid NOT NULL REFERENCES placements (id),
    actor_id     uuid NOT NULL REFERENCES users (id),
    action       text NOT NULL CHECK (action IN ('order', 'install', 'end', 'return', 'move', 'cancel')),
    from_status  text,
    to_status    text NOT NULL,
    detail       jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX placement_events_placement_idx ON placement_events (placement_id, id);

-- +goose StatementBegin
CREATE FUNCTION placement_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'placement events are append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER placement_events_no_update BEFORE UPDATE OR DELETE ON placement_events
    FOR EACH ROW EXECUTE FUNCTION placement_events_append_only();
CREATE TRIGGER placement_events_no_truncate BEFORE TRUNCATE ON placement_events
    FOR EACH STATEMENT EXECUTE FUNCTION placement_events_append_only();

-- Service outages of a placed device are deviations on the placement's order, naming it.
ALTER TABLE deviations DROP CONSTRAINT deviations_kind_check;
ALTER TABLE deviations ADD CONSTRAINT deviations_kind_check
    CHECK (kind IN ('late', 'wrong_item', 'damaged', 'missing', 'quality', 'other', 'service_outage'));
ALTER TABLE deviations ADD COLUMN placement_id uuid REFERENCES placements (id);
ALTER TABLE deviations ADD CONSTRAINT deviations_outage_placement
    CHECK ((kind = 'service_outage') = (placement_id IS NOT NULL));

-- +goose Down
ALTER TABLE deviations DROP CONSTRAINT deviations_outage_placement;
DELETE FROM deviations WHERE kind = 'service_outage';
ALTER TABLE deviations DROP COLUMN placement_id;
ALTER TABLE deviations DROP CONSTRAINT deviations_kind_check;
ALTER TABLE deviations ADD CONSTRAINT deviations_kind_check
    CHECK (kind IN ('late', 'wrong_item', 'damaged', 'missing', 'quality', 'other'));
DROP TABLE placement_events;
DROP FUNCTION placement_events_append_only();
DROP TABLE placements;
ALTER TABLE agreements DROP COLUMN service_response_hours;
ALTER TABLE item_prices DROP COLUMN setup_price_minor;
ALTER TABLE items DROP COLUMN notice_months, DROP COLUMN min_term_months, DROP COLUMN kind;
