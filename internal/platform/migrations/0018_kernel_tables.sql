-- The kernel's own tables that domain migrations once made: memberships
-- (auth: who holds which role in which organisation), webhooks (notify:
-- the endpoints an organisation registered) and counters (db: human-facing
-- numbers). The kernel knows no domain, so an organisation is an opaque id
-- here, without a foreign key to the directory's table: the directory
-- removes an organisation's memberships and webhooks when it deletes it.
--
-- A database made before has them with those keys; a new one not at all.
-- Each is made if missing, then rebuilt the same way, so both end alike.
CREATE TABLE IF NOT EXISTS memberships (user_id TEXT, org_id TEXT, role TEXT, created_at TIMESTAMPTZ);
CREATE TABLE memberships_new (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id     TEXT NOT NULL,
    role       TEXT NOT NULL,  -- 'admin', 'analyst', 'member', 'viewer'
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, org_id)
);
INSERT INTO memberships_new (user_id, org_id, role, created_at) SELECT user_id, org_id, role, created_at FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_new RENAME TO memberships;
CREATE INDEX memberships_org ON memberships (org_id);

CREATE TABLE IF NOT EXISTS webhooks (id TEXT, org_id TEXT, url TEXT, secret TEXT, events TEXT, active BOOLEAN, created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ);
CREATE TABLE webhooks_new (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,       -- sealed with the server key
    events     TEXT NOT NULL,       -- space-separated event names, '*' for all
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
INSERT INTO webhooks_new (id, org_id, url, secret, events, active, created_at, updated_at)
    SELECT id, org_id, url, secret, events, active, created_at, updated_at FROM webhooks;
DROP TABLE webhooks;
ALTER TABLE webhooks_new RENAME TO webhooks;
CREATE INDEX webhooks_org ON webhooks (org_id);

CREATE TABLE IF NOT EXISTS counters (name TEXT, value BIGINT);
CREATE TABLE counters_new (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters_new (name, value) SELECT name, value FROM counters;
DROP TABLE counters;
ALTER TABLE counters_new RENAME TO counters;
