-- wf schema, version 5, for SQLite and Cloudflare D1: every ListRuns
-- filter has an index, and a run keeps the trace context it was started in.
--
-- ListRuns pages newest first by (created_at, id), so each filter gets an
-- index whose trailing columns are (created_at, id): a page is a range
-- scan of LIMIT rows, however few runs match among how many stored. All
-- runs, one workflow's and one status's already have theirs; a since
-- filter is a range on any of them. The index below adds one write to a
-- commit that changes a run's status, as runs_status_created does.
CREATE INDEX {{prefix}}runs_workflow_status_created ON {{prefix}}runs (workflow_id, status, created_at, id);

-- Parked runs newest first, all or one workflow's. Partial, so they stay
-- empty while no run is parked.
CREATE INDEX {{prefix}}runs_parked_created ON {{prefix}}runs (created_at, id) WHERE park_reason <> '';
CREATE INDEX {{prefix}}runs_parked_workflow_created ON {{prefix}}runs (workflow_id, created_at, id) WHERE park_reason <> '';

-- The W3C traceparent of the context that created the run ('' for none):
-- each drive's span links to it, so a run's invocations in any process
-- lead back to the request that started it.
ALTER TABLE {{prefix}}runs ADD COLUMN trace_parent TEXT NOT NULL DEFAULT '';
