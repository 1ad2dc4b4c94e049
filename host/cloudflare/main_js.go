//go:build js && wasm

package cloudflare

import (
	"fmt"
	"os"

	"github.com/wfgo/wf/host"
)

// Main serves app as the Worker (AppConfig, Serve) for the life of the
// isolate: it is the whole of a generated Worker's main. Built for
// anything but js/wasm it says how to build the Worker and exits 2.
func Main(app host.App, opts Options) {
	err := Serve(AppConfig(app, opts))
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
