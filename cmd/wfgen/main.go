// Command wfgen generates the typed code of wf workflows from //wf:
// directives. Run "wfgen help" for its commands and directives; the
// implementation is in internal/wfgencli and gen.
//
// wfgen links no database driver. Migrations are the wf command's
// ("wf migrate", package cmd/wf); "wfgen check --against" reads the store
// in the program it builds in the app's module to replay the runs, with
// the one driver the check names (runtime/deploycheck/postgres or
// runtime/deploycheck/sqlite).
package main

import (
	"os"

	"github.com/wfgo/wf/internal/wfgencli"
)

func main() { os.Exit(wfgencli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
