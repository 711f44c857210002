-- +goose Up
-- Product pictures (SPEC §5), kept in PostgreSQL beside the items: backed up, replicated and
-- transactional with them, and served the same by every instance without a shared disk. One
-- row per distinct picture, named by the SHA-256 of its full image (identical pictures sent for
-- several items are stored once); the bytes are Avrop's own encoding, never the supplier's.
CREATE TABLE product_images (
    hash         text PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    width        integer NOT NULL CHECK (width > 0),
    height       integer NOT NULL CHECK (height > 0),
    full_image   bytea NOT NULL,
    medium       bytea NOT NULL,
    small        bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- An item's current picture and where it came from: "upload", "peppol attachment", or the
-- URL it was fetched from (a re-import naming the same URL does not fetch it again).
ALTER TABLE items
    ADD COLUMN image_hash text REFERENCES product_images (hash),
    ADD COLUMN image_source text NOT NULL DEFAULT '';
CREATE INDEX items_image_hash_idx ON items (image_hash) WHERE image_hash IS NOT NULL;

-- +goose Down
ALTER TABLE items DROP COLUMN image_source, DROP COLUMN image_hash;
DROP TABLE product_images;
