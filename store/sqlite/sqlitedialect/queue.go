package sqlitedialect

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/wfgo/wf/store"
)

// waitingIn is the test of a waiting run of queue ?1, as the partial
// index runs_queue_waiting holds it.
const waitingIn = `queue = ?1 AND queue <> '' AND status = 'queued' AND admitted_at = 0`

// admitQueuedSQL admits a partitioned queue's waiting runs in admission
// order within each partition's caps, in one statement: SQLite has one
// writer, and D1 runs a statement atomically, so the counts it reads are
// those it writes against. Parameters: ?1 queue, ?2 per partition
// (unused), ?3 concurrency cap, ?4 rate cap, ?5 start of the rate window,
// ?6 now, ?7 limit. The partitions that have waiting runs are found by a
// skip scan of runs_queue_waiting (one probe each); each partition's room
// is both caps less what it has in progress and admitted after ?5; walk
// then reads each partition with room from its head, one run after the
// other in admission order, as many as its room. The cost follows the
// partitions and the runs admitted, not the backlog.
const admitQueuedSQL = `UPDATE {runs} SET status = 'running', admitted_at = ?6, updated_at = ?6
WHERE id IN (
	WITH RECURSIVE parts(pk) AS (
		SELECT (SELECT partition_key FROM {runs} WHERE ` + waitingIn + ` AND ?2 IS NOT NULL ORDER BY partition_key LIMIT 1)
		UNION ALL
		SELECT (SELECT partition_key FROM {runs} WHERE ` + waitingIn + ` AND partition_key > p.pk ORDER BY partition_key LIMIT 1)
		FROM parts p WHERE p.pk IS NOT NULL
	),
	room(pk, n) AS (
		SELECT p.pk, min(?3 - COALESCE(b.n, 0), ?4 - COALESCE(r.n, 0), ?7)
		FROM parts p
		LEFT JOIN (
			SELECT partition_key AS pk, count(*) AS n FROM {runs}
			WHERE queue = ?1 AND queue <> '' AND status NOT IN (` + terminalStatuses + `) AND admitted_at > 0
			GROUP BY 1
		) b ON b.pk = p.pk
		LEFT JOIN (
			SELECT partition_key AS pk, count(*) AS n FROM {runs} WHERE queue = ?1 AND admitted_at > ?5 GROUP BY 1
		) r ON r.pk = p.pk
		WHERE p.pk IS NOT NULL
	),
	walk(pk, n, k, id, priority, created_at) AS (
		SELECT room.pk, room.n, 1, h.id, h.priority, h.created_at
		FROM room JOIN {runs} h ON h.id = (
			SELECT id FROM {runs} WHERE ` + waitingIn + ` AND partition_key = room.pk
			ORDER BY priority DESC, created_at, id LIMIT 1)
		WHERE room.n > 0
		UNION ALL
		SELECT w.pk, w.n, w.k + 1, x.id, x.priority, x.created_at
		FROM walk w JOIN {runs} x ON x.id = (
			SELECT id FROM {runs} WHERE ` + waitingIn + ` AND partition_key = w.pk
				AND (priority < w.priority OR (priority = w.priority AND (created_at > w.created_at OR (created_at = w.created_at AND id > w.id))))
			ORDER BY priority DESC, created_at, id LIMIT 1)
		WHERE w.k < w.n
	)
	SELECT id FROM walk ORDER BY priority DESC, created_at, id LIMIT ?7
)
RETURNING id, priority, created_at`

// admitQueuedWholeSQL is admitQueuedSQL for a queue that is not
// partitioned, with the same parameters (?2 unused): the oldest waiting
// runs in admission order, as many as both caps leave room for, read from
// the head of the queue index rather than ranked all.
const admitQueuedWholeSQL = `UPDATE {runs} SET status = 'running', admitted_at = ?6, updated_at = ?6
WHERE id IN (
	SELECT id FROM {runs}
	WHERE queue = ?1 AND queue <> '' AND status = 'queued' AND admitted_at = 0 AND ?2 IS NOT NULL
	ORDER BY priority DESC, created_at, id
	LIMIT max(0, min(?7,
		?3 - (SELECT count(*) FROM {runs}
			WHERE queue = ?1 AND queue <> '' AND status NOT IN (` + terminalStatuses + `) AND admitted_at > 0),
		?4 - (SELECT count(*) FROM {runs} WHERE queue = ?1 AND admitted_at > ?5)))
)
RETURNING id, priority, created_at`

// AdmitQueued admits the queue's waiting runs within a's caps in one
// statement, returned in admission order.
func (s *Store) AdmitQueued(ctx context.Context, a store.Admit) ([]string, error) {
	if err := a.Check(); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	concurrency, rate, since := a.Caps()
	var perPartition int64
	if a.PerPartition {
		perPartition = 1
	}
	admit := admitQueuedWholeSQL
	if a.PerPartition {
		admit = admitQueuedSQL
	}
	res, err := s.write(ctx, "admit queue "+a.Queue, []Statement{s.query(admit,
		a.Queue, perPartition, int64(concurrency), int64(rate), micros(since), micros(a.Now), int64(a.Limit))})
	if err != nil {
		return nil, err
	}
	rows := slices.Clone(res[0].Rows)
	slices.SortFunc(rows, func(x, y []any) int {
		return cmp.Or(cmp.Compare(integer(y[1]), integer(x[1])), cmp.Compare(integer(x[2]), integer(y[2])), cmp.Compare(text(x[0]), text(y[0])))
	})
	ids := make([]string, len(rows))
	for i, row := range rows {
		ids[i] = text(row[0])
	}
	return ids, nil
}
