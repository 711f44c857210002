-- +goose Up

-- SPEC §6 "Terms": a recorded reason for running past four years, how long a supplier has to
-- answer an order before the buyer may cascade past it, and whether new items and changes of
-- an item's contract terms wait for the procurement body's acceptance.
ALTER TABLE agreements ADD COLUMN duration_justification text NOT NULL DEFAULT '';
ALTER TABLE agreements ADD COLUMN response_time_hours integer NOT NULL DEFAULT 48
    CHECK (response_time_hours BETWEEN 1 AND 8760);
ALTER TABLE agreements ADD COLUMN catalogue_approval boolean NOT NULL DEFAULT true;

-- A party with orders is never removed, it is ended: from the day after ends_on it can no
-- longer order (participant) or be ordered from (supplier).
ALTER TABLE agreement_participants ADD COLUMN ends_on date;
ALTER TABLE agreement_suppliers ADD COLUMN ends_on date;

-- Ranks stay unique per agreement, checked at COMMIT so that a patch can swap two ranks.
ALTER TABLE agreement_suppliers DROP CONSTRAINT agreement_suppliers_agreement_id_rank_key;
ALTER TABLE agreement_suppliers ADD CONSTRAINT agreement_suppliers_rank_key UNIQUE (agreement_id, rank)
    DEFERRABLE INITIALLY DEFERRED;

-- Every change of an agreement's terms: who, when, which term, value before and after, note.
-- Like order events, the database itself refuses to change or delete one.
CREATE TABLE agreement_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agreement_id uuid NOT NULL REFERENCES agreements (id),
    actor_id     uuid NOT NULL REFERENCES users (id),
    term         text NOT NULL,
    before       jsonb,
    after        jsonb,
    note         text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX agreement_events_agreement_idx ON agreement_events (agreement_id, id DESC);

-- +goose StatementBegin
CREATE FUNCTION agreement_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'agreement events are append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER agreement_events_no_update BEFORE UPDATE OR DELETE ON agreement_events
    FOR EACH ROW EXECUTE FUNCTION agreement_events_append_only();
CREATE TRIGGER agreement_events_no_truncate BEFORE TRUNCATE ON agreement_events
    FOR EACH STATEMENT EXECUTE FUNCTION agreement_events_append_only();

-- Catalogue approval: an item is proposed until a manager of the agreement accepts it; buyers
-- see accepted items only. Items that existed before approval are accepted.
ALTER TABLE items ADD COLUMN approval text NOT NULL DEFAULT 'accepted'
    CHECK (approval IN ('proposed', 'accepted', 'rejected'));

-- One supplier request (a single item, a PATCH, a CSV or PEPPOL price list) and its changes.
CREATE TABLE catalogue_submissions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agreement_id uuid NOT NULL REFERENCES agreements (id),
    supplier_id  uuid NOT NULL REFERENCES organizations (id),
    submitted_by uuid NOT NULL REFERENCES users (id),
    status       text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'accepted', 'rejected', 'partly_accepted')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    decided_at   timestamptz
);
CREATE INDEX catalogue_submissions_agreement_idx ON catalogue_submissions (agreement_id, created_at DESC);
CREATE INDEX catalogue_submissions_supplier_idx ON catalogue_submissions (supplier_id, created_at DESC);

CREATE TABLE catalogue_changes (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    submission_id uuid NOT NULL REFERENCES catalogue_submissions (id),
    item_id       uuid NOT NULL REFERENCES items (id),
    kind          text NOT NULL CHECK (kind IN ('new_item', 'terms', 'first_price')),
    before        jsonb,
    after         jsonb NOT NULL,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    decision_note text NOT NULL DEFAULT '',
    decided_by    uuid REFERENCES users (id),
    decided_at    timestamptz
);
CREATE INDEX catalogue_changes_submission_idx ON catalogue_changes (submission_id);
CREATE INDEX catalogue_changes_item_idx ON catalogue_changes (item_id);

-- A creation event may carry a rule code (split_suspected), shown in the reader's language.
ALTER TABLE order_events ADD COLUMN code text NOT NULL DEFAULT '';

-- Each earlier order justifies at most one cascade order (one that is not rejected or
-- cancelled); the order service checks it under a row lock, this index is the backstop.
CREATE UNIQUE INDEX orders_cascade_once ON orders (declined_order_id)
    WHERE declined_order_id IS NOT NULL AND status NOT IN ('rejected', 'cancelled');

-- The 7-day splitting rule reads an organisation's recent orders to one supplier.
CREATE INDEX orders_split_idx ON orders (buyer_org_id, agreement_id, supplier_id, created_at);

-- +goose Down
DROP INDEX orders_split_idx;
DROP INDEX orders_cascade_once;
ALTER TABLE order_events DROP COLUMN code;
DROP TABLE catalogue_changes;
DROP TABLE catalogue_submissions;
ALTER TABLE items DROP COLUMN approval;
DROP TABLE agreement_events;
DROP FUNCTION agreement_events_append_only();
ALTER TABLE agreement_suppliers DROP CONSTRAINT agreement_suppliers_rank_key;
ALTER TABLE agreement_suppliers ADD CONSTRAINT agreement_suppliers_agreement_id_rank_key UNIQUE (agreement_id, rank);
ALTER TABLE agreement_suppliers DROP COLUMN ends_on;
ALTER TABLE agreement_participants DROP COLUMN ends_on;
ALTER TABLE agreements DROP COLUMN catalogue_approval;
ALTER TABLE agreements DROP COLUMN response_time_hours;
ALTER TABLE agreements DROP COLUMN duration_justification;
