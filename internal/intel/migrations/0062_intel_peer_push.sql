-- Pushes: a peer may send its intelligence (TAXII POST into our
-- collection, attributed to its source) instead of being pulled, when we
-- cannot reach it; and we may push ours to a peer likewise. pushes: the
-- peer adds objects here; pushed_after: what we pushed to the peer so far
-- (the date_added cursor of our collection, Unix microseconds).
ALTER TABLE intel_peers ADD COLUMN pushes BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE intel_peers ADD COLUMN pushed_after BIGINT NOT NULL DEFAULT 0;
