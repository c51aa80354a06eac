-- Who reads a published advisory beyond what its TLP label opens to
-- everyone, as join tables the reading rule matches with an index (it
-- matched a space-separated list with LIKE):
--   * the recipient organisations (TLP:AMBER also reaches their
--     constituents; AMBER+STRICT their members only);
--   * the people named as recipients: the only readers of a TLP:RED
--     publication besides the center's staff (TLP 2.0: "for the eyes and
--     ears of individual recipients only").
-- The working copy names its people in recipient_users (user ids), as it
-- names organisations in recipients; publishing copies both here.
ALTER TABLE advisories ADD COLUMN recipient_users TEXT NOT NULL DEFAULT '';

CREATE TABLE advisory_audience_orgs (
    advisory_id TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL,
    PRIMARY KEY (advisory_id, org_id)
);
CREATE INDEX advisory_audience_orgs_org ON advisory_audience_orgs (org_id, advisory_id);

CREATE TABLE advisory_audience_users (
    advisory_id TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL,
    PRIMARY KEY (advisory_id, user_id)
);
CREATE INDEX advisory_audience_users_user ON advisory_audience_users (user_id, advisory_id);

-- The published recipients move from the list to the table.
INSERT INTO advisory_audience_orgs (advisory_id, org_id) SELECT DISTINCT a.id, r.org FROM advisories a, unnest(string_to_array(a.pub_recipients, ' ')) AS r (org) WHERE r.org <> ''; -- sqlite: INSERT INTO advisory_audience_orgs (advisory_id, org_id) WITH RECURSIVE split (id, org, rest) AS (SELECT id, '', pub_recipients || ' ' FROM advisories WHERE pub_recipients <> '' UNION ALL SELECT id, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1) FROM split WHERE rest <> '') SELECT DISTINCT id, org FROM split WHERE org <> '';
ALTER TABLE advisories DROP COLUMN pub_recipients;
