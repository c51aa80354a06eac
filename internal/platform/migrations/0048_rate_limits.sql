-- Rate limits shared by every node (internal/platform/auth.Limiter on
-- PostgreSQL): one row per limit and key (an address, an account), holding
-- the generic cell rate algorithm's theoretical arrival time in Unix
-- microseconds. A row whose time has passed is the same as no row, and is
-- deleted now and then.
CREATE TABLE rate_limits (
    name TEXT NOT NULL,
    key  TEXT NOT NULL,
    tat  BIGINT NOT NULL,
    PRIMARY KEY (name, key)
);
CREATE INDEX rate_limits_tat ON rate_limits (tat);
