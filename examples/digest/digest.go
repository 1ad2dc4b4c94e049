package digest

import (
	"context"

	"github.com/wfgo/wf"
)

// Input bounds one digest.
type Input struct {
	BatchSize int `json:"batchSize" jsonschema:"minimum=1,maximum=1000"`
}

// Output reports what one digest sent.
type Output struct {
	Updates int  `json:"updates"`
	Sent    bool `json:"sent"`
}

// Update is one change worth telling about.
type Update struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
}

// Source lists the updates since the previous digest.
type Source interface {
	Since(ctx context.Context, cursor string, limit int) (updates []Update, next string, err error)
}

// Mailer sends a digest; key makes a retried send a no-op.
type Mailer interface {
	Send(ctx context.Context, updates []Update, key string) error
}

// EveryQuarterHour is the input of every scheduled run.
var EveryQuarterHour = Input{BatchSize: 100}

// Digest collects updates and mails them, every 15 minutes.
//
//wf:workflow digest
//wf:step collect-updates retry=3 backoff=exponential base=500ms timeout=20s
//wf:step send-digest retry=3 backoff=exponential base=1s timeout=20s
//wf:schedule digest-every-15m every=15m overlap=skip input=EveryQuarterHour
type Digest struct {
	Source Source
	Mailer Mailer
	// Cursor is where the previous digest stopped; the app persists it.
	Cursor func(ctx context.Context) (string, error)
}

// Run collects up to BatchSize updates and, when there are any, sends them.
func (d *Digest) Run(ctx *wf.Context, in Input) (Output, error) {
	updates, err := wf.Step(ctx, DigestStepCollectUpdates, func(sc wf.StepContext) ([]Update, error) {
		cursor := ""
		if d.Cursor != nil {
			c, err := d.Cursor(sc)
			if err != nil {
				return nil, err
			}
			cursor = c
		}
		ups, _, err := d.Source.Since(sc, cursor, in.BatchSize)
		return ups, err
	})
	if err != nil {
		return Output{}, err
	}
	if len(updates) == 0 {
		return Output{}, nil
	}
	err = wf.Do(ctx, DigestStepSendDigest, func(sc wf.StepContext) error {
		return d.Mailer.Send(sc, updates, sc.IdempotencyKey())
	})
	if err != nil {
		return Output{}, err
	}
	return Output{Updates: len(updates), Sent: true}, nil
}
