-- +goose Up

-- The language a user reads the UI in ('' = the browser's); an administrator sets it and the
-- UI switches to it at sign-in.
ALTER TABLE users ADD COLUMN language text NOT NULL DEFAULT ''
    CHECK (language IN ('', 'sv', 'en', 'nb', 'da'));

-- One-time password reset links that an administrator makes for a user. Only the SHA-256 of
-- the token is stored; a link works once, until it expires, and a newer link for the same
-- user replaces every older one.
CREATE TABLE password_resets (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

-- +goose Down
DROP TABLE password_resets;
ALTER TABLE users DROP COLUMN language;
