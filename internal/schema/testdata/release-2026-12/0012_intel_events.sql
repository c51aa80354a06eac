-- Threat intelligence: the events observables were reported in.
--
-- A MISP event (or a feed's) groups attributes: what was seen together in
-- one incident or campaign. Each event a source reported is a row, and
-- each observable it named a link, so the observable's page shows the
-- events it appeared in and the observables it appeared with — correlation
-- across events and sources, as MISP's.
CREATE TABLE intel_events (
    num         BIGSERIAL PRIMARY KEY,
    source_num  BIGINT NOT NULL REFERENCES intel_sources (num) ON DELETE CASCADE,
    uuid        TEXT NOT NULL,
    info        TEXT NOT NULL DEFAULT '',
    event_date  TEXT NOT NULL DEFAULT '',          -- as the event gives it (YYYY-MM-DD)
    first_seen  BIGINT NOT NULL,                    -- Unix seconds: when it was first loaded
    last_seen   BIGINT NOT NULL,
    UNIQUE (source_num, uuid)
);

CREATE TABLE intel_event_observables (
    event_num     BIGINT NOT NULL REFERENCES intel_events (num) ON DELETE CASCADE,
    observable_id BIGINT NOT NULL REFERENCES intel_observables (id) ON DELETE CASCADE,
    PRIMARY KEY (event_num, observable_id)
) /* sqlite: WITHOUT ROWID */;
CREATE INDEX intel_event_observables_observable ON intel_event_observables (observable_id, event_num);
