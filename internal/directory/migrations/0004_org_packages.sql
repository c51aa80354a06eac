-- Package URLs (purl) a vendor publishes under, so a report naming a package
-- finds its vendor. Stored normalised, without version (see directory.NormalizePackage).
CREATE TABLE org_packages (
    org_id   TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    purl     TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (org_id, purl)
);
CREATE INDEX org_packages_purl ON org_packages (purl);

