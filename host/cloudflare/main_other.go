//go:build !(js && wasm)

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
	fmt.Fprintln(os.Stderr, "cloudflare: build with GOOS=js GOARCH=wasm (go tool wfcloudflare build) and run it with wrangler")
	os.Exit(2)
}
