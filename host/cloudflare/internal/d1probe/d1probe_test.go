//go:build unix

package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wfgo/wf/host/cloudflare/internal/wranglertest"
)

const wranglerTOML = `name = "wf-d1probe"
main = "build/worker.mjs"
compatibility_date = "2026-03-01"

[[d1_databases]]
binding = "DB"
database_name = "wf-d1probe"
database_id = "00000000-0000-0000-0000-000000000001"
migrations_dir = "migrations"
`

// TestD1 checks the D1 executor against D1 itself, as workerd and
// wrangler run it locally: error messages and codes, atomicity, values
// and their types, changes. Opt-in: WF_CLOUDFLARE_E2E=1.
func TestD1(t *testing.T) {
	wrangler := wranglertest.Require(t)
	w := wranglertest.Build(t, ".", wranglerTOML)
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	dev := w.Start(t, ctx, wrangler)
	req, _ := http.NewRequestWithContext(ctx, "GET", dev.URL+"/", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("probe: %v\n%s", err, dev.Output())
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var rep Report
	if res.StatusCode != http.StatusOK || json.Unmarshal(raw, &rep) != nil {
		t.Fatalf("probe: %d %s\n%s", res.StatusCode, raw, dev.Output())
	}
	t.Logf("report: %s", raw)
	if !strings.Contains(rep.DuplicateError, "UNIQUE constraint failed: probe.k") || (rep.DuplicateCode != 2067 && rep.DuplicateCode != 1555) {
		t.Errorf("duplicate key: %q code %d, want D1's unique-constraint failure with code 2067 or 1555", rep.DuplicateError, rep.DuplicateCode)
	}
	if rep.CountAfterFailure != "int64:0" {
		t.Errorf("rows after the failed batch: %s, want int64:0", rep.CountAfterFailure)
	}
	want := []Result{
		{RowsAffected: 1},
		{RowsAffected: 0},
		{RowsAffected: 1},
		{RowsAffected: 1, Rows: [][]string{{"int64:4503599627370522", "string:integer", "[]byte:00ff", "float64:2.5", "string:a", "nil", "int64:24"}}},
		{RowsAffected: 1, Rows: [][]string{{"string:a"}}},
	}
	if diff := cmp.Diff(want, rep.Results); diff != "" {
		t.Errorf("batch results (-want +got):\n%s", diff)
	}
	if !strings.Contains(rep.BigIntError, "beyond the ±2^53") {
		t.Errorf("binding 2^53: %q, want refused", rep.BigIntError)
	}
	if !strings.Contains(rep.MissingTableError, "no such table: missing") {
		t.Errorf("missing table: %q, want SQLite's message (CheckSchema relies on it)", rep.MissingTableError)
	}
}
