-- wf PostgreSQL schema, version 7: queues.
--
-- A run started on a queue ('' for none) waits queued until an admission
-- sets admitted_at (NULL while it waits): then it is ready, and in
-- progress until it is terminal. partition_key is the partition it counts
-- against on a partitioned queue; priority orders admission (higher
-- first, then oldest first).
ALTER TABLE {{schema}}.{{prefix}}runs
	ADD COLUMN queue         text    NOT NULL DEFAULT '',
	ADD COLUMN partition_key text    NOT NULL DEFAULT '',
	ADD COLUMN priority      integer NOT NULL DEFAULT 0,
	ADD COLUMN admitted_at   timestamptz;

-- Admission reads a queue's waiting runs in admission order and counts
-- its runs in progress (both by status), and ListRuns pages one queue's
-- runs. Partial, so runs on no queue cost nothing.
CREATE INDEX {{prefix}}runs_queue_idx ON {{schema}}.{{prefix}}runs (queue, status, priority DESC, created_at, id)
	WHERE queue <> '';
CREATE INDEX {{prefix}}runs_queue_list_idx ON {{schema}}.{{prefix}}runs (queue, created_at, id)
	WHERE queue <> '';
-- The rate window counts a queue's recent admissions.
CREATE INDEX {{prefix}}runs_queue_admitted_idx ON {{schema}}.{{prefix}}runs (queue, admitted_at)
	WHERE admitted_at IS NOT NULL;
