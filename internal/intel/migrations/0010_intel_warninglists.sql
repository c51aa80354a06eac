-- Threat intelligence: warninglists managed by the center's staff.
--
-- A warninglist names values known to be benign (private networks, public
-- resolvers, the largest sites, a partner's CDN…): ingest rejects what is
-- on an enabled list, and the observable page says which list calls a
-- stored value benign. The built-in lists live in the code (entries '')
-- and have a row so they can be disabled; loaded lists (MISP's warninglist
-- JSON) keep their values here, one a line.
CREATE TABLE intel_warninglists (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,             -- lower-case name: one list a name
    description TEXT NOT NULL DEFAULT '',
    type        TEXT NOT NULL,                    -- cidr, hostname or string (MISP's types)
    version     TEXT NOT NULL DEFAULT '',         -- MISP's version number, as given
    entries     TEXT NOT NULL DEFAULT '',
    entry_count INTEGER NOT NULL DEFAULT 0,
    builtin     BOOLEAN NOT NULL DEFAULT FALSE,
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    revision    BIGINT NOT NULL DEFAULT 1,        -- grows with every change: processes reload on it
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
