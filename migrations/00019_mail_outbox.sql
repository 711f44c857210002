-- +goose Up
-- The mail outbox (SPEC §8 "People are told"): a row per person to tell, written in the same
-- transaction as the change that causes it, so a mail exists exactly when its change committed.
-- The sender claims due rows with FOR UPDATE SKIP LOCKED, so several `avrop serve` processes
-- share the work and each row is sent once; a failed attempt moves next_attempt_at back
-- exponentially. The mail's text is rendered when it is sent, in the reader's language then.
CREATE TABLE mail_outbox (
    id              bigserial PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind ~ '^[a-z_]{1,60}$'),
    subject_id      uuid NOT NULL,
    reference       text NOT NULL DEFAULT '' CHECK (length(reference) <= 200),
    note            text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'skipped', 'failed')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text NOT NULL DEFAULT '',
    done_at         timestamptz,
    CHECK ((status = 'pending') = (done_at IS NULL))
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX mail_outbox_done_idx ON mail_outbox (done_at) WHERE status <> 'pending';
CREATE INDEX mail_outbox_user_idx ON mail_outbox (user_id);

-- Each person's mail settings: mails turned off, and the language mails are written in (none:
-- the language of the person's organisation's country).
CREATE TABLE mail_settings (
    user_id    uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    mails_off  boolean NOT NULL DEFAULT false,
    language   text CHECK (language IN ('sv', 'en', 'nb', 'da')),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE mail_settings;
DROP TABLE mail_outbox;
