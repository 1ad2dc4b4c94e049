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
		`{"name":"raw-insert","concurrency":1,"value":2400,"unit":"tx/s"}`,
		`{"name":"workflow-10-steps","concurrency":1,"value":180,"unit":"workflows/s","limit":200,"ratio":0.9}`,
		`{"name":"workflow-10-steps","concurrency":8,"value":400,"unit":"workflows/s","limit":580,"ratio":0.69}`,
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
	for _, want := range []string{"| workflow-10-steps | 8 | 400.0 | workflows/s | 580.0 | 0.69 |", "| raw-insert | 1 | 2400.0 | tx/s |  |  |", "throughput.png"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
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
