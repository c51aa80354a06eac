-- Threat intelligence: the table of which AS originates which prefix (a
-- RouteViews pfx2as or pyasn dump), loaded by the center's staff. It
-- enriches address observables with their AS and announced prefix, and
-- routes an address to the organisations that registered its AS. One
-- table at a time; every process reloads it when its revision changes.
CREATE TABLE intel_asn_table (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    name       TEXT NOT NULL,
    prefixes   BIGINT NOT NULL,
    asns       BIGINT NOT NULL,
    body       BYTEA NOT NULL,      -- gzip of "prefix<TAB>asn" lines, as read
    revision   BIGINT NOT NULL,
    loaded_by  TEXT NOT NULL,
    loaded_at  TIMESTAMPTZ NOT NULL
);
