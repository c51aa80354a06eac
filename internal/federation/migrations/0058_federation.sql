-- Federation: links between this certhub instance and others. Each side
-- issues a link document signed with its center's OpenPGP key (its URL,
-- key, what it shares, the TLP ceiling, the credential to read it); a link
-- is active once each side holds the other's. The peer is an organisation
-- of the directory; its account here reads what the link shares.
CREATE TABLE federation_links (
    id                TEXT PRIMARY KEY,
    peer_org_id       TEXT NOT NULL REFERENCES orgs (id),
    peer_name         TEXT NOT NULL,
    peer_url          TEXT NOT NULL,
    status            TEXT NOT NULL,                 -- offered, active, revoked
    shares            TEXT NOT NULL,                 -- space-separated: intel csaf directory transfers
    tlp_ceiling       TEXT NOT NULL,                 -- ours; the link's is the lower of both sides'
    collection        TEXT NOT NULL,                 -- alias of our collection the peer reads
    home_org_id       TEXT REFERENCES orgs (id),     -- our organisation whose records (and its constituents') we master
    user_id           TEXT REFERENCES users (id),    -- the peer's account here
    token_id          TEXT,                          -- its token (revoked with the link)
    document_sealed   TEXT NOT NULL DEFAULT '',      -- our signed document (it holds the token)
    peer_document     TEXT NOT NULL DEFAULT '',      -- the peer's signed document, as received
    peer_link_id      TEXT NOT NULL DEFAULT '',      -- the link's id on the peer's side
    peer_fingerprint  TEXT NOT NULL DEFAULT '',
    peer_token_sealed TEXT NOT NULL DEFAULT '',      -- the credential the peer issued us
    peer_shares       TEXT NOT NULL DEFAULT '',
    peer_ceiling      TEXT NOT NULL DEFAULT '',
    peer_collection   TEXT NOT NULL DEFAULT '',      -- the peer's TAXII collection URL
    peer_csaf         TEXT NOT NULL DEFAULT '',      -- the peer's provider-metadata.json URL
    last_ok_at        TIMESTAMPTZ,                   -- the last exchange that worked
    last_error        TEXT NOT NULL DEFAULT '',
    failures          INTEGER NOT NULL DEFAULT 0,    -- in a row
    last_pull_at      TIMESTAMPTZ,                   -- the last pull of the peer's intelligence counted
    directory_at      TIMESTAMPTZ,                   -- the peer's directory last mirrored
    created_by        TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL,
    activated_at      TIMESTAMPTZ,
    revoked_at        TIMESTAMPTZ,
    revoked_reason    TEXT NOT NULL DEFAULT '',
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX federation_links_status ON federation_links (status, created_at);
-- A document is imported once: the same one again is a replay.
CREATE UNIQUE INDEX federation_links_peer_link ON federation_links (peer_url, peer_link_id) WHERE peer_link_id <> '';

-- What happened on a link that people should see: documents refused,
-- exchanges that failed and recovered.
CREATE TABLE federation_events (
    id       BIGSERIAL PRIMARY KEY,
    link_id  TEXT NOT NULL REFERENCES federation_links (id) ON DELETE CASCADE,
    at       TIMESTAMPTZ NOT NULL,
    kind     TEXT NOT NULL,                          -- offered, accepted, refused, failed, recovered, revoked
    message  TEXT NOT NULL
);
CREATE INDEX federation_events_link ON federation_events (link_id, at);
