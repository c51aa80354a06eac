-- Threat intelligence: the actors behind the threats.
--
-- Every threat-actor, intrusion-set, campaign, malware and tool a source
-- states (a STIX object, or a MISP galaxy cluster kept as one) is a claim
-- of that source: the names it gives, what it says of targets, motives,
-- techniques and activity, and the indicators it ties to it. Claims that
-- share a name or alias within one family (actors, campaigns, software)
-- are one profile, so a group two sources name differently is read once,
-- each claim still saying who made it. Claims are rebuilt from the
-- source's kept objects after each of its runs; profiles are re-merged in
-- the same transaction.
CREATE TABLE intel_actors (
    id          TEXT PRIMARY KEY,
    family      TEXT NOT NULL,                      -- actor | campaign | software
    name        TEXT NOT NULL,                      -- the name most claims give
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE intel_actor_claims (
    num            BIGSERIAL PRIMARY KEY,
    actor_id       TEXT NOT NULL,
    source_num     BIGINT NOT NULL REFERENCES intel_sources (num) ON DELETE CASCADE,
    collection_num BIGINT NOT NULL,
    stix_id        TEXT NOT NULL,
    stix_type      TEXT NOT NULL,
    family         TEXT NOT NULL,
    name           TEXT NOT NULL,
    aliases        TEXT NOT NULL DEFAULT '',        -- one per line
    name_keys      TEXT NOT NULL,                   -- normalised names, space-separated, padded: " apt28 fancybear "
    description    TEXT NOT NULL DEFAULT '',
    motivations    TEXT NOT NULL DEFAULT '',        -- one per line
    sectors        TEXT NOT NULL DEFAULT '',        -- targeted, space-separated, padded
    countries      TEXT NOT NULL DEFAULT '',        -- targeted, ISO 3166-1 alpha-2 or names, one per line
    origin         TEXT NOT NULL DEFAULT '',
    techniques     TEXT NOT NULL DEFAULT '',        -- ATT&CK ids, space-separated
    related        TEXT NOT NULL DEFAULT '',        -- names of software used / actors attributed, one per line
    first_seen     BIGINT NOT NULL DEFAULT 0,       -- Unix seconds; 0: not stated
    last_seen      BIGINT NOT NULL DEFAULT 0,
    tlp            TEXT NOT NULL,
    version        TEXT NOT NULL DEFAULT '',
    digest         TEXT NOT NULL DEFAULT '',        -- of all the above and the indicators: unchanged claims are not rewritten
    updated_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (source_num, stix_id)
);
CREATE INDEX intel_actor_claims_actor ON intel_actor_claims (actor_id);

-- The observables a claim ties to its actor: the indicators a STIX
-- relationship says indicate it, the attributes of MISP events tagged with
-- its cluster.
CREATE TABLE intel_actor_indicators (
    claim_num     BIGINT NOT NULL REFERENCES intel_actor_claims (num) ON DELETE CASCADE,
    observable_id BIGINT NOT NULL REFERENCES intel_observables (id) ON DELETE CASCADE,
    PRIMARY KEY (claim_num, observable_id)
) /* sqlite: WITHOUT ROWID */;
CREATE INDEX intel_actor_indicators_observable ON intel_actor_indicators (observable_id);

-- Incidents and cases analysts attribute to a profile; what they are is
-- asked of their own domain when the profile is read.
CREATE TABLE intel_actor_attributions (
    actor_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,                      -- incident | case
    ref         TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    org_id      TEXT NOT NULL,                      -- the organisation the analyst attributed for
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (actor_id, kind, ref)
);

-- A source's kept objects by type: what the claims are rebuilt from.
CREATE INDEX intel_objects_source_type ON intel_objects (source_num, stix_type);
