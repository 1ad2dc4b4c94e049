package cloudflare

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// goroot is the GOROOT of the go command on PATH.
func goroot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func TestShimNamesTheFiles(t *testing.T) {
	t.Parallel()
	for _, want := range []string{`"./` + WasmExecFile + `"`, `"./` + WasmFile + `"`, `"` + handlersGlobal + `"`} {
		if !bytes.Contains(Shim(), []byte(want)) {
			t.Errorf("%s does not contain %s", ShimFile, want)
		}
	}
}

func TestWriteAssets(t *testing.T) {
	t.Parallel()
	root := goroot(t)
	dir := filepath.Join(t.TempDir(), "build")
	written, err := WriteAssets(dir, root)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{WasmExecFile, ShimFile}; !slices.Equal(written, want) {
		t.Errorf("written = %v, want %v", written, want)
	}
	wantExec, err := os.ReadFile(filepath.Join(root, "lib", "wasm", WasmExecFile))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{ShimFile: Shim(), WasmExecFile: wantExec} {
		if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: content differs (%v)", name, err)
		}
	}
	if again, err := WriteAssets(dir, root); err != nil || len(again) != 0 {
		t.Errorf("second WriteAssets wrote %v, %v; want nothing", again, err)
	}
	if _, err := WriteAssets(dir, t.TempDir()); err == nil || !strings.Contains(err.Error(), "wasm_exec.js not found") {
		t.Errorf("WriteAssets without a Go installation: error = %v", err)
	}
}
