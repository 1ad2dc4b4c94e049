package runtime

import (
	"context"
	"fmt"
	"time"

	"github.com/wfgo/wf/store"
)

// ScheduleInfo is a stored schedule as an operator sees it.
type ScheduleInfo struct {
	store.Schedule
	// Paused is set while an operator has paused the schedule.
	Paused bool `json:"paused"`
	// Registered says whether this runtime registers the schedule;
	// Disabled, whether it registers it Disabled.
	Registered bool `json:"registered"`
	Disabled   bool `json:"disabled"`
	// Zone is the time zone the spec is evaluated in.
	Zone *time.Location `json:"-"`
	// NextFireAt is the first fire time after now, in Zone; zero when the
	// spec has none or cannot be read (SpecError says why).
	NextFireAt time.Time `json:"nextFireAt"`
	SpecError  string    `json:"specError,omitempty"`
	// LastBucket is the bucket with the latest fire time, if any.
	LastBucket *store.Bucket `json:"lastBucket,omitempty"`
}

// Schedules lists the stored schedules, sorted by ID, with their next fire
// time and latest bucket. It needs no registrations: the spec is read
// from the store.
func (rt *Runtime) Schedules(ctx context.Context) ([]ScheduleInfo, error) {
	list, err := rt.store.ListSchedules(ctx)
	if err != nil {
		return nil, fmt.Errorf("runtime: list schedules: %w", err)
	}
	now := rt.clock()
	out := make([]ScheduleInfo, 0, len(list))
	for _, s := range list {
		info := ScheduleInfo{Schedule: s, Paused: !s.Enabled, Zone: time.UTC}
		if reg, ok := rt.schedule(s.ID); ok {
			info.Registered, info.Disabled = true, reg.Disabled
		}
		if spec, err := ParseSpec(s.Spec); err != nil {
			info.SpecError = err.Error()
		} else {
			info.Zone = SpecZone(spec)
			if next := NextFire(spec, now); !next.IsZero() {
				info.NextFireAt = next.In(info.Zone)
			}
		}
		last, err := rt.store.ListBuckets(ctx, s.ID, 1)
		if err != nil {
			return nil, fmt.Errorf("runtime: list buckets of %s: %w", s.ID, err)
		}
		if len(last) > 0 {
			info.LastBucket = &last[0]
		}
		out = append(out, info)
	}
	return out, nil
}
