// Package hosts is deployed on every host.
//
//wf:hosts vercel netlify railway cloudflare lambda worker cron
package hosts

import (
	"context"
	"errors"

	"github.com/wfgo/wf"
)

// Mailer sends a reminder.
type Mailer interface {
	Send(ctx context.Context, to string) error
}

// Reminder reminds someone every quarter of an hour.
//
//wf:workflow reminder
//wf:step send
//wf:schedule quarter-hourly every=15m input=everyone
type Reminder struct{ Mailer Mailer }

var everyone = Target{To: "everyone"}

// Target is who is reminded.
type Target struct {
	To string `json:"to" jsonschema:"minLength=1"`
}

// Run sends the reminder.
func (r *Reminder) Run(ctx *wf.Context, in Target) (bool, error) {
	err := wf.Do(ctx, ReminderStepSend, func(sc wf.StepContext) error { return r.Mailer.Send(sc, in.To) })
	return err == nil, err
}

// HostWorkflows makes the mailer from the environment.
func HostWorkflows(ctx context.Context, getenv func(string) string) (Workflows, error) {
	if getenv("MAILER_URL") == "" {
		return Workflows{}, errors.New("MAILER_URL is not set")
	}
	return Workflows{Reminder: &Reminder{Mailer: nopMailer{}}}, nil
}

type nopMailer struct{}

func (nopMailer) Send(context.Context, string) error { return nil }
