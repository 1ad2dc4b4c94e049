// Command wf is the operator's command for wf workflows over a store: it
// lists and shows runs, reads timelines, cancels, lists and pauses
// schedules, and migrates. Built without an app's workflows, it refuses
// the commands that drive runs (signal, approve, sweep, …) and says how to
// build the app's own wf command; see package wfcli.
package main

import (
	"os"

	"github.com/wfgo/wf/wfcli"
)

func main() { os.Exit(wfcli.Main(os.Args[1:])) }
