package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/wfgo/wf/host/envstore"
	"github.com/wfgo/wf/runtime"
)

// App is an app as its hosts run it: how to build its workflows and how to
// open its store, both from the environment. wfgen writes a package's App
// (HostApp, beside Registrations) with Workflows from the package's
// HostWorkflows; each generated main adds Open, the store driver of
// //wf:hosts store=, and hands the App to its host's entry (worker.Main,
// cronjob.Main, lambda.Start, vercel.Sweep and vercel.Ingress).
type App struct {
	// Workflows returns the registrations to run, their dependencies made
	// from the environment. Required.
	Workflows func(ctx context.Context, getenv func(string) string) ([]runtime.Workflow, error)
	// Open opens the store the environment names (a subpackage of
	// envstore). Hosts never migrate: an unmigrated database is an error
	// naming `wf migrate`. Required.
	Open envstore.Opener
	// Getenv reads the environment. Defaults to os.Getenv.
	Getenv func(string) string
	// Logger receives the host's lines. Defaults to JSON lines on
	// standard error.
	Logger *slog.Logger
}

// WithStore returns a copy of a with Open set to open.
func (a App) WithStore(open envstore.Opener) App {
	a.Open = open
	return a
}

// Env returns the value of the environment variable key, read through
// Getenv.
func (a App) Env(key string) string {
	if a.Getenv == nil {
		return os.Getenv(key)
	}
	return a.Getenv(key)
}

// Log returns the App's logger.
func (a App) Log() *slog.Logger {
	if a.Logger == nil {
		return slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return a.Logger
}

// Start opens the store and builds the runtime of the App's workflows.
// Close the returned store when done with the runtime.
func (a App) Start(ctx context.Context) (*runtime.Runtime, *envstore.Opened, error) {
	if a.Open == nil || a.Workflows == nil {
		return nil, nil, errors.New("host: App needs Open and Workflows")
	}
	opened, err := a.Open(ctx, a.Env, false)
	if err != nil {
		return nil, nil, err
	}
	ws, err := a.Workflows(ctx, a.Env)
	if err != nil {
		opened.Close()
		return nil, nil, fmt.Errorf("host: the app's workflows: %w", err)
	}
	rt, err := runtime.New(runtime.Config{Store: opened.Store, Workflows: ws, Logger: a.Log()})
	if err != nil {
		opened.Close()
		return nil, nil, err
	}
	return rt, opened, nil
}
