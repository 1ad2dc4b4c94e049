package determinism

import (
	. "time"

	"github.com/wfgo/wf"
)

func DotImport(ctx *wf.Context) {
	_ = Now()                  // want `time.Now in a workflow body`
	_ = AfterFunc(Second, nil) // want `time.AfterFunc in a workflow body starts a real timer`
}
