-- +goose Up

-- An open-ended placement commits its value up to the agreement's valid_to (SPEC §7). When the
-- agreement's valid_to changes, the placement is revalued in the same transaction:
-- adjusted_minor is the net change so far (positive when the agreement was extended), so that
-- an order cancelled later credits exactly what its placements still commit.
ALTER TABLE placements ADD COLUMN adjusted_minor bigint NOT NULL DEFAULT 0;
ALTER TABLE placement_events DROP CONSTRAINT placement_events_action_check;
ALTER TABLE placement_events ADD CONSTRAINT placement_events_action_check
    CHECK (action IN ('order', 'install', 'end', 'return', 'move', 'cancel', 'revalue'));

-- +goose Down
ALTER TABLE placement_events DISABLE TRIGGER placement_events_no_update;
DELETE FROM placement_events WHERE action = 'revalue';
ALTER TABLE placement_events ENABLE TRIGGER placement_events_no_update;
ALTER TABLE placement_events DROP CONSTRAINT placement_events_action_check;
ALTER TABLE placement_events ADD CONSTRAINT placement_events_action_check
    CHECK (action IN ('order', 'install', 'end', 'return', 'move', 'cancel'));
ALTER TABLE placements DROP COLUMN adjusted_minor;
