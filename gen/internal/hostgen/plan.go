package hostgen

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/wfgo/wf/gen/internal/directive"
	"github.com/wfgo/wf/gen/internal/hostgen/templates"
)

// hostData is what a host's templates are rendered with.
type hostData struct {
	// Host is the host's name in //wf:hosts, Title the platform's.
	Host, Title string
	// PkgPath and PkgName are the workflow package's; Ref is the name
	// the entry point calls it by, which is PkgName unless that collides
	// with another name of the file (Alias).
	PkgPath, PkgName, Ref string
	Alias                 bool
	// Dir is the host's directory relative to the module root,
	// slash-separated, e.g. examples/fulfillment/wfhosts/railway.
	Dir string
	// Config is the name of the host's config file.
	Config string
	// Name names the deployment where a platform wants a name: the
	// package name as a DNS label, with "-wf" ("fulfillment-wf").
	Name string
	// Sweep is how often the host sweeps ("5m"); Cron and EventBridge
	// are the cron expressions that fire then; SweepSeconds is it in
	// seconds; Interval is it as a Go expression.
	Sweep, Cron, EventBridge string
	SweepSeconds             int
	Interval                 string
	// SweepBudget bounds each sweep (a Go expression; SweepBudgetText
	// for comments), AgainWithin how long a command sweeps a backlog.
	SweepBudget, SweepBudgetText string
	AgainWithin, AgainWithinText string
	// StoreImports are the envstore driver packages the Go entry points
	// import (store= of //wf:hosts), and Opener the envstore.Opener
	// they open the store with.
	StoreImports []string
	Opener       string
	// Metrics says whether the worker serves /metrics (host/metrics).
	Metrics bool
	// GoVersion is the module's go directive.
	GoVersion string
}

// sweepBudget bounds each sweep of every host: it ends well within
// Netlify's 30s limit on a scheduled run and Cloudflare's 30s of CPU time
// for a Cron Trigger, and keeps an invocation short everywhere else.
const sweepBudget = 25 * time.Second

// reservedNames are the names the entry points import or declare: a
// workflow package with one of them is imported as "app".
var reservedNames = []string{
	"app", "cloudflare", "context", "cronjob", "envstore", "fmt", "handler", "http", "ingress", "lambda",
	"main", "metrics", "newRuntimeConfig", "os", "postgres", "runtime", "sqlite", "sqlitedialect", "sweep", "time",
	"vercel", "wf", "worker",
}

// Plan returns the files of the package's hosts: the contents of the
// directory of each host it lists and, for each host it no longer lists,
// the removal of what wfgen wrote there. A file in the way that wfgen did
// not write is an error.
func Plan(p *Package) ([]File, scanner.ErrorList, error) {
	var (
		files []File
		errs  scanner.ErrorList
	)
	for _, h := range specs {
		dir := filepath.Join(p.Dir, HostsDir, h.Name)
		if !slices.Contains(p.Hosts, h.Name) {
			stale, err := staleHostFiles(h, dir)
			if err != nil {
				return nil, nil, err
			}
			files = append(files, stale...)
			continue
		}
		if p.Module == nil || p.Module.Dir == "" {
			errs.Add(p.HostsAt, "//wf:hosts: package "+p.Name+" is not in a module; the hosts' files name paths from the module root")
			return nil, errs, nil
		}
		hostFiles, herrs, err := renderHost(p, h, dir)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, hostFiles...)
		errs = append(errs, herrs...)
	}
	return files, errs, nil
}

// renderHost renders the files of host h into dir.
func renderHost(p *Package, h *Spec, dir string) ([]File, scanner.ErrorList, error) {
	data, err := newHostData(p, h, dir)
	if err != nil {
		return nil, nil, err
	}
	var (
		files []File
		errs  scanner.ErrorList
	)
	marker, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(h.Files[0].Path)))
	markerGenerated := err == nil && IsGenerated(marker)
	for _, hf := range h.Files {
		path := filepath.Join(dir, filepath.FromSlash(hf.Path))
		if msg := occupied(h, hf, path, markerGenerated); msg != "" {
			errs.Add(token.Position{Filename: path, Line: 1, Column: 1}, msg)
			continue
		}
		var content []byte
		switch hf.Path {
		case "go.mod", "go.sum":
			gomod, gosum, msg, err := workerModule(p, dir)
			if err != nil {
				return nil, nil, err
			}
			if msg != "" {
				errs.Add(p.HostsAt, "//wf:hosts: cloudflare: "+msg)
				return nil, errs, nil
			}
			content = gomod
			if hf.Path == "go.sum" {
				content = gosum
			}
		default:
			content, err = templates.Render(hf.Template, data)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %s: %w", p.Path, hf.Path, err)
			}
		}
		content, err = withHeader(hf.Format, content)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: wfhosts/%s/%s: %w", p.Path, h.Name, hf.Path, err)
		}
		files = append(files, File{Path: path, Content: content})
	}
	for _, retired := range h.Retired {
		path := filepath.Join(dir, filepath.FromSlash(retired))
		if src, err := os.ReadFile(path); err == nil && IsGenerated(src) {
			files = append(files, File{Path: path})
		}
	}
	return files, errs, nil
}

func newHostData(p *Package, h *Spec, dir string) (hostData, error) {
	rel, err := filepath.Rel(p.Module.Dir, dir)
	if err != nil {
		return hostData{}, err
	}
	sweep := SweepOf(h, p.Sweep)
	d := hostData{
		Host: h.Name, Title: h.Title,
		PkgPath: p.Path, PkgName: p.Name, Ref: p.Name,
		Dir:    filepath.ToSlash(rel),
		Config: h.Files[len(h.Files)-1].Path,
		Name:   strings.ReplaceAll(strings.ToLower(p.Name), "_", "-") + "-wf",
		Sweep:  directive.ShortDuration(sweep), SweepSeconds: int(sweep / time.Second), Interval: goDuration(sweep),
		SweepBudget: goDuration(sweepBudget), SweepBudgetText: directive.ShortDuration(sweepBudget),
		AgainWithin: goDuration(sweep / 2), AgainWithinText: directive.ShortDuration(sweep / 2),
		GoVersion: p.Module.GoVersion,
		Metrics:   p.Metrics && h.Name == "worker",
	}
	d.StoreImports, d.Opener = storeDrivers(p.Store)
	if h.Name == "cloudflare" {
		d.Config = "wrangler.toml"
	}
	if h.Cron {
		d.Cron, d.EventBridge = cronExpr(sweep), eventBridgeExpr(sweep)
	}
	if slices.Contains(reservedNames, p.Name) {
		d.Ref, d.Alias = "app", true
	}
	return d, nil
}

// storeDrivers returns the packages and the envstore.Opener of store=.
func storeDrivers(store string) ([]string, string) {
	const envstore = wfPath + "/host/envstore"
	switch store {
	case "sqlite":
		return []string{envstore + "/sqlite"}, "sqlite.Open"
	case "either":
		return []string{envstore, envstore + "/postgres", envstore + "/sqlite"}, "envstore.Either(postgres.Open, sqlite.Open)"
	}
	return []string{envstore + "/postgres"}, "postgres.Open"
}

// goDuration renders d as a Go expression in its largest exact unit:
// 5 * time.Minute.
func goDuration(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "Hour"}, {time.Minute, "Minute"}, {time.Second, "Second"}, {time.Millisecond, "Millisecond"}} {
		if d%u.d == 0 {
			if d == u.d {
				return "time." + u.name
			}
			return fmt.Sprintf("%d * time.%s", d/u.d, u.name)
		}
	}
	return fmt.Sprintf("%d", d)
}

// hashHeader is Header for files whose comments start with #.
const hashHeader = "# Code generated by wfgen. DO NOT EDIT."

// withHeader prepends the generated-file header the format allows, and
// formats Go source.
func withHeader(f fileFormat, content []byte) ([]byte, error) {
	switch f {
	case goSource:
		return format.Source(append([]byte(Header+"\n\n"), content...))
	case goMod:
		return append([]byte(Header+"\n\n"), content...), nil
	case hashed:
		return append([]byte(hashHeader+"\n"), content...), nil
	}
	return content, nil
}

// generatedAs reports whether src carries the header of format f; files
// that take no comments cannot say, and count as generated.
func generatedAs(f fileFormat, src []byte) bool {
	switch f {
	case goSource, goMod:
		return IsGenerated(src)
	case hashed:
		return bytes.HasPrefix(src, []byte(hashHeader+"\n")) || bytes.HasPrefix(src, []byte(hashHeader+"\r\n"))
	}
	return true
}

// occupied returns why wfgen must not write the file at path, or "". A
// file that takes no comments is wfgen's only in a directory whose marker
// (the host's first file) is.
func occupied(h *Spec, hf hostFile, path string, markerGenerated bool) string {
	src, err := os.ReadFile(path)
	switch {
	case err != nil:
		return ""
	case hf.Format == noComment && markerGenerated:
		return ""
	case hf.Format != noComment && generatedAs(hf.Format, src):
		return ""
	}
	return fmt.Sprintf("this file was not written by wfgen, which writes the %s host's %s here; move it", h.Name, hf.Path)
}

// staleHostFiles returns the removal of the files wfgen wrote into dir for
// host h, which the package no longer lists: all of them when the
// directory's marker is wfgen's, and none otherwise.
func staleHostFiles(h *Spec, dir string) ([]File, error) {
	marker, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(h.Files[0].Path)))
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !IsGenerated(marker)) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []File
	for _, hf := range h.Files {
		path := filepath.Join(dir, filepath.FromSlash(hf.Path))
		src, err := os.ReadFile(path)
		if err == nil && generatedAs(hf.Format, src) {
			out = append(out, File{Path: path})
		}
	}
	return out, nil
}

// IsHostFile reports whether path lies in a host directory.
func IsHostFile(path string) bool {
	return strings.Contains(filepath.ToSlash(path), "/"+HostsDir+"/")
}
