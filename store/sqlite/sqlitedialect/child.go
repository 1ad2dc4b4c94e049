package sqlitedialect

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/wfgo/wf/store"
)

const (
	// childEndSQL stores the delivery that a commit ending an attached
	// child run (?1) owes its parent (see store.Parent), under the
	// commit's guard (appended: the lease, and the batch's events having
	// landed), before the commit releases the lease. ?4 is the delivery's
	// SignalID, ?5 its encoding after deliveryHead, behind which the
	// statement puts the parent's operation ID, and ?6 its time. A parent
	// that no longer exists gets nothing; a delivery the parent holds
	// already for the SignalID or the wait is left as it is (ON CONFLICT
	// DO NOTHING, on either key).
	childEndSQL = `INSERT INTO {deliveries} (run_id, signal_id, step_id, data, created_at)
	SELECT c.parent_run_id, ?4, c.parent_step_id, '{"stepId":' || json_quote(c.parent_step_id) || ',' || ?5, ?6
	FROM {runs} c JOIN {runs} p ON p.id = c.parent_run_id
	WHERE c.id = ?1 AND c.parent_run_id <> '' AND c.parent_detached = 0 AND ` + holdsLease + `%s
	ON CONFLICT DO NOTHING`

	// childBumpSQL runs right after childEndSQL and only when it stored
	// (changes()): as Deliver's bump, it bumps the parent's delivery
	// sequence and makes a paused, unparked parent ready.
	childBumpSQL = `UPDATE {runs} SET delivery_seq = delivery_seq + 1,
		status = CASE WHEN status = 'paused' AND park_reason = '' THEN 'running' ELSE status END
	WHERE id = (SELECT parent_run_id FROM {runs} WHERE id = ?1) AND changes() > 0`
)

// childEnd returns the statements of a commit that ends a run which store
// the delivery an attached child's end owes its parent, under guard (the
// commit's conditions after the lease, with their parameters args, ?1 the
// run, ?2 the owner and at most ?3). For a run without an attached parent
// they change nothing.
func (s *Store) childEnd(c store.Commit, guard string, args []any) ([]Statement, error) {
	d, err := store.ChildEnd(c, "")
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(d)
	if err != nil || !bytes.HasPrefix(b, []byte(deliveryHead)) {
		return nil, fmt.Errorf("sqlite: run %q: encode its delivery to the parent: unexpected encoding (%v)", c.RunID, err)
	}
	rest := string(b[len(deliveryHead):])
	insert := s.stmt(fmt.Sprintf(childEndSQL, guard), append(padArgs(args, 3), d.SignalID, rest, micros(c.Now))...)
	return []Statement{insert, s.stmt(childBumpSQL, c.RunID)}, nil
}
