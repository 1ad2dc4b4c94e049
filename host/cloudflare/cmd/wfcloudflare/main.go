// Command wfcloudflare prepares a wf Worker for wrangler: it builds the Go
// program to WebAssembly beside the JavaScript shim that runs it, and
// writes the D1 migrations of the wf schema. Run `wfcloudflare help`.
package main

import (
	"os"

	"github.com/wfgo/wf/host/cloudflare/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
