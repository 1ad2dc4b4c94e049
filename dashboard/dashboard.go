package dashboard

import (
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/wfgo/wf/runtime"
)

// Config configures the dashboard.
type Config struct {
	// Runtime reads and acts on the runs. Required.
	Runtime *runtime.Runtime
	// Secret, when set, is what an operator types to sign in (or sends as
	// "Authorization: Bearer <Secret>").
	Secret string
	// Authorize, when set, decides instead of Secret on every request: a
	// non-nil error is a 401 with that error's message.
	Authorize func(*http.Request) error
	// CSRFKey signs CSRF tokens. Defaults to a key derived from Secret, or,
	// with Authorize only, to a random key made by New (tokens then do not
	// survive a restart, nor work across replicas: set it when the
	// dashboard runs behind a load balancer).
	CSRFKey []byte
	// TrustedOrigins are origins ("https://ops.example.com") besides the
	// request's own host that may POST: set it when a proxy in front of
	// the dashboard changes the Host header. Defaults to none.
	TrustedOrigins []string
	// Path is where the handler is mounted, e.g. "/dashboard/"; links and
	// cookies are made under it. Defaults to "/".
	Path string
	// MaxPayloadBytes is how much of a payload a page shows before cutting
	// it. Defaults to 4096.
	MaxPayloadBytes int
	// RefreshInterval is how often the runs, approvals and failing pages
	// reload themselves (a meta refresh; ?refresh=0 turns it off).
	// Defaults to 10s; negative disables it.
	RefreshInterval time.Duration
	// CountLimit bounds the runs counted per status on the runs page; a
	// larger count shows as "CountLimit+". Defaults to 1000; negative
	// hides the counts.
	CountLimit int
	// ScanLimit bounds the runs read to find pending approvals and failing
	// runs. Defaults to 2000.
	ScanLimit int
	// DriveBudget bounds the drive an action (approve, cancel) does.
	// Defaults to 25s.
	DriveBudget time.Duration
	// Clock defaults to time.Now.
	Clock func() time.Time
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// New returns the dashboard's handler. It refuses to build without Secret
// or Authorize.
func New(cfg Config) (http.Handler, error) {
	if cfg.Runtime == nil {
		return nil, errors.New("dashboard: Config.Runtime is nil")
	}
	if cfg.Secret == "" && cfg.Authorize == nil {
		return nil, errors.New("dashboard: a Secret or an Authorize func is required")
	}
	cfg = withDefaults(cfg)
	d := &dashboard{cfg: cfg, base: cfg.Path, csrfKey: cfg.CSRFKey,
		origins: http.NewCrossOriginProtection(), trusted: map[string]bool{}}
	for _, o := range cfg.TrustedOrigins {
		if err := d.origins.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("dashboard: TrustedOrigins: %w", err)
		}
		d.trusted[o] = true
	}
	if d.csrfKey == nil {
		if cfg.Secret != "" {
			d.csrfKey = derive(cfg.Secret, "wf-dashboard csrf")
		} else {
			d.csrfKey = make([]byte, 32)
			_, _ = rand.Read(d.csrfKey)
		}
	}
	if err := d.parsePages(); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	d.routes(mux)
	prefix := strings.TrimSuffix(cfg.Path, "/")
	var h http.Handler = d.guard(mux)
	if prefix != "" {
		h = http.StripPrefix(prefix, h)
	}
	return h, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Path == "" {
		cfg.Path = "/"
	}
	if !strings.HasPrefix(cfg.Path, "/") {
		cfg.Path = "/" + cfg.Path
	}
	if !strings.HasSuffix(cfg.Path, "/") {
		cfg.Path += "/"
	}
	if cfg.MaxPayloadBytes <= 0 {
		cfg.MaxPayloadBytes = 4096
	}
	if cfg.RefreshInterval == 0 {
		cfg.RefreshInterval = 10 * time.Second
	}
	if cfg.CountLimit == 0 {
		cfg.CountLimit = 1000
	}
	if cfg.ScanLimit <= 0 {
		cfg.ScanLimit = 2000
	}
	if cfg.DriveBudget <= 0 {
		cfg.DriveBudget = 25 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

type dashboard struct {
	cfg     Config
	base    string // cfg.Path, ending in "/"
	csrfKey []byte
	pages   map[string]*template.Template
	origins *http.CrossOriginProtection
	trusted map[string]bool // TrustedOrigins, for the Referer check
}

func (d *dashboard) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", d.runsPage)
	mux.HandleFunc("GET /runs/{runID}", d.runPage)
	mux.HandleFunc("POST /runs/{runID}/cancel", d.cancel)
	mux.HandleFunc("POST /runs/{runID}/retry", d.retry)
	mux.HandleFunc("POST /runs/{runID}/approvals/{approvalID}", d.decide)
	mux.HandleFunc("GET /approvals", d.approvalsPage)
	mux.HandleFunc("GET /schedules", d.schedulesPage)
	mux.HandleFunc("GET /queues", d.queuesPage)
	mux.HandleFunc("POST /schedules/{scheduleID}/{action}", d.scheduleAction)
	mux.HandleFunc("GET /failing", d.failingPage)
	mux.HandleFunc("GET /login", d.loginPage)
	mux.HandleFunc("POST /login", d.login)
	mux.HandleFunc("POST /logout", d.logout)
	mux.HandleFunc("GET /static/style.css", serveStyle)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		d.fail(w, r, http.StatusNotFound, "No such page: "+r.Method+" "+r.URL.Path)
	})
}
