package cronjob

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/runtime"
)

// Options configure Main.
type Options struct {
	// Sweep bounds each sweep.
	Sweep runtime.SweepOptions
	// AgainWithin is how long the command keeps sweeping while work
	// remains (see Run); 0 sweeps once.
	AgainWithin time.Duration
}

// Main sweeps app once and exits with Command's code: it is the whole of
// a generated cron command's main.
func Main(app host.App, opts Options) {
	os.Exit(Command(context.Background(), app, opts, os.Stdout))
}

// Command opens app's store, sweeps as Run does, writing each summary as
// one JSON line to out, and returns the exit code: 0, or 1 when the sweep
// failed or the store cannot be opened (an unmigrated database included),
// with the line carrying the error. Logs go to app's logger.
func Command(ctx context.Context, app host.App, opts Options, out io.Writer) int {
	rt, opened, err := app.Start(ctx)
	if err != nil {
		// The line a failed sweep writes, so that one log query finds both.
		line, _ := json.Marshal(host.Summary{Now: time.Now().UTC(), Error: err.Error()})
		fmt.Fprintln(out, string(line))
		return 1
	}
	defer opened.Close()
	return Run(ctx, rt, opts.Sweep, opts.AgainWithin, out)
}
