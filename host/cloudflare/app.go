package cloudflare

import (
	"context"
	"fmt"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

// Options configure Main.
type Options struct {
	// Sweep bounds the sweep of each scheduled event (see Config.Sweep).
	Sweep runtime.SweepOptions
}

// AppConfig returns the Config that Main serves app with: each
// invocation's store is the D1 database bound as DefaultBinding, and its
// workflows are app.Workflows with the Worker's variables and secrets as
// the environment (app.Open is not used: a Worker has no other store).
func AppConfig(app host.App, opts Options) Config {
	return Config{
		Runtime: func(ctx context.Context, env Env) (runtime.Config, error) {
			st, err := OpenStore(ctx, env, DefaultBinding, sqlitedialect.Config{})
			if err != nil {
				return runtime.Config{}, err
			}
			ws, err := app.Workflows(ctx, env.Var)
			if err != nil {
				return runtime.Config{}, fmt.Errorf("cloudflare: the app's workflows: %w", err)
			}
			return runtime.Config{Store: st, Workflows: ws}, nil
		},
		Sweep:  opts.Sweep,
		Logger: app.Logger,
	}
}
