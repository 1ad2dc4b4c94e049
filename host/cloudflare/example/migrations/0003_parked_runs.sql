-- wf schema migration 0003 (parked_runs), table prefix "wf_".
-- Written by wfcloudflare migrations; apply with `wrangler d1 migrations apply`.

ALTER TABLE wf_runs ADD COLUMN park_reason TEXT NOT NULL DEFAULT '';

ALTER TABLE wf_runs ADD COLUMN park_message TEXT NOT NULL DEFAULT '';

ALTER TABLE wf_runs ADD COLUMN parked_at INTEGER NOT NULL DEFAULT 0;

CREATE INDEX wf_runs_parked ON wf_runs (workflow_id, version) WHERE park_reason <> '';

INSERT INTO wf_migrations (version, name, applied_at) VALUES (3, 'parked_runs', CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
