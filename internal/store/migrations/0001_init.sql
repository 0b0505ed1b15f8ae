-- The first schema: targets, accounts, the current state of every finding, its
-- events, one totals row per account scan, and the alert outbox.
-- {{ID}} is the dialect's auto-increment primary key; times are Unix milliseconds;
-- flags are 0/1 integers, so that SQLite and PostgreSQL share this file.
CREATE TABLE targets (
    name       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    schedule   TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE accounts (
    target     TEXT NOT NULL,
    account_id TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    first_seen BIGINT NOT NULL,
    PRIMARY KEY (target, account_id)
);

CREATE TABLE scans (
    id             {{ID}},
    target         TEXT NOT NULL,
    account_id     TEXT NOT NULL,
    round_id       TEXT NOT NULL,
    started_at     BIGINT NOT NULL,
    finished_at    BIGINT NOT NULL,
    complete       INTEGER NOT NULL,
    pass           INTEGER NOT NULL,
    fail           INTEGER NOT NULL,
    skip           INTEGER NOT NULL,
    error          INTEGER NOT NULL,
    suppressed     INTEGER NOT NULL,
    stale          INTEGER NOT NULL,
    resources      INTEGER NOT NULL,
    changes        INTEGER NOT NULL,
    api_calls      INTEGER NOT NULL,
    api_calls_json TEXT NOT NULL,
    errors_json    TEXT NOT NULL,
    duration_ms    BIGINT NOT NULL
);
CREATE INDEX scans_account ON scans (target, account_id, finished_at);
CREATE INDEX scans_finished ON scans (finished_at);

CREATE TABLE findings (
    target             TEXT NOT NULL,
    account_id         TEXT NOT NULL,
    rule_id            TEXT NOT NULL,
    resource_id        TEXT NOT NULL,
    resource_type      TEXT NOT NULL,
    resource_arn       TEXT NOT NULL,
    resource_name      TEXT NOT NULL,
    title              TEXT NOT NULL,
    risk               TEXT NOT NULL,
    status             TEXT NOT NULL,
    known_status       TEXT NOT NULL,
    message            TEXT NOT NULL,
    detail_json        TEXT NOT NULL,
    suppressed         INTEGER NOT NULL,
    suppression_reason TEXT NOT NULL,
    suppression_source TEXT NOT NULL,
    stale              INTEGER NOT NULL,
    deleted            INTEGER NOT NULL,
    first_seen         BIGINT NOT NULL,
    last_seen          BIGINT NOT NULL,
    last_changed       BIGINT NOT NULL,
    PRIMARY KEY (target, account_id, rule_id, resource_id)
);
CREATE INDEX findings_status ON findings (status, target, account_id);

CREATE TABLE events (
    id            {{ID}},
    at            BIGINT NOT NULL,
    target        TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    rule_id       TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    kind          TEXT NOT NULL,
    from_status   TEXT NOT NULL,
    to_status     TEXT NOT NULL,
    risk          TEXT NOT NULL,
    title         TEXT NOT NULL,
    message       TEXT NOT NULL,
    detail_json   TEXT NOT NULL,
    scan_id       BIGINT NOT NULL,
    round_id      TEXT NOT NULL
);
CREATE INDEX events_at ON events (at);
CREATE INDEX events_finding ON events (target, account_id, rule_id, resource_id, id);

CREATE TABLE deliveries (
    id              {{ID}},
    channel         TEXT NOT NULL,
    event_id        BIGINT NOT NULL,
    round_id        TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    status          TEXT NOT NULL,
    batch_id        TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    finished_at     BIGINT NOT NULL DEFAULT 0,
    UNIQUE (channel, event_id)
);
CREATE INDEX deliveries_status ON deliveries (status, channel, round_id);
