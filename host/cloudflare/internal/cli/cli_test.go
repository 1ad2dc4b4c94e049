package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"no args", nil, 2, "", "Usage:"},
		{"help", []string{"help"}, 0, "wfcloudflare build", ""},
		{"unknown", []string{"deploy"}, 2, "", `unknown command "deploy" (want build, assets, migrations or help)`},
		{"migrations without dir", []string{"migrations"}, 2, "", "Usage:"},
		{"migrations bad flag", []string{"migrations", "-nope", dir}, 2, "", "flag provided but not defined: -nope"},
		{"migrations", []string{"migrations", "-prefix", "app_", filepath.Join(dir, "m")}, 0, "wrote " + filepath.Join(dir, "m", "0001_init.sql"), ""},
		{"migrations bad prefix", []string{"migrations", "-prefix", "1x", filepath.Join(dir, "m")}, 1, "", "table prefix"},
		{"assets", []string{"assets", filepath.Join(dir, "a")}, 0, "wrote " + filepath.Join(dir, "a", "worker.mjs"), ""},
		{"assets without go", []string{"assets", "-go", filepath.Join(dir, "no-go"), filepath.Join(dir, "b")}, 1, "", "env GOROOT"},
		{"build two packages", []string{"build", "a", "b"}, 2, "", "Usage:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(tt.args, &stdout, &stderr)
			if code != tt.wantCode || !strings.Contains(stdout.String(), tt.wantStdout) || !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("Main(%q) = %d\nstdout: %s\nstderr: %s\nwant %d, stdout with %q, stderr with %q",
					tt.args, code, &stdout, &stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
		})
	}
	sql, err := os.ReadFile(filepath.Join(dir, "m", "0001_init.sql"))
	if err != nil || !bytes.Contains(sql, []byte("CREATE TABLE app_runs (")) {
		t.Errorf("migrations with -prefix app_: %v", err)
	}
}

// TestBuild builds the example Worker as the wrangler.toml build command
// does.
func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the example to WebAssembly")
	}
	t.Parallel()
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"build", "-o", out, "../../example"}, &stdout, &stderr); code != 0 {
		t.Fatalf("build = %d\n%s%s", code, &stdout, &stderr)
	}
	for _, name := range []string{"worker.wasm", "worker.mjs", "wasm_exec.js"} {
		if fi, err := os.Stat(filepath.Join(out, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	var failOut, failErr bytes.Buffer
	if code := Main([]string{"build", "-o", out, "./no-such-package"}, &failOut, &failErr); code != 1 {
		t.Errorf("build of a missing package = %d, want 1\n%s", code, &failErr)
	}
}
