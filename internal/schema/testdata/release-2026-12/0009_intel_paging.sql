-- Threat intelligence: page a collection's indicators without walking past
-- the observations read from kept STIX objects.
--
-- TAXII pages a collection's observations that are indicators of their own
-- (from_stix false) by date_added. With (collection_num, added) a page that
-- starts among a million STIX-derived observations read them all to skip
-- them (three seconds at ten million objects); with from_stix between, the
-- two kinds are separate ranges of one index, which costs ingest nothing.
DROP INDEX intel_observations_page;
CREATE INDEX intel_observations_page ON intel_observations (collection_num, from_stix, added);
