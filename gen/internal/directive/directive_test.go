package directive

import (
	"go/parser"
	"go/scanner"
	"go/token"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestScanArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want []arg
		errs []scanError
	}{
		{text: ``},
		{text: `a b`, want: []arg{{value: "a", off: 0, valOff: 0}, {value: "b", off: 2, valOff: 2}}},
		{text: `id k=v`, want: []arg{{value: "id"}, {key: "k", value: "v", off: 3, valOff: 5}}},
		{
			text: `cron="0 9 * * MON-FRI" tz=Europe/Paris`,
			want: []arg{{key: "cron", value: "0 9 * * MON-FRI", valOff: 5}, {key: "tz", value: "Europe/Paris", off: 23, valOff: 26}},
		},
		{text: `t="say \"hi\""`, want: []arg{{key: "t", value: `say "hi"`, valOff: 2}}},
		{text: `"quoted positional"`, want: []arg{{value: "quoted positional"}}},
		{text: `k="open`, errs: []scanError{{2, "unterminated quoted value"}}},
		{text: `k="a"b`, errs: []scanError{{2, `missing space after quoted value "a"`}}},
		{text: `k=a"b"`, errs: []scanError{{2, "unexpected quote in a value; quote the whole value"}}},
		{text: `=v`, errs: []scanError{{0, "missing key before ="}}},
		{text: `k=`, errs: []scanError{{0, "missing value after k="}}},
		{text: `k="" x`, want: []arg{{value: "x", off: 5, valOff: 5}}, errs: []scanError{{0, "missing value after k="}}},
	}
	for _, tt := range tests {
		got, errs := scanArgs(tt.text, 0)
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(arg{})); diff != "" {
			t.Errorf("scanArgs(%q) args (-want +got):\n%s", tt.text, diff)
		}
		if diff := cmp.Diff(tt.errs, errs, cmp.AllowUnexported(scanError{})); diff != "" {
			t.Errorf("scanArgs(%q) errors (-want +got):\n%s", tt.text, diff)
		}
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	names := Names()
	for word, want := range map[string]string{
		"stpe": "step", "Step": "step", "workflows": "workflow", "sigal": "signal",
		"hots": "hosts", "approve": "approval", "x": "", "transaction": "",
	} {
		if got := Suggest(word, names); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", word, got, want)
		}
	}
	if got := Suggest("retries", []string{"backoff", "base", "cap", "retry", "timeout"}); got != "retry" {
		t.Errorf(`Suggest("retries") = %q, want retry`, got)
	}
}

func TestKebab(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Fulfillment": "fulfillment", "reserveInventory": "reserve-inventory",
		"reserve_inventory": "reserve-inventory", "V2": "v2", "HTTPCall": "httpcall",
	} {
		if got := kebab(in); got != want {
			t.Errorf("kebab(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestParse reads a file's directives into their structs.
func TestParse(t *testing.T) {
	t.Parallel()
	const src = `//wf:hosts vercel lambda
package p

// F is a workflow.
//
//wf:workflow fulfillment version=v2 previous=A,B retry=3 backoff=exponential base=250ms cap=10s
//wf:step reserve-inventory timeout=5s
//wf:approval large-order title="Large order"
//wf:schedule digest cron="0 9 * * MON-FRI" tz=Europe/Paris overlap=skip input=in
type F struct{}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var errs scanner.ErrorList
	got := Parse(fset, f, &errs)
	if len(errs) > 0 {
		t.Fatalf("errors:\n%v", errs)
	}
	if len(got.Package) != 1 || strings.Join(got.Package[0].Args.(*Hosts).Hosts, " ") != "vercel lambda" {
		t.Errorf("package directives %+v", got.Package)
	}
	var ds []*Directive
	for ts, list := range got.Types {
		if ts.Name.Name != "F" {
			t.Errorf("directives on %s", ts.Name.Name)
		}
		ds = list
	}
	if len(ds) != 4 {
		t.Fatalf("got %d directives on F, want 4", len(ds))
	}
	w := ds[0].Args.(*Workflow)
	want := &Workflow{ID: "fulfillment", Version: "v2", RetryArgs: RetryArgs{Retry: 3, Backoff: "exponential", Base: 250 * time.Millisecond, Cap: 10 * time.Second}}
	prev := w.Previous
	w.Previous = nil
	if diff := cmp.Diff(want, w); diff != "" {
		t.Errorf("workflow (-want +got):\n%s", diff)
	}
	if len(prev) != 2 || prev[1].Name != "B" || fset.Position(prev[1].Pos).Column != 49 {
		t.Errorf("previous = %+v (B at column %d, want 49)", prev, fset.Position(prev[1].Pos).Column)
	}
	if s := ds[1].Args.(*Step); s.ID != "reserve-inventory" || s.Timeout != 5*time.Second {
		t.Errorf("step %+v", s)
	}
	if a := ds[2].Args.(*Approval); a.Title != "Large order" {
		t.Errorf("approval %+v", a)
	}
	if s := ds[3].Args.(*Schedule); s.Cron != "0 9 * * MON-FRI" || s.TZ != "Europe/Paris" || s.Input.Name != "in" {
		t.Errorf("schedule %+v", s)
	}
	if !ds[3].Has("tz") || ds[3].Has("every") {
		t.Error("Has reports the wrong keys")
	}
}

// TestHostsSweep checks sweep= against the hosts it is given to, and the
// metrics flag (the worker's alone).
func TestHostsSweep(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		line, err string
	}{
		{"//wf:hosts vercel railway sweep=10m", ""},
		{"//wf:hosts worker sweep=7s", ""},
		{"//wf:hosts cloudflare sweep=2h", ""},
		{"//wf:hosts worker sweep=500ms", "want at least 1s"},
		{"//wf:hosts vercel worker sweep=7m", "cannot fire evenly every 7m"},
		{"//wf:hosts lambda sweep=90s", "cannot fire evenly every 1m30s"},
		{"//wf:hosts cron sweep=5h", "cannot fire evenly every 5h"},
		{"//wf:hosts railway sweep=2m", "Railway Cron runs a job at most every 5m"},
		{"//wf:hosts worker metrics", ""},
		{"//wf:hosts vercel worker metrics store=sqlite", ""},
		{"//wf:hosts vercel railway metrics", "only the worker serves /metrics"},
		{"//wf:hosts worker metrics=true", "metrics is a flag"},
	} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "p.go", tt.line+"\npackage p\n", parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		var errs scanner.ErrorList
		Parse(fset, f, &errs)
		switch {
		case tt.err == "" && len(errs) > 0:
			t.Errorf("%s: %v", tt.line, errs)
		case tt.err != "" && (len(errs) != 1 || !strings.Contains(errs[0].Msg, tt.err)):
			t.Errorf("%s: errors %v, want one saying %q", tt.line, errs, tt.err)
		}
	}
}

// TestParseRejected: a directive with several errors gets all of them,
// and is returned as rejected with the arguments that parsed and the type
// it was meant for.
func TestParseRejected(t *testing.T) {
	t.Parallel()
	const src = `package p

//wf:workflow Orders_V2 previous=OrdersV1

// Orders is detached from its directive.
type Orders struct{}

// Billing has a malformed directive.
//
//wf:workflow billing retrys=3 previous=BillingV1
type Billing struct{}

// Fine is fine.
//
//wf:workflow fine
type Fine struct{}

//wf:step on-the-end-of-nothing
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var errs scanner.ErrorList
	got := Parse(fset, f, &errs)
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	want := []string{
		`p.go:3:15: //wf:workflow: "Orders_V2": not a kebab-case ID (lowercase letters and digits joined by single hyphens, e.g. reserve-inventory); did you mean "orders-v2"?`,
		"p.go:3:1: //wf:workflow is separated from type Orders by a blank line; remove the blank line",
		`p.go:10:23: //wf:workflow: unknown key "retrys"; did you mean "retry"? (valid: backoff, base, cap, previous, retry, version)`,
		"p.go:18:1: //wf:step is not in the doc comment of a declaration",
	}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if len(got.Types) != 1 {
		t.Errorf("usable directives on %d types, want 1 (Fine)", len(got.Types))
	}
	if len(got.Rejected) != 3 {
		t.Fatalf("%d rejected directives, want 3", len(got.Rejected))
	}
	for i, want := range []struct{ forType, previous string }{{"Orders", "OrdersV1"}, {"Billing", "BillingV1"}, {"", ""}} {
		d := got.Rejected[i]
		forType := ""
		if d.For != nil {
			forType = d.For.Name.Name
		}
		previous := ""
		if w, ok := d.Args.(*Workflow); ok && len(w.Previous) == 1 {
			previous = w.Previous[0].Name
		}
		if forType != want.forType || previous != want.previous {
			t.Errorf("rejected %d: for %q previous %q, want %q %q", i, forType, previous, want.forType, want.previous)
		}
	}
}

// TestStepLocalFlag checks the bare flag local on //wf:step: set by its
// name anywhere after the ID, never with a value, at most once.
func TestStepLocalFlag(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		line  string
		local bool
		err   string
	}{
		{line: "//wf:step charge local", local: true},
		{line: "//wf:step charge retry=3 local timeout=5s", local: true},
		{line: "//wf:step local", local: false}, // the ID, not the flag
		{line: "//wf:step charge"},
		{line: "//wf:step charge local=true", err: `p.go:3:18: //wf:step: local is a flag: write local alone, without =`},
		{line: "//wf:step charge local local", err: `p.go:3:24: //wf:step: duplicate flag "local" (first at column 18)`},
		{line: "//wf:step charge lokal", err: `p.go:3:18: //wf:step: unexpected argument "lokal"; did you mean "local"?`},
	} {
		src := "package p\n\n" + tt.line + "\ntype F struct{}\n"
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		var errs scanner.ErrorList
		got := Parse(fset, f, &errs)
		if tt.err != "" {
			if len(errs) != 1 || errs[0].Error() != tt.err {
				t.Errorf("%s: errors %v, want %s", tt.line, errs, tt.err)
			}
			continue
		}
		if len(errs) > 0 {
			t.Errorf("%s: %v", tt.line, errs)
			continue
		}
		if len(got.Types) != 1 {
			t.Errorf("%s: directives on %d types, want 1", tt.line, len(got.Types))
		}
		for _, ds := range got.Types {
			if s := ds[0].Args.(*Step); s.Local != tt.local {
				t.Errorf("%s: Local = %v, want %v", tt.line, s.Local, tt.local)
			}
		}
	}
}
