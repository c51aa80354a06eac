-- Records handed over between linked instances (an incident with its
-- notes and files), seen from this side: sent (out) or received (in).
CREATE TABLE federation_transfers (
    id            TEXT PRIMARY KEY,
    link_id       TEXT NOT NULL REFERENCES federation_links (id) ON DELETE CASCADE,
    direction     TEXT NOT NULL,                  -- out, in
    kind          TEXT NOT NULL,                  -- incident
    our_ref       TEXT NOT NULL,                  -- the record here
    our_number    TEXT NOT NULL,
    their_ref     TEXT NOT NULL,                  -- the record on the peer's side
    their_number  TEXT NOT NULL,
    their_url     TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL,
    reason        TEXT NOT NULL,
    files         INTEGER NOT NULL DEFAULT 0,
    notes         INTEGER NOT NULL DEFAULT 0,
    actor         TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
-- One record is received once from a link: the same again is a replay.
CREATE UNIQUE INDEX federation_transfers_once ON federation_transfers (link_id, direction, kind, their_ref);
CREATE INDEX federation_transfers_link ON federation_transfers (link_id, created_at);
