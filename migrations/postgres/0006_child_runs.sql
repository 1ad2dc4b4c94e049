-- wf PostgreSQL schema, version 6: child runs.
--
-- A run started by a workflow keeps its parent's run ID and the parent's
-- operation ID ('' for a run started from outside a workflow), and
-- whether it is detached: the commit that ends an attached child stores a
-- delivery for the parent's operation, and canceling the parent cancels
-- its attached children.
ALTER TABLE {{schema}}.{{prefix}}runs ADD COLUMN parent_run_id text NOT NULL DEFAULT '';
ALTER TABLE {{schema}}.{{prefix}}runs ADD COLUMN parent_step_id text NOT NULL DEFAULT '';
ALTER TABLE {{schema}}.{{prefix}}runs ADD COLUMN parent_detached boolean NOT NULL DEFAULT false;

-- A run's children newest first (ListRuns by parent, the cancel cascade).
-- Partial, so runs without a parent cost nothing; no column of it changes
-- after a run is created, so commits never write to it.
CREATE INDEX {{prefix}}runs_parent_idx ON {{schema}}.{{prefix}}runs (parent_run_id, created_at, id)
	WHERE parent_run_id <> '';
