-- Limits that the workers sharing one PostgreSQL store hold together: each
-- target's scan slots, leased until expires_at (a worker that dies stops
-- renewing, so its slots free themselves), and each target's call budget
-- per AWS service (a token bucket). Times are the database's clock in Unix
-- milliseconds. SQLite runs in one process, which keeps both in memory;
-- the tables exist there too, unused.
CREATE TABLE target_slots (
    target     TEXT NOT NULL,
    slot       INTEGER NOT NULL,
    holder     TEXT NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (target, slot)
);

CREATE TABLE target_rates (
    target     TEXT NOT NULL,
    service    TEXT NOT NULL,
    tokens     DOUBLE PRECISION NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (target, service)
);
