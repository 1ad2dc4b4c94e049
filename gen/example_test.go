package gen_test

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/wfgo/wf/gen"
)

// Plan shows what Generate would write, here for the fulfillment example
// of this module.
func ExamplePlan() {
	root, _ := filepath.Abs("..")
	files, err := gen.Plan(context.Background(), gen.Config{Dir: root, Patterns: []string{"./examples/fulfillment"}})
	if err != nil {
		fmt.Println(err) // a scanner.ErrorList: one positioned line per problem
		return
	}
	for _, f := range files {
		rel, _ := filepath.Rel(root, f.Path)
		fmt.Println(filepath.ToSlash(rel), len(f.Content) > 0)
	}
	// Output:
	// examples/fulfillment/fulfillment_wf.go true
}
