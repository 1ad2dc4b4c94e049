-- wf schema, version 7, for SQLite and Cloudflare D1: queues.
--
-- A run started on a queue ('' for none) waits queued until an admission
-- sets admitted_at (unix microseconds, 0 while it waits): then it is
-- ready, and in progress until it is terminal. partition_key is the
-- partition it counts against on a partitioned queue; priority orders
-- admission (higher first, then oldest first).
ALTER TABLE {{prefix}}runs ADD COLUMN queue TEXT NOT NULL DEFAULT '';
ALTER TABLE {{prefix}}runs ADD COLUMN partition_key TEXT NOT NULL DEFAULT '';
ALTER TABLE {{prefix}}runs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE {{prefix}}runs ADD COLUMN admitted_at INTEGER NOT NULL DEFAULT 0;

-- Admission reads a queue's waiting runs in admission order and counts
-- its runs in progress (both by status), and ListRuns pages one queue's
-- runs. Partial, so runs on no queue cost nothing.
CREATE INDEX {{prefix}}runs_queue_status ON {{prefix}}runs (queue, status, priority DESC, created_at, id) WHERE queue <> '';
CREATE INDEX {{prefix}}runs_queue_created ON {{prefix}}runs (queue, created_at, id) WHERE queue <> '';
-- The rate window counts a queue's recent admissions.
CREATE INDEX {{prefix}}runs_queue_admitted ON {{prefix}}runs (queue, admitted_at) WHERE admitted_at > 0;
