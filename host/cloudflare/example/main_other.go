//go:build !(js && wasm)

// Command example is a Cloudflare Worker; it runs only as WebAssembly:
// build it with GOOS=js GOARCH=wasm (see ../README.md).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "example: build with GOOS=js GOARCH=wasm and run it with wrangler (see host/cloudflare/README.md)")
	os.Exit(2)
}
