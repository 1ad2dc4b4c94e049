// Package hostschedule has schedules that some hosts sweep too seldom
// for.
//
//wf:hosts railway vercel worker
package hostschedule

import (
	"context"

	"github.com/wfgo/wf"
)

// W is a workflow.
//
//wf:workflow w
//wf:schedule minutely every=1m
//wf:schedule two-seconds every=2s
//wf:schedule even-minutes cron="*/2 * * * *"
//wf:schedule twice-a-morning cron="0,3 9 * * *" tz=Europe/Paris
//wf:schedule quarter-hourly every=15m
//wf:schedule mornings cron="30 9 * * MON-FRI" tz=America/New_York
type W struct{}

// Run is the body.
func (W) Run(ctx *wf.Context, in string) (string, error) { return in, nil }

// HostWorkflows has no dependencies to make.
func HostWorkflows(ctx context.Context, getenv func(string) string) (Workflows, error) {
	return Workflows{}, nil
}
