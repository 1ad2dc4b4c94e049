package sqlitedialect

import (
	"context"
	"fmt"
	"time"

	"github.com/wfgo/wf/store"
)

const (
	upsertScheduleSQL = `INSERT INTO {schedules} (id, workflow_id, spec, overlap, input, enabled, updated_at)
	VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
	ON CONFLICT (id) DO UPDATE SET workflow_id = excluded.workflow_id, spec = excluded.spec,
		overlap = excluded.overlap, input = excluded.input, updated_at = excluded.updated_at`
	setScheduleEnabledSQL = `UPDATE {schedules} SET enabled = ?2, updated_at = ?3 WHERE id = ?1`
	listSchedulesSQL      = `SELECT id, workflow_id, spec, overlap, input, enabled, updated_at
	FROM {schedules} ORDER BY id`
)

// UpsertSchedule creates or replaces a schedule's definition; an existing
// schedule keeps its enabled flag.
func (s *Store) UpsertSchedule(ctx context.Context, sc store.Schedule) error {
	if sc.ID == "" {
		return fmt.Errorf("sqlite: UpsertSchedule: empty schedule ID")
	}
	if len(sc.Input) > s.cfg.MaxPayloadSize {
		return fmt.Errorf("sqlite: schedule %q: input is %d bytes, over the %d-byte limit: %w",
			sc.ID, len(sc.Input), s.cfg.MaxPayloadSize, store.ErrTooLarge)
	}
	_, err := s.write(ctx, "upsert schedule "+sc.ID, []Statement{
		s.stmt(upsertScheduleSQL, sc.ID, sc.WorkflowID, sc.Spec, sc.Overlap, jsonArg(sc.Input),
			boolArg(sc.Enabled), micros(sc.UpdatedAt)),
	})
	return err
}

// SetScheduleEnabled pauses or resumes a schedule; store.ErrNotFound if
// there is no such schedule.
func (s *Store) SetScheduleEnabled(ctx context.Context, scheduleID string, enabled bool, at time.Time) error {
	res, err := s.write(ctx, "set schedule enabled "+scheduleID, []Statement{
		s.stmt(setScheduleEnabledSQL, scheduleID, boolArg(enabled), micros(at)),
	})
	if err != nil {
		return err
	}
	if res[0].RowsAffected == 0 {
		return fmt.Errorf("sqlite: schedule %q: %w", scheduleID, store.ErrNotFound)
	}
	return nil
}

// ListSchedules returns all schedules sorted by ID.
func (s *Store) ListSchedules(ctx context.Context) ([]store.Schedule, error) {
	res, err := s.read(ctx, "list schedules", []Statement{s.query(listSchedulesSQL)})
	if err != nil {
		return nil, err
	}
	out := make([]store.Schedule, len(res[0].Rows))
	for i, row := range res[0].Rows {
		out[i] = store.Schedule{
			ID:         text(row[0]),
			WorkflowID: text(row[1]),
			Spec:       text(row[2]),
			Overlap:    text(row[3]),
			Input:      rawJSON(row[4]),
			Enabled:    integer(row[5]) != 0,
			UpdatedAt:  instant(row[6]),
		}
	}
	return out, nil
}
