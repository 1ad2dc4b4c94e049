// Package cli is the wfcloudflare command: Main parses the arguments and
// runs one subcommand.
package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/wfgo/wf/host/cloudflare"
)

const usage = `wfcloudflare prepares a wf Worker for wrangler.

Usage:

	wfcloudflare build [-o dir] [-go go] [package]
		Build package (default ".") with GOOS=js GOARCH=wasm into
		dir/worker.wasm (default dir: build) and write beside it the
		shim worker.mjs (wrangler.toml's main) and the toolchain's
		wasm_exec.js. Use it as wrangler.toml's [build] command.

	wfcloudflare assets [-go go] dir
		Write only worker.mjs and wasm_exec.js into dir.

	wfcloudflare migrations [-prefix wf_] dir
		Write the wf schema as D1 migration files into dir, the
		migrations_dir of the [[d1_databases]] entry, for
		` + "`wrangler d1 migrations apply`" + `.

	wfcloudflare help
		Print this text.
`

// errUsage marks a mistake in the arguments: Main prints the usage.
var errUsage = errors.New("usage")

// Main runs wfcloudflare with args (without the program name) and returns
// the exit code: 0 on success, 1 on failure, 2 on bad usage.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "build":
		err = build(rest, stdout, stderr)
	case "assets":
		err = assets(rest, stdout, stderr)
	case "migrations":
		err = migrations(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "wfcloudflare: unknown command %q (want build, assets, migrations or help)\n", cmd)
		return 2
	}
	switch {
	case errors.Is(err, errUsage):
		fmt.Fprint(stderr, usage)
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "wfcloudflare: %v\n", err)
		return 1
	}
	return 0
}

// newFlags returns a flag set that reports its errors through Main.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("wfcloudflare "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	return fs
}

func build(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("build", stderr)
	out := fs.String("o", "build", "output `dir`")
	goCmd := fs.String("go", "go", "the go `command`")
	if err := fs.Parse(args); err != nil {
		return errUsage // fs printed the error
	}
	if fs.NArg() > 1 {
		return errUsage
	}
	pkg := "."
	if fs.NArg() == 1 {
		pkg = fs.Arg(0)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	wasm, err := filepath.Abs(filepath.Join(*out, cloudflare.WasmFile))
	if err != nil {
		return err
	}
	cmd := exec.Command(*goCmd, "build", "-trimpath", "-ldflags=-s -w", "-o", wasm, pkg)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("GOOS=js GOARCH=wasm go build %s: %w", pkg, err)
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(*out, cloudflare.WasmFile))
	return writeAssets(*out, *goCmd, stdout)
}

func assets(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("assets", stderr)
	goCmd := fs.String("go", "go", "the go `command` whose GOROOT has wasm_exec.js")
	if err := fs.Parse(args); err != nil {
		return errUsage // fs printed the error
	}
	if fs.NArg() != 1 {
		return errUsage
	}
	return writeAssets(fs.Arg(0), *goCmd, stdout)
}

// writeAssets writes the shim and the wasm_exec.js of goCmd's GOROOT.
func writeAssets(dir, goCmd string, stdout io.Writer) error {
	var goroot bytes.Buffer
	cmd := exec.Command(goCmd, "env", "GOROOT")
	cmd.Stdout = &goroot
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s env GOROOT: %w", goCmd, err)
	}
	written, err := cloudflare.WriteAssets(dir, strings.TrimSpace(goroot.String()))
	report(stdout, dir, written)
	return err
}

func migrations(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrations", stderr)
	prefix := fs.String("prefix", "wf_", "table name `prefix`")
	if err := fs.Parse(args); err != nil {
		return errUsage // fs printed the error
	}
	if fs.NArg() != 1 {
		return errUsage
	}
	written, err := cloudflare.WriteMigrations(fs.Arg(0), *prefix)
	report(stdout, fs.Arg(0), written)
	return err
}

// report prints each file written.
func report(stdout io.Writer, dir string, written []string) {
	for _, name := range written {
		fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(dir, name))
	}
}
