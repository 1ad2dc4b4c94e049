package dashboard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/wfgo/wf"
)

var funcs = template.FuncMap{
	"ts":      formatTime,
	"tsp":     func(t *time.Time) string { return formatTimePtr(t) },
	"dur":     formatDuration,
	"ago":     func(now, t time.Time) string { return formatDuration(now.Sub(t)) },
	"q":       url.QueryEscape,
	"p":       url.PathEscape,
	"errtext": errText,
	"retry":   retryable,
	"actions": scheduleActions,
	"clip":    func(s string) string { return s }, // replaced per dashboard
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05.000Z")
}

func formatTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return formatTime(*t)
}

// formatDuration rounds to what a person reads: ms under a second, then
// seconds with one decimal, then whole units.
func formatDuration(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	var s string
	switch {
	case d < time.Millisecond:
		s = d.Round(time.Microsecond).String()
	case d < time.Second:
		s = d.Round(time.Millisecond).String()
	case d < time.Minute:
		s = d.Round(100 * time.Millisecond).String()
	case d < 48*time.Hour:
		s = d.Round(time.Second).String()
	default:
		s = fmt.Sprintf("%dd%s", d/(24*time.Hour), (d % (24 * time.Hour)).Round(time.Hour))
	}
	if neg {
		return "-" + s
	}
	return s
}

// Payload is a JSON value as a page shows it: indented, and cut above the
// dashboard's limit.
type Payload struct {
	Text string
	// Size is the stored value's size in bytes.
	Size int
	Cut  bool
}

func (d *dashboard) payload(raw json.RawMessage) Payload {
	if len(raw) == 0 {
		return Payload{}
	}
	text := raw
	if len(raw) <= d.cfg.MaxPayloadBytes {
		var buf bytes.Buffer
		if json.Indent(&buf, raw, "", "  ") == nil && buf.Len() <= d.cfg.MaxPayloadBytes {
			text = buf.Bytes()
		}
	}
	p := Payload{Text: string(text), Size: len(raw)}
	if len(text) > d.cfg.MaxPayloadBytes {
		p.Text, p.Cut = cutUTF8(string(text), d.cfg.MaxPayloadBytes), true
	}
	return p
}

// cutUTF8 cuts s to at most n bytes without splitting a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// errText is an error's chain on one line: "Name: message (code) ← cause".
func errText(e *wf.ErrorInfo) string {
	var parts []string
	for ; e != nil; e = e.Cause {
		s := e.Message
		if e.Name != "" {
			s = e.Name + ": " + s
		}
		if e.Code != "" {
			s += " (" + string(e.Code) + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ← ")
}

// scheduleActions are a schedule's buttons: resume a paused one; pause
// one that fires, and trigger it when this runtime registers it.
func scheduleActions(paused, registered bool) []string {
	switch {
	case paused:
		return []string{"resume"}
	case registered:
		return []string{"pause", "trigger"}
	}
	return []string{"pause"}
}
