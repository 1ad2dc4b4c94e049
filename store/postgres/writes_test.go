package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/runtime"
)

// roundTrips counts what a pool sends to the server: one per query or
// exec outside a batch, one per batch, with the statements of each.
type roundTrips struct {
	mu    sync.Mutex
	trips []string
	batch map[*pgx.Conn][]string
}

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.trips = append(r.trips, firstWords(d.SQL))
	return ctx
}

func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *roundTrips) TraceBatchStart(ctx context.Context, conn *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.batch == nil {
		r.batch = map[*pgx.Conn][]string{}
	}
	r.batch[conn] = []string{}
	return ctx
}

func (r *roundTrips) TraceBatchQuery(_ context.Context, conn *pgx.Conn, d pgx.TraceBatchQueryData) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batch[conn] = append(r.batch[conn], firstWords(d.SQL))
}

func (r *roundTrips) TraceBatchEnd(_ context.Context, conn *pgx.Conn, _ pgx.TraceBatchEndData) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.trips = append(r.trips, "batch["+strings.Join(r.batch[conn], "; ")+"]")
	delete(r.batch, conn)
}

func (r *roundTrips) reset() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.trips
	r.trips = nil
	return t
}

func firstWords(sql string) string {
	f := strings.Fields(sql)
	return strings.Join(f[:min(len(f), 6)], " ")
}

// TestSerialW10Writes pins what a serial ten-step workflow costs on
// PostgreSQL: eleven round trips, each in one implicit transaction
// (create with the lease, nine appends each carrying the previous step's
// checkpoint, and the finishing commit carrying the last), each one
// statement but the finishing commit, which opens with the child-end
// statement (see sqlChildEnd), and no read.
func TestSerialW10Writes(t *testing.T) {
	tr := &roundTrips{}
	pool := pgtest.NewPool(t, func(c *pgxpool.Config) { c.ConnConfig.Tracer = tr })
	s := setupOn(t, pool, pgtest.NewSchema(t, pool))
	ids := make([]wf.StepID, 10)
	for i := range ids {
		ids[i] = wf.StepID(fmt.Sprint("step-", i))
	}
	def := wf.New("ten", func(ctx *wf.Context, _ struct{}) (int, error) {
		sum := 0
		for _, id := range ids {
			v, err := wf.Step(ctx, id, func(wf.StepContext) (int, error) { return 1, nil })
			if err != nil {
				return 0, err
			}
			sum += v
		}
		return sum, nil
	})
	rt, err := runtime.New(runtime.Config{Store: s.Store, Workflows: []runtime.Workflow{{Definition: def}}})
	if err != nil {
		t.Fatal(err)
	}
	// The first run also prepares the statements; count the second.
	for i := range 2 {
		tr.reset()
		res, err := rt.StartRun(t.Context(), runtime.StartRequest{WorkflowID: "ten", RunID: fmt.Sprint("run-", i)})
		if err != nil || res.Kind != runtime.KindCompleted {
			t.Fatalf("StartRun: %v, %v", res.Kind, err)
		}
	}
	trips := tr.reset()
	singles := 0
	for i, trip := range trips {
		// The finishing commit opens with the statement that stores a
		// child's end for its parent (a no-op for a run with none): one
		// round trip, one implicit transaction.
		if i == len(trips)-1 {
			trip = strings.Replace(trip, "WITH child AS MATERIALIZED ( SELECT; ", "", 1)
		}
		if strings.HasPrefix(trip, "batch[") && !strings.Contains(trip, ";") {
			singles++
		}
	}
	if len(trips) != 11 || singles != 11 {
		t.Errorf("a serial W10 run took %d round trips (%d of them one-statement batches), want 11, each one statement (the last may open with the child-end statement):\n%s",
			len(trips), singles, strings.Join(trips, "\n"))
	}
}
