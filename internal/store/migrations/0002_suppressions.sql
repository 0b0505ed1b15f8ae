-- Suppressions made from the dashboard: one per finding, applied to every scan
-- until lifted or until expires_at (0: never). created_by is the token's name.
CREATE TABLE suppressions (
    target      TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    rule_id     TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    reason      TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (target, account_id, rule_id, resource_id)
);
