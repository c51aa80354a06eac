-- The audit log in lanes (internal/platform/audit). One chain with one head
-- row made every audited transaction of every node commit one after the
-- other: the head row stays locked from the audit row to the commit. With
-- three nodes and 64 clients that capped audited writes at 1,260 a second
-- (13,600 without the audit row), and at 310 with a millisecond of flush
-- per commit. The log is now sixteen chains ("lanes"), each with its head
-- row in audit_lanes; a transaction takes the lowest lane no other holds
-- (every row goes to lane 1 when writers do not overlap, and always on
-- SQLite, whose writers never do). The rows written so far are lane 0,
-- whose head stays audit_head; seq orders the whole log.
ALTER TABLE audit_log ADD COLUMN lane INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_log ADD COLUMN lane_seq BIGINT NOT NULL DEFAULT 0;
UPDATE audit_log SET lane_seq = seq;
CREATE UNIQUE INDEX audit_log_lane ON audit_log (lane, lane_seq);
CREATE TABLE audit_lanes (
    lane INTEGER PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_lanes (lane, seq, hash) VALUES (1, 0, ''), (2, 0, ''), (3, 0, ''), (4, 0, ''), (5, 0, ''), (6, 0, ''),
    (7, 0, ''), (8, 0, ''), (9, 0, ''), (10, 0, ''), (11, 0, ''), (12, 0, ''), (13, 0, ''), (14, 0, ''), (15, 0, ''), (16, 0, '');
-- Numbers for seq without a lock (PostgreSQL; on SQLite the one writer
-- takes the next after the largest).
CREATE SEQUENCE audit_seq; -- sqlite: SELECT 1;
SELECT setval('audit_seq', (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log), false); -- sqlite: SELECT 1;
