// Package hostconfig checks the host configs wfgen writes for the
// fulfillment example (examples/fulfillment/wfhosts) by parsing them as
// their platforms do. It lives in the e2e module so that wf's own module
// requires no TOML or YAML parser.
package hostconfig_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"go.yaml.in/yaml/v3"
)

// The example sweeps at the default interval: every 5m.
const sweepCron = "*/5 * * * *"

// moduleRoot is where the configs' paths start: wf's module.
const moduleRoot = "../../.."

// example is the fulfillment example's directory.
var example = filepath.Join(moduleRoot, "examples", "fulfillment")

// readConfig decodes the config file of a host with unmarshal.
func readConfig(t *testing.T, path string, unmarshal func([]byte, any) error) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(example, "wfhosts", path))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := unmarshal(data, &v); err != nil {
		t.Fatalf("%s does not parse: %v", path, err)
	}
	return v
}

func tomlUnmarshal(data []byte, v any) error { return toml.Unmarshal(data, v) }

// field walks v along keys and list indexes.
func field(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: no key %q in %v", path, k, v)
			}
			v = m[k]
		case int:
			if tables, ok := v.([]map[string]any); ok { // TOML's [[array]]
				v = make([]any, len(tables))
				for i, m := range tables {
					v.([]any)[i] = m
				}
			}
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("%v: no item %d in %v", path, k, v)
			}
			v = l[k]
		}
	}
	return v
}

func wantField(t *testing.T, file string, v any, want any, path ...any) {
	t.Helper()
	if got := field(t, v, path...); got != want {
		t.Errorf("%s: %v is %v, want %v", file, path, got, want)
	}
}

// wantFile checks that a config names a file that exists.
func wantFile(t *testing.T, config, path string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(example, path)); err != nil {
		t.Errorf("%s names %s, which does not exist: %v", config, path, err)
	}
}

func TestHostConfigs(t *testing.T) {
	t.Parallel()
	t.Run("vercel.json", func(t *testing.T) {
		t.Parallel()
		v := readConfig(t, "vercel/vercel.json", json.Unmarshal)
		wantField(t, "vercel.json", v, "/api/wf-sweep", "crons", 0, "path")
		wantField(t, "vercel.json", v, sweepCron, "crons", 0, "schedule")
		wantFile(t, "vercel.json", "wfhosts/vercel/api/wf-sweep.go")
		for fn := range field(t, v, "functions").(map[string]any) {
			wantFile(t, "vercel.json", filepath.Join("wfhosts/vercel", fn))
		}
		wantField(t, "vercel.json", v, "/api/wf-ingress", "rewrites", 0, "destination")
		wantFile(t, "vercel.json", "wfhosts/vercel/api/wf-ingress.go")
	})
	t.Run("netlify.toml", func(t *testing.T) {
		t.Parallel()
		v := readConfig(t, "netlify/netlify.toml", tomlUnmarshal)
		wantField(t, "netlify.toml", v, sweepCron, "functions", "wf-sweep", "schedule")
		wantField(t, "netlify.toml", v, "functions", "build", "functions")
		wantField(t, "netlify.toml", v, "go build -o functions/wf-sweep . && cp functions/wf-sweep functions/wf-ingress", "build", "command")
		wantField(t, "netlify.toml", v, "/.netlify/functions/wf-ingress/:splat", "redirects", 0, "to")
	})
	t.Run("railway.toml", func(t *testing.T) {
		t.Parallel()
		v := readConfig(t, "railway/railway.toml", tomlUnmarshal)
		wantField(t, "railway.toml", v, sweepCron, "deploy", "cronSchedule")
		wantField(t, "railway.toml", v, "NEVER", "deploy", "restartPolicyType")
		build := field(t, v, "build", "buildCommand").(string)
		pkg := build[strings.LastIndex(build, " ")+1:]
		wantField(t, "railway.toml", v, "go build -o bin/wf-sweep ./examples/fulfillment/wfhosts/railway", "build", "buildCommand")
		wantFile(t, "railway.toml", filepath.Join("../..", pkg, "main.go"))
	})
	t.Run("wrangler.toml", func(t *testing.T) {
		t.Parallel()
		v := readConfig(t, "cloudflare/wrangler.toml", tomlUnmarshal)
		wantField(t, "wrangler.toml", v, sweepCron, "triggers", "crons", 0)
		wantField(t, "wrangler.toml", v, "DB", "d1_databases", 0, "binding")
		wantField(t, "wrangler.toml", v, "build/worker.mjs", "main")
		wantField(t, "wrangler.toml", v, "go tool wfcloudflare build -o build .", "build", "command")
	})
	t.Run("template.yaml", func(t *testing.T) {
		t.Parallel()
		v := readConfig(t, "lambda/template.yaml", yaml.Unmarshal)
		fn := field(t, v, "Resources", "SweepFunction", "Properties")
		wantField(t, "template.yaml", fn, "cron(0/5 * * * ? *)", "Events", "Sweep", "Properties", "ScheduleExpression")
		wantField(t, "template.yaml", fn, "ScheduleV2", "Events", "Sweep", "Type")
		wantField(t, "template.yaml", fn, "provided.al2023", "Runtime")
		wantField(t, "template.yaml", fn, ".", "CodeUri")
		wantFile(t, "template.yaml", "wfhosts/lambda/main.go")
	})
	t.Run("deployment.yaml", func(t *testing.T) {
		t.Parallel()
		v := readConfig(t, "worker/deployment.yaml", yaml.Unmarshal)
		wantField(t, "deployment.yaml", v, "Deployment", "kind")
		wantField(t, "deployment.yaml", v, 60, "spec", "template", "spec", "terminationGracePeriodSeconds")
		wantField(t, "deployment.yaml", v, 8080, "spec", "template", "spec", "containers", 0, "ports", 0, "containerPort")
	})
	t.Run("cronjob.yaml", func(t *testing.T) {
		t.Parallel()
		v := readConfig(t, "cron/cronjob.yaml", yaml.Unmarshal)
		wantField(t, "cronjob.yaml", v, "CronJob", "kind")
		wantField(t, "cronjob.yaml", v, sweepCron, "spec", "schedule")
		wantField(t, "cronjob.yaml", v, "Forbid", "spec", "concurrencyPolicy")
		wantField(t, "cronjob.yaml", v, "Never", "spec", "jobTemplate", "spec", "template", "spec", "restartPolicy")
	})
}
