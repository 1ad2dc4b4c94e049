package dashboard

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/style.css
var styleCSS []byte

// pageNames are the templates under templates/, each rendered inside
// layout.html.
var pageNames = []string{"runs", "run", "approvals", "schedules", "queues", "failing", "login", "error"}

// parsePages parses each page with the functions of this dashboard (clip
// cuts text at its MaxPayloadBytes).
func (d *dashboard) parsePages() error {
	fm := template.FuncMap{"clip": func(s string) string {
		if len(s) <= d.cfg.MaxPayloadBytes {
			return s
		}
		return cutUTF8(s, d.cfg.MaxPayloadBytes) + fmt.Sprintf("… (%d bytes)", len(s))
	}}
	d.pages = make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).Funcs(fm).
			ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return fmt.Errorf("dashboard: page %s: %w", name, err)
		}
		d.pages[name] = t
	}
	return nil
}

// page is what layout.html renders around a page's content.
type page struct {
	Title string
	// Nav names the active tab: runs, approvals, schedules or failing.
	Nav string
	// Refresh, when positive, reloads the page after that many seconds.
	Refresh int
	// Flash is the outcome of the action that redirected here.
	Flash string
	Data  any

	Base   string
	CSRF   string
	Signed bool // a sign-out button makes sense
	Now    time.Time
}

func (d *dashboard) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	p.Base, p.CSRF, p.Now = d.base, tokenOf(r), d.cfg.Clock()
	p.Signed = d.cfg.Authorize == nil && r.URL.Path != "/login"
	if p.Flash == "" {
		p.Flash = r.URL.Query().Get("flash")
	}
	var buf bytes.Buffer
	if err := d.pages[name].Execute(&buf, p); err != nil {
		d.cfg.Logger.Error("dashboard: render failed", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail renders an error page; internal details stay in the log.
func (d *dashboard) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	d.render(w, r, status, "error", page{Title: http.StatusText(status), Data: msg})
}

func (d *dashboard) internal(w http.ResponseWriter, r *http.Request, err error) {
	d.cfg.Logger.Error("dashboard: request failed", "path", r.URL.Path, "err", err)
	d.fail(w, r, http.StatusInternalServerError, "Internal error; the server log has the details.")
}

func (d *dashboard) refresh(r *http.Request) int {
	if d.cfg.RefreshInterval < 0 || r.URL.Query().Get("refresh") == "0" {
		return 0
	}
	return max(1, int(d.cfg.RefreshInterval/time.Second))
}

func serveStyle(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(styleCSS)
}
