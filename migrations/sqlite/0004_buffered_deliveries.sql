-- wf schema, version 4, for SQLite and Cloudflare D1: deliveries kept for
-- waits a run has not reached yet (early signals and approvals).
--
-- runs.buffered is the JSON array of their signal IDs, oldest first, until
-- the run's log consumes them: the order in which waits take them, the
-- per-run bound that Deliver checks, and what an ended run never consumed.
-- A delivery buffered by name is stored under the step_id
-- '__buffered:<signal ID>', so that the (run_id, step_id) key that lets the
-- first resolution of a wait win stays unique.

ALTER TABLE {{prefix}}runs ADD COLUMN buffered TEXT;
