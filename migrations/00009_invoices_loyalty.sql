-- +goose Up

-- Contract loyalty leaves out a ledger row that was also received as an invoice (same buyer,
-- same invoice number, same supplier): this finds that invoice per ledger row by index.
CREATE INDEX invoices_buyer_number_idx ON invoices (buyer_org_id, number);

-- +goose Down
DROP INDEX invoices_buyer_number_idx;
