-- PostgreSQL only (SQLite runs "SELECT 1" instead): what made a load there
-- three times slower than on SQLite.
--
-- The foreign keys of intel_observations were checked row by row, each
-- check a lookup and a share lock on the observable's and the source's
-- rows: more than half of a load's time. The rows they protect are
-- upserted (observables) or read (the source) by the same transaction
-- just before, and neither observables nor sources are ever deleted, so
-- the checks never refused anything. SQLite keeps them (its checks cost
-- little).
ALTER TABLE intel_observations DROP CONSTRAINT IF EXISTS intel_observations_observable_id_fkey; -- sqlite: SELECT 1;
ALTER TABLE intel_observations DROP CONSTRAINT IF EXISTS intel_observations_source_num_fkey; -- sqlite: SELECT 1;
-- A feed loaded again updates every row it names (sightings, last seen).
-- With room left on each page the new versions go on the same page and
-- no index is touched (HOT updates): a repeated load twice as fast, for
-- tables up to twice the size. Pages written from now on keep the room.
ALTER TABLE intel_observables SET (fillfactor = 50); -- sqlite: SELECT 1;
ALTER TABLE intel_observations SET (fillfactor = 50); -- sqlite: SELECT 1;
