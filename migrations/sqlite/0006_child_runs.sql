-- wf schema, version 6, for SQLite and Cloudflare D1: child runs.
--
-- A run started by a workflow keeps its parent's run ID and the parent's
-- operation ID ('' for a run started from outside a workflow), and
-- whether it is detached (0 or 1): the commit that ends an attached child
-- stores a delivery for the parent's operation, and canceling the parent
-- cancels its attached children.
ALTER TABLE {{prefix}}runs ADD COLUMN parent_run_id TEXT NOT NULL DEFAULT '';
ALTER TABLE {{prefix}}runs ADD COLUMN parent_step_id TEXT NOT NULL DEFAULT '';
ALTER TABLE {{prefix}}runs ADD COLUMN parent_detached INTEGER NOT NULL DEFAULT 0;

-- A run's children newest first (ListRuns by parent, the cancel cascade).
-- Partial, so runs without a parent cost nothing.
CREATE INDEX {{prefix}}runs_parent_created ON {{prefix}}runs (parent_run_id, created_at, id) WHERE parent_run_id <> '';
