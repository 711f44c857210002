-- +goose Up

-- Supplier invoices and credit notes received as PEPPOL BIS Billing 3 documents (SPEC §9).
-- The document itself is kept, so that an invalid or disputed invoice can be sent back as it
-- came. Amounts are minor units excluding VAT unless named otherwise; a credit note's amounts
-- are stored positive and subtracted where invoices are summed.
CREATE TABLE invoices (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind                text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    number              text NOT NULL CHECK (length(number) BETWEEN 1 AND 200),
    supplier_id         uuid NOT NULL REFERENCES organizations (id),
    buyer_org_id        uuid NOT NULL REFERENCES organizations (id),
    order_id            uuid REFERENCES orders (id),
    order_reference     text NOT NULL DEFAULT '',
    billing_reference   text NOT NULL DEFAULT '',
    issue_date          date NOT NULL,
    due_date            date,
    period_start        date,
    period_end          date,
    currency            char(3) NOT NULL,
    cpv_code            text NOT NULL DEFAULT '',
    line_total_minor    bigint NOT NULL,
    tax_exclusive_minor bigint NOT NULL,
    vat_minor           bigint NOT NULL,
    payable_minor       bigint NOT NULL,
    at_stake_minor      bigint NOT NULL DEFAULT 0 CHECK (at_stake_minor >= 0),
    status              text NOT NULL CHECK (status IN ('matched', 'deviating', 'accepted', 'disputed', 'invalid')),
    rule_ids            text[] NOT NULL DEFAULT '{}',
    rule_messages       text[] NOT NULL DEFAULT '{}',
    decision_note       text NOT NULL DEFAULT '',
    decided_by          uuid REFERENCES users (id),
    decided_at          timestamptz,
    received_by         uuid NOT NULL REFERENCES users (id),
    document            text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    -- The same supplier's invoice (or credit note) number twice is one document sent twice.
    CONSTRAINT invoices_number_key UNIQUE (supplier_id, kind, number)
);
CREATE INDEX invoices_buyer_idx ON invoices (buyer_org_id, issue_date DESC);
CREATE INDEX invoices_supplier_idx ON invoices (supplier_id, issue_date DESC);
CREATE INDEX invoices_order_idx ON invoices (order_id) WHERE order_id IS NOT NULL;

CREATE TABLE invoice_lines (
    invoice_id       uuid NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    line_no          integer NOT NULL CHECK (line_no >= 1),
    line_id          text NOT NULL,
    sku              text NOT NULL DEFAULT '',
    name             text NOT NULL DEFAULT '',
    unit             text NOT NULL DEFAULT '',
    quantity_milli   bigint NOT NULL,
    unit_price_minor bigint,
    amount_minor     bigint NOT NULL,
    vat_rate_bp      integer NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
    order_line_no    integer,
    PRIMARY KEY (invoice_id, line_no)
);

-- What invoice control found: one row per finding, line_no NULL for the whole document.
CREATE TABLE invoice_findings (
    invoice_id   uuid NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    seq          integer NOT NULL,
    code         text NOT NULL CHECK (code IN ('price_above_order', 'quantity_above_received', 'not_on_order',
                     'vat_mismatch', 'totals_inconsistent', 'order_not_found', 'charge_above_month')),
    line_no      integer,
    amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
    detail       text NOT NULL DEFAULT '',
    PRIMARY KEY (invoice_id, seq)
);

-- Ledger rows loaded from a buyer's financial system: spend outside the platform. The same
-- supplier invoice loaded twice (in one file or two) is one row.
CREATE TABLE spend_records (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id              uuid NOT NULL REFERENCES organizations (id),
    supplier_org_number text NOT NULL,
    supplier_key        text NOT NULL, -- the org number's letters and digits, as invoices match it
    supplier_name       text NOT NULL,
    invoice_number      text NOT NULL,
    invoice_date        date NOT NULL,
    amount_minor        bigint NOT NULL,
    currency            char(3) NOT NULL,
    cpv_code            text NOT NULL,
    loaded_by           uuid NOT NULL REFERENCES users (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT spend_records_invoice_key UNIQUE (org_id, supplier_key, invoice_number)
);
CREATE INDEX spend_records_org_date_idx ON spend_records (org_id, invoice_date);

-- Invoices and ledger rows name organisations by their number written any way
-- ("212000-1876", "2120001876"): this finds them by its letters and digits.
CREATE INDEX organizations_number_key_idx ON organizations (upper(regexp_replace(org_number, '[^0-9A-Za-z]', '', 'g')));

-- +goose Down
DROP INDEX organizations_number_key_idx;
DROP TABLE spend_records;
DROP TABLE invoice_findings;
DROP TABLE invoice_lines;
DROP TABLE invoices;
