-- wf PostgreSQL schema: the runs that need a driver, kept apart from the
-- runs table.
--
-- A run needs a driver while it is queued or running: ClaimStaleRuns takes
-- those whose lease is free or expired and that are not backing off. Until
-- this version it found them through a partial index of the runs table
-- (status IN ('queued', 'running')); every run that went through that
-- state left a dead entry there, which the claim walked past until the
-- next VACUUM of the runs table. That vacuum comes rarely on a large
-- table (after 20% of its rows changed, by default) and costs in
-- proportion to all its rows, so an idle sweep grew with the runs stored.
--
-- run_ready holds one row per queued or running run: inserted when a run
-- is created, when a delivery or an unpark makes a paused run ready and
-- when a run is reopened; deleted when a commit leaves the run paused or
-- ended, when it is parked and when it is deleted. The writes that change
-- a run's status keep it in step in the same statement. A lease is not
-- recorded here: a leased run stays in the table, and the claim reads its
-- lease (and its backoff) from the runs row by primary key, so that claims,
-- heartbeats and releases write nothing here and a lease that expires
-- makes the run claimable with no write at all.
--
-- The table is small (the runs in flight and any backlog), so its dead rows
-- are few and cheap to vacuum: autovacuum is told to visit it after a fixed
-- number of changes rather than a fraction of its size.

CREATE TABLE {{schema}}.{{prefix}}run_ready (
	run_id     text        NOT NULL,
	created_at timestamptz NOT NULL,
	CONSTRAINT {{prefix}}run_ready_pkey PRIMARY KEY (run_id)
) WITH (
	autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
	autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000
);

-- ClaimStaleRuns: oldest first.
CREATE INDEX {{prefix}}run_ready_order_idx ON {{schema}}.{{prefix}}run_ready (created_at, run_id);

INSERT INTO {{schema}}.{{prefix}}run_ready (run_id, created_at)
SELECT id, created_at FROM {{schema}}.{{prefix}}runs WHERE status IN ('queued', 'running');

DROP INDEX {{schema}}.{{prefix}}runs_stale_idx;

-- ClaimStaleRuns looks among the runs with failed drives only when there
-- are some: this index holds those alone (a commit resets the count), and
-- is empty while every drive succeeds.
CREATE INDEX {{prefix}}runs_failed_idx ON {{schema}}.{{prefix}}runs (id) WHERE drive_failures > 0;
