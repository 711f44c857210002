-- +goose Up
-- Contract loyalty at national volume (issue 14): the awarded suppliers' months of a scope are
-- judged per buyer, and a national scope asks for them by 290 buyers and 21 suppliers, which
-- loyalty_months_org_supplier_idx answers with one descent per pair (6,090) and the planner,
-- rightly, with a parallel scan of every row instead (412,700 rows, 60 ms of a report). By
-- supplier and month it is one descent per supplier (invoices/loyalty_rollup_org.go,
-- "awardedspend"; loyaltySpend, "judged"). Keys only, so the flush's updates of docs and
-- amount_minor stay HOT.
CREATE INDEX loyalty_months_supplier_month_idx ON loyalty_months (supplier_key, month);

-- +goose Down
DROP INDEX loyalty_months_supplier_month_idx;
