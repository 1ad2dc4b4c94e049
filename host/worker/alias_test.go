package worker_test

import "github.com/wfgo/wf/store"

type storeNewRun = store.NewRun
