//go:build js && wasm

// Command example is a Cloudflare Worker that runs one workflow, greet,
// on a D1 database: fetch serves the ingress API, each Cron Trigger
// sweeps. See ../README.md for building and deploying it.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/wfgo/wf/host/cloudflare"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

func main() {
	err := cloudflare.Serve(cloudflare.Config{
		Runtime: func(ctx context.Context, env cloudflare.Env) (runtime.Config, error) {
			st, err := cloudflare.OpenStore(ctx, env, cloudflare.DefaultBinding, sqlitedialect.Config{})
			if err != nil {
				return runtime.Config{}, err
			}
			return runtime.Config{Store: st, Workflows: workflows()}, nil
		},
	})
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
