// Command wfgen generates the typed code of wf workflows from //wf:
// directives. Run "wfgen help" for its commands and directives; the
// implementation is in internal/wfgencli and gen.
package main

import (
	"os"

	"github.com/wfgo/wf/internal/wfgencli"
)

func main() { os.Exit(wfgencli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
