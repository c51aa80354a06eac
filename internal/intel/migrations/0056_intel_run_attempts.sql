-- Which attempt at a run may still write it (internal/intel/resume.go). A
-- run resumed while its first node was only cut off, not dead, would be
-- loaded twice: each start counts an attempt, and the batches, heartbeats
-- and ending of an older attempt change nothing once a newer one began.
ALTER TABLE intel_runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
