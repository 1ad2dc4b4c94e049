package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMainWritesTableAndChart(t *testing.T) {
	t.Parallel()
	in := strings.Join([]string{
		`{"name":"cpu-workflow-10-steps-memstore","concurrency":1,"value":22.5,"unit":"µs/workflow"}`,
		`{"name":"raw-insert","concurrency":1,"value":2400,"unit":"tx/s"}`,
		`{"name":"workflow-10-steps","concurrency":1,"value":180,"unit":"workflows/s","limit":200,"ratio":0.9}`,
		`{"name":"workflow-10-steps","concurrency":8,"value":400,"unit":"workflows/s","limit":580,"ratio":0.69}`,
		`{"name":"workflow-10-steps-p50","concurrency":1,"value":2.1,"unit":"ms"}`,
		`{"name":"sweep-10000-timers","concurrency":8,"value":5000,"unit":"timers/s","limit":9000,"ratio":0.56}`,
	}, "\n")
	dir := t.TempDir()
	var stderr bytes.Buffer
	if code := Main([]string{"-o", dir}, strings.NewReader(in), &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	md, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| workflow-10-steps | 8 | 400.0 | workflows/s | 580.0 | 0.69 |", "| raw-insert | 1 | 2400.0 | tx/s |  |  |", "throughput.png",
		"CPU reference: a serial 10-step workflow on the in-memory store (no I/O) took 22.5 µs in this run.",
		"| W10 PostgreSQL, 1 client, ratio to limit/12 | ≥ 1.0, p50 ≤ 2.5 ms | 0.90, p50 2.1 ms | no |",
		"| W10 PostgreSQL, 8 clients, ratio to c8 limit/12 | ≥ 1.5 | 0.69 | no |",
		"| 10,000 due timers, PostgreSQL, concurrency 8, ratio to raw c8 / 2 | ≥ 0.5 | 0.56 | yes |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(string(md), "SQLite") {
		t.Errorf("report lists a goal whose figure was not measured:\n%s", md)
	}
	f, err := os.Open(filepath.Join(dir, "throughput.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() != 720 {
		t.Fatalf("chart: %v %v", img.Bounds(), err)
	}
	if code := Main([]string{"-o", dir}, strings.NewReader(""), &stderr); code != 1 {
		t.Fatalf("empty input: exit %d", code)
	}
}
