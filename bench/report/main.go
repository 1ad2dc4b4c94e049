// Command report turns bench/store's JSON lines into the benchmark report:
// a markdown table and a PNG chart of throughput against concurrency, ours
// beside the raw PostgreSQL limit measured in the same run.
//
//	cd bench && go run ./store -json … | go run ./report -o results
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strings"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// cpuReference names bench/store's CPU reference figure.
const cpuReference = "cpu-workflow-10-steps-memstore"

// Figure is one line of bench/store -json.
type Figure struct {
	Name        string  `json:"name"`
	Concurrency int     `json:"concurrency"`
	Value       float64 `json:"value"`
	Unit        string  `json:"unit"`
	Limit       float64 `json:"limit,omitempty"`
	Ratio       float64 `json:"ratio,omitempty"`
	Note        string  `json:"note,omitempty"`
}

func main() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stderr)) }

// Main reads figures from in and writes the report; it returns the exit code.
func Main(args []string, in io.Reader, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("o", "bench/results", "directory for README.md and throughput.png")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	figs, err := read(in)
	if err != nil {
		fmt.Fprintln(stderr, "report:", err)
		return 1
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintln(stderr, "report:", err)
		return 1
	}
	if err := os.WriteFile(filepath.Join(*dir, "README.md"), []byte(Markdown(figs, time.Now())), 0o644); err != nil {
		fmt.Fprintln(stderr, "report:", err)
		return 1
	}
	f, err := os.Create(filepath.Join(*dir, "throughput.png"))
	if err != nil {
		fmt.Fprintln(stderr, "report:", err)
		return 1
	}
	defer f.Close()
	if err := png.Encode(f, Chart(figs)); err != nil {
		fmt.Fprintln(stderr, "report:", err)
		return 1
	}
	return 0
}

func read(in io.Reader) ([]Figure, error) {
	var figs []Figure
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var f Figure
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			return nil, fmt.Errorf("line %q: %w", line, err)
		}
		figs = append(figs, f)
	}
	if len(figs) == 0 {
		return nil, fmt.Errorf("no figures on standard input")
	}
	return figs, sc.Err()
}

// Markdown renders the report's text.
func Markdown(figs []Figure, at time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmark report\n\n")
	fmt.Fprintf(&b, "Measured %s on %s/%s with %d CPUs, PostgreSQL on the same machine. ", at.UTC().Format("2006-01-02 15:04 MST"), goruntime.GOOS, goruntime.GOARCH, goruntime.NumCPU())
	fmt.Fprintf(&b, "The limit is the raw one-row-insert transaction rate at the same concurrency, measured in the same run in alternating slices; a 10-step workflow needs 12 writes (create, ten checkpoints, finish), so the ideal is limit / 12. For workflow-10-local-steps (ten local steps: create and finish only) the limit is the 10-step workflow of durable steps at the same concurrency, so its ratio is what local steps gain. Regenerate with `make bench`.\n\n")
	for _, f := range figs {
		if f.Name == cpuReference {
			fmt.Fprintf(&b, "CPU reference: a serial 10-step workflow on the in-memory store (no I/O) took %.1f µs in this run. The baselines are bound by fsync, while part of a workflow's cost is CPU, so the same code shows lower ratios on a machine whose CPU is slower at the same fsync rate: compare this figure before reading a change in the ratios as a regression.\n\n", f.Value)
		}
	}
	if t := goalsTable(figs); t != "" {
		fmt.Fprintf(&b, "## Goals\n\nEach a ratio to a baseline measured in the same run.\n\n%s\n", t)
	}
	fmt.Fprintf(&b, "![throughput against concurrency](throughput.png)\n\n")
	fmt.Fprintf(&b, "| figure | concurrency | value | unit | limit | ratio |\n| --- | ---: | ---: | --- | ---: | ---: |\n")
	for _, f := range figs {
		limit, ratio := "", ""
		if f.Limit > 0 {
			limit, ratio = fmt.Sprintf("%.1f", f.Limit), fmt.Sprintf("%.2f", f.Ratio)
		}
		name := f.Name
		if f.Note != "" {
			name += " (" + f.Note + ")"
		}
		fmt.Fprintf(&b, "| %s | %d | %.1f | %s | %s | %s |\n", name, f.Concurrency, f.Value, f.Unit, limit, ratio)
	}
	return b.String()
}

// series is one line of the chart.
type series struct {
	label string
	color color.RGBA
	pts   map[int]float64
}

// Chart draws workflows/s against concurrency beside the raw limit / 12.
func Chart(figs []Figure) image.Image {
	ours := series{"wf: 10-step workflows/s", color.RGBA{0x1f, 0x77, 0xb4, 0xff}, map[int]float64{}}
	limit := series{"raw PostgreSQL limit / 12", color.RGBA{0xd6, 0x27, 0x28, 0xff}, map[int]float64{}}
	for _, f := range figs {
		if f.Name == "workflow-10-steps" {
			ours.pts[f.Concurrency] = f.Value
			limit.pts[f.Concurrency] = f.Limit
		}
	}
	const w, h, left, right, top, bottom = 720, 420, 70, 30, 40, 60
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	var levels []int
	maxY := 1.0
	for c, v := range limit.pts {
		levels = append(levels, c)
		maxY = max(maxY, v, ours.pts[c])
	}
	sort.Ints(levels)
	maxY *= 1.15
	gray := color.RGBA{0xcc, 0xcc, 0xcc, 0xff}
	black := color.RGBA{0, 0, 0, 0xff}
	x := func(i int) int {
		if len(levels) < 2 {
			return left + (w-left-right)/2
		}
		return left + i*(w-left-right)/(len(levels)-1)
	}
	y := func(v float64) int { return h - bottom - int(v/maxY*float64(h-top-bottom)) }
	for i := 0; i <= 5; i++ {
		v := maxY * float64(i) / 5
		line(img, left, y(v), w-right, y(v), gray)
		text(img, 5, y(v)+4, fmt.Sprintf("%.0f", v), black)
	}
	line(img, left, top, left, h-bottom, black)
	line(img, left, h-bottom, w-right, h-bottom, black)
	for i, c := range levels {
		text(img, x(i)-4, h-bottom+18, fmt.Sprint(c), black)
	}
	text(img, w/2-60, h-15, "concurrent clients", black)
	text(img, left, 20, "workflows/s (10 steps each) against concurrency", black)
	for k, s := range []series{limit, ours} {
		for i, c := range levels {
			px, py := x(i), y(s.pts[c])
			box(img, px, py, 3, s.color)
			if i > 0 {
				line(img, x(i-1), y(s.pts[levels[i-1]]), px, py, s.color)
			}
		}
		box(img, w-260, top+10+k*18, 4, s.color)
		text(img, w-250, top+14+k*18, s.label, black)
	}
	return img
}

func text(img draw.Image, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func box(img draw.Image, x, y, r int, c color.Color) {
	draw.Draw(img, image.Rect(x-r, y-r, x+r+1, y+r+1), image.NewUniform(c), image.Point{}, draw.Src)
}

// line draws a 2-pixel-wide line with Bresenham's algorithm.
func line(img draw.Image, x0, y0, x1, y1 int, c color.Color) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	err := dx + dy
	for {
		img.Set(x0, y0, c)
		img.Set(x0, y0+1, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * err
		if e2 >= dy {
			err += dy
			x0 += sx
		}
		if e2 <= dx {
			err += dx
			y0 += sy
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func sign(n int) int {
	switch {
	case n > 0:
		return 1
	case n < 0:
		return -1
	}
	return 0
}
