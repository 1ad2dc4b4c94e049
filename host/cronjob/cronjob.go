// Package cronjob is the entry shape of hosts that run a command on a
// schedule and expect it to exit: Railway Cron and Kubernetes CronJobs. Run
// sweeps once, logs one JSON summary line and returns the exit code.
package cronjob

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/runtime"
)

// Run sweeps once with opts, writes the summary as one JSON line to out,
// and returns 0 on success or 1 when the sweep failed (the error is in the
// line). When the summary says RemainingMayExist and AgainWithin is set, it
// sweeps again until the work is done or AgainWithin is spent, so a host
// that runs the command only every few minutes still drains a backlog.
func Run(ctx context.Context, rt *runtime.Runtime, opts runtime.SweepOptions, againWithin time.Duration, out io.Writer) int {
	stop := time.Now().Add(againWithin)
	for {
		sum, err := host.Sweep(ctx, rt, opts, time.Second)
		line, _ := json.Marshal(sum)
		fmt.Fprintln(out, string(line))
		if err != nil {
			return 1
		}
		if !sum.RemainingMayExist || againWithin <= 0 || time.Now().After(stop) || ctx.Err() != nil {
			return 0
		}
	}
}
