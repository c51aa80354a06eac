-- The kernel's lists that were kept as space-separated text become rows:
-- an API token's scopes (read, write, admin) and the events a webhook
-- subscribes to ('*' for all). A webhook's deliveries are now chosen in
-- SQL by the event's index, and a token's scopes are facts of their own
-- that a query can name.
CREATE TABLE api_token_scopes (
    token_id TEXT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    scope    TEXT NOT NULL,  -- 'read', 'write', 'admin'
    PRIMARY KEY (token_id, scope)
);

CREATE TABLE webhook_events (
    webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event      TEXT NOT NULL,  -- an event name, or '*' for every event
    PRIMARY KEY (webhook_id, event)
);
CREATE INDEX webhook_events_event ON webhook_events (event, webhook_id);

INSERT INTO api_token_scopes (token_id, scope) SELECT DISTINCT t.id, v.x FROM api_tokens t, unnest(string_to_array(t.scopes, ' ')) AS v (x) WHERE v.x <> ''; -- sqlite: INSERT INTO api_token_scopes (token_id, scope) WITH RECURSIVE split (id, x, rest) AS (SELECT id, '', scopes || ' ' FROM api_tokens WHERE scopes <> '' UNION ALL SELECT id, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1) FROM split WHERE rest <> '') SELECT DISTINCT id, x FROM split WHERE x <> '';
INSERT INTO webhook_events (webhook_id, event) SELECT DISTINCT w.id, v.x FROM webhooks w, unnest(string_to_array(w.events, ' ')) AS v (x) WHERE v.x <> ''; -- sqlite: INSERT INTO webhook_events (webhook_id, event) WITH RECURSIVE split (id, x, rest) AS (SELECT id, '', events || ' ' FROM webhooks WHERE events <> '' UNION ALL SELECT id, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1) FROM split WHERE rest <> '') SELECT DISTINCT id, x FROM split WHERE x <> '';
ALTER TABLE api_tokens DROP COLUMN scopes;
ALTER TABLE webhooks DROP COLUMN events;
