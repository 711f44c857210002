-- +goose Up

-- The agreement's committed counter is split into slots. One row per agreement was every
-- order's hot spot: each order held its lock from the debit to COMMIT, so an agreement took
-- no more orders per second than one WAL flush allows. Now an order debits one slot at random
-- against that slot's allowance (its share of the remaining ceiling); when the slot has no
-- room, the order locks every slot of the agreement in slot order, checks the ceiling against
-- the sum exactly and shares the remainder out again. The agreement's committed value is the
-- sum of its slots; ceiling_basis is the ceiling the allowances were shared from, so a changed
-- ceiling sends the next order down the exact path.
ALTER TABLE agreement_usage DROP CONSTRAINT agreement_usage_pkey;
ALTER TABLE agreement_usage ADD COLUMN slot smallint NOT NULL DEFAULT 0 CHECK (slot >= 0);
ALTER TABLE agreement_usage ADD PRIMARY KEY (agreement_id, slot);
ALTER TABLE agreement_usage RENAME COLUMN ceiling_minor TO allowance_minor;
ALTER TABLE agreement_usage RENAME CONSTRAINT agreement_usage_within_ceiling TO agreement_usage_within_allowance;
ALTER TABLE agreement_usage ADD COLUMN ceiling_basis bigint;

-- The slot an order was debited from, which its release credits.
ALTER TABLE orders ADD COLUMN usage_slot smallint NOT NULL DEFAULT 0;

-- +goose Down
-- Fold the slots back into one row per agreement before the columns go.
UPDATE agreement_usage u SET
    committed_minor = (SELECT sum(s.committed_minor) FROM agreement_usage s WHERE s.agreement_id = u.agreement_id),
    allowance_minor = a.ceiling_minor
    FROM agreements a WHERE a.id = u.agreement_id AND u.slot = 0;
DELETE FROM agreement_usage WHERE slot > 0;
ALTER TABLE orders DROP COLUMN usage_slot;
ALTER TABLE agreement_usage DROP COLUMN ceiling_basis;
ALTER TABLE agreement_usage RENAME CONSTRAINT agreement_usage_within_allowance TO agreement_usage_within_ceiling;
ALTER TABLE agreement_usage RENAME COLUMN allowance_minor TO ceiling_minor;
ALTER TABLE agreement_usage DROP CONSTRAINT agreement_usage_pkey;
ALTER TABLE agreement_usage DROP COLUMN slot;
ALTER TABLE agreement_usage ADD PRIMARY KEY (agreement_id);
