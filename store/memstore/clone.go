package memstore

import (
	"maps"
	"slices"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// The clone functions make deep copies, so that stored state shares no
// memory with callers.

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

func timePtr(t time.Time) *time.Time { return &t }

func cloneErrorInfo(info *wf.ErrorInfo) *wf.ErrorInfo {
	if info == nil {
		return nil
	}
	c := *info
	c.Cause = cloneErrorInfo(info.Cause)
	return &c
}

func cloneAwaiting(as []wf.Await) []wf.Await {
	if as == nil {
		return nil
	}
	c := make([]wf.Await, len(as))
	for i, a := range as {
		a.Deadline = cloneTime(a.Deadline)
		c[i] = a
	}
	return c
}

func cloneRun(r store.Run) store.Run {
	r.Input = slices.Clone(r.Input)
	r.Output = slices.Clone(r.Output)
	r.Error = cloneErrorInfo(r.Error)
	r.Awaiting = cloneAwaiting(r.Awaiting)
	r.Buffered = slices.Clone(r.Buffered)
	r.WakeAt = cloneTime(r.WakeAt)
	r.LeaseExpiresAt = cloneTime(r.LeaseExpiresAt)
	r.DriveRetryAt = cloneTime(r.DriveRetryAt)
	r.AdmittedAt = cloneTime(r.AdmittedAt)
	if r.Parked != nil {
		p := *r.Parked
		r.Parked = &p
	}
	if r.Parent != nil {
		p := *r.Parent
		r.Parent = &p
	}
	return r
}

func cloneEvent(e wf.Event) wf.Event {
	e.Result = slices.Clone(e.Result)
	e.Error = cloneErrorInfo(e.Error)
	e.Meta = maps.Clone(e.Meta)
	e.Deadline = cloneTime(e.Deadline)
	e.Payload = slices.Clone(e.Payload)
	if e.Approved != nil {
		approved := *e.Approved
		e.Approved = &approved
	}
	e.Value = slices.Clone(e.Value)
	e.Output = slices.Clone(e.Output)
	return e
}

func cloneEvents(evs []wf.Event) []wf.Event {
	if evs == nil {
		return nil
	}
	c := make([]wf.Event, len(evs))
	for i, e := range evs {
		c[i] = cloneEvent(e)
	}
	return c
}

func cloneDelivery(d wf.Delivery) wf.Delivery {
	d.Payload = slices.Clone(d.Payload)
	d.Meta = maps.Clone(d.Meta)
	return d
}

func cloneDeliveries(ds []wf.Delivery) []wf.Delivery {
	if ds == nil {
		return nil
	}
	c := make([]wf.Delivery, len(ds))
	for i, d := range ds {
		c[i] = cloneDelivery(d)
	}
	return c
}

func cloneSchedule(s store.Schedule) store.Schedule {
	s.Input = slices.Clone(s.Input)
	return s
}

func cloneBucket(b store.Bucket) store.Bucket {
	b.LeaseExpiresAt = cloneTime(b.LeaseExpiresAt)
	b.StartedAt = cloneTime(b.StartedAt)
	return b
}
