package cloudflare

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/runtime"
)

// Defaults of Config.
const (
	// DefaultIngressSecretVar names the secret the ingress API requires.
	DefaultIngressSecretVar = "WF_INGRESS_SECRET"
	// DefaultSweepDuration bounds a scheduled sweep: Cron Triggers allow
	// 30s of CPU time on the standard plan.
	DefaultSweepDuration = 25 * time.Second
	// DefaultOwner starts the lease owner of each invocation.
	DefaultOwner = "cloudflare"
)

// sweepMargin is the time left after a sweep's MaxDuration, before the
// invocation's own deadline, for its last commit.
const sweepMargin = 2 * time.Second

// Config configures the Worker that Serve runs.
type Config struct {
	// Runtime returns the runtime configuration of one invocation, built
	// from its environment: typically a store from OpenStore and the app's
	// workflows. The host builds a new Runtime from it for every fetch and
	// scheduled event, as D1 bindings belong to the invocation. Required.
	//
	// The host sets Owner to "<Owner>-<random>" (Owner defaulting to
	// DefaultOwner), so that concurrent invocations never share a lease
	// token, and Logger to Config.Logger when it is nil.
	Runtime func(ctx context.Context, env Env) (runtime.Config, error)
	// Sweep bounds the sweep that each scheduled event runs after
	// materialising schedules. MaxDuration defaults to 25s
	// (DefaultSweepDuration); keep it below the Worker's CPU limit.
	Sweep runtime.SweepOptions
	// IngressSecretVar names the secret (`wrangler secret put NAME`) that
	// every fetch must carry as "Authorization: Bearer <secret>". While it
	// is unset, fetch answers 500 and starts nothing. Defaults to
	// "WF_INGRESS_SECRET".
	IngressSecretVar string
	// Ingress configures the ingress API that fetch serves. The host sets
	// its Runtime and Secret for each request; the other fields apply as
	// documented in host.IngressConfig, and Logger defaults to
	// Config.Logger.
	Ingress host.IngressConfig
	// Logger receives each sweep's summary and the host's errors. Defaults
	// to JSON lines on standard output, which the Workers runtime records
	// as console.log lines (`wrangler tail`, Workers Logs).
	Logger *slog.Logger
}

// worker is a Config with its defaults filled in: what the JavaScript
// handlers call.
type worker struct {
	cfg Config
	// newToken makes the random part of each invocation's lease owner.
	newToken func() string
}

// newWorker checks cfg and fills in its defaults.
func newWorker(cfg Config) (*worker, error) {
	if cfg.Runtime == nil {
		return nil, errors.New("cloudflare: Config.Runtime is nil")
	}
	if cfg.Sweep.MaxDuration <= 0 {
		cfg.Sweep.MaxDuration = DefaultSweepDuration
	}
	if cfg.IngressSecretVar == "" {
		cfg.IngressSecretVar = DefaultIngressSecretVar
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(os.Stdout, nil))
	}
	if cfg.Ingress.Logger == nil {
		cfg.Ingress.Logger = cfg.Logger
	}
	if cfg.Ingress.MaxBodyBytes <= 0 {
		cfg.Ingress.MaxBodyBytes = 1 << 20 // host.NewIngress's default, needed here too
	}
	return &worker{cfg: cfg, newToken: randomToken}, nil
}

// newRuntime builds the runtime of one invocation.
func (w *worker) newRuntime(ctx context.Context, env Env) (*runtime.Runtime, error) {
	rc, err := w.cfg.Runtime(ctx, env)
	if err != nil {
		return nil, err
	}
	if rc.Owner == "" {
		rc.Owner = DefaultOwner
	}
	rc.Owner += "-" + w.newToken()
	if rc.Logger == nil {
		rc.Logger = w.cfg.Logger
	}
	return runtime.New(rc)
}

// randomToken returns 16 random hex digits.
func randomToken() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}
