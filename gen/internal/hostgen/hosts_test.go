package hostgen

import (
	"fmt"
	"testing"
	"time"
)

func TestSweepExpressions(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		sweep             time.Duration
		cron, eventBridge string
	}{
		{time.Minute, "* * * * *", "cron(* * * * ? *)"},
		{5 * time.Minute, "*/5 * * * *", "cron(0/5 * * * ? *)"},
		{30 * time.Minute, "*/30 * * * *", "cron(0/30 * * * ? *)"},
		{time.Hour, "0 * * * *", "cron(0 * * * ? *)"},
		{6 * time.Hour, "0 */6 * * *", "cron(0 0/6 * * ? *)"},
		{24 * time.Hour, "0 0 * * *", "cron(0 0 * * ? *)"},
	} {
		if got := cronExpr(tt.sweep); got != tt.cron {
			t.Errorf("cronExpr(%s) = %q, want %q", tt.sweep, got, tt.cron)
		}
		if got := eventBridgeExpr(tt.sweep); got != tt.eventBridge {
			t.Errorf("eventBridgeExpr(%s) = %q, want %q", tt.sweep, got, tt.eventBridge)
		}
	}
}

// TestStoreDrivers: each store= links the drivers it names, and no other.
func TestStoreDrivers(t *testing.T) {
	t.Parallel()
	for store, want := range map[string]string{
		"":         "postgres.Open [github.com/wfgo/wf/host/envstore/postgres]",
		"postgres": "postgres.Open [github.com/wfgo/wf/host/envstore/postgres]",
		"sqlite":   "sqlite.Open [github.com/wfgo/wf/host/envstore/sqlite]",
		"either": "envstore.Either(postgres.Open, sqlite.Open) [github.com/wfgo/wf/host/envstore " +
			"github.com/wfgo/wf/host/envstore/postgres github.com/wfgo/wf/host/envstore/sqlite]",
	} {
		imports, opener := storeDrivers(store)
		if got := fmt.Sprint(opener, " ", imports); got != want {
			t.Errorf("store=%s: %s, want %s", store, got, want)
		}
	}
}
