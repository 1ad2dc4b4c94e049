package cloudflare

import (
	_ "embed" // the JavaScript shim
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// Files of a Worker build directory. The shim imports the other two by
// these names.
const (
	// ShimFile is the Worker's entry module: wrangler.toml's main.
	ShimFile = "worker.mjs"
	// WasmFile is the Go program built with GOOS=js GOARCH=wasm.
	WasmFile = "worker.wasm"
	// WasmExecFile is the Go distribution's JavaScript support for js/wasm
	// programs, copied from the toolchain that builds WasmFile: the two
	// must come from the same Go release.
	WasmExecFile = "wasm_exec.js"
)

// handlersGlobal is the property of globalThis where Serve puts the
// handlers the shim forwards to.
const handlersGlobal = "__wfCloudflare"

// shim is the Worker's entry module: it loads WasmFile with WasmExecFile,
// runs the Go program once per isolate, and forwards fetch and scheduled
// to the handlers Serve registers.
//
//go:embed worker.mjs
var shim []byte

// Shim returns the JavaScript entry module of a Worker that runs a Go
// program calling Serve.
func Shim() []byte { return slices.Clone(shim) }

// WriteAssets writes the shim into dir with wasm_exec.js copied from the
// Go installation at goroot (`go env GOROOT`: the toolchain that builds
// the program), creating dir, and returns the names of the files it
// changed. The program itself goes beside them as WasmFile.
func WriteAssets(dir, goroot string) ([]string, error) {
	var wasmExec []byte
	var err error
	for _, rel := range []string{"lib/wasm", "misc/wasm"} { // Go 1.24 moved it to lib/wasm
		wasmExec, err = os.ReadFile(filepath.Join(goroot, rel, WasmExecFile))
		if err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("cloudflare: %s not found in GOROOT %s: %w", WasmExecFile, goroot, err)
	}
	return writeFiles(dir, map[string][]byte{ShimFile: shim, WasmExecFile: wasmExec})
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
