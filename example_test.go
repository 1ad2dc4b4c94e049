package wf_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wfgo/wf"
)

type Order struct {
	OrderID string `json:"orderId"`
}

type Receipt struct {
	OrderID string `json:"orderId"`
	Shipped bool   `json:"shipped"`
}

// A workflow is a function over *wf.Context; durable work goes through the
// primitives. Execute is normally called by the runtime; here it is driven
// by hand over an in-memory log to show a pause and a resume.
func ExampleNew() {
	def := wf.New("fulfillment", func(ctx *wf.Context, in Order) (Receipt, error) {
		if err := wf.Do(ctx, "reserve-inventory", func(sc wf.StepContext) error {
			// Call the inventory service with sc.IdempotencyKey().
			return nil
		}); err != nil {
			return Receipt{}, err
		}
		wf.Sleep(ctx, time.Hour)
		return Receipt{OrderID: in.OrderID, Shipped: true}, nil
	})

	log := &memJournal{}
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	drive := func(deliveries ...wf.Delivery) wf.Outcome {
		out, err := def.Execute(context.Background(), wf.Invocation{
			RunID: "fulfillment:o-1", Input: []byte(`{"orderId":"o-1"}`),
			Log: append([]wf.Event(nil), log.events...), Deliveries: deliveries,
			Journal: log, Clock: func() time.Time { return clock },
		})
		if err != nil {
			panic(err)
		}
		log.events = append(log.events, out.Pending...)
		return out
	}

	out := drive()
	fmt.Println(out.Status, out.Awaiting[0].StepID, out.Awaiting[0].Deadline.Format(time.Kitchen))
	out = drive(wf.Delivery{StepID: "__sleep-0", SignalID: "__timer:__sleep-0", Name: wf.TimerSignal})
	fmt.Println(out.Status, string(out.Output))
	// Output:
	// paused __sleep-0 1:00AM
	// finished {"orderId":"o-1","shipped":true}
}

// A step whose result is too large for the store fails once, without
// retries; the workflow can tell why and keep a reference instead.
func ExamplePayloadTooLargeError() {
	def := wf.New("export", func(ctx *wf.Context, _ struct{}) (string, error) {
		_, err := wf.Step(ctx, "render", func(wf.StepContext) (string, error) {
			return strings.Repeat("row,", 1000), nil
		})
		var tooLarge *wf.PayloadTooLargeError
		if errors.As(err, &tooLarge) {
			return fmt.Sprintf("%s: %d bytes, over %d: kept in object storage instead", tooLarge.StepID, tooLarge.Size, tooLarge.Limit), nil
		}
		return "inline", err
	})
	out, err := def.Execute(context.Background(), wf.Invocation{
		RunID: "export-1", Journal: &memJournal{}, MaxEventSize: 1024,
		Clock: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
	})
	fmt.Println(out.Status, string(out.Output), err)
	// Output: finished "render: 4082 bytes, over 1024: kept in object storage instead" <nil>
}

// journalCounter counts the writes made in the middle of an invocation.
type journalCounter struct {
	memJournal
	writes int
}

func (j *journalCounter) Append(ctx context.Context, next int, evs []wf.Event) error {
	j.writes++
	return j.memJournal.Append(ctx, next, evs)
}

// Local steps skip their own writes: ten of them travel with the run's
// final commit, where ten durable steps write nine times before it.
func ExampleWithLocal() {
	tenSteps := func(opts ...wf.StepOption) *wf.Definition {
		return wf.New("prices", func(ctx *wf.Context, _ struct{}) (int, error) {
			sum := 0
			for i := range 10 {
				v, err := wf.Step(ctx, wf.StepID(fmt.Sprintf("price-%d", i)), func(wf.StepContext) (int, error) { return i, nil }, opts...)
				if err != nil {
					return 0, err
				}
				sum += v
			}
			return sum, nil
		})
	}
	for _, def := range []*wf.Definition{tenSteps(), tenSteps(wf.WithLocal())} {
		j := &journalCounter{}
		out, _ := def.Execute(context.Background(), wf.Invocation{RunID: "p-1", Journal: j})
		fmt.Println(out.Status, string(out.Output), "writes before the commit:", j.writes, "events in it:", len(out.Pending))
	}
	// Output:
	// finished 45 writes before the commit: 9 events in it: 2
	// finished 45 writes before the commit: 0 events in it: 11
}

// Three payment legs are charged at once; each result is recorded as it
// ends, and All returns the first failure in argument order.
func ExampleGo() {
	def := wf.New("checkout", func(ctx *wf.Context, amounts []int) (int, error) {
		g := wf.NewGroup(ctx, wf.GroupLimit(2), wf.CancelOnFailure())
		var legs []*wf.Future[int]
		for i, amount := range amounts {
			legs = append(legs, wf.Go(ctx, wf.StepID(fmt.Sprintf("charge-%d", i)), func(sc wf.StepContext) (int, error) {
				// Call the payment provider with sc.IdempotencyKey().
				return amount, nil
			}, wf.InGroup(g)))
		}
		if err := g.Wait(); err != nil {
			return 0, err
		}
		total := 0
		for _, leg := range legs {
			v, _ := leg.Get()
			total += v
		}
		return total, nil
	})
	log := &memJournal{}
	out, err := def.Execute(context.Background(), wf.Invocation{RunID: "checkout:1", Input: []byte(`[5,10,20]`), Journal: log})
	if err != nil {
		panic(err)
	}
	fmt.Println(out.Status, string(out.Output), len(log.events), "results appended as they ended")
	// Output:
	// finished 35 3 results appended as they ended
}
