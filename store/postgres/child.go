package postgres

import (
	"fmt"

	"github.com/wfgo/wf/store"
)

// sqlChildEnd stores the delivery that a commit ending an attached child
// run owes its parent (see store.Parent). It opens the batch of a Commit
// that ends a run, before the commit's own statements, with the same
// parameters $1 run ID, $2 owner and $3 next log index, and the same
// guard: it locks the child's row, so that the lease cannot change hands
// until the batch's implicit transaction ends, and writes only while $2
// holds the lease and the log ends at $3 - 1, which the commit's
// statements then find unchanged. So the delivery is stored exactly when
// the commit is. $4 is the delivery's SignalID and $5 its encoding after
// deliveryHead, behind which the statement puts the parent's operation
// ID. A parent that no longer exists gets nothing; a delivery the parent
// holds already for the SignalID or the wait is left as it is (ON
// CONFLICT DO NOTHING, on either key). A stored delivery bumps the
// parent's delivery sequence and makes a paused, unparked parent ready,
// as sqlDeliver does. Each table is written once, as CockroachDB requires
// of one statement.
const sqlChildEnd = childEnd + `SELECT id FROM upd`

// sqlChildEndNotify is sqlChildEnd that also wakes LISTENers (WithNotify,
// channel $6) for the parent it made ready, when the transaction commits.
const sqlChildEndNotify = childEnd + `SELECT pg_notify($6, id) FROM upd`

// childEnd is sqlChildEnd without its final SELECT.
const childEnd = `
WITH child AS MATERIALIZED (
	SELECT parent_run_id, parent_step_id FROM {{runs}}
	WHERE id = $1 AND lease_owner = $2 AND {{adjacent}}
		AND parent_run_id <> '' AND NOT parent_detached
	FOR UPDATE
),
parent AS MATERIALIZED (
	SELECT p.id, c.parent_step_id FROM {{runs}} p JOIN child c ON p.id = c.parent_run_id
	FOR UPDATE OF p
),
ins AS (
	INSERT INTO {{deliveries}} (run_id, signal_id, step_id, data)
	SELECT id, $4::text, parent_step_id, ('{"stepId":' || to_json(parent_step_id)::text || ',' || $5::text)::json
	FROM parent
	ON CONFLICT DO NOTHING
	RETURNING run_id
),
upd AS (
	UPDATE {{runs}} SET delivery_seq = delivery_seq + 1,
		status = CASE WHEN status = 'paused' AND park_reason = '' THEN 'running' ELSE status END
	WHERE id IN (SELECT run_id FROM ins)
	RETURNING id, status, created_at
),
rdy AS ({{make_ready}})
`

// childEndArgs returns the arguments of sqlChildEnd after $3 for c, a
// commit that ends a run: the SignalID and the encoded delivery after its
// operation ID, which the statement fills in from the child's row.
func childEndArgs(c store.Commit) (string, string, error) {
	d, err := store.ChildEnd(c, "")
	if err != nil {
		return "", "", err
	}
	_, rest, err := deliveryTail(d)
	if err != nil {
		return "", "", fmt.Errorf("postgres: commit run %q: encode its delivery to the parent: %w", c.RunID, err)
	}
	return d.SignalID, rest, nil
}
