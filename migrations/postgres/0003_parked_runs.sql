-- wf PostgreSQL schema, version 3: parked runs.
--
-- A run whose workflow version no build registers is parked rather than
-- errored: park_reason is its code ('' when the run is not parked),
-- park_message says what was missing, parked_at when. Parked runs stay
-- paused, so recovery's index never sees them; the partial index below
-- finds the parked runs of one workflow version when a build that
-- registers it sweeps, and costs nothing while no run is parked.

ALTER TABLE {{schema}}.{{prefix}}runs
	ADD COLUMN park_reason  text NOT NULL DEFAULT '',
	ADD COLUMN park_message text NOT NULL DEFAULT '',
	ADD COLUMN parked_at    timestamptz;

CREATE INDEX {{prefix}}runs_parked_idx ON {{schema}}.{{prefix}}runs (workflow_id, version)
	WHERE park_reason <> '';
