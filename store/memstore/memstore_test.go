package memstore_test

import (
	"testing"

	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
	"github.com/wfgo/wf/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return memstore.New() })
}
