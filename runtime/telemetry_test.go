package runtime_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/memstore"
)

// startCounter is a tracer provider whose spans never record; it lists the
// names of the spans started.
type startCounter struct {
	noop.TracerProvider
	mu    sync.Mutex
	names []string
}

func (p *startCounter) Tracer(string, ...trace.TracerOption) trace.Tracer {
	return countingTracer{p: p}
}

type countingTracer struct {
	noop.Tracer
	p *startCounter
}

func (t countingTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	t.p.mu.Lock()
	t.p.names = append(t.p.names, name)
	t.p.mu.Unlock()
	return t.Tracer.Start(ctx, name, opts...)
}

// A drive whose span does not record starts no span for its steps nor for
// the store operations within it; the step metrics are still counted.
func TestUnrecordedDriveStartsNoStepSpans(t *testing.T) {
	t.Parallel()
	tp := &startCounter{}
	def := wf.New("two", func(ctx *wf.Context, _ struct{}) (int, error) {
		a, err := wf.Step(ctx, "a", func(wf.StepContext) (int, error) { return 1, nil })
		if err != nil {
			return 0, err
		}
		b, err := wf.Step(ctx, "b", func(wf.StepContext) (int, error) { return 2, nil })
		return a + b, err
	})
	rt, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: def}}, TracerProvider: tp})
	if err != nil {
		t.Fatal(err)
	}
	res, err := rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "two", RunID: "r"})
	if err != nil || res.Kind != runtime.KindCompleted {
		t.Fatalf("StartRun: %v %v", res.Kind, err)
	}
	tp.mu.Lock()
	names := slices.Clone(tp.names)
	tp.mu.Unlock()
	if !slices.Contains(names, "wf.run two") || !slices.Contains(names, "wf.store.CreateRun") {
		t.Fatalf("spans started %v, want the run's and its creation's", names)
	}
	for _, n := range names {
		if strings.HasPrefix(n, "wf.step ") || n == "wf.store.Append" || n == "wf.store.Commit" {
			t.Fatalf("span %q started within an unrecorded drive (all: %v)", n, names)
		}
	}
}
