-- What the public listing filters published revisions by — their CVE
-- IDs, sectors, vendors and products — as join tables matched by index,
-- no longer lists in a column matched with LIKE. Each holds the published
-- revision's values (upper-case CVE IDs; lower-case vendors and products).
CREATE TABLE advisory_cves (
    advisory_id TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    cve         TEXT NOT NULL,
    PRIMARY KEY (advisory_id, cve)
);
CREATE INDEX advisory_cves_cve ON advisory_cves (cve, advisory_id);

CREATE TABLE advisory_sectors (
    advisory_id TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    sector      TEXT NOT NULL,
    PRIMARY KEY (advisory_id, sector)
);
CREATE INDEX advisory_sectors_sector ON advisory_sectors (sector, advisory_id);

CREATE TABLE advisory_vendors (
    advisory_id TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    vendor      TEXT NOT NULL,
    PRIMARY KEY (advisory_id, vendor)
);
CREATE INDEX advisory_vendors_vendor ON advisory_vendors (vendor, advisory_id);

CREATE TABLE advisory_products (
    advisory_id TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    product     TEXT NOT NULL,
    PRIMARY KEY (advisory_id, product)
);
CREATE INDEX advisory_products_product ON advisory_products (product, advisory_id);

-- The published lists move from the columns to the tables.
INSERT INTO advisory_cves (advisory_id, cve) SELECT DISTINCT a.id, v.x FROM advisories a, unnest(string_to_array(a.pub_cves, ' ')) AS v (x) WHERE v.x <> ''; -- sqlite: INSERT INTO advisory_cves (advisory_id, cve) WITH RECURSIVE split (id, x, rest) AS (SELECT id, '', pub_cves || ' ' FROM advisories WHERE pub_cves <> '' UNION ALL SELECT id, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1) FROM split WHERE rest <> '') SELECT DISTINCT id, x FROM split WHERE x <> '';
INSERT INTO advisory_sectors (advisory_id, sector) SELECT DISTINCT a.id, v.x FROM advisories a, unnest(string_to_array(a.pub_sectors, ' ')) AS v (x) WHERE v.x <> ''; -- sqlite: INSERT INTO advisory_sectors (advisory_id, sector) WITH RECURSIVE split (id, x, rest) AS (SELECT id, '', pub_sectors || ' ' FROM advisories WHERE pub_sectors <> '' UNION ALL SELECT id, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1) FROM split WHERE rest <> '') SELECT DISTINCT id, x FROM split WHERE x <> '';
INSERT INTO advisory_vendors (advisory_id, vendor) SELECT DISTINCT a.id, v.x FROM advisories a, unnest(string_to_array(a.pub_vendors, E'\n')) AS v (x) WHERE v.x <> ''; -- sqlite: INSERT INTO advisory_vendors (advisory_id, vendor) WITH RECURSIVE split (id, x, rest) AS (SELECT id, '', pub_vendors || char(10) FROM advisories WHERE pub_vendors <> '' UNION ALL SELECT id, substr(rest, 1, instr(rest, char(10)) - 1), substr(rest, instr(rest, char(10)) + 1) FROM split WHERE rest <> '') SELECT DISTINCT id, x FROM split WHERE x <> '';
INSERT INTO advisory_products (advisory_id, product) SELECT DISTINCT a.id, v.x FROM advisories a, unnest(string_to_array(a.pub_products, E'\n')) AS v (x) WHERE v.x <> ''; -- sqlite: INSERT INTO advisory_products (advisory_id, product) WITH RECURSIVE split (id, x, rest) AS (SELECT id, '', pub_products || char(10) FROM advisories WHERE pub_products <> '' UNION ALL SELECT id, substr(rest, 1, instr(rest, char(10)) - 1), substr(rest, instr(rest, char(10)) + 1) FROM split WHERE rest <> '') SELECT DISTINCT id, x FROM split WHERE x <> '';
ALTER TABLE advisories DROP COLUMN pub_cves;
ALTER TABLE advisories DROP COLUMN pub_sectors;
ALTER TABLE advisories DROP COLUMN pub_vendors;
ALTER TABLE advisories DROP COLUMN pub_products;
