-- Inbound mail taken once across nodes (internal/platform/mailin.Once).
-- Every node may run the SMTP listener; a sending server that did not
-- hear the 250 of a delivered message sends it again, maybe to another
-- node. A message is claimed by its Message-ID and recipient before it is
-- delivered and marked done after: a second copy of a done message is
-- answered 250 and dropped; a claim never marked done (its node stopped)
-- is taken over after ten minutes.
CREATE TABLE mail_received (
    message_id TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    claimed_at TIMESTAMPTZ NOT NULL,
    done_at    TIMESTAMPTZ,
    PRIMARY KEY (message_id, recipient)
);
CREATE INDEX mail_received_claimed ON mail_received (claimed_at);
