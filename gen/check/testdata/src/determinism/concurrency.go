package determinism

import (
	"time"

	"github.com/wfgo/wf"
)

func Concurrency(ctx *wf.Context, ch chan int, done chan struct{}) {
	go func() {}() // want `go statement in a workflow body: goroutines are not replayed`

	select { // want `select in a workflow body waits on real channels`
	case v := <-ch:
		_ = v
	case ch <- 1:
	case <-done:
	}

	ch <- 1   // want `channel send in a workflow body is not recorded or replayed`
	v := <-ch // want `channel receive in a workflow body is not recorded or replayed`
	_ = v

	for range ch { // want `range over a channel in a workflow body`
	}

	// A step may use goroutines and channels freely.
	_ = wf.Do(ctx, StepQuote, func(sc wf.StepContext) error {
		res := make(chan int, 1)
		go func() { res <- 1 }()
		select {
		case <-res:
		case <-time.After(time.Second):
		}
		return nil
	})
}

// Making a channel is not itself an operation on it.
func MakeChan(ctx *wf.Context) {
	ch := make(chan int)
	close(ch)
}
