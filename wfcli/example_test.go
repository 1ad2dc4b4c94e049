package wfcli_test

import (
	"context"
	"os"
	"path/filepath"

	"github.com/wfgo/wf/wfcli"
)

// Run is what Main does, with the streams and environment given: here it
// migrates a new SQLite store and lists its (no) runs.
func ExampleRun() {
	dir, err := os.MkdirTemp("", "wfcli-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "wf.db")
	cfg := wfcli.Config{Stdout: os.Stdout, Stderr: os.Stdout, Getenv: func(string) string { return "" }}
	wfcli.Run(context.Background(), []string{"migrate", "--sqlite", db}, cfg)
	wfcli.Run(context.Background(), []string{"runs", "list", "--sqlite", db, "-o", "json"}, cfg)
	wfcli.Run(context.Background(), []string{"runs", "show", "order-1", "--sqlite", db}, cfg)
	// Output:
	// {
	//   "runs": []
	// }
	// wf: runs show: no run "order-1"
}
