-- One scan row per account per round: a job that runs again after its scan
-- committed must not record it twice.
CREATE UNIQUE INDEX scans_round ON scans (target, account_id, round_id);
