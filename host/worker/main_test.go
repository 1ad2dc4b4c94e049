package worker_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf/host/internal/hosttest"
	"github.com/wfgo/wf/host/worker"
)

// freePort returns a port nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// TestServeIngressAndShutdown runs the worker entry as its main does: it
// serves the ingress API on $PORT with the secret, and when its context
// ends (SIGTERM in Main) it stops serving, closes the store and returns 0.
func TestServeIngressAndShutdown(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	var log lockedBuffer
	app := hosttest.NewApp(map[string]string{"WF_INGRESS_SECRET": "s3cret", "PORT": port}, &log, nil)
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() { code <- worker.Serve(ctx, app.App, worker.Options{Interval: time.Hour}) }()
	status := func(auth string) int {
		req, _ := http.NewRequest("GET", "http://127.0.0.1:"+port+"/runs/nope", nil)
		req.Header.Set("Authorization", auth)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}
	for status("Bearer s3cret") == 0 { // until it listens
		time.Sleep(10 * time.Millisecond)
	}
	if got := status("Bearer s3cret"); got != http.StatusNotFound {
		t.Errorf("an unknown run with the secret: %d, want 404", got)
	}
	if got := status("Bearer wrong"); got != http.StatusUnauthorized {
		t.Errorf("the wrong secret: %d, want 401", got)
	}
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("exit code %d after shutdown, want 0; log:\n%s", c, log.String())
	}
	if status("Bearer s3cret") != 0 {
		t.Error("still serving after shutdown")
	}
	if app.Closes.Load() != 1 || !strings.Contains(log.String(), "wf worker: stopped") {
		t.Errorf("store closed %d times, log:\n%s", app.Closes.Load(), log.String())
	}
}

// TestServeWithoutSecretServesNothing: no WF_INGRESS_SECRET, no port.
func TestServeWithoutSecretServesNothing(t *testing.T) {
	t.Parallel()
	var log lockedBuffer
	app := hosttest.NewApp(map[string]string{"PORT": freePort(t)}, &log, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if c := worker.Serve(ctx, app.App, worker.Options{}); c != 0 {
		t.Fatalf("exit code %d, want 0", c)
	}
	if strings.Contains(log.String(), "serving the ingress API") {
		t.Fatalf("served the ingress API without a secret:\n%s", log.String())
	}
}

// TestServeStoreFails: a store that cannot be opened is exit code 1.
func TestServeStoreFails(t *testing.T) {
	t.Parallel()
	var log lockedBuffer
	app := hosttest.NewApp(nil, &log, errors.New("not migrated: run wf migrate"))
	if c := worker.Serve(context.Background(), app.App, worker.Options{}); c != 1 {
		t.Fatalf("exit code %d, want 1", c)
	}
	if !strings.Contains(log.String(), "wf migrate") {
		t.Fatalf("log lacks the reason:\n%s", log.String())
	}
}

// TestServePortTaken: a port that cannot be served is exit code 1.
func TestServePortTaken(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	app := hosttest.NewApp(map[string]string{"WF_INGRESS_SECRET": "s", "PORT": port}, nil, nil)
	if c := worker.Serve(context.Background(), app.App, worker.Options{}); c != 1 {
		t.Fatalf("exit code %d, want 1", c)
	}
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.String()
}
