package wfgencli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/wfgo/wf/gen"
	"github.com/wfgo/wf/runtime/deploycheck"
)

// A replayer is the program `wfgen check --against` builds in the app's
// module to replay the runs of one package's workflows: wfgen cannot load
// the app's code, and links no database driver. The program reads the
// store itself, with the Opener of the driver the check names (so the
// app's module must require that driver, as a host on that store does),
// and speaks deploycheck.ServeStore's protocol.
type replayer struct {
	cmd    *exec.Cmd
	out    *json.Decoder
	stderr bytes.Buffer
	opener string // the Opener's package
}

// replayerMain is the program's one file. It lives, through a build
// overlay, in a directory under the package's own, so that it may import
// a package under internal/, and nothing is written into the app's tree.
var replayerMain = template.Must(template.New("main").Parse(`// Command wfgencheck replays runs for wfgen check --against.
package main

import (
	app {{printf "%q" .Pkg.Path}}
	"github.com/wfgo/wf/runtime/deploycheck"
	storeopener {{printf "%q" .Opener.Path}}
)

func main() { deploycheck.MainStore(app.Registrations(app.Workflows{}), storeopener.Open) }
`))

// startReplayer starts the program for pkg reading the store with op,
// written in tmp, with the go command run in dir, and sends it cfg. It
// runs through go run, which caches the executable: a check of unchanged
// code does not link again.
func startReplayer(ctx context.Context, dir, tmp string, pkg gen.WorkflowPackage, op opener, cfg deploycheck.StoreConfig) (*replayer, error) {
	overlay, virtual, err := writeReplayer(tmp, pkg, op)
	if err != nil {
		return nil, err
	}
	var in bytes.Buffer
	if err := json.NewEncoder(&in).Encode(cfg); err != nil {
		return nil, err
	}
	r := &replayer{cmd: exec.CommandContext(ctx, "go", "run", "-overlay", overlay, virtual), opener: op.Path}
	r.cmd.Dir = dir
	r.cmd.Stdin = &in
	r.cmd.Stderr = &r.stderr
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := r.cmd.Start(); err != nil {
		return nil, err
	}
	r.out = json.NewDecoder(bufio.NewReaderSize(stdout, 1<<16))
	return r, nil
}

// receive reads the checked runs until the program ends.
func (r *replayer) receive() ([]deploycheck.Checked, error) {
	var out []deploycheck.Checked
	for {
		var c deploycheck.Checked
		err := r.out.Decode(&c)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			_ = r.cmd.Wait()
			return nil, r.failed(err)
		}
		out = append(out, c)
	}
	if err := r.cmd.Wait(); err != nil {
		return nil, r.failed(err)
	}
	return out, nil
}

// writeReplayer writes the program's main file and the build overlay
// that places it under the package's directory into tmp; it returns the
// overlay's path and the program's directory.
func writeReplayer(tmp string, pkg gen.WorkflowPackage, op opener) (overlay, virtual string, err error) {
	if pkg.Name == "main" {
		return "", "", fmt.Errorf("check: %s: a main package cannot be imported to replay its runs; move its workflows to a package of their own", pkg.Path)
	}
	var src bytes.Buffer
	if err := replayerMain.Execute(&src, struct {
		Pkg    gen.WorkflowPackage
		Opener opener
	}{pkg, op}); err != nil {
		return "", "", err
	}
	mainFile := filepath.Join(tmp, "main.go")
	if err := os.WriteFile(mainFile, src.Bytes(), 0o666); err != nil {
		return "", "", err
	}
	virtual = filepath.Join(pkg.Dir, "wfgencheck")
	content, err := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(virtual, "main.go"): mainFile}})
	if err != nil {
		return "", "", err
	}
	overlay = filepath.Join(tmp, "overlay.json")
	return overlay, virtual, os.WriteFile(overlay, content, 0o666)
}

// failed describes err with what the program printed after it exited:
// the store's own error (which starts "check: ") as it is, a module that
// does not require the store's driver with what to run, anything else
// (a build error) in full.
func (r *replayer) failed(err error) error {
	msg := strings.TrimSpace(r.stderr.String())
	// go run reports the program's exit status on its last line.
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 && strings.HasPrefix(msg[i+1:], "exit status ") {
		msg = strings.TrimSpace(msg[:i])
	}
	switch {
	case msg == "":
		return fmt.Errorf("check: replaying runs: %w", err)
	case strings.HasPrefix(msg, "check: ") && !strings.Contains(msg, "\n"):
		return errors.New(msg)
	case strings.Contains(msg, "missing go.sum entry"):
		return fmt.Errorf("check: replaying runs: the app's module does not require the driver of the store the check reads:\n%s\n"+
			"run `go get %s` in the app's module, then `go mod tidy` once the app imports the driver (a host on that store does)", msg, r.opener)
	}
	return fmt.Errorf("check: replaying runs: %v:\n%s", err, msg)
}
