-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE agreements (
    id                               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    procurement_body_id              uuid NOT NULL REFERENCES organizations (id),
    reference                        text NOT NULL UNIQUE,
    title                            text NOT NULL,
    description                      text NOT NULL DEFAULT '',
    cpv_code                         text NOT NULL CHECK (cpv_code ~ '^[0-9]{8}(-[0-9])?$'),
    currency                         char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    valid_from                       date NOT NULL,
    valid_to                         date NOT NULL,
    status                           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'terminated')),
    terminated_at                    timestamptz,
    ceiling_minor                    bigint CHECK (ceiling_minor > 0),
    call_off_method                  text NOT NULL CHECK (call_off_method IN ('ranking', 'direct')),
    min_order_minor                  bigint NOT NULL DEFAULT 0 CHECK (min_order_minor >= 0),
    max_price_increase_bp            integer NOT NULL DEFAULT 0 CHECK (max_price_increase_bp >= 0),
    price_adjustment_interval_months integer NOT NULL DEFAULT 12 CHECK (price_adjustment_interval_months >= 0),
    lead_time_days                   integer NOT NULL DEFAULT 0 CHECK (lead_time_days >= 0),
    created_at                       timestamptz NOT NULL DEFAULT now(),
    updated_at                       timestamptz NOT NULL DEFAULT now(),
    CHECK (valid_to > valid_from)
);
CREATE INDEX agreements_body_idx ON agreements (procurement_body_id);

-- Buyer organisations taking part, each with an optional own ceiling.
CREATE TABLE agreement_participants (
    agreement_id  uuid NOT NULL REFERENCES agreements (id),
    org_id        uuid NOT NULL REFERENCES organizations (id),
    ceiling_minor bigint CHECK (ceiling_minor > 0),
    PRIMARY KEY (agreement_id, org_id)
);
CREATE INDEX agreement_participants_org_idx ON agreement_participants (org_id);

-- Awarded suppliers and their rank (1 = first in the cascade).
CREATE TABLE agreement_suppliers (
    agreement_id uuid NOT NULL REFERENCES agreements (id),
    org_id       uuid NOT NULL REFERENCES organizations (id),
    rank         integer NOT NULL CHECK (rank >= 1),
    PRIMARY KEY (agreement_id, org_id),
    UNIQUE (agreement_id, rank)
);
CREATE INDEX agreement_suppliers_org_idx ON agreement_suppliers (org_id);

CREATE TABLE items (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agreement_id uuid NOT NULL,
    supplier_id  uuid NOT NULL,
    sku          text NOT NULL,
    gtin         text,
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    unit         text NOT NULL,
    pack_size    integer NOT NULL DEFAULT 1 CHECK (pack_size > 0),
    cpv_code     text NOT NULL,
    eco_labels   text[] NOT NULL DEFAULT '{}',
    vat_rate_bp  integer NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (agreement_id, supplier_id) REFERENCES agreement_suppliers (agreement_id, org_id),
    UNIQUE (agreement_id, supplier_id, sku)
);

-- Effective-dated price history: the current price is the latest row whose effective_from has
-- come (ties broken by the later row).
CREATE TABLE item_prices (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    item_id         uuid NOT NULL REFERENCES items (id),
    price_minor     bigint NOT NULL CHECK (price_minor >= 0),
    effective_from  date NOT NULL,
    price_change_id uuid,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX item_prices_item_idx ON item_prices (item_id, effective_from DESC, created_at DESC);

-- Every price change a supplier asks for, with who, when, old, new and the decision.
CREATE TABLE price_changes (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    item_id         uuid NOT NULL REFERENCES items (id),
    requested_by    uuid NOT NULL REFERENCES users (id),
    old_price_minor bigint,
    new_price_minor bigint NOT NULL CHECK (new_price_minor >= 0),
    effective_from  date NOT NULL,
    reason          text NOT NULL DEFAULT '',
    status          text NOT NULL CHECK (status IN ('applied', 'pending', 'approved', 'rejected')),
    status_reason   text NOT NULL DEFAULT '',
    decided_by      uuid REFERENCES users (id),
    decided_at      timestamptz,
    decision_note   text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX price_changes_item_idx ON price_changes (item_id, created_at DESC);
CREATE INDEX price_changes_pending_idx ON price_changes (status) WHERE status = 'pending';

-- +goose Down
DROP TABLE price_changes;
DROP TABLE item_prices;
DROP TABLE items;
DROP TABLE agreement_suppliers;
DROP TABLE agreement_participants;
DROP TABLE agreements;
