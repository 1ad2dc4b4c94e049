package host_test

import (
	"context"
	"testing"
	"time"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/host/internal/hosttest"
	"github.com/wfgo/wf/runtime"
)

func runtimeSweepDefaults() runtime.SweepOptions { return runtime.SweepOptions{} }

func TestSweepMaterializesFirstAndCapsDuration(t *testing.T) {
	t.Parallel()
	b := hosttest.New(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sum, err := host.Sweep(ctx, b.Runtime, runtime.SweepOptions{IncludeEvents: false}, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.OK || sum.Materialized != 1 || sum.Summary.Scheduled[runtime.KindPaused] != 1 || sum.Summary.ReturnedEventCount != 0 {
		t.Fatalf("summary %+v", sum)
	}
}
