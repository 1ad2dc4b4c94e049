package postgres

import (
	"fmt"
	"strings"

	"github.com/wfgo/wf"
)

// The store's SQL. Table names are placeholders ({{runs}}, {{events}}, …)
// that newQueries replaces with schema-qualified, prefixed names once per
// Store, so each statement's text is constant and pgx's statement cache
// prepares it once per connection.
//
// Every write guards itself: a statement that needs the run's lease checks
// lease_owner in its own WHERE, so it reports its outcome (rows affected or
// a RETURNING row) and never depends on an earlier read by the client.

const runColumns = `id, workflow_id, version, status, input, output, error, awaiting, wake_at,
	delivery_seq, schedule_id, lease_owner, lease_expires_at, created_at, updated_at,
	drive_failures, drive_retry_at, park_reason, park_message, parked_at, buffered, trace_parent,
	parent_run_id, parent_step_id, parent_detached,
	queue, partition_key, priority, admitted_at`

const bucketColumns = `schedule_id, bucket_id, run_id, fire_at, status, lease_owner, lease_expires_at, started_at`

const scheduleColumns = `id, workflow_id, spec, overlap, input, enabled, updated_at`

// terminalStatuses are the statuses for which wf.RunStatus.Terminal is true.
var terminalStatuses = []wf.RunStatus{wf.StatusFinished, wf.StatusErrored, wf.StatusAborted, wf.StatusCanceled}

// sqlList renders statuses as an SQL list literal: ('a', 'b').
func sqlList(statuses []wf.RunStatus) string {
	quoted := make([]string, len(statuses))
	for i, s := range statuses {
		quoted[i] = "'" + string(s) + "'"
	}
	return "(" + strings.Join(quoted, ", ") + ")"
}

// Guards shared by Append and the statements of a Commit, whose
// parameters are $1 run ID, $2 owner, $3 next log index (0 when the write
// appends nothing).
const (
	leaseHeld = `EXISTS (SELECT 1 FROM {{runs}} WHERE id = $1 AND lease_owner = $2)`
	// adjacent holds when the log's last event is at $3 - 1, so that a
	// write can neither overwrite nor leave a gap.
	adjacent = `($3 = 0 OR EXISTS (SELECT 1 FROM {{events}} WHERE run_id = $1 AND idx = $3 - 1))`
)

// queries is a Store's SQL with its table names filled in.
type queries struct {
	createRun, getRun, deleteRun, purgeRuns string
	listRuns                                string // without WHERE/ORDER, see ListRuns

	claimRun, claimedEvents, claimedDeliveries string
	heartbeat, releaseRun, claimStaleRuns      string
	backOffRun, releaseTimer                   string

	runEvents, runDeliveries, eventsFrom string

	appendEvents                             string
	commit, commitFirst, commitRun           string
	childEnd, childEndNotify                 string
	deliver, deliveryWinner, deliverClaim    string
	claimTimers, fireTimers                  string
	firedRuns, firedEvents, firedDeliveries  string
	upsertSchedule, listSchedules            string
	setScheduleEnabled                       string
	ensureBucket, claimBuckets, finishBucket string
	releaseBucket, listBuckets               string
	lockSchedule, startBucket                string
	parkRun, unparkRuns, reopenRun           string
	lockQueue, admitQueued, admitQueuedWhole string
	eventsPkey                               string // constraint name
}

func newQueries(c config) queries {
	table := func(name string) string { return c.schema + "." + c.prefix + name }
	r := strings.NewReplacer(
		"{{runs}}", table("runs"),
		"{{events}}", table("events"),
		"{{timers}}", table("timers"),
		"{{deliveries}}", table("deliveries"),
		"{{ready}}", table("run_ready"),
		"{{schedules}}", table("schedules"),
		"{{buckets}}", table("schedule_buckets"),
		"{{run_columns}}", runColumns,
		"{{bucket_columns}}", bucketColumns,
		"{{schedule_columns}}", scheduleColumns,
		"{{terminal}}", sqlList(terminalStatuses),
		"{{lease_held}}", leaseHeld,
		"{{adjacent}}", adjacent,
		"{{make_ready}}", makeReady,
		"{{stale}}", stale,
		"{{live}}", live,
	)
	sub := func(s string) string {
		out := s
		for range 3 { // fragments hold placeholders too
			out = r.Replace(out)
		}
		if strings.Contains(out, "{{") {
			panic(fmt.Sprintf("postgres: unreplaced placeholder in %s", out))
		}
		return out
	}
	return queries{
		createRun:          sub(sqlCreateRun),
		getRun:             sub(`SELECT {{run_columns}} FROM {{runs}} WHERE id = $1`),
		deleteRun:          sub(sqlDeleteRun),
		purgeRuns:          sub(sqlPurgeRuns),
		listRuns:           sub(`SELECT {{run_columns}} FROM {{runs}}`),
		claimRun:           sub(sqlClaimRun),
		claimedEvents:      sub(sqlClaimedEvents),
		claimedDeliveries:  sub(sqlClaimedDeliveries),
		heartbeat:          sub(`UPDATE {{runs}} SET lease_expires_at = $3 WHERE id = $1 AND lease_owner = $2`),
		releaseRun:         sub(`UPDATE {{runs}} SET lease_owner = '', lease_expires_at = NULL WHERE id = $1 AND lease_owner = $2`),
		claimStaleRuns:     sub(sqlClaimStaleRuns),
		backOffRun:         sub(sqlBackOffRun),
		releaseTimer:       sub(sqlReleaseTimer),
		runEvents:          sub(`SELECT idx, data FROM {{events}} WHERE run_id = $1 ORDER BY idx`),
		runDeliveries:      sub(`SELECT data FROM {{deliveries}} WHERE run_id = $1 ORDER BY step_id`),
		eventsFrom:         sub(sqlEventsFrom),
		appendEvents:       sub(sqlAppend),
		commit:             sub(sqlCommit),
		commitFirst:        sub(sqlCommitFirst),
		commitRun:          sub(sqlCommitRun),
		childEnd:           sub(sqlChildEnd),
		childEndNotify:     sub(sqlChildEndNotify),
		deliver:            sub(sqlDeliver),
		deliveryWinner:     sub(sqlDeliveryWinner),
		deliverClaim:       sub(sqlDeliverClaim),
		claimTimers:        sub(sqlClaimTimers),
		fireTimers:         sub(sqlFireTimers),
		firedRuns:          sub(sqlFiredRuns),
		firedEvents:        sub(sqlFiredEvents),
		firedDeliveries:    sub(sqlFiredDeliveries),
		upsertSchedule:     sub(sqlUpsertSchedule),
		setScheduleEnabled: sub(sqlSetScheduleEnabled),
		listSchedules:      sub(`SELECT {{schedule_columns}} FROM {{schedules}} ORDER BY id`),
		ensureBucket:       sub(sqlEnsureBucket),
		claimBuckets:       sub(sqlClaimBuckets),
		finishBucket:       sub(sqlFinishBucket),
		releaseBucket:      sub(sqlReleaseBucket),
		listBuckets:        sub(`SELECT {{bucket_columns}} FROM {{buckets}} WHERE schedule_id = $1 ORDER BY fire_at DESC, bucket_id DESC LIMIT $2`),
		lockSchedule:       sub(`SELECT 1 FROM {{schedules}} WHERE id = $1 FOR UPDATE`),
		startBucket:        sub(sqlStartBucket),
		parkRun:            sub(sqlParkRun),
		unparkRuns:         sub(sqlUnparkRuns),
		reopenRun:          sub(sqlReopenRun),
		lockQueue:          sub(sqlLockQueue),
		admitQueued:        sub(sqlAdmitQueued),
		admitQueuedWhole:   sub(sqlAdmitQueuedWhole),
		eventsPkey:         c.prefix + "events_pkey",
	}
}

// sqlCreateRun inserts a run unless it exists, with its parent link ($12
// to $14), its queue, partition key and priority ($15 to $17) and, when it
// inserted it, its first events ($10, a fork's copied log), and returns the
// stored row with whether it was inserted. Under a concurrent insert of the same ID the
// fallback SELECT may not see the other row yet (its snapshot predates the
// other commit) and the statement returns nothing; CreateRun retries.
const sqlCreateRun = `
WITH ins AS (
	INSERT INTO {{runs}} (id, workflow_id, version, status, input, schedule_id,
		lease_owner, lease_expires_at, created_at, updated_at, trace_parent,
		parent_run_id, parent_step_id, parent_detached,
		queue, partition_key, priority)
	VALUES ($1, $2, $3, $4, $5::json, $6, $7, $8, COALESCE($9, now()), COALESCE($9, now()), $11,
		$12, $13, $14, $15, $16, $17)
	ON CONFLICT (id) DO NOTHING
	RETURNING {{run_columns}}
),
ev AS (
	INSERT INTO {{events}} (run_id, idx, data)
	SELECT $1, e.n - 1, e.data
	FROM json_array_elements($10::json) WITH ORDINALITY AS e(data, n)
	WHERE EXISTS (SELECT 1 FROM ins)
),
rdy AS (INSERT INTO {{ready}} (run_id, created_at) SELECT id, created_at FROM ins WHERE queue = '')
SELECT true, {{run_columns}} FROM ins
UNION ALL
SELECT false, {{run_columns}} FROM {{runs}} WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM ins)`

const sqlDeleteRun = `
WITH r AS (DELETE FROM {{runs}} WHERE id = $1 RETURNING id),
e AS (DELETE FROM {{events}} WHERE run_id = $1),
t AS (DELETE FROM {{timers}} WHERE run_id = $1),
d AS (DELETE FROM {{deliveries}} WHERE run_id = $1),
q AS (DELETE FROM {{ready}} WHERE run_id = $1)
SELECT count(*) FROM r`

const sqlPurgeRuns = `
WITH r AS (
	DELETE FROM {{runs}} WHERE id IN (
		SELECT id FROM {{runs}}
		WHERE status IN {{terminal}} AND updated_at < $1
		ORDER BY updated_at
		LIMIT $2
		FOR UPDATE SKIP LOCKED
	)
	RETURNING id
),
e AS (DELETE FROM {{events}} WHERE run_id IN (SELECT id FROM r)),
t AS (DELETE FROM {{timers}} WHERE run_id IN (SELECT id FROM r)),
d AS (DELETE FROM {{deliveries}} WHERE run_id IN (SELECT id FROM r))
SELECT count(*) FROM r`

// sqlClaimRun takes the lease when the run is live and its lease free,
// expired or the caller's; otherwise it returns the run as it is. A
// claimed paused run enters run_ready (see claimedPaused).
const sqlClaimRun = `
WITH claimed AS (
	UPDATE {{runs}} SET lease_owner = $2, lease_expires_at = $4
	WHERE id = $1 AND status NOT IN {{terminal}}
		AND (lease_owner = '' OR lease_owner = $2 OR lease_expires_at <= $3)
	RETURNING {{run_columns}}
),
rdy AS (
	INSERT INTO {{ready}} (run_id, created_at)
	SELECT id, created_at FROM claimed WHERE status = 'paused'
	ON CONFLICT (run_id) DO NOTHING
)
SELECT true, {{run_columns}} FROM claimed
UNION ALL
SELECT false, {{run_columns}} FROM {{runs}} WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM claimed)`

// The claim batch's reads return rows only when the claim succeeded, so a
// refused claim does not ship the log.
const (
	claimedBy            = `EXISTS (SELECT 1 FROM {{runs}} WHERE id = $1 AND lease_owner = $2 AND status NOT IN {{terminal}})`
	sqlClaimedEvents     = `SELECT idx, data FROM {{events}} WHERE run_id = $1 AND ` + claimedBy + ` ORDER BY idx`
	sqlClaimedDeliveries = `SELECT data FROM {{deliveries}} WHERE run_id = $1 AND ` + claimedBy + ` ORDER BY step_id`
)

// sqlClaimStaleRuns leases up to $4 stale runs: it walks run_ready
// oldest first and reads each run's lease and backoff from its row by
// primary key (a correlated subquery, so that the planner cannot start
// from an index of the runs table instead), first among the runs with no
// failed drive, then, only when those fall short and some live run has
// failed drives (runs_failed_idx), among the others. Candidates that
// another claimer has locked are skipped (their run_ready rows are
// locked), and the update re-checks stale on each run's current row, so
// each run goes to one claimer. Its cost follows the runs that need a
// driver, not the runs stored.
const sqlClaimStaleRuns = `
UPDATE {{runs}} r SET lease_owner = $1, lease_expires_at = $3
WHERE r.id IN (
	SELECT x.run_id FROM (
		SELECT failed FROM (VALUES (false), (true)) AS v(failed)
		WHERE NOT failed OR EXISTS (SELECT 1 FROM {{runs}} r WHERE r.drive_failures > 0 AND {{live}})
	) AS p, LATERAL (
		SELECT q.run_id FROM {{ready}} q
		WHERE (SELECT {{stale}} AND (r.drive_failures > 0) = p.failed FROM {{runs}} r WHERE r.id = q.run_id)
		ORDER BY q.created_at, q.run_id
		LIMIT $4
		FOR UPDATE OF q SKIP LOCKED
	) x
	LIMIT $4
) AND {{stale}}
RETURNING {{run_columns}}`

// stale is what makes a ready run r claimable by ClaimStaleRuns at $2: it
// is queued or running (not paused, nor ended: run_ready may hold a paused
// run that ClaimRun leased), its lease is free or expired, it is not
// backing off, and it does not wait on its queue (a waiting run enters
// run_ready when AdmitQueued admits it; the test keeps one that entered
// otherwise, e.g. by migration, from being claimed). The status test is
// written as exclusions on purpose: an inclusion would let the planner
// walk runs_status_idx, whose entries come and go with every status
// change, instead of run_ready.
const stale = `{{live}}
			AND (r.lease_expires_at IS NULL OR r.lease_expires_at <= $2)
			AND (r.drive_retry_at IS NULL OR r.drive_retry_at <= $2)
			AND (r.queue = '' OR r.admitted_at IS NOT NULL)`

// live is r.status IN ('queued', 'running'), written as exclusions so that
// no index of the runs table's status can serve it (see stale).
const live = `r.status <> 'paused' AND r.status NOT IN {{terminal}}`

// makeReady inserts into run_ready the runs of the CTE named upd (which
// returns id, status and created_at) that are now queued or running.
//
// run_ready holds every queued or running run, and also a paused run that
// ClaimRun leased (claimedPaused): its driver may commit it running (a
// yield), and a commit only ever takes a run out of run_ready, so that
// each statement writes the table once. ClaimStaleRuns passes over such a
// row (the run is paused), and the run's next commit, park or deletion
// removes it.
const makeReady = `INSERT INTO {{ready}} (run_id, created_at)
	SELECT id, created_at FROM upd WHERE status IN ('queued', 'running')
	ON CONFLICT (run_id) DO NOTHING`

// sqlEventsFrom returns one row with a NULL idx for a run with no events
// in range, and no row for a missing run.
const sqlEventsFrom = `
SELECT e.idx, e.data FROM {{runs}} r
LEFT JOIN LATERAL (
	SELECT idx, data FROM {{events}} WHERE run_id = r.id AND idx >= $2 ORDER BY idx LIMIT $3
) e ON true
WHERE r.id = $1
ORDER BY e.idx`

// sqlAppend reads the guards once (the lease holder, and whether the log
// ends at $3 - 1), inserts the events at $3, $3+1, … only when $2 holds
// the lease and the log is adjacent, and returns the holder, adjacency and
// how many it inserted; no row for a missing run. It inserts all of them
// or none: a taken index fails on the primary key.
const sqlAppend = `
WITH run AS MATERIALIZED (
	SELECT lease_owner, {{adjacent}} AS adjacent
	FROM {{runs}} WHERE id = $1
),
ins AS (
	INSERT INTO {{events}} (run_id, idx, data)
	SELECT $1, $3 + e.n - 1, e.data
	FROM json_array_elements($4::json) WITH ORDINALITY AS e(data, n)
	WHERE EXISTS (SELECT 1 FROM run WHERE lease_owner = $2 AND adjacent)
	RETURNING 1
)
SELECT lease_owner, adjacent, (SELECT count(*) FROM ins)::int FROM run`

// sqlCommit is a whole Commit without timers to set, in one statement. It
// locks the run's row, so that the lease cannot change hands while the
// statement runs and deliveries to the run wait for it; then, while $2
// holds the lease and the log ends at $3 - 1, it appends the events ($11),
// clears the run's timers and sets the run's state, releasing the lease;
// and it reports what the guard saw: the lease holder (no row: no such
// run) and whether the log ends at $3 - 1. A taken index fails on the
// primary key, so the statement writes all or nothing. A paused run whose
// delivery sequence moved since the drive loaded it is left running, for
// recovery to drive again. Each table is written once, as CockroachDB
// requires of one statement.
const sqlCommit = `
WITH run AS MATERIALIZED (
	SELECT lease_owner, {{adjacent}} AS adjacent, ` + committedStatus + ` AS status, created_at
	FROM {{runs}} WHERE id = $1
	FOR UPDATE
),
ok AS MATERIALIZED (SELECT 1 FROM run WHERE lease_owner = $2 AND adjacent),
rdy AS (
	DELETE FROM {{ready}} WHERE run_id = $1 AND ` + readyKey + ` AND EXISTS (SELECT 1 FROM ok)
		AND (SELECT status FROM run) NOT IN ('queued', 'running')
),
ev AS (
	INSERT INTO {{events}} (run_id, idx, data)
	SELECT $1, $3 + e.n - 1, e.data
	FROM json_array_elements($11::json) WITH ORDINALITY AS e(data, n)
	WHERE EXISTS (SELECT 1 FROM ok)
),
tm AS (DELETE FROM {{timers}} WHERE run_id = $1 AND EXISTS (SELECT 1 FROM ok)),
upd AS (
	UPDATE {{runs}} SET ` + commitSet + `
	WHERE id = $1 AND EXISTS (SELECT 1 FROM ok)
)
SELECT lease_owner, adjacent FROM run`

// readyKey is how a commit's DELETE from run_ready names the run's row
// beside run_id = $1: by its created_at too (a run_ready row carries its
// run's), read by the run CTE. Either index of run_ready then finds the
// row at once. With run_id alone, a plan made while the table's
// statistics show it nearly empty may walk run_ready_order_idx, whose
// leading column is created_at, from end to end, and keep doing so as a
// cached generic plan once the table holds every run in flight and the
// dead entries of those that left it.
const readyKey = `created_at = (SELECT created_at FROM run)`

// committedStatus is the status a commit leaves the run in: $4, except
// that a paused run whose delivery sequence moved past $5 stays running.
const committedStatus = `CASE WHEN $4::text = 'paused' AND delivery_seq <> $5 THEN 'running' ELSE $4::text END`

// commitSet is what a commit sets in the run's row; parameters as in
// sqlCommitRun. A commit that leaves the run paused or ended also takes it
// out of run_ready (the run is there while it is driven).
const commitSet = `
	status = ` + committedStatus + `,
	output = $6::json, error = $7::json, awaiting = $8::json, wake_at = $9,
	lease_owner = '', lease_expires_at = NULL, updated_at = COALESCE($10, now()),
	drive_failures = 0, drive_retry_at = NULL,
	park_reason = '', park_message = '', parked_at = NULL,
	buffered = CASE WHEN cardinality($12::text[]) = 0 THEN buffered ELSE (
		SELECT json_agg(b.id ORDER BY b.n) FROM json_array_elements_text(buffered) WITH ORDINALITY AS b(id, n)
		WHERE b.id <> ALL($12::text[])) END`

// sqlCommitFirst opens the batch of a Commit that sets timers. It locks
// the run's row, so that the lease cannot change hands until the batch's
// implicit transaction ends; then, while $2 holds the lease and the log ends at $3 - 1, it appends the
// events and clears the run's timers; and it reports what the guard saw:
// the lease holder (no row: no such run) and whether the log ends at
// $3 - 1. A taken index fails on the primary key. Each table is written
// once, as CockroachDB requires of one statement.
const sqlCommitFirst = `
WITH run AS MATERIALIZED (
	SELECT lease_owner, {{adjacent}} AS adjacent
	FROM {{runs}} WHERE id = $1
	FOR UPDATE
),
ok AS (SELECT 1 FROM run WHERE lease_owner = $2 AND adjacent),
ev AS (
	INSERT INTO {{events}} (run_id, idx, data)
	SELECT $1, $3 + e.n - 1, e.data
	FROM json_array_elements($4::json) WITH ORDINALITY AS e(data, n)
	WHERE EXISTS (SELECT 1 FROM ok)
),
tm AS (DELETE FROM {{timers}} WHERE run_id = $1 AND EXISTS (SELECT 1 FROM ok))
SELECT lease_owner, adjacent FROM run`

// sqlCommitRun ends the batch of a Commit that sets timers: it inserts
// the run's new timers, sets its state and releases the lease, guarded
// like sqlCommitFirst (whose row lock makes both statements see the same
// lease). A paused run whose
// delivery sequence moved since the drive loaded it is left running, for
// recovery to drive again.
//
// The guard is read once, in the run CTE, and each write tests that CTE:
// a guard repeated in every write costs the generic plan one subquery per
// copy, while a custom plan folds most of them away for known arguments
// (no events to check, a status that is not paused), so that PostgreSQL
// would plan the statement anew on every execution.
var sqlCommitRun = `
WITH run AS MATERIALIZED (
	SELECT ` + committedStatus + ` AS status, created_at
	FROM {{runs}} WHERE id = $1 AND lease_owner = $2 AND {{adjacent}}
),
tm AS (
	INSERT INTO {{timers}} (run_id, step_id, wake_at)
	SELECT $1, t.step_id, t.wake_at
	FROM unnest($11::text[], $12::timestamptz[]) AS t(step_id, wake_at)
	WHERE EXISTS (SELECT 1 FROM run)
),
rdy AS (
	DELETE FROM {{ready}} WHERE run_id = $1 AND ` + readyKey + `
		AND (SELECT status FROM run) NOT IN ('queued', 'running')
)
UPDATE {{runs}} SET ` + strings.ReplaceAll(commitSet, "$12", "$13") + `
WHERE id = $1 AND EXISTS (SELECT 1 FROM run)`

// sqlClaimTimers leases up to $4 timers due at $2 whose lease is free or
// expired to $1 until $3, earliest first. The candidates come from
// timers_wake_idx in wake_at order (timers due at the same instant in no
// particular order), so a batch reads its own timers, not every due one;
// the update then reaches them by primary key from an array of their run
// IDs, whatever the table's statistics say.
const sqlClaimTimers = `
WITH c AS MATERIALIZED (
	SELECT run_id, step_id FROM {{timers}}
	WHERE wake_at <= $2 AND (lease_owner = '' OR lease_expires_at <= $2)
	ORDER BY wake_at
	LIMIT $4
	FOR UPDATE SKIP LOCKED
)
UPDATE {{timers}} t SET lease_owner = $1, lease_expires_at = $3
FROM c
WHERE t.run_id = ANY(ARRAY(SELECT run_id FROM c)) AND t.run_id = c.run_id AND t.step_id = c.step_id
RETURNING t.run_id, t.step_id, t.wake_at`

const sqlUpsertSchedule = `
INSERT INTO {{schedules}} ({{schedule_columns}})
VALUES ($1, $2, $3, $4, $5::json, $6, $7)
ON CONFLICT (id) DO UPDATE SET
	workflow_id = excluded.workflow_id, spec = excluded.spec, overlap = excluded.overlap,
	input = excluded.input, updated_at = excluded.updated_at`

const sqlSetScheduleEnabled = `UPDATE {{schedules}} SET enabled = $2, updated_at = $3 WHERE id = $1`

const sqlEnsureBucket = `
INSERT INTO {{buckets}} (schedule_id, bucket_id, run_id, fire_at, status)
VALUES ($1, $2, $3, $4, 'pending')
ON CONFLICT (schedule_id, bucket_id) DO NOTHING`

const sqlClaimBuckets = `
UPDATE {{buckets}} SET lease_owner = $1, lease_expires_at = $3
WHERE (schedule_id, bucket_id) IN (
	SELECT schedule_id, bucket_id FROM {{buckets}}
	WHERE status = 'pending' AND fire_at <= $2
		AND (lease_owner = '' OR lease_expires_at <= $2)
	ORDER BY fire_at, schedule_id, bucket_id
	LIMIT $4
	FOR UPDATE SKIP LOCKED
)
RETURNING {{bucket_columns}}`

// sqlFinishBucket reports whether the bucket exists and whether owner's
// lease let it finish.
const sqlFinishBucket = `
WITH b AS (SELECT 1 FROM {{buckets}} WHERE schedule_id = $1 AND bucket_id = $2),
upd AS (
	UPDATE {{buckets}} SET status = $4, started_at = $5, lease_owner = '', lease_expires_at = NULL
	WHERE schedule_id = $1 AND bucket_id = $2 AND lease_owner = $3 AND status = 'pending'
	RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM b), EXISTS (SELECT 1 FROM upd)`

const sqlReleaseBucket = `
UPDATE {{buckets}} SET lease_owner = '', lease_expires_at = NULL
WHERE schedule_id = $1 AND bucket_id = $2 AND lease_owner = $3 AND status = 'pending'`
