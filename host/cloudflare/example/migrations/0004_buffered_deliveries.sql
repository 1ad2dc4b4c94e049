-- wf schema migration 0004 (buffered_deliveries), table prefix "wf_".
-- Written by wfcloudflare migrations; apply with `wrangler d1 migrations apply`.

ALTER TABLE wf_runs ADD COLUMN buffered TEXT;

INSERT INTO wf_migrations (version, name, applied_at) VALUES (4, 'buffered_deliveries', CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
