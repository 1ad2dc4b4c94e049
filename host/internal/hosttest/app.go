package hosttest

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/host/envstore"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// AppOf is a host.App over a store, as the host entries' tests run it.
type AppOf struct {
	host.App
	// Store is the store Open hands out.
	Store store.Store
	// Opens counts the calls of Open; Closes the stores closed.
	Opens, Closes atomic.Int32
}

// NewApp returns an App of the greet and review workflows over a fresh
// memstore, reading env as its environment and logging to log (discarded
// when nil). When openErr is set, Open fails with it.
func NewApp(env map[string]string, log io.Writer, openErr error) *AppOf {
	if log == nil {
		log = io.Discard
	}
	a := &AppOf{Store: memstore.New()}
	a.App = host.App{
		Workflows: func(context.Context, func(string) string) ([]runtime.Workflow, error) { return Workflows(), nil },
		Open: func(context.Context, func(string) string, bool) (*envstore.Opened, error) {
			a.Opens.Add(1)
			if openErr != nil {
				return nil, openErr
			}
			return &envstore.Opened{Store: a.Store, Kind: "memstore", Release: func() { a.Closes.Add(1) }}, nil
		},
		Getenv: func(k string) string { return env[k] },
		Logger: slog.New(slog.NewJSONHandler(log, nil)),
	}
	return a
}
