-- The directory: organisations, their contacts and constituency, and who belongs to them.

CREATE TABLE orgs (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL UNIQUE,       -- lower-cased name: one organisation per name
    short_name      TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL,
    parent_id       TEXT REFERENCES orgs (id) ON DELETE RESTRICT,
    sector          TEXT NOT NULL DEFAULT '',
    country         TEXT NOT NULL DEFAULT '',
    cii             BOOLEAN NOT NULL DEFAULT FALSE,
    website         TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    pgp_key         TEXT NOT NULL DEFAULT '',
    pgp_fingerprint TEXT NOT NULL DEFAULT '',
    pgp_expires_at  TIMESTAMPTZ,
    rfc2350         TEXT NOT NULL DEFAULT '{}', -- JSON object, see directory.RFC2350
    listed          BOOLEAN NOT NULL DEFAULT FALSE, -- shown on the public website
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX orgs_parent ON orgs (parent_id);
CREATE INDEX orgs_kind ON orgs (kind, name_key);
CREATE INDEX orgs_sector ON orgs (sector, name_key);

CREATE TABLE org_contacts (
    org_id    TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    role      TEXT NOT NULL,
    name      TEXT NOT NULL DEFAULT '',
    email     TEXT NOT NULL DEFAULT '',
    phone     TEXT NOT NULL DEFAULT '',
    always_on BOOLEAN NOT NULL DEFAULT FALSE,  -- reachable 24/7
    PRIMARY KEY (org_id, position)
);
CREATE INDEX org_contacts_email ON org_contacts (email);

CREATE TABLE org_cidrs (
    org_id   TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    cidr     TEXT NOT NULL,   -- canonical (masked) form
    position INTEGER NOT NULL,
    PRIMARY KEY (org_id, cidr)
);
CREATE INDEX org_cidrs_cidr ON org_cidrs (cidr);

CREATE TABLE org_asns (
    org_id   TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    asn      BIGINT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (org_id, asn)
);
CREATE INDEX org_asns_asn ON org_asns (asn);

CREATE TABLE org_domains (
    org_id   TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    domain   TEXT NOT NULL,   -- lower-case A-label (IDNA)
    position INTEGER NOT NULL,
    PRIMARY KEY (org_id, domain)
);
CREATE INDEX org_domains_domain ON org_domains (domain);

CREATE TABLE memberships (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,  -- 'admin', 'analyst', 'member', 'viewer'
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, org_id)
);
CREATE INDEX memberships_org ON memberships (org_id);

-- Webhook endpoints an organisation registers to receive certhub events.
CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,       -- sealed with the server key
    events     TEXT NOT NULL,       -- space-separated event names, '*' for all
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhooks_org ON webhooks (org_id);
