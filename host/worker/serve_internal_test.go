package worker

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"
)

// A server that dies while the worker runs stops the worker with the
// server's error, so the process exits 1 instead of sweeping on without
// its ingress.
func TestServeWhileServerDies(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: time.Second}
	running := make(chan struct{})
	run := func(ctx context.Context) error {
		close(running)
		<-ctx.Done()
		return nil // Run returns nil when its context ends
	}
	done := make(chan error, 1)
	go func() { done <- serveWhile(context.Background(), srv, ln, run) }()
	<-running
	ln.Close() // the listener fails under the server
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("serveWhile returned nil after the server died; want its error")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the worker kept running after its HTTP server died")
	}
}

// Canceling the context ends both, with no error.
func TestServeWhileGracefulStop(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	run := func(ctx context.Context) error { <-ctx.Done(); return nil }
	done := make(chan error, 1)
	go func() { done <- serveWhile(ctx, srv, ln, run) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatalf("server not serving: %v", err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
}

// A Run that fails on its own closes the server and returns Run's error.
func TestServeWhileRunFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: time.Second}
	boom := errors.New("bad sweep options")
	err = serveWhile(context.Background(), srv, ln, func(context.Context) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want Run's error", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
		t.Fatal("server still serving after Run failed")
	}
}
