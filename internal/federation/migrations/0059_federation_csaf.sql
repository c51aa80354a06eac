-- The CSAF aggregator (CSAF 2.0 section 7): the providers it lists — linked
-- instances' and any vendor's — and the public documents it mirrors, each
-- kept as received with its hashes and the provider's own signature, once
-- they were checked.
CREATE TABLE federation_csaf_providers (
    id             TEXT PRIMARY KEY,
    url            TEXT NOT NULL UNIQUE,                -- its provider-metadata.json
    slug           TEXT NOT NULL UNIQUE,                -- the folder of its mirror
    link_id        TEXT REFERENCES federation_links (id) ON DELETE SET NULL,
    mirror         BOOLEAN NOT NULL,                    -- mirror (aggregator) or only list (lister)
    enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    metadata       TEXT NOT NULL DEFAULT '',            -- the provider's metadata as last read
    publisher      TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL DEFAULT '',
    documents      INTEGER NOT NULL DEFAULT 0,          -- mirrored
    rejected       INTEGER NOT NULL DEFAULT 0,          -- at the last sync
    problems       TEXT NOT NULL DEFAULT '',            -- the first few reasons, one per line
    last_sync_at   TIMESTAMPTZ,
    next_sync_at   TIMESTAMPTZ,
    last_error     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE federation_csaf_documents (
    provider_id    TEXT NOT NULL REFERENCES federation_csaf_providers (id) ON DELETE CASCADE,
    path           TEXT NOT NULL,                       -- in the mirror: <year>/<file>.json
    tracking_id    TEXT NOT NULL,
    released       TEXT NOT NULL,                       -- document.tracking.current_release_date
    sha256         TEXT NOT NULL,
    sha512         TEXT NOT NULL,
    body           TEXT NOT NULL,
    signature      TEXT NOT NULL,                       -- the provider's, armoured
    mirrored_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (provider_id, path)
);
