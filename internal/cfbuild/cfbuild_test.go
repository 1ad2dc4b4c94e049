package cfbuild

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// moduleDir is the nested module's directory.
var moduleDir = filepath.Join("..", "..", "host", "cloudflare")

// goCmd runs the go command in the nested module with extra environment
// and returns its combined output.
func goCmd(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = moduleDir
	cmd.Env = append(append(os.Environ(), "GOWORK=off"), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

var wasm = []string{"GOOS=js", "GOARCH=wasm"}

// TestExampleWorkerBuilds builds the example Worker as wrangler's build
// step does, and checks it fits Cloudflare's size limits: 10 MiB
// compressed on the paid plan, 3 MiB on the free one.
func TestExampleWorkerBuilds(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "worker.wasm")
	if msg, err := goCmd(t, wasm, "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./example"); err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go build ./example: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x00asm")) {
		t.Fatalf("%s is not a WebAssembly module", out)
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	const mib = 1 << 20
	t.Logf("worker.wasm: %.1f MiB, %.1f MiB compressed", float64(len(b))/mib, float64(gz.Len())/mib)
	if gz.Len() > 10*mib {
		t.Errorf("worker.wasm compresses to %d bytes, over the 10 MiB Worker size limit", gz.Len())
	}
}

// TestVetJS vets the host's js/wasm files, which the root module's
// `go vet ./...` never sees.
func TestVetJS(t *testing.T) {
	t.Parallel()
	if msg, err := goCmd(t, wasm, "vet", "./..."); err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go vet ./...: %v\n%s", err, msg)
	}
}

// TestNestedModule vets and tests the nested module on this platform:
// the D1 mapping (with the store conformance suite), the handlers, the
// CLI. Its workerd tests run only with WF_CLOUDFLARE_E2E=1.
func TestNestedModule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the nested module's test suite")
	}
	t.Parallel()
	if msg, err := goCmd(t, nil, "vet", "./..."); err != nil {
		t.Fatalf("go vet ./...: %v\n%s", err, msg)
	}
	msg, err := goCmd(t, nil, "test", "-count=1", "./...")
	if err != nil {
		t.Fatalf("go test ./... in host/cloudflare: %v\n%s", err, msg)
	}
	for _, line := range strings.Split(strings.TrimSpace(msg), "\n") {
		t.Log(line)
	}
}
