-- +goose Up

-- The items a user marked as favourites, to order again quickly (SPEC §5). A favourite holds
-- nothing but the mark: whether the item can still be ordered, and at what price, is asked of
-- the catalogue each time it is shown.
CREATE TABLE favourite_items (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    item_id    uuid NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, item_id)
);

-- +goose Down
DROP TABLE favourite_items;
