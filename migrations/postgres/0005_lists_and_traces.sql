-- wf PostgreSQL schema, version 5: every ListRuns filter has an index, and
-- a run keeps the trace context it was started in.
--
-- ListRuns pages newest first by (created_at, id), so each filter gets an
-- index whose trailing columns are (created_at, id): a page is a range
-- scan of LIMIT rows, however few runs match among how many stored. All
-- runs and one workflow's already have theirs (runs_created_idx,
-- runs_workflow_idx); a since filter is a range on either.
--
-- status is already in the predicates of runs_stale_idx and
-- runs_purge_idx, so a status change is never a HOT update: the two
-- indexes below add one index write to a commit that changes a run's
-- status, and none to the commits that do not (steps, heartbeats,
-- claims, releases).
CREATE INDEX {{prefix}}runs_status_idx ON {{schema}}.{{prefix}}runs (status, created_at, id);
CREATE INDEX {{prefix}}runs_workflow_status_idx ON {{schema}}.{{prefix}}runs (workflow_id, status, created_at, id);

-- Parked runs newest first, all or one workflow's. Partial, so they cost
-- nothing while no run is parked.
CREATE INDEX {{prefix}}runs_parked_list_idx ON {{schema}}.{{prefix}}runs (created_at, id)
	WHERE park_reason <> '';
CREATE INDEX {{prefix}}runs_parked_workflow_idx ON {{schema}}.{{prefix}}runs (workflow_id, created_at, id)
	WHERE park_reason <> '';

-- The W3C traceparent of the context that created the run ('' for none):
-- each drive's span links to it, so a run's invocations in any process
-- lead back to the request that started it.
ALTER TABLE {{schema}}.{{prefix}}runs ADD COLUMN trace_parent text NOT NULL DEFAULT '';
