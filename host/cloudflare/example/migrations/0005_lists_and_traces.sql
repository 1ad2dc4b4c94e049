-- wf schema migration 0005 (lists_and_traces), table prefix "wf_".
-- Written by wfcloudflare migrations; apply with `wrangler d1 migrations apply`.

CREATE INDEX wf_runs_workflow_status_created ON wf_runs (workflow_id, status, created_at, id);

CREATE INDEX wf_runs_parked_created ON wf_runs (created_at, id) WHERE park_reason <> '';

CREATE INDEX wf_runs_parked_workflow_created ON wf_runs (workflow_id, created_at, id) WHERE park_reason <> '';

ALTER TABLE wf_runs ADD COLUMN trace_parent TEXT NOT NULL DEFAULT '';

INSERT INTO wf_migrations (version, name, applied_at) VALUES (5, 'lists_and_traces', CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
