//go:build unix

// Package wranglertest runs Workers under workerd for end-to-end tests,
// through a local wrangler: `wrangler d1 migrations apply --local` and
// `wrangler dev --local --test-scheduled`, listening on 127.0.0.1 only.
// The tests that use it are opt-in (Require).
package wranglertest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wfgo/wf/host/cloudflare"
	"github.com/wfgo/wf/host/cloudflare/internal/cli"
)

// OptInVar opts in to the tests that run wrangler.
const OptInVar = "WF_CLOUDFLARE_E2E"

// Require returns the wrangler command, or skips t, loudly, unless the
// end-to-end tests are opted in: OptInVar set, and wrangler on PATH or
// its path in WRANGLER (npm install wrangler: its workerd binary comes in
// an npm package).
func Require(t *testing.T) string {
	t.Helper()
	if os.Getenv(OptInVar) == "" {
		t.Skipf("SKIPPED: the workerd end-to-end tests of the Cloudflare host are opt-in: set %s=1 (needs wrangler, from npm)", OptInVar)
	}
	if w := os.Getenv("WRANGLER"); w != "" {
		return w
	}
	w, err := exec.LookPath("wrangler")
	if err != nil {
		t.Fatalf("%s is set but wrangler is not on PATH (or set WRANGLER to its path): %v", OptInVar, err)
	}
	return w
}

// Worker is a Worker laid out in a directory as wrangler expects it.
type Worker struct {
	Dir string
	// Secret is the ingress secret, in Dir/.dev.vars.
	Secret string
}

// Build lays out the Worker of the Go package pkg (a directory) in a
// temporary directory: build/ from `wfcloudflare build`, the wf schema in
// migrations/, wranglerTOML as wrangler.toml (its main build/worker.mjs,
// its D1 migrations_dir "migrations", and no [build] step: done here),
// and a random ingress secret in .dev.vars.
func Build(t *testing.T, pkg, wranglerTOML string) Worker {
	t.Helper()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := cli.Main([]string{"build", "-o", filepath.Join(dir, "build"), pkg}, &stdout, &stderr); code != 0 {
		t.Fatalf("wfcloudflare build %s: %d\n%s%s", pkg, code, &stdout, &stderr)
	}
	if _, err := cloudflare.WriteMigrations(filepath.Join(dir, "migrations"), ""); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	w := Worker{Dir: dir, Secret: hex.EncodeToString(b)}
	files := map[string]string{
		"wrangler.toml": wranglerTOML,
		".dev.vars":     cloudflare.DefaultIngressSecretVar + "=" + w.Secret + "\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// Command returns a wrangler command run in the Worker's directory that
// reaches nothing but this machine: no telemetry, no Request.cf download,
// and an npm registry on a closed local port for its update check.
func (w Worker) Command(ctx context.Context, wrangler string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, wrangler, args...)
	cmd.Dir = w.Dir
	cmd.Env = append(os.Environ(),
		"CI=true",
		"WRANGLER_SEND_METRICS=false",
		"CLOUDFLARE_CF_FETCH_ENABLED=false",
		"npm_config_registry=http://127.0.0.1:9/",
		"NO_COLOR=1",
	)
	return cmd
}

// Migrate applies the migrations to the local D1 database bound as
// binding.
func (w Worker) Migrate(t *testing.T, ctx context.Context, wrangler, binding string) {
	t.Helper()
	if out, err := w.Command(ctx, wrangler, "d1", "migrations", "apply", binding, "--local").CombinedOutput(); err != nil {
		t.Fatalf("wrangler d1 migrations apply: %v\n%s", err, out)
	}
}

// Dev is a running `wrangler dev`.
type Dev struct {
	// URL is where it serves: http://127.0.0.1:<port>.
	URL string

	mu  sync.Mutex
	out bytes.Buffer
}

// Output returns what wrangler and the Worker printed so far.
func (d *Dev) Output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.String()
}

func (d *Dev) add(line string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.out.WriteString(line + "\n")
}

// Start runs `wrangler dev --local --test-scheduled` on free local ports
// until the test ends and returns once it serves.
func (w Worker) Start(t *testing.T, ctx context.Context, wrangler string) *Dev {
	t.Helper()
	port, inspector := freePort(t), freePort(t)
	cmd := w.Command(ctx, wrangler, "dev", "--local", "--test-scheduled", "--ip", "127.0.0.1",
		"--port", port, "--inspector-port", inspector, "--show-interactive-dev-session=false")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // wrangler starts workerd: stop both
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	d := &Dev{URL: "http://127.0.0.1:" + port}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(nil, 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			d.add(sc.Text())
			if strings.Contains(sc.Text(), "Ready on") {
				once.Do(func() { close(ready) })
			}
		}
	}()
	if err := cmd.Start(); err != nil {
		t.Fatalf("wrangler dev: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); pw.Close() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	select {
	case <-ready:
	case err := <-exited:
		t.Fatalf("wrangler dev exited: %v\n%s", err, d.Output())
	case <-time.After(3 * time.Minute):
		t.Fatalf("wrangler dev not ready after 3 minutes:\n%s", d.Output())
	}
	return d
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}
