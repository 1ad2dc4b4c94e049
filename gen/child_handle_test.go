package gen_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestChildHandleIsTyped builds the basic golden package with one more
// file (through go build -overlay) that calls its typed child handle: the
// right input and output types compile, a wrong input or output type does
// not.
func TestChildHandleIsTyped(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs go build")
	}
	tests := []struct {
		name string
		body string
		want string // "" when the package must compile
	}{
		{"right types", `r, err := StartChildCheckout(ctx, "pay", orders.Order{ID: "o-2"}).Get()
	_, _ = r.OrderID, err`, ""},
		{"detached", `_, err := StartChildCheckout(ctx, "pay", orders.Order{}, wf.Detached(), wf.ChildVersion("v1")).Get()
	_ = err`, ""},
		{"wrong input", `_, _ = StartChildCheckout(ctx, "pay", "o-2").Get()`,
			`as orders.Order value in argument to StartChildCheckout`},
		{"another workflow's input", `_, _ = StartChildCheckout(ctx, "pay", map[string]int{"a": 1}).Get()`,
			`(value of type map[string]int) as orders.Order value in argument to StartChildCheckout`},
		{"wrong output", `var n int
	n, _ = StartChildCheckout(ctx, "pay", orders.Order{}).Get()
	_ = n`, `Receipt) as int value in assignment`},
	}
	target, err := filepath.Abs(filepath.Join("testdata", "ok", "basic", "zz_child_call.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			src := filepath.Join(dir, "child_call.go")
			code := `package basic

import (
	"github.com/wfgo/wf"
	"github.com/wfgo/wf/gen/testdata/ok/orders"
)

var _ = orders.Order{}

func callChild(ctx *wf.Context) {
	` + tt.body + `
}
`
			if err := os.WriteFile(src, []byte(code), 0o666); err != nil {
				t.Fatal(err)
			}
			overlay, err := json.Marshal(map[string]map[string]string{"Replace": {target: src}})
			if err != nil {
				t.Fatal(err)
			}
			overlayPath := filepath.Join(dir, "overlay.json")
			if err := os.WriteFile(overlayPath, overlay, 0o666); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("go", "build", "-overlay", overlayPath, "./ok/basic")
			cmd.Dir = "testdata"
			out, err := cmd.CombinedOutput()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("go build: %v\n%s", err, out)
			case tt.want != "" && err == nil:
				t.Errorf("go build succeeded, want the error %q", tt.want)
			case tt.want != "" && !strings.Contains(string(out), tt.want):
				t.Errorf("go build failed with\n%s\nwant the error %q", out, tt.want)
			}
		})
	}
}
