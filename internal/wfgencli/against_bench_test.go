package wfgencli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/postgres"
)

// BenchmarkCheckAgainstPostgres times `wfgen check --against` over 10,000
// paused runs on PostgreSQL, as a deploy pipeline runs it: static checks,
// the replay program's build (cached after the first), and the replay of
// every run. The build has v1, so every run resumes and the status is 0.
func BenchmarkCheckAgainstPostgres(b *testing.B) {
	const runs = 10_000
	db := pgtest.New(b)
	ctx := context.Background()
	if err := postgres.Migrate(ctx, db.Pool, postgres.WithSchema(db.Schema)); err != nil {
		b.Fatal(err)
	}
	st, err := postgres.New(ctx, db.Pool, postgres.WithSchema(db.Schema))
	if err != nil {
		b.Fatal(err)
	}
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: ordersV1()}}})
	if err != nil {
		b.Fatal(err)
	}
	var g errgroup.Group
	g.SetLimit(8)
	for i := range runs {
		g.Go(func() error {
			id := fmt.Sprintf("order-%05d", i)
			_, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "orders", RunID: id, Input: json.RawMessage(`{"order":"` + id + `"}`)})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	dir := ordersModule(b, ordersV1Source)
	// static is the check without the store, for the replay's share.
	b.Run("static", func(b *testing.B) {
		for b.Loop() {
			if code, _, stderr := run("-C", dir, "check", "./..."); code != 0 {
				b.Fatalf("status %d, stderr %s", code, stderr)
			}
		}
	})
	b.Run("against", func(b *testing.B) {
		args := []string{"-C", dir, "check", "--against", pgtest.URL(), "--schema", db.Schema, "./..."}
		want := fmt.Sprintf("%d runs in flight checked: the code resumes all of them\n", runs)
		for b.Loop() {
			if code, stdout, stderr := run(args...); code != 0 || stdout != want {
				b.Fatalf("status %d, stdout %q, stderr %s", code, stdout, stderr)
			}
		}
	})
}
