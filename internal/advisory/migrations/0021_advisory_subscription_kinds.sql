-- The kinds of publication a subscriber confirmed (none: every kind) move
-- from a space-separated column to rows, so a publication's mailing picks
-- its subscribers by the kind's index instead of reading every one. The
-- kinds asked for but not yet confirmed stay a column: nothing matches
-- them; they become the rows when the address confirms.
CREATE TABLE advisory_subscription_kinds (
    subscription_id TEXT NOT NULL REFERENCES advisory_subscriptions (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    PRIMARY KEY (subscription_id, kind)
);
CREATE INDEX advisory_subscription_kinds_kind ON advisory_subscription_kinds (kind, subscription_id);

INSERT INTO advisory_subscription_kinds (subscription_id, kind) SELECT DISTINCT s.id, v.x FROM advisory_subscriptions s, unnest(string_to_array(s.kinds, ' ')) AS v (x) WHERE v.x <> ''; -- sqlite: INSERT INTO advisory_subscription_kinds (subscription_id, kind) WITH RECURSIVE split (id, x, rest) AS (SELECT id, '', kinds || ' ' FROM advisory_subscriptions WHERE kinds <> '' UNION ALL SELECT id, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1) FROM split WHERE rest <> '') SELECT DISTINCT id, x FROM split WHERE x <> '';
ALTER TABLE advisory_subscriptions DROP COLUMN kinds;
