-- wf schema, version 3, for SQLite and Cloudflare D1: parked runs.
--
-- A run whose workflow version no build registers is parked rather than
-- errored: park_reason is its code ('' when the run is not parked),
-- park_message says what was missing, parked_at when (unix microseconds,
-- 0 when not parked). Parked runs stay paused, so recovery never claims
-- them; the partial index finds the parked runs of one workflow version
-- when a build that registers it sweeps, and stays empty otherwise.

ALTER TABLE {{prefix}}runs ADD COLUMN park_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE {{prefix}}runs ADD COLUMN park_message TEXT NOT NULL DEFAULT '';
ALTER TABLE {{prefix}}runs ADD COLUMN parked_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX {{prefix}}runs_parked ON {{prefix}}runs (workflow_id, version) WHERE park_reason <> '';
