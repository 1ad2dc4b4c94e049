//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wfgo/wf/host/cloudflare"
	"github.com/wfgo/wf/host/cloudflare/internal/cli"
)

// e2eVar opts in to TestWorkerd.
const e2eVar = "WF_CLOUDFLARE_E2E"

// TestWorkerd runs the example Worker for real under workerd, with a
// local D1 database, through wrangler: it builds the Worker with
// `wfcloudflare build`, applies the migrations with `wrangler d1
// migrations apply --local`, starts a run through the fetch ingress,
// fires the Cron Trigger with `wrangler dev --test-scheduled`, and checks
// that the sweep finished the run.
//
// It is opt-in: set WF_CLOUDFLARE_E2E=1, with wrangler on PATH or its
// path in WRANGLER (npm install wrangler; its workerd binary comes in an
// npm package). Wrangler and workerd listen on 127.0.0.1 only.
func TestWorkerd(t *testing.T) {
	if os.Getenv(e2eVar) == "" {
		t.Skipf("SKIPPED: the workerd end-to-end test of the Cloudflare host is opt-in: set %s=1 (needs wrangler, from npm)", e2eVar)
	}
	wrangler := os.Getenv("WRANGLER")
	if wrangler == "" {
		var err error
		if wrangler, err = exec.LookPath("wrangler"); err != nil {
			t.Fatalf("%s is set but wrangler is not on PATH (or set WRANGLER to its path): %v", e2eVar, err)
		}
	}
	dir, secret := prepareWorker(t)
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()

	apply := wranglerCmd(ctx, wrangler, dir, "d1", "migrations", "apply", cloudflare.DefaultBinding, "--local")
	if out, err := apply.CombinedOutput(); err != nil {
		t.Fatalf("wrangler d1 migrations apply: %v\n%s", err, out)
	}
	base, logs := startDev(t, ctx, wrangler, dir)

	call := func(method, path, auth, body string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v\nwrangler output:\n%s", method, path, err, logs())
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		if out == nil {
			out = map[string]any{"text": string(raw)}
		}
		return res.StatusCode, out
	}

	if status, body := call("GET", "/runs/e2e-1", "wrong", ""); status != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d %v, want 401", status, body)
	}
	status, body := call("POST", "/runs", secret, `{"workflowId":"greet","runId":"e2e-1","input":{"name":"Ada","delaySeconds":1}}`)
	if status != http.StatusCreated || body["result"].(map[string]any)["kind"] != "paused" {
		t.Fatalf("start: %d %v, want 201 paused\nwrangler output:\n%s", status, body, logs())
	}
	time.Sleep(1500 * time.Millisecond) // the run's timer falls due

	if status, body := call("GET", "/__scheduled?cron="+strings.ReplaceAll("*/5 * * * *", " ", "+"), "", ""); status != http.StatusOK {
		t.Fatalf("scheduled: %d %v\nwrangler output:\n%s", status, body, logs())
	}
	status, body = call("GET", "/runs/e2e-1", secret, "")
	run, _ := body["run"].(map[string]any)
	if status != http.StatusOK || run["status"] != "finished" {
		t.Fatalf("run after the sweep: %d %v, want finished\nwrangler output:\n%s", status, body, logs())
	}
	if out, _ := json.Marshal(run["output"]); string(out) != `{"followUp":"Still there, Ada?","greeting":"Hello, Ada"}` {
		t.Errorf("output = %s", out)
	}
	sweep := regexp.MustCompile(`"msg":"wf sweep".*"timers":\{"completed":1\}`)
	if !waitFor(5*time.Second, func() bool { return sweep.MatchString(logs()) }) {
		t.Errorf("no sweep summary with one timer completed in the Worker's log:\n%s", logs())
	}
}

// prepareWorker lays out the Worker in a temporary directory as wrangler
// expects it: build/ from `wfcloudflare build`, the migrations, the
// example's wrangler.toml without its [build] step (done here), and the
// ingress secret in .dev.vars. It returns the directory and the secret.
func prepareWorker(t *testing.T) (dir, secret string) {
	t.Helper()
	dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := cli.Main([]string{"build", "-o", filepath.Join(dir, "build"), "."}, &stdout, &stderr); code != 0 {
		t.Fatalf("wfcloudflare build: %d\n%s%s", code, &stdout, &stderr)
	}
	if _, err := cloudflare.WriteMigrations(filepath.Join(dir, "migrations"), ""); err != nil {
		t.Fatal(err)
	}
	toml, err := os.ReadFile("wrangler.toml")
	if err != nil {
		t.Fatal(err)
	}
	build := regexp.MustCompile(`(?m)^\[build\]\n(?:[a-z_]+ = .*\n)+`)
	if !build.Match(toml) {
		t.Fatal("wrangler.toml has no [build] section to replace")
	}
	toml = build.ReplaceAll(toml, nil)
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	secret = hex.EncodeToString(b)
	files := map[string]string{
		"wrangler.toml": string(toml),
		".dev.vars":     cloudflare.DefaultIngressSecretVar + "=" + secret + "\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir, secret
}

// wranglerCmd returns a wrangler command run in dir that reaches nothing
// but this machine: no telemetry, no Request.cf download, and an npm
// registry on a closed local port for its update check.
func wranglerCmd(ctx context.Context, wrangler, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, wrangler, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"CI=true",
		"WRANGLER_SEND_METRICS=false",
		"CLOUDFLARE_CF_FETCH_ENABLED=false",
		"npm_config_registry=http://127.0.0.1:9/",
		"NO_COLOR=1",
	)
	return cmd
}

// startDev runs `wrangler dev --local --test-scheduled` on a free local
// port until the test ends, waits until it serves, and returns its URL
// and a function reading its output so far.
func startDev(t *testing.T, ctx context.Context, wrangler, dir string) (string, func() string) {
	t.Helper()
	port, inspector := freePort(t), freePort(t)
	cmd := wranglerCmd(ctx, wrangler, dir, "dev", "--local", "--test-scheduled",
		"--ip", "127.0.0.1", "--port", port, "--inspector-port", inspector, "--show-interactive-dev-session=false")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // wrangler starts workerd: stop both
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	var mu sync.Mutex
	var out bytes.Buffer
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			mu.Lock()
			out.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if strings.Contains(sc.Text(), "Ready on") {
				select {
				case <-ready:
				default:
					close(ready)
				}
			}
		}
	}()
	logs := func() string {
		mu.Lock()
		defer mu.Unlock()
		return out.String()
	}
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
		t.Fatalf("wrangler dev exited: %v\n%s", err, logs())
	case <-time.After(3 * time.Minute):
		t.Fatalf("wrangler dev not ready after 3 minutes:\n%s", logs())
	}
	return "http://127.0.0.1:" + port, logs
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

// waitFor polls cond until it holds or d has passed.
func waitFor(d time.Duration, cond func() bool) bool {
	for stop := time.Now().Add(d); ; time.Sleep(100 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(stop) {
			return false
		}
	}
}
