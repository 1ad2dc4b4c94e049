-- wf schema, version 8, for SQLite and Cloudflare D1: admission of a
-- partitioned queue.
--
-- A partitioned queue's admission walks the distinct partitions that have
-- waiting runs (a skip scan: one probe per partition) and reads the head
-- of each partition with room, in admission order, rather than ranking
-- every waiting run: its cost follows the partitions, not the backlog.
-- Partial, so that only waiting runs are indexed.
CREATE INDEX {{prefix}}runs_queue_waiting ON {{prefix}}runs (queue, partition_key, priority DESC, created_at, id)
	WHERE status = 'queued' AND admitted_at = 0 AND queue <> '';
