-- wf PostgreSQL schema, version 2: drive backoff.
--
-- A run whose drive fails for a reason other than a lost lease (a commit
-- the store refuses, a log it cannot read) backs off: drive_failures counts
-- its consecutive failed drives and drive_retry_at is the earliest time a
-- sweep claims it again. A successful commit resets both.

ALTER TABLE {{schema}}.{{prefix}}runs
	ADD COLUMN drive_failures integer NOT NULL DEFAULT 0,
	ADD COLUMN drive_retry_at timestamptz;

-- ClaimStaleRuns: live runs with no failed drive first, then oldest first.
-- drive_failures is indexed only through whether a run failed, so claims,
-- heartbeats, releases and commits of runs that never failed stay HOT
-- updates (they leave the column as it is).
CREATE INDEX {{prefix}}runs_stale_idx ON {{schema}}.{{prefix}}runs ((drive_failures > 0), created_at, id)
	WHERE status IN ('queued', 'running');
DROP INDEX {{schema}}.{{prefix}}runs_live_idx;
