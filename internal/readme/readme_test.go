package readme

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wfgo/wf/gen"
	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/internal/wfgencli"
)

var update = flag.Bool("update", false, "rewrite README.md's directive reference from wfgen help")

const readmePath = "../../README.md"

var goBlock = regexp.MustCompile("(?s)```go\n(.*?)```")

// TestGoBlocksCompile writes each Go block of the README as one file of a
// package inside this module, generates the package's wfgen code, and builds
// and vets it.
func TestGoBlocksCompile(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlock.FindAllSubmatch(readme, -1)
	if len(blocks) < 4 {
		t.Fatalf("found %d Go blocks in README.md; the tutorial has more", len(blocks))
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	rel := filepath.Join("testdata", "tmp-"+hex.EncodeToString(b[:]), "shop")
	if err := os.MkdirAll(rel, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(rel)) })
	for i, m := range blocks {
		src := m[1]
		if !bytes.HasPrefix(src, []byte("package shop\n")) {
			t.Fatalf("README Go block %d does not start with \"package shop\":\n%s", i+1, src)
		}
		if err := os.WriteFile(filepath.Join(rel, fmt.Sprintf("block%02d.go", i+1)), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := gen.Generate(context.Background(), gen.Config{Dir: rel}); err != nil {
		t.Fatalf("wfgen on the README's blocks: %v", err)
	}
	for _, args := range [][]string{{"build", "./"}, {"vet", "./"}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = rel
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s of the README's blocks: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

const (
	beginHelp = "<!-- BEGIN wfgen help -->\n"
	endHelp   = "<!-- END wfgen help -->"
)

// TestDirectiveReferenceIsWfgenHelp checks the README's reference against
// `wfgen help`; go test -update rewrites it.
func TestDirectiveReferenceIsWfgenHelp(t *testing.T) {
	t.Parallel()
	var help, stderr bytes.Buffer
	if code := wfgencli.Main([]string{"help"}, &help, &stderr); code != 0 {
		t.Fatalf("wfgen help: exit %d: %s", code, stderr.String())
	}
	want := beginHelp + "```text\n" + strings.TrimSpace(help.String()) + "\n```\n" + endHelp
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(readme, []byte(beginHelp))
	end := bytes.Index(readme, []byte(endHelp))
	if start < 0 || end < start {
		t.Fatalf("README.md lacks the %q … %q markers", beginHelp, endHelp)
	}
	got := string(readme[start : end+len(endHelp)])
	if got == want {
		return
	}
	if !*update {
		t.Fatalf("README.md's directive reference differs from wfgen help; run go test ./internal/readme -update")
	}
	out := append(append(append([]byte{}, readme[:start]...), want...), readme[end+len(endHelp):]...)
	if err := os.WriteFile(readmePath, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

const (
	beginContract = "<!-- BEGIN ingress contract -->\n"
	endContract   = "<!-- END ingress contract -->"
)

// TestIngressContractTable checks the README's table of the ingress API's
// answers against host.Contract; go test -update rewrites it.
func TestIngressContractTable(t *testing.T) {
	t.Parallel()
	var table strings.Builder
	table.WriteString("| status | code | when |\n| --- | --- | --- |\n")
	for _, row := range host.Contract() {
		code := ""
		if row.Code != "" {
			code = "`" + row.Code + "`"
		}
		fmt.Fprintf(&table, "| %d %s | %s | %s |\n", row.Status, http.StatusText(row.Status), code, row.Meaning)
	}
	replaceSection(t, beginContract, endContract, beginContract+table.String()+endContract)
}

// replaceSection checks that README.md holds want between its markers, and
// with -update writes it there.
func replaceSection(t *testing.T, begin, end, want string) {
	t.Helper()
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(readme, []byte(begin))
	stop := bytes.Index(readme, []byte(end))
	if start < 0 || stop < start {
		t.Fatalf("README.md lacks the %q … %q markers", begin, end)
	}
	if string(readme[start:stop+len(end)]) == want {
		return
	}
	if !*update {
		t.Fatalf("README.md's section %q is out of date; run go test ./internal/readme -update", strings.TrimSpace(begin))
	}
	out := append(append(append([]byte{}, readme[:start]...), want...), readme[stop+len(end):]...)
	if err := os.WriteFile(readmePath, out, 0o644); err != nil {
		t.Fatal(err)
	}
}
