package gen_test

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/wfgo/wf/gen"
)

// Plan shows what Generate would write, here for the fulfillment example
// of this module: its typed code, and the entry point and config of each
// host its //wf:hosts lists.
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
	// examples/fulfillment/wfhosts/vercel/api/wf-sweep.go true
	// examples/fulfillment/wfhosts/vercel/api/wf-ingress.go true
	// examples/fulfillment/wfhosts/vercel/vercel.json true
	// examples/fulfillment/wfhosts/netlify/main.go true
	// examples/fulfillment/wfhosts/netlify/netlify.toml true
	// examples/fulfillment/wfhosts/railway/main.go true
	// examples/fulfillment/wfhosts/railway/railway.toml true
	// examples/fulfillment/wfhosts/cloudflare/main.go true
	// examples/fulfillment/wfhosts/cloudflare/wrangler.toml true
	// examples/fulfillment/wfhosts/cloudflare/go.mod true
	// examples/fulfillment/wfhosts/cloudflare/go.sum true
	// examples/fulfillment/wfhosts/lambda/main.go true
	// examples/fulfillment/wfhosts/lambda/template.yaml true
	// examples/fulfillment/wfhosts/worker/main.go true
	// examples/fulfillment/wfhosts/worker/deployment.yaml true
	// examples/fulfillment/wfhosts/cron/main.go true
	// examples/fulfillment/wfhosts/cron/cronjob.yaml true
}
