package deploycheck_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime/deploycheck"
)

// A run recorded on v1, checked against a build that registers only v2.
func ExampleCheck() {
	v2 := wf.New("orders", func(ctx *wf.Context, in struct{}) (string, error) {
		return "done", nil
	}, wf.Version("v2"))
	v := deploycheck.Check(context.Background(), map[string]*wf.Definition{"orders": v2}, deploycheck.Run{
		ID: "order-1", WorkflowID: "orders", Version: "v1", Input: json.RawMessage(`{}`),
	})
	fmt.Println(v.Resumable(), v.Reason)
	fmt.Println(v.Detail)
	// Output:
	// false workflow_version_mismatch
	// workflow "orders" has no version "v1" (registered: v2)
}
