package hostgen

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
)

// The Cloudflare host is a module of its own, so that wf's module needs
// no wasm-only code: the Worker of a package is built in a module of its
// own too, in wfhosts/cloudflare, which requires the app's module and the
// host's.
const (
	wfModule         = wfPath
	cloudflareModule = wfPath + "/host/cloudflare"
	cloudflareTool   = cloudflareModule + "/cmd/wfcloudflare"
)

// workerModule returns go.mod and go.sum of the Cloudflare Worker's
// module in dir. go.mod requires the app's module, replaced by its
// directory, with the app's own requirements (so that the Worker builds
// with the versions the app is tested with) and replacements, and the
// Cloudflare host with its wfcloudflare tool: the version the app
// requires, or the directory beside wf's when the app is wf or replaces
// it by a directory. go.sum joins the app's and, then, the host's. msg
// says why the host cannot be found, for the directive.
func workerModule(p *Package, dir string) (gomod, gosum []byte, msg string, err error) {
	appDir := p.Module.Dir
	src, err := os.ReadFile(p.Module.GoMod)
	if err != nil {
		return nil, nil, "", err
	}
	app, err := modfile.Parse(p.Module.GoMod, src, nil)
	if err != nil {
		return nil, nil, "", err
	}
	rel := func(target string) string {
		if !filepath.IsAbs(target) {
			target = filepath.Join(appDir, target)
		}
		r, err := filepath.Rel(dir, target)
		if err != nil {
			return target
		}
		if r = filepath.ToSlash(r); !strings.HasPrefix(r, "../") {
			r = "./" + r
		}
		return r
	}

	f := new(modfile.File)
	if err := f.AddModuleStmt(p.Path + "/" + HostsDir + "/cloudflare"); err != nil {
		return nil, nil, "", err
	}
	if app.Go != nil {
		if err := f.AddGoStmt(app.Go.Version); err != nil {
			return nil, nil, "", err
		}
	}
	if app.Toolchain != nil {
		if err := f.AddToolchainStmt(app.Toolchain.Name); err != nil {
			return nil, nil, "", err
		}
	}
	var reqs []*modfile.Require
	add := func(path, version string, indirect bool) {
		reqs = append(reqs, &modfile.Require{Mod: modVersion(path, version), Indirect: indirect})
	}
	add(app.Module.Mod.Path, "v0.0.0", false)
	cfVersion, cfDir := "", ""
	for _, r := range app.Require {
		if r.Mod.Path == cloudflareModule {
			cfVersion = r.Mod.Version
			continue
		}
		add(r.Mod.Path, r.Mod.Version, true)
	}
	if cfVersion == "" {
		cfDir = localCloudflare(app, appDir)
		if cfDir == "" {
			return nil, nil, fmt.Sprintf("module %s does not require %s, which builds the Worker; run go get -tool %s",
				app.Module.Mod.Path, cloudflareModule, cloudflareTool), nil
		}
		cfVersion = "v0.0.0"
	}
	add(cloudflareModule, cfVersion, false)
	f.SetRequireSeparateIndirect(reqs)
	if err := f.AddTool(cloudflareTool); err != nil {
		return nil, nil, "", err
	}
	if err := f.AddReplace(app.Module.Mod.Path, "", rel(appDir), ""); err != nil {
		return nil, nil, "", err
	}
	if cfDir != "" {
		if err := f.AddReplace(cloudflareModule, "", rel(cfDir), ""); err != nil {
			return nil, nil, "", err
		}
	}
	for _, r := range app.Replace {
		target := r.New.Path
		if r.New.Version == "" && modfile.IsDirectoryPath(target) {
			target = rel(target)
		}
		if err := f.AddReplace(r.Old.Path, r.Old.Version, target, r.New.Version); err != nil {
			return nil, nil, "", err
		}
	}
	f.Cleanup()
	gomod = modfile.Format(f.Syntax)

	sums := [][]byte{}
	for _, d := range []string{appDir, cfDir} {
		if d == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(d, "go.sum"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, "", err
		}
		sums = append(sums, bytes.SplitAfter(b, []byte("\n"))...)
	}
	sums = slices.DeleteFunc(sums, func(l []byte) bool { return len(bytes.TrimSpace(l)) == 0 })
	slices.SortFunc(sums, bytes.Compare)
	return gomod, bytes.Join(slices.CompactFunc(sums, bytes.Equal), nil), "", nil
}

// localCloudflare returns the directory of the Cloudflare host beside wf's
// when wf is a directory: the app is wf itself, or replaces it by one.
// It returns "" otherwise.
func localCloudflare(app *modfile.File, appDir string) string {
	wfDir := ""
	if app.Module.Mod.Path == wfModule {
		wfDir = appDir
	}
	for _, r := range app.Replace {
		if r.Old.Path == wfModule && r.New.Version == "" && modfile.IsDirectoryPath(r.New.Path) {
			wfDir = r.New.Path
			if !filepath.IsAbs(wfDir) {
				wfDir = filepath.Join(appDir, wfDir)
			}
		}
	}
	if wfDir == "" {
		return ""
	}
	cfDir := filepath.Join(wfDir, "host", "cloudflare")
	if _, err := os.Stat(filepath.Join(cfDir, "go.mod")); err != nil {
		return ""
	}
	return cfDir
}

func modVersion(path, version string) module.Version {
	return module.Version{Path: path, Version: version}
}
