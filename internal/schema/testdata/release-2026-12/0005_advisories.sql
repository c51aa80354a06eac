-- Advisories, alerts, guidelines and news, and what the public website and
-- the CSAF provider serve of them.
--
-- An advisory has a working copy (content, edited in the console, reviewed,
-- approved) and the revisions published from it. The public website, the
-- feeds and the CSAF provider read published revisions only, so an edit in
-- progress never shows outside the console. The pub_* columns repeat the
-- latest published revision's facts for listing and search.
CREATE TABLE advisories (
    id                  TEXT PRIMARY KEY,
    tracking_id         TEXT NOT NULL UNIQUE,       -- CSAF /document/tracking/id: CC-ADV-2026-0001
    kind                TEXT NOT NULL,              -- advisory, alert, guideline, news
    status              TEXT NOT NULL,              -- draft, in_review, approved, published
    tlp                 TEXT NOT NULL,              -- of the working copy
    title               TEXT NOT NULL,
    content             TEXT NOT NULL,              -- JSON: advisory.Content
    case_id             TEXT REFERENCES vdp_cases (id),
    imported            BOOLEAN NOT NULL DEFAULT FALSE, -- content is an uploaded CSAF document
    csaf_upload         TEXT NOT NULL DEFAULT '',   -- that document, as uploaded
    recipients          TEXT NOT NULL DEFAULT '',   -- organisation IDs (space-separated) for TLP:AMBER/RED
    author_id           TEXT REFERENCES users (id),
    editor_id           TEXT REFERENCES users (id), -- last to change the working copy
    editors             TEXT NOT NULL DEFAULT '',   -- everyone who changed it since the last publication (user IDs)
    submitted_by        TEXT REFERENCES users (id),
    approved_by         TEXT REFERENCES users (id),
    review_note         TEXT NOT NULL DEFAULT '',   -- the reviewer's reason when sent back
    revision_note       TEXT NOT NULL DEFAULT '',   -- what the next revision changes
    publish_at          TIMESTAMPTZ,                -- approved: publish then (NULL: at once)
    published_version   INTEGER NOT NULL DEFAULT 0, -- revisions published so far
    first_published_at  TIMESTAMPTZ,
    last_published_at   TIMESTAMPTZ,
    pub_tlp             TEXT NOT NULL DEFAULT '',
    pub_recipients      TEXT NOT NULL DEFAULT '',   -- the recipients the published revision was approved for
    pub_title           TEXT NOT NULL DEFAULT '',
    pub_summary         TEXT NOT NULL DEFAULT '',
    pub_severity        TEXT NOT NULL DEFAULT '',
    pub_cves            TEXT NOT NULL DEFAULT '',   -- space-separated, upper case
    pub_vendors         TEXT NOT NULL DEFAULT '',   -- lower case, one per line
    pub_products        TEXT NOT NULL DEFAULT '',   -- lower case, one per line
    pub_sectors         TEXT NOT NULL DEFAULT '',   -- space-separated
    pub_search          TEXT NOT NULL DEFAULT '',   -- lower-case text searched by the listing
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX advisories_public ON advisories (pub_tlp, last_published_at);
CREATE INDEX advisories_status ON advisories (status, publish_at);
CREATE INDEX advisories_case ON advisories (case_id);

-- Each published revision, frozen: the content it was made from, the CSAF
-- document exactly as served, its hashes and the center's detached signature.
CREATE TABLE advisory_revisions (
    advisory_id   TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    number        INTEGER NOT NULL,                 -- 1, 2, …: the CSAF version
    summary       TEXT NOT NULL,                    -- the revision history entry
    content       TEXT NOT NULL,                    -- JSON: advisory.Content
    tlp           TEXT NOT NULL,
    csaf          TEXT NOT NULL DEFAULT '',         -- '' for news (no CSAF document)
    csaf_sha256   TEXT NOT NULL DEFAULT '',
    csaf_sha512   TEXT NOT NULL DEFAULT '',
    csaf_sig      TEXT NOT NULL DEFAULT '',         -- armoured detached OpenPGP signature
    approved_by   TEXT REFERENCES users (id),
    published_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (advisory_id, number)
);
CREATE INDEX advisory_revisions_published ON advisory_revisions (published_at);

-- Constituents' contacts subscribe to the publications by e-mail (double
-- opt-in); tokens are stored hashed.
CREATE TABLE advisory_subscriptions (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    kinds         TEXT NOT NULL DEFAULT '',         -- space-separated; '' = every kind
    pending_kinds TEXT NOT NULL DEFAULT '',         -- asked for, applied when the address confirms
    confirm_hash  TEXT NOT NULL DEFAULT '',
    last_sent     TEXT NOT NULL DEFAULT '',         -- advisory ID:revision last mailed (a retried job skips it)
    unsub_hash    TEXT NOT NULL,
    confirmed_at  TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
