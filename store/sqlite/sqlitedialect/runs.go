package sqlitedialect

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// runColumns are the columns decodeRun reads, in order.
const runColumns = `id, workflow_id, version, status, input, output, error, awaiting,
	wake_at, delivery_seq, schedule_id, lease_owner, lease_expires_at, created_at, updated_at,
	drive_failures, drive_retry_at, park_reason, park_message, parked_at, buffered, trace_parent,
	parent_run_id, parent_step_id, parent_detached,
	queue, partition_key, priority, admitted_at`

// runColumnCount is the number of runColumns.
const runColumnCount = 29

// Status lists as SQL literals; TestStatusLists keeps them in step with
// wf.RunStatus.Terminal.
const (
	// terminalStatuses are the statuses of runs that are over.
	terminalStatuses = `'finished', 'errored', 'aborted', 'canceled'`
	// staleStatuses are the statuses of runs that need a driver when
	// nobody holds their lease.
	staleStatuses = `'queued', 'running'`
)

const (
	insertRunSQL = `INSERT INTO {runs} (id, workflow_id, version, status, input, schedule_id,
		lease_owner, lease_expires_at, created_at, updated_at, trace_parent,
		parent_run_id, parent_step_id, parent_detached,
		queue, partition_key, priority)
	VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10,
		?11, ?12, ?13, ?14, ?15, ?16)
	ON CONFLICT (id) DO NOTHING`
	selectRunSQL = `SELECT ` + runColumns + ` FROM {runs} WHERE id = ?1`

	// claimRunSQL takes a live run's lease when it is free, expired or
	// already the claimant's.
	claimRunSQL = `UPDATE {runs} SET lease_owner = ?2, lease_expires_at = ?3
	WHERE id = ?1 AND status NOT IN (` + terminalStatuses + `)
		AND (lease_expires_at <= ?4 OR lease_owner = ?2)`
	// holdsClaim is true when the claim above took effect.
	holdsClaim           = `EXISTS (SELECT 1 FROM {runs} WHERE id = ?1 AND lease_owner = ?2 AND lease_expires_at = ?3)`
	claimedEventsSQL     = `SELECT idx, data FROM {events} WHERE run_id = ?1 AND ` + holdsClaim + ` ORDER BY idx`
	claimedDeliveriesSQL = `SELECT signal_id, data FROM {deliveries} WHERE run_id = ?1 AND ` + holdsClaim + ` ORDER BY created_at, signal_id`

	heartbeatSQL = `UPDATE {runs} SET lease_expires_at = ?3 WHERE id = ?1 AND lease_owner = ?2 AND ?2 <> ''`
	releaseSQL   = `UPDATE {runs} SET lease_owner = '', lease_expires_at = 0 WHERE id = ?1 AND lease_owner = ?2 AND ?2 <> ''`

	claimStaleSQL = `UPDATE {runs} SET lease_owner = ?1, lease_expires_at = ?2
	WHERE id IN (SELECT id FROM {runs}
		WHERE status IN (` + staleStatuses + `) AND lease_expires_at <= ?3 AND drive_retry_at <= ?3
			AND (queue = '' OR admitted_at > 0)
		ORDER BY drive_failures > 0, lease_expires_at, id LIMIT ?4)
	RETURNING ` + runColumns
)

// CreateRun inserts a run unless one with its ID exists and returns the
// stored run. CreatedAt and UpdatedAt are run.Lease.Now.
func (s *Store) CreateRun(ctx context.Context, run store.NewRun) (store.Run, bool, error) {
	if run.ID == "" {
		return store.Run{}, false, fmt.Errorf("sqlite: CreateRun: empty run ID")
	}
	status := run.Status
	if status == "" {
		status = wf.StatusQueued
	}
	if status != wf.StatusQueued && status != wf.StatusRunning {
		return store.Run{}, false, fmt.Errorf("sqlite: run %q: CreateRun with status %q, want queued or running", run.ID, status)
	}
	if err := store.CheckQueued(run); err != nil {
		return store.Run{}, false, fmt.Errorf("sqlite: %w", err)
	}
	if err := s.checkSize(run.ID, "input", len(run.Input)); err != nil {
		return store.Run{}, false, err
	}
	var until int64
	if run.Lease.Owner != "" {
		until = micros(run.Lease.Until)
	}
	var parent store.Parent
	if run.Parent != nil {
		parent = *run.Parent
	}
	args := []any{run.ID, run.WorkflowID, run.Version, string(status), jsonArg(run.Input),
		run.ScheduleID, run.Lease.Owner, until, micros(run.Lease.Now), run.TraceParent,
		parent.RunID, parent.StepID, boolArg(parent.Detached),
		run.Queue, run.PartitionKey, int64(run.Priority)}
	if len(run.Log) == 0 {
		return s.createRunAlone(ctx, run.ID, args)
	}
	log, err := s.initialLog(run)
	if err != nil {
		return store.Run{}, false, err
	}
	stmts := append([]Statement{s.stmt(insertRunSQL, args...)}, log...)
	res, err := s.write(ctx, "create run "+run.ID, append(stmts, s.query(selectRunSQL, run.ID)))
	if err != nil {
		return store.Run{}, false, err
	}
	last := res[len(res)-1]
	if len(last.Rows) == 0 {
		return store.Run{}, false, fmt.Errorf("sqlite: run %q: not readable after insert", run.ID)
	}
	stored, err := decodeRun(last.Rows[0])
	return stored, res[0].RowsAffected > 0, err
}

// createRunAlone creates a run without a log in one statement; the row it
// inserted is the one insertedRun makes of the statement's arguments. Only
// when the run exists already is it read, in a read of its own.
func (s *Store) createRunAlone(ctx context.Context, runID string, args []any) (store.Run, bool, error) {
	res, err := s.write(ctx, "create run "+runID, []Statement{s.stmt(insertRunSQL, args...)})
	if err != nil {
		return store.Run{}, false, err
	}
	if res[0].RowsAffected > 0 {
		stored, err := decodeRun(insertedRow(args))
		return stored, true, err
	}
	res, err = s.read(ctx, "create run "+runID, []Statement{s.query(selectRunSQL, runID)})
	if err != nil {
		return store.Run{}, false, err
	}
	if len(res[0].Rows) == 0 {
		return store.Run{}, false, fmt.Errorf("sqlite: run %q: neither inserted nor found: deleted meanwhile", runID)
	}
	stored, err := decodeRun(res[0].Rows[0])
	return stored, false, err
}

// insertedRow is the row of runColumns that insertRunSQL stores for args:
// the arguments where it sets a column, the schema's defaults elsewhere.
func insertedRow(args []any) []any {
	return []any{
		args[0], args[1], args[2], args[3], args[4], // id, workflow_id, version, status, input
		nil, nil, nil, nil, int64(0), // output, error, awaiting, wake_at, delivery_seq
		args[5], args[6], args[7], args[8], args[8], // schedule_id, lease_owner, lease_expires_at, created_at, updated_at
		int64(0), int64(0), "", "", int64(0), nil, // drive_failures, drive_retry_at, park_reason, park_message, parked_at, buffered
		args[9], args[10], args[11], args[12], // trace_parent, parent_run_id, parent_step_id, parent_detached
		args[13], args[14], args[15], int64(0), // queue, partition_key, priority, admitted_at
	}
}

// GetRun returns a run's state, or an error wrapping store.ErrNotFound.
func (s *Store) GetRun(ctx context.Context, runID string) (store.Run, error) {
	res, err := s.read(ctx, "get run "+runID, []Statement{s.query(selectRunSQL, runID)})
	if err != nil {
		return store.Run{}, err
	}
	return s.oneRun(runID, res[0])
}

// oneRun decodes the run a selectRunSQL statement returned.
func (s *Store) oneRun(runID string, r Result) (store.Run, error) {
	if len(r.Rows) == 0 {
		return store.Run{}, fmt.Errorf("sqlite: run %q: %w", runID, store.ErrNotFound)
	}
	return decodeRun(r.Rows[0])
}

// ClaimRun takes the run's lease and, when it did, returns its execution,
// read in the same batch.
func (s *Store) ClaimRun(ctx context.Context, runID string, lease store.Lease) (store.ClaimResult, error) {
	if lease.Owner == "" {
		return store.ClaimResult{}, fmt.Errorf("sqlite: run %q: ClaimRun with an empty owner", runID)
	}
	until := micros(lease.Until)
	res, err := s.write(ctx, "claim run "+runID, []Statement{
		s.stmt(claimRunSQL, runID, lease.Owner, until, micros(lease.Now)),
		s.query(selectRunSQL, runID),
		s.query(claimedEventsSQL, runID, lease.Owner, until),
		s.query(claimedDeliveriesSQL, runID, lease.Owner, until),
	})
	if err != nil {
		return store.ClaimResult{}, err
	}
	if len(res[1].Rows) == 0 {
		return store.ClaimResult{Status: store.NotFound}, nil
	}
	run, err := decodeRun(res[1].Rows[0])
	if err != nil {
		return store.ClaimResult{}, err
	}
	switch {
	case res[0].RowsAffected > 0:
	case run.Status.Terminal():
		return store.ClaimResult{Status: store.Terminal, Execution: store.Execution{Run: run}}, nil
	default:
		return store.ClaimResult{Status: store.NotClaimable, Execution: store.Execution{Run: run}}, nil
	}
	exec := store.Execution{Run: run}
	if exec.Events, err = decodeEvents(runID, 0, res[2].Rows); err != nil {
		return store.ClaimResult{}, err
	}
	if exec.Deliveries, err = decodeDeliveries(runID, res[3].Rows); err != nil {
		return store.ClaimResult{}, err
	}
	return store.ClaimResult{Status: store.Claimed, Execution: exec}, nil
}

// Heartbeat extends owner's lease; an error wrapping store.ErrLeaseLost when
// owner does not hold it.
func (s *Store) Heartbeat(ctx context.Context, runID string, lease store.Lease) error {
	st := s.stmt(heartbeatSQL, runID, lease.Owner, micros(lease.Until))
	st.Check = leaseHeld(runID, lease.Owner)
	_, err := s.write(ctx, "heartbeat run "+runID, []Statement{st})
	return err
}

// ReleaseRun gives up owner's lease, if owner holds it.
func (s *Store) ReleaseRun(ctx context.Context, runID, owner string) error {
	_, err := s.write(ctx, "release run "+runID, []Statement{s.stmt(releaseSQL, runID, owner)})
	return err
}

// ClaimStaleRuns leases up to limit queued or running runs whose lease is
// free or expired and that are not backing off, runs with no failed drive
// first. The runs come back in that order, then by (UpdatedAt, ID).
func (s *Store) ClaimStaleRuns(ctx context.Context, limit int, lease store.Lease) ([]store.Run, error) {
	if limit <= 0 {
		return nil, nil
	}
	if lease.Owner == "" {
		return nil, fmt.Errorf("sqlite: ClaimStaleRuns with an empty owner")
	}
	st := s.query(claimStaleSQL, lease.Owner, micros(lease.Until), micros(lease.Now), int64(limit))
	res, err := s.write(ctx, "claim stale runs", []Statement{st})
	if err != nil {
		return nil, err
	}
	runs, err := decodeClaimedRuns(res[0].Rows)
	slices.SortFunc(runs, func(a, b store.Run) int {
		return cmp.Or(compareFailed(a, b), a.UpdatedAt.Compare(b.UpdatedAt), cmp.Compare(a.ID, b.ID))
	})
	return runs, err
}

// leaseHeld is the Check of a guarded UPDATE: touching no row means owner
// does not hold the run's lease.
func leaseHeld(runID, owner string) func(Result) error {
	return func(r Result) error {
		if r.RowsAffected == 0 {
			return failed(fmt.Errorf("sqlite: run %q: owner %q: %w", runID, owner, store.ErrLeaseLost))
		}
		return nil
	}
}

// decodeRuns decodes rows of runColumns.
func decodeRuns(rows [][]any) ([]store.Run, error) {
	runs := make([]store.Run, 0, len(rows))
	for _, row := range rows {
		r, err := decodeRun(row)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// decodeClaimedRuns decodes the runs ClaimStaleRuns took. A run whose
// error or awaiting column does not decode comes back with those fields
// empty: failing the claim would keep every run claimed with it from
// recovery, and the claimant learns of the corruption from LoadExecution.
func decodeClaimedRuns(rows [][]any) ([]store.Run, error) {
	runs := make([]store.Run, 0, len(rows))
	for _, row := range rows {
		r, err := decodeRun(row)
		if err != nil && !errors.Is(err, store.ErrCorrupt) {
			return nil, err
		}
		if err != nil {
			r.Error, r.Awaiting = nil, nil
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// decodeRun decodes one row of runColumns. On a column that does not
// decode it returns what it decoded with an error wrapping
// store.ErrCorrupt.
func decodeRun(row []any) (store.Run, error) {
	if len(row) != runColumnCount {
		return store.Run{}, fmt.Errorf("sqlite: run row has %d columns, want %d", len(row), runColumnCount)
	}
	r := store.Run{
		ID:          text(row[0]),
		WorkflowID:  text(row[1]),
		Version:     text(row[2]),
		Status:      wf.RunStatus(text(row[3])),
		Input:       rawJSON(row[4]),
		Output:      rawJSON(row[5]),
		WakeAt:      optInstant(row[8]),
		DeliverySeq: integer(row[9]),
		ScheduleID:  text(row[10]),
		LeaseOwner:  text(row[11]),
		CreatedAt:   instant(row[13]),
		UpdatedAt:   instant(row[14]),

		DriveFailures: int(integer(row[15])),
		TraceParent:   text(row[21]),

		Queue:        text(row[25]),
		PartitionKey: text(row[26]),
		Priority:     int(integer(row[27])),
	}
	if at := integer(row[28]); at != 0 {
		t := instant(row[28])
		r.AdmittedAt = &t
	}
	if at := integer(row[16]); at != 0 {
		t := instant(row[16])
		r.DriveRetryAt = &t
	}
	if r.LeaseOwner != "" {
		t := instant(row[12])
		r.LeaseExpiresAt = &t
	}
	if parent := text(row[22]); parent != "" {
		r.Parent = &store.Parent{RunID: parent, StepID: text(row[23]), Detached: integer(row[24]) != 0}
	}
	if reason := text(row[17]); reason != "" {
		r.Parked = &store.Park{Reason: wf.ErrorCode(reason), Version: r.Version, Message: text(row[18]), At: instant(row[19])}
	}
	if row[6] != nil {
		r.Error = new(wf.ErrorInfo)
		if err := json.Unmarshal([]byte(text(row[6])), r.Error); err != nil {
			return r, corrupt(r.ID, "error column", err)
		}
	}
	if row[7] != nil {
		if err := json.Unmarshal([]byte(text(row[7])), &r.Awaiting); err != nil {
			return r, corrupt(r.ID, "awaiting column", err)
		}
	}
	if row[20] != nil {
		if err := json.Unmarshal([]byte(text(row[20])), &r.Buffered); err != nil {
			return r, corrupt(r.ID, "buffered column", err)
		}
	}
	return r, nil
}
