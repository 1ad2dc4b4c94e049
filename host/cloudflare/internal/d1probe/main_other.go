//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "d1probe: a Worker: build with GOOS=js GOARCH=wasm")
	os.Exit(2)
}
