//go:build !(js && wasm)

package cloudflare

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

// TestAppConfig serves a host.App as the generated Worker does: the
// store is the D1 database bound as DB, and the app's workflows are built
// from the Worker's variables.
func TestAppConfig(t *testing.T) {
	t.Parallel()
	db := newFakeD1(t)
	if err := sqlitedialect.Migrate(t.Context(), db.executor(), sqlitedialect.DefaultTablePrefix); err != nil {
		t.Fatal(err)
	}
	env := fakeEnv{vars: map[string]string{DefaultIngressSecretVar: testSecret, "GREETING": "hello"}, dbs: map[string]*fakeD1{DefaultBinding: db}}
	app := host.App{Workflows: func(_ context.Context, getenv func(string) string) ([]runtime.Workflow, error) {
		greeting := getenv("GREETING")
		greet := wf.New("greet", func(ctx *wf.Context, _ struct{}) (string, error) { return greeting, nil })
		return []runtime.Workflow{{Definition: greet}}, nil
	}}
	w, err := newWorker(AppConfig(app, Options{Sweep: runtime.SweepOptions{MaxDuration: 5 * time.Second}}))
	if err != nil {
		t.Fatal(err)
	}
	b := &bundle{w: w, env: env}
	status, body := b.do(t, "POST", "/runs", "Bearer "+testSecret, `{"workflowId":"greet","runId":"r1","input":{}}`)
	if status != http.StatusCreated || body["result"].(map[string]any)["run"].(map[string]any)["output"] != "hello" {
		t.Fatalf("start = %d %v, want 201 with the greeting the Worker's variable set", status, body)
	}
}
