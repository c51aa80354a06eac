-- Accounts, sessions, API tokens and the audit log: the platform kernel.

CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    email                TEXT NOT NULL UNIQUE,          -- stored lower-case
    name                 TEXT NOT NULL,
    password_hash        TEXT NOT NULL DEFAULT '',      -- argon2id PHC string; '' = no password set yet
    platform_role        TEXT NOT NULL DEFAULT '',      -- '', 'coordinator', 'admin'
    totp_secret          TEXT NOT NULL DEFAULT '',      -- sealed with the server key
    totp_enabled         BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step       BIGINT NOT NULL DEFAULT 0,     -- last accepted time step: no code is accepted twice
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         TIMESTAMPTZ,
    last_login_at        TIMESTAMPTZ,
    sessions_valid_after TIMESTAMPTZ NOT NULL,          -- sessions started before this are void
    time_zone            TEXT NOT NULL DEFAULT 'UTC',
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);

-- Browser sessions (alexedwards/scs). The token column holds the SHA-256 of
-- the cookie value, never the value itself.
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BYTEA NOT NULL,
    expiry TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry);

-- API tokens: shown once, stored as SHA-256 (they are 256-bit random values,
-- so a fast hash is enough and lookups stay O(1)).
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,                 -- first characters, to recognise a token in lists
    hash         TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,                 -- space-separated
    expires_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);

-- One-time links e-mailed to users: set the first password, reset a lost one.
CREATE TABLE user_links (
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,                   -- 'invite', 'reset'
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX user_links_user ON user_links (user_id);

-- The append-only audit log. Each row's hash covers its content and the
-- previous row's hash; audit_head holds the newest sequence number and hash so
-- that deleting rows from the end is detected too.
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_email TEXT NOT NULL,
    actor_ip    TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    summary     TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json  TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_org ON audit_log (org_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- Settings the server creates for itself on first start (key material for
-- webhooks and the center's identity), shared by every node.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
