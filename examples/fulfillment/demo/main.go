// Command demo runs the fulfillment workflow end to end on the embedded
// SQLite store (or on PostgreSQL when DATABASE_URL is set): it starts a run,
// shows it paused on its timer, delivers the payment signal while the run
// still sleeps (the run keeps it), sweeps, and prints the run, finished as
// soon as the timer fired, with its timeline.
//
//	make demo
//	DATABASE_URL=postgres://postgres@127.0.0.1:5432/test make demo
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/examples/fulfillment"
	"github.com/wfgo/wf/host/envstore"
	pgenv "github.com/wfgo/wf/host/envstore/postgres"
	liteenv "github.com/wfgo/wf/host/envstore/sqlite"
	"github.com/wfgo/wf/runtime"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv, 2*time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// warehouse stands in for the inventory and shipping services; it prints
// each call with the idempotency key a real service would dedupe on.
type warehouse struct{ out io.Writer }

func (w warehouse) Reserve(_ context.Context, orderID string, quantity int, key string) error {
	fmt.Fprintf(w.out, "    inventory: reserved %d × %s (idempotency key %s)\n", quantity, orderID, key)
	return nil
}

func (w warehouse) Ship(_ context.Context, orderID, paymentID, key string) error {
	fmt.Fprintf(w.out, "    shipping:  shipped %s, paid by %s (idempotency key %s)\n", orderID, paymentID, key)
	return nil
}

func run(ctx context.Context, out io.Writer, getenv func(string) string, delay time.Duration) error {
	opened, err := envstore.Either(pgenv.Open, liteenv.Open)(ctx, getenv, true)
	if err != nil {
		return err
	}
	defer opened.Close()
	where := "SQLite file " + orDefault(getenv("WF_SQLITE_PATH"), envstore.DefaultSQLitePath)
	if opened.Kind == "postgres" {
		where = "PostgreSQL at DATABASE_URL"
	}
	step(out, "Store: %s (migrated)", where)

	w := warehouse{out: out}
	rt, err := runtime.New(runtime.Config{
		Store:     opened.Store,
		Workflows: fulfillment.Registrations(fulfillment.Workflows{Fulfillment: &fulfillment.Fulfillment{Inventory: w, Shipping: w}, FulfillmentV1: &fulfillment.FulfillmentV1{Inventory: w, Shipping: w}}),
	})
	if err != nil {
		return err
	}

	runID := fmt.Sprintf("fulfillment:demo-%d", time.Now().UnixNano())
	step(out, "Start run %s (reserve inventory, then wait %s before waiting for payment)", runID, delay)
	res, err := fulfillment.StartFulfillment(ctx, rt, runID, fulfillment.Input{OrderID: "order-42", DelayMs: delay.Milliseconds(), Quantity: 2})
	if err != nil {
		return err
	}
	showState(out, res.Run.Status, res.Run.Awaiting)

	step(out, "Deliver payment-received during the sleep (signal ID evt_1, as a payment webhook would)")
	res, err = fulfillment.DeliverPaymentReceived(ctx, rt, runID, "evt_1", fulfillment.PaymentReceived{PaymentID: "pay_7"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "    result: %s — the run keeps it for its wait (kept: %v)\n", res.Kind, res.Run.Buffered)
	step(out, "Deliver it again (the webhook retried)")
	res, err = fulfillment.DeliverPaymentReceived(ctx, rt, runID, "evt_1", fulfillment.PaymentReceived{PaymentID: "pay_7"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "    result: %s — nothing changed\n", res.Kind)

	step(out, "Sweep now: the timer is not due yet")
	sw, err := rt.Sweep(ctx, runtime.SweepOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "    sweep: %d timers delivered, %d events\n", sw.Summary.Timers.Total(), sw.Summary.EventCount)

	step(out, "No process waits for the run: sleeping %s here stands in for the host's next cron tick", delay)
	time.Sleep(delay + 100*time.Millisecond)
	sw, err = rt.Sweep(ctx, runtime.SweepOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "    sweep: %d timers delivered, %d events, remaining may exist: %v\n", sw.Summary.Timers.Total(), sw.Summary.EventCount, sw.RemainingMayExist)
	cur, err := rt.GetRun(ctx, runID)
	if err != nil {
		return err
	}
	showState(out, cur.Status, cur.Awaiting)

	tl, err := rt.Timeline(ctx, runID)
	if err != nil {
		return err
	}
	step(out, "Timeline of %s", runID)
	printTimeline(out, tl)
	step(out, "Run %s: %s, output %s", runID, tl.Run.Status, tl.Run.Output)
	if opened.Kind != "postgres" {
		fmt.Fprintln(out, "\nThe same on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable make demo")
	}
	if tl.Run.Status != wf.StatusFinished {
		return fmt.Errorf("run ended %s", tl.Run.Status)
	}
	return nil
}

func step(out io.Writer, format string, args ...any) {
	fmt.Fprintf(out, "==> "+format+"\n", args...)
}

func showState(out io.Writer, status wf.RunStatus, awaiting []wf.Await) {
	fmt.Fprintf(out, "    status: %s", status)
	for _, a := range awaiting {
		switch {
		case a.Kind == wf.AwaitTimer:
			fmt.Fprintf(out, ", sleeping until %s", a.Deadline.Format(time.TimeOnly))
		default:
			fmt.Fprintf(out, ", waiting for %s %q", a.Kind, a.Name)
		}
	}
	fmt.Fprintln(out)
}

func printTimeline(out io.Writer, tl runtime.Timeline) {
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "    #\t+ms\tevent\top\tdetail")
	var start time.Time
	for i, ev := range tl.Events {
		if i == 0 {
			start = ev.Time
		}
		fmt.Fprintf(tw, "    %d\t%d\t%s\t%s\t%s\n", i, ev.Time.Sub(start).Milliseconds(), ev.Type, ev.StepID, detail(ev))
	}
	tw.Flush()
}

func detail(ev wf.Event) string {
	switch ev.Type {
	case wf.SignalAwaited:
		if ev.Deadline != nil {
			return ev.Name + " until " + ev.Deadline.Format(time.TimeOnly)
		}
		return ev.Name
	case wf.SignalResolved:
		return strings.TrimSpace(ev.Name + " " + ev.SignalID + " " + string(ev.Payload))
	case wf.NowRecorded, wf.UUIDRecorded:
		return string(ev.Value)
	case wf.StepFinished:
		return compact(ev.Result)
	case wf.RunFinished:
		return compact(ev.Output)
	case wf.RunErrored, wf.StepFailed:
		return ev.Error.Message
	}
	return ""
}

func compact(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	return string(raw)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
