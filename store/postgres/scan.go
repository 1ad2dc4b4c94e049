package postgres

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// scanRun scans one row of runColumns, after the extra leading columns
// given in lead. On a column that does not decode it returns what it
// decoded with an error wrapping store.ErrCorrupt.
func scanRun(row pgx.Row, lead ...any) (store.Run, error) {
	var (
		r                             store.Run
		status                        string
		input, output, errJSON, await []byte
		parkReason, parkMessage       string
		parkedAt                      *time.Time
		buffered                      []byte
		parentRun, parentStep         string
		parentDetached                bool
	)
	dest := append(lead,
		&r.ID, &r.WorkflowID, &r.Version, &status, &input, &output, &errJSON, &await, &r.WakeAt,
		&r.DeliverySeq, &r.ScheduleID, &r.LeaseOwner, &r.LeaseExpiresAt, &r.CreatedAt, &r.UpdatedAt,
		&r.DriveFailures, &r.DriveRetryAt, &parkReason, &parkMessage, &parkedAt, &buffered, &r.TraceParent,
		&parentRun, &parentStep, &parentDetached,
		&r.Queue, &r.PartitionKey, &r.Priority, &r.AdmittedAt)
	if err := row.Scan(dest...); err != nil {
		return store.Run{}, err
	}
	r.Status = wf.RunStatus(status)
	r.Input, r.Output = rawJSON(input), rawJSON(output)
	r.WakeAt, r.LeaseExpiresAt, r.DriveRetryAt = utcPtr(r.WakeAt), utcPtr(r.LeaseExpiresAt), utcPtr(r.DriveRetryAt)
	r.AdmittedAt = utcPtr(r.AdmittedAt)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	if parentRun != "" {
		r.Parent = &store.Parent{RunID: parentRun, StepID: parentStep, Detached: parentDetached}
	}
	if parkReason != "" {
		r.Parked = &store.Park{Reason: wf.ErrorCode(parkReason), Version: r.Version, Message: parkMessage}
		if parkedAt != nil {
			r.Parked.At = parkedAt.UTC()
		}
	}
	if errJSON != nil {
		r.Error = new(wf.ErrorInfo)
		if err := json.Unmarshal(errJSON, r.Error); err != nil {
			return r, fmt.Errorf("postgres: run %q: error column: %v: %w", r.ID, err, store.ErrCorrupt)
		}
	}
	if await != nil {
		if err := json.Unmarshal(await, &r.Awaiting); err != nil {
			return r, fmt.Errorf("postgres: run %q: awaiting column: %v: %w", r.ID, err, store.ErrCorrupt)
		}
	}
	if buffered != nil {
		if err := json.Unmarshal(buffered, &r.Buffered); err != nil {
			return r, fmt.Errorf("postgres: run %q: buffered column: %v: %w", r.ID, err, store.ErrCorrupt)
		}
	}
	return r, nil
}

// scanEvents reads (idx, data) rows into a log, checking that each row
// decodes and that indexes are consecutive from first.
func scanEvents(rows pgx.Rows, runID string, first int) ([]wf.Event, error) {
	defer rows.Close()
	var evs []wf.Event
	for rows.Next() {
		var (
			idx  *int
			data []byte
		)
		if err := rows.Scan(&idx, &data); err != nil {
			return nil, err
		}
		if idx == nil { // the run exists, no events in range
			continue
		}
		ev, err := decodeEvent(runID, *idx, data)
		if err != nil {
			return nil, err
		}
		if want := first + len(evs); *idx != want {
			return nil, fmt.Errorf("postgres: run %q: log has index %d where %d belongs: %w", runID, *idx, want, store.ErrCorrupt)
		}
		evs = append(evs, ev)
	}
	return evs, rows.Err()
}

func decodeEvent(runID string, idx int, data []byte) (wf.Event, error) {
	ev, err := wf.DecodeEvent(data)
	if err != nil {
		return wf.Event{}, fmt.Errorf("postgres: run %q: event %d: %v: %w", runID, idx, err, store.ErrCorrupt)
	}
	return ev, nil
}

// scanDeliveries reads rows of one data column.
func scanDeliveries(rows pgx.Rows, runID string) ([]wf.Delivery, error) {
	defer rows.Close()
	var ds []wf.Delivery
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		d, err := decodeDelivery(runID, data)
		if err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	return ds, rows.Err()
}

func decodeDelivery(runID string, data []byte) (wf.Delivery, error) {
	var d wf.Delivery
	if err := json.Unmarshal(data, &d); err != nil {
		return wf.Delivery{}, fmt.Errorf("postgres: run %q: delivery: %v: %w", runID, err, store.ErrCorrupt)
	}
	return d, nil
}

func scanBucket(row pgx.Row) (store.Bucket, error) {
	var (
		b      store.Bucket
		status string
	)
	if err := row.Scan(&b.ScheduleID, &b.BucketID, &b.RunID, &b.FireAt, &status,
		&b.LeaseOwner, &b.LeaseExpiresAt, &b.StartedAt); err != nil {
		return store.Bucket{}, err
	}
	b.Status = store.BucketStatus(status)
	b.FireAt = b.FireAt.UTC()
	b.LeaseExpiresAt, b.StartedAt = utcPtr(b.LeaseExpiresAt), utcPtr(b.StartedAt)
	return b, nil
}

func scanSchedule(row pgx.Row) (store.Schedule, error) {
	var (
		s     store.Schedule
		input []byte
	)
	if err := row.Scan(&s.ID, &s.WorkflowID, &s.Spec, &s.Overlap, &input, &s.Enabled, &s.UpdatedAt); err != nil {
		return store.Schedule{}, err
	}
	s.Input = rawJSON(input)
	s.UpdatedAt = s.UpdatedAt.UTC()
	return s, nil
}

// jsonArg passes raw JSON as a text parameter (cast to json in SQL, which
// works in every pgx exec mode); empty is NULL.
func jsonArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// marshalArg encodes v for a json column; nil and empty slices are NULL.
func marshalArg[T any](v *T) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func rawJSON(b []byte) json.RawMessage {
	if b == nil {
		return nil
	}
	return json.RawMessage(b)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// timeArg is a nullable timestamptz parameter: the zero time is NULL.
func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
