package wfcli

import (
	"context"
	"errors"

	"github.com/wfgo/wf/store"
)

func setParked(_ *store.ListQuery, parked bool) error {
	if parked {
		return errors.New("runs list: --parked: not in this build")
	}
	return nil
}

func pendingCommand(name string) command {
	return command{name: name, args: []string{"RUN"}, run: func(context.Context, *env, []string) error {
		return errors.New(name + ": not in this build")
	}}
}

func runsRetry() command  { return pendingCommand("runs retry") }
func runsFork() command   { return pendingCommand("runs fork") }
func runsExport() command { return pendingCommand("runs export") }
