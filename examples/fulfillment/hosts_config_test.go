package fulfillment_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The host configs' contents (vercel.json, netlify.toml, railway.toml,
// wrangler.toml, the SAM template, the Kubernetes manifests) are checked
// by internal/e2e/hostconfig, a module of its own, so that wf's module
// requires no TOML or YAML parser.

// TestHostCloudflareBuildsAsWasm builds the Worker, a module of its own,
// as wrangler's build command does.
func TestHostCloudflareBuildsAsWasm(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the Worker")
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(t.TempDir(), "worker.wasm"), ".")
	cmd.Dir = filepath.Join("wfhosts", "cloudflare")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go build in wfhosts/cloudflare: %v\n%s", err, out)
	}
}
