package cronjob_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/host/cronjob"
	"github.com/wfgo/wf/host/internal/hosttest"
)

// TestCommand runs the cron entry as its main does: exit code 0 and one
// summary line; the store closed after.
func TestCommand(t *testing.T) {
	t.Parallel()
	app := hosttest.NewApp(nil, nil, nil)
	var out bytes.Buffer
	if code := cronjob.Command(context.Background(), app.App, cronjob.Options{}, &out); code != 0 {
		t.Fatalf("exit code %d: %s", code, out.String())
	}
	var sum host.Summary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil || !sum.OK || sum.Materialized != 1 {
		t.Fatalf("summary line %q (%v), want ok with the schedule materialised", out.String(), err)
	}
	if app.Closes.Load() != 1 {
		t.Fatalf("store closed %d times, want once", app.Closes.Load())
	}
}

// TestCommandStoreFails: a store that cannot be opened (an unmigrated
// one) is exit code 1 with a summary line carrying the error.
func TestCommandStoreFails(t *testing.T) {
	t.Parallel()
	app := hosttest.NewApp(nil, nil, errors.New("the database is not migrated: run wf migrate"))
	var out bytes.Buffer
	if code := cronjob.Command(context.Background(), app.App, cronjob.Options{}, &out); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	var sum host.Summary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil || sum.OK || !strings.Contains(sum.Error, "wf migrate") {
		t.Fatalf("line %q, want a failed summary naming wf migrate", out.String())
	}
}
