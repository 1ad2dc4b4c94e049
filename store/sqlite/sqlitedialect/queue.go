package sqlitedialect

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/wfgo/wf/store"
)

// admitQueuedSQL admits a queue's waiting runs in admission order within
// the caps, in one statement: SQLite has one writer, and D1 runs a
// statement atomically, so the counts it reads are those it writes
// against. Parameters: ?1 queue, ?2 per partition (0 or 1), ?3 concurrency
// cap, ?4 rate cap, ?5 start of the rate window, ?6 now, ?7 limit. A
// waiting run's rank within its partition (the whole queue when not
// partitioned) is admitted while it fits under both caps less what the
// partition has in progress and admitted after ?5.
const admitQueuedSQL = `UPDATE {runs} SET status = 'running', admitted_at = ?6, updated_at = ?6
WHERE id IN (
	SELECT w.id FROM (
		SELECT id, priority, created_at,
			CASE WHEN ?2 THEN partition_key ELSE '' END AS pk,
			row_number() OVER (PARTITION BY CASE WHEN ?2 THEN partition_key ELSE '' END
				ORDER BY priority DESC, created_at, id) AS rank
		FROM {runs}
		WHERE queue = ?1 AND queue <> '' AND status = 'queued' AND admitted_at = 0
	) w
	LEFT JOIN (
		SELECT CASE WHEN ?2 THEN partition_key ELSE '' END AS pk, count(*) AS n
		FROM {runs}
		WHERE queue = ?1 AND queue <> '' AND status NOT IN (` + terminalStatuses + `) AND admitted_at > 0
		GROUP BY 1
	) b ON b.pk = w.pk
	LEFT JOIN (
		SELECT CASE WHEN ?2 THEN partition_key ELSE '' END AS pk, count(*) AS n
		FROM {runs}
		WHERE queue = ?1 AND admitted_at > ?5
		GROUP BY 1
	) r ON r.pk = w.pk
	WHERE w.rank <= ?3 - COALESCE(b.n, 0) AND w.rank <= ?4 - COALESCE(r.n, 0)
	ORDER BY w.priority DESC, w.created_at, w.id
	LIMIT ?7
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
