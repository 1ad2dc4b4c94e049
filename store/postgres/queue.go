package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wfgo/wf/store"
)

// sqlLockQueue serialises the admissions of one queue: a transaction-scoped
// advisory lock, released by the batch's commit, so that it holds through
// PgBouncer's transaction pooling. The key hashes the runs table's name
// with the queue's, so that stores under other schemas or prefixes of one
// database do not wait for each other.
const sqlLockQueue = `SELECT pg_advisory_xact_lock(hashtextextended('{{runs}}:' || $1::text, 0))`

// sqlAdmitQueued admits a partitioned queue's waiting runs in admission
// order within each partition's caps, in one statement whose snapshot,
// taken after sqlLockQueue, holds every earlier admission of the queue.
// Parameters: $1 queue, $2 per partition (unused), $3 concurrency cap, $4
// rate cap, $5 start of the rate window, $6 now, $7 limit. The partitions
// that have waiting runs are found by a skip scan of runs_queue_waiting_idx
// (one probe each); each partition's room is both caps less what it has in
// progress and admitted since $5, and the head of each partition with room
// is read from the same index, so that the cost follows the partitions and
// the runs admitted, not the backlog. The UPDATE re-checks that each picked
// run still waits, since a commit (a cancellation) may have ended it after
// the snapshot.
const sqlAdmitQueued = `
WITH RECURSIVE parts AS (
	(SELECT partition_key AS pk FROM {{runs}}
	WHERE queue = $1 AND queue <> '' AND status = 'queued' AND admitted_at IS NULL AND $2::boolean IS NOT NULL
	ORDER BY partition_key LIMIT 1)
	UNION ALL
	SELECT (SELECT partition_key FROM {{runs}}
		WHERE queue = $1 AND queue <> '' AND status = 'queued' AND admitted_at IS NULL AND partition_key > p.pk
		ORDER BY partition_key LIMIT 1)
	FROM parts p WHERE p.pk IS NOT NULL
),
busy AS (
	SELECT partition_key AS pk, count(*) AS n
	FROM {{runs}}
	WHERE queue = $1 AND queue <> '' AND status NOT IN {{terminal}} AND admitted_at IS NOT NULL
	GROUP BY 1
),
recent AS (
	SELECT partition_key AS pk, count(*) AS n
	FROM {{runs}}
	WHERE queue = $1 AND admitted_at > $5
	GROUP BY 1
),
room AS (
	SELECT p.pk, GREATEST(0, LEAST($3::bigint - COALESCE(b.n, 0), $4::bigint - COALESCE(r.n, 0), $7::bigint)) AS n
	FROM parts p
	LEFT JOIN busy b ON b.pk = p.pk
	LEFT JOIN recent r ON r.pk = p.pk
	WHERE p.pk IS NOT NULL
),
pick AS (
	SELECT w.id, w.priority, w.created_at FROM room
	CROSS JOIN LATERAL (
		SELECT id, priority, created_at FROM {{runs}}
		WHERE queue = $1 AND queue <> '' AND status = 'queued' AND admitted_at IS NULL AND partition_key = room.pk
		ORDER BY priority DESC, created_at, id
		LIMIT room.n
	) w
	WHERE room.n > 0
	ORDER BY w.priority DESC, w.created_at, w.id
	LIMIT $7
)
` + admitPicked

// sqlAdmitQueuedWhole is sqlAdmitQueued for a queue that is not
// partitioned, with the same parameters ($2 unused): the oldest waiting
// runs in admission order, as many as both caps leave room for, read from
// the head of the queue index rather than ranked all.
const sqlAdmitQueuedWhole = `
WITH pick AS (
	SELECT id FROM {{runs}}
	WHERE queue = $1 AND queue <> '' AND status = 'queued' AND admitted_at IS NULL AND $2::boolean IS NOT NULL
	ORDER BY priority DESC, created_at, id
	LIMIT GREATEST(0, LEAST($7::bigint,
		$3::bigint - (SELECT count(*) FROM {{runs}}
			WHERE queue = $1 AND queue <> '' AND status NOT IN {{terminal}} AND admitted_at IS NOT NULL),
		$4::bigint - (SELECT count(*) FROM {{runs}} WHERE queue = $1 AND admitted_at > $5)))
)
` + admitPicked

// AdmitQueued admits the queue's waiting runs within a's caps in one batch
// (one round trip, one implicit transaction): lock the queue, then admit.
// Admitters of one queue, in any process, take turns on the lock, so the
// counts each sees include every earlier admission.
func (s *Store) AdmitQueued(ctx context.Context, a store.Admit) ([]string, error) {
	if err := a.Check(); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	concurrency, rate, since := a.Caps()
	type admitted struct {
		id       string
		priority int
		created  time.Time
	}
	var got []admitted
	err := retry(ctx, func(ctx context.Context) error {
		got = got[:0]
		b := &pgx.Batch{}
		b.Queue(s.q.lockQueue, a.Queue)
		admit := s.q.admitQueuedWhole
		if a.PerPartition {
			admit = s.q.admitQueued
		}
		b.Queue(admit, a.Queue, a.PerPartition, concurrency, rate, since, a.Now, a.Limit)
		br := s.pool.SendBatch(ctx, b)
		defer br.Close()
		if _, err := br.Exec(); err != nil {
			return err
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		for rows.Next() {
			var r admitted
			if err := rows.Scan(&r.id, &r.priority, &r.created); err != nil {
				rows.Close()
				return err
			}
			got = append(got, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		return br.Close()
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: admit queue %q: %w", a.Queue, err)
	}
	slices.SortFunc(got, func(x, y admitted) int {
		return cmp.Or(cmp.Compare(y.priority, x.priority), x.created.Compare(y.created), strings.Compare(x.id, y.id))
	})
	ids := make([]string, len(got))
	for i, r := range got {
		ids[i] = r.id
	}
	return ids, nil
}

// admitPicked ends both admission statements: it admits the runs of the
// CTE pick that still wait and enters them into run_ready, where
// ClaimStaleRuns finds them (a waiting run is not there: the claim's cost
// does not grow with a queue's backlog).
const admitPicked = `,
adm AS (
	UPDATE {{runs}} u SET status = 'running', admitted_at = $6, updated_at = $6
	FROM pick
	WHERE u.id = pick.id AND u.status = 'queued' AND u.admitted_at IS NULL
	RETURNING u.id, u.priority, u.created_at
),
rdy AS (
	INSERT INTO {{ready}} (run_id, created_at) SELECT id, created_at FROM adm
	ON CONFLICT (run_id) DO NOTHING
)
SELECT id, priority, created_at FROM adm`
