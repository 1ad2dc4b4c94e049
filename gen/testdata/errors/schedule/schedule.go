// Package schedule has bad schedules.
package schedule

import "github.com/wfgo/wf"

// In is the input.
type In struct{ N int }

var (
	goodInput = In{N: 1}
	wrongType = "text"
)

func notAValue() {}

// S has bad schedules.
//
//wf:schedule both every=1h cron="@daily"
//wf:schedule neither overlap=skip
//wf:schedule zone every=1h tz=Europe/Paris
//wf:schedule bad-cron cron="61 * * * *"
//wf:schedule bad-zone cron="0 9 * * MON-FRI" tz=Mars/Olympus
//wf:schedule prefixed cron="CRON_TZ=UTC 0 9 * * *"
//wf:schedule fast every=500ms
//wf:schedule overlap every=1h overlap=cancel
//wf:schedule missing every=1h input=goodInptu
//wf:schedule wrong every=1h input=wrongType
//wf:schedule func every=1h input=notAValue
//wf:schedule twice every=1h
//wf:schedule twice every=2h
//wf:schedule interval cron="@every 1h"
//wf:workflow s
type S struct{}

// Run is the body.
func (S) Run(ctx *wf.Context, in In) (string, error) { return "", nil }
