-- wf schema migration 0007 (queues), table prefix "wf_".
-- Written by wfcloudflare migrations; apply with `wrangler d1 migrations apply`.

ALTER TABLE wf_runs ADD COLUMN queue TEXT NOT NULL DEFAULT '';

ALTER TABLE wf_runs ADD COLUMN partition_key TEXT NOT NULL DEFAULT '';

ALTER TABLE wf_runs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;

ALTER TABLE wf_runs ADD COLUMN admitted_at INTEGER NOT NULL DEFAULT 0;

CREATE INDEX wf_runs_queue_status ON wf_runs (queue, status, priority DESC, created_at, id) WHERE queue <> '';

CREATE INDEX wf_runs_queue_created ON wf_runs (queue, created_at, id) WHERE queue <> '';

CREATE INDEX wf_runs_queue_admitted ON wf_runs (queue, admitted_at) WHERE admitted_at > 0;

INSERT INTO wf_migrations (version, name, applied_at) VALUES (7, 'queues', CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
