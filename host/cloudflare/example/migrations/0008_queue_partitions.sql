-- wf schema migration 0008 (queue_partitions), table prefix "wf_".
-- Written by wfcloudflare migrations; apply with `wrangler d1 migrations apply`.

CREATE INDEX wf_runs_queue_waiting ON wf_runs (queue, partition_key, priority DESC, created_at, id)
	WHERE status = 'queued' AND admitted_at = 0 AND queue <> '';

INSERT INTO wf_migrations (version, name, applied_at) VALUES (8, 'queue_partitions', CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
