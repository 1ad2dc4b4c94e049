-- wf schema, version 2, for SQLite and Cloudflare D1: drive backoff.
--
-- A run whose drive fails for a reason other than a lost lease (a commit
-- the store refuses, a log it cannot read) backs off: drive_failures counts
-- its consecutive failed drives and drive_retry_at (unix microseconds, 0
-- for none) is the earliest time a sweep claims it again. A successful
-- commit resets both.

ALTER TABLE {{prefix}}runs ADD COLUMN drive_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE {{prefix}}runs ADD COLUMN drive_retry_at INTEGER NOT NULL DEFAULT 0;
