package wfgencli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"text/template"

	"github.com/wfgo/wf/gen"
	"github.com/wfgo/wf/runtime/deploycheck"
)

// A replayer is the program `wfgen check --against` builds in the app's
// module to replay runs against one package's workflows: wfgen cannot
// load the app's code, and the app's module need not require the store
// drivers wfgen reads the store with. It speaks deploycheck's protocol.
type replayer struct {
	cmd      *exec.Cmd
	in       io.WriteCloser
	out      *json.Decoder
	stderr   bytes.Buffer
	manifest deploycheck.Manifest
	waited   bool
}

// replayerMain is the program's one file. It lives, through a build
// overlay, in a directory under the package's own, so that it may import
// a package under internal/, and nothing is written into the app's tree.
var replayerMain = template.Must(template.New("main").Parse(`// Command wfgencheck replays runs for wfgen check --against.
package main

import (
	app {{printf "%q" .Path}}
	"github.com/wfgo/wf/runtime/deploycheck"
)

func main() { deploycheck.Main(app.Registrations(app.Workflows{})) }
`))

// startReplayer starts the program for pkg, written in tmp, with the go
// command run in dir, and reads its manifest. It runs through go run,
// which caches the executable: a check of unchanged code does not link
// again.
func startReplayer(ctx context.Context, dir, tmp string, pkg gen.WorkflowPackage) (*replayer, error) {
	overlay, virtual, err := writeReplayer(tmp, pkg)
	if err != nil {
		return nil, err
	}
	r := &replayer{cmd: exec.CommandContext(ctx, "go", "run", "-overlay", overlay, virtual)}
	r.cmd.Dir = dir
	r.cmd.Stderr = &r.stderr
	if r.in, err = r.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := r.cmd.Start(); err != nil {
		return nil, err
	}
	r.out = json.NewDecoder(bufio.NewReaderSize(stdout, 1<<16))
	if err := r.out.Decode(&r.manifest); err != nil {
		r.in.Close()
		return nil, r.failed(err)
	}
	return r, nil
}

// writeReplayer writes the program's main file and the build overlay
// that places it under the package's directory into tmp; it returns the
// overlay's path and the program's directory.
func writeReplayer(tmp string, pkg gen.WorkflowPackage) (overlay, virtual string, err error) {
	if pkg.Name == "main" {
		return "", "", fmt.Errorf("check: %s: a main package cannot be imported to replay its runs; move its workflows to a package of their own", pkg.Path)
	}
	var src bytes.Buffer
	if err := replayerMain.Execute(&src, pkg); err != nil {
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

// failed describes err with what the program printed, after it exits.
func (r *replayer) failed(err error) error {
	if !r.waited {
		if werr := r.wait(); werr != nil {
			err = werr
		}
	}
	if msg := bytes.TrimSpace(r.stderr.Bytes()); len(msg) > 0 {
		return fmt.Errorf("check: replaying runs: %v:\n%s", err, msg)
	}
	return fmt.Errorf("check: replaying runs: %w", err)
}

// wait waits for the program to exit.
func (r *replayer) wait() error {
	r.waited = true
	return r.cmd.Wait()
}
