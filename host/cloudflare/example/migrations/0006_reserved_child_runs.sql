-- wf schema migration 0006 (reserved_child_runs), table prefix "wf_".
-- Written by wfcloudflare migrations; apply with `wrangler d1 migrations apply`.

SELECT 1;

INSERT INTO wf_migrations (version, name, applied_at) VALUES (6, 'reserved_child_runs', CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
