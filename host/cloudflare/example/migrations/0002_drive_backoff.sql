-- wf schema migration 0002 (drive_backoff), table prefix "wf_".
-- Written by wfcloudflare migrations; apply with `wrangler d1 migrations apply`.

ALTER TABLE wf_runs ADD COLUMN drive_failures INTEGER NOT NULL DEFAULT 0;

ALTER TABLE wf_runs ADD COLUMN drive_retry_at INTEGER NOT NULL DEFAULT 0;

INSERT INTO wf_migrations (version, name, applied_at) VALUES (2, 'drive_backoff', CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
