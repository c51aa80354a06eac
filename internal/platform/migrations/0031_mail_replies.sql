-- Reply addresses of the e-mail bridge (internal/platform/threads): one
-- token per recipient of a notification, its hash only; a reply to
-- reply+TOKEN@… lands in the thread it names, as that recipient.
CREATE TABLE mail_replies (
    token_hash TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,      -- the domain that resolves it (coordination.thread, vdp.case)
    ref        TEXT NOT NULL,      -- the thread
    org_id     TEXT NOT NULL,      -- the recipient's organisation
    user_id    TEXT NOT NULL,      -- the recipient, who writes as themselves
    email      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX mail_replies_expiry ON mail_replies (expires_at);
