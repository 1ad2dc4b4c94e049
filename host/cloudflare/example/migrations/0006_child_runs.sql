-- wf schema migration 0006 (child_runs), table prefix "wf_".
-- Written by wfcloudflare migrations; apply with `wrangler d1 migrations apply`.

ALTER TABLE wf_runs ADD COLUMN parent_run_id TEXT NOT NULL DEFAULT '';

ALTER TABLE wf_runs ADD COLUMN parent_step_id TEXT NOT NULL DEFAULT '';

ALTER TABLE wf_runs ADD COLUMN parent_detached INTEGER NOT NULL DEFAULT 0;

CREATE INDEX wf_runs_parent_created ON wf_runs (parent_run_id, created_at, id) WHERE parent_run_id <> '';

INSERT INTO wf_migrations (version, name, applied_at) VALUES (6, 'child_runs', CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
