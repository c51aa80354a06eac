-- Directory records a linked instance masters, mirrored here: each with
-- the organisation it is here, the master's record as last applied and as
-- last read. A record changed on both sides since it was last applied is a
-- conflict: shown, not overwritten.
CREATE TABLE federation_directory_mirror (
    link_id     TEXT NOT NULL REFERENCES federation_links (id) ON DELETE CASCADE,
    remote_id   TEXT NOT NULL,                       -- the organisation's id on the master
    org_id      TEXT REFERENCES orgs (id) ON DELETE SET NULL,
    name        TEXT NOT NULL,
    applied     TEXT NOT NULL DEFAULT '',            -- the master's record as last applied here (JSON)
    remote      TEXT NOT NULL,                       -- the master's record as last read (JSON)
    status      TEXT NOT NULL,                       -- synced, conflict
    differs     TEXT NOT NULL DEFAULT '',            -- the fields in conflict, space-separated
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (link_id, remote_id)
);
CREATE INDEX federation_directory_mirror_org ON federation_directory_mirror (org_id);
