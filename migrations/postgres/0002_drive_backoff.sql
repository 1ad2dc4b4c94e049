-- wf PostgreSQL schema, version 2: drive backoff.
--
-- A run whose drive fails for a reason other than a lost lease (a commit
-- the store refuses, a log it cannot read) backs off: drive_failures counts
-- its consecutive failed drives and drive_retry_at is the earliest time a
-- sweep claims it again. A successful commit resets both. Neither column is
-- indexed, so that recording a failure stays a HOT update.

ALTER TABLE {{schema}}.{{prefix}}runs
	ADD COLUMN drive_failures integer NOT NULL DEFAULT 0,
	ADD COLUMN drive_retry_at timestamptz;
