package dashboard

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

const sessionCookie = "wf_dashboard_session"

// derive is HMAC-SHA256(secret, label): what cookies and keys hold instead
// of the secret.
func derive(secret, label string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(label))
	return m.Sum(nil)
}

func (d *dashboard) sessionValue() string {
	return hex.EncodeToString(derive(d.cfg.Secret, "wf-dashboard session"))
}

// guard authenticates every request but the sign-in page and the
// stylesheet, and checks CSRF on every POST.
func (d *dashboard) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = d.withCSRFCookie(w, r)
		public := r.URL.Path == "/login" || r.URL.Path == "/static/style.css"
		if !public {
			if err := d.authenticate(r); err != nil {
				d.unauthorized(w, r, err)
				return
			}
		}
		if r.Method == http.MethodPost {
			if err := d.checkCSRF(r); err != nil {
				d.fail(w, r, http.StatusForbidden, err.Error())
				return
			}
		}
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		next.ServeHTTP(w, r)
	})
}

// authenticate runs Authorize, or checks the session cookie or bearer
// secret.
func (d *dashboard) authenticate(r *http.Request) error {
	if d.cfg.Authorize != nil {
		return d.cfg.Authorize(r)
	}
	if got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		if subtle.ConstantTimeCompare([]byte(got), []byte(d.cfg.Secret)) == 1 {
			return nil
		}
		return errors.New("wrong bearer secret")
	}
	if c, err := r.Cookie(sessionCookie); err == nil &&
		subtle.ConstantTimeCompare([]byte(c.Value), []byte(d.sessionValue())) == 1 {
		return nil
	}
	return errors.New("sign in first")
}

// unauthorized sends a browser's GET to the sign-in page and refuses the
// rest with 401.
func (d *dashboard) unauthorized(w http.ResponseWriter, r *http.Request, err error) {
	if d.cfg.Authorize == nil && r.Method == http.MethodGet {
		next := url.QueryEscape(strings.TrimPrefix(r.URL.RequestURI(), "/"))
		http.Redirect(w, r, d.base+"login?next="+next, http.StatusSeeOther)
		return
	}
	d.fail(w, r, http.StatusUnauthorized, "Unauthorized: "+err.Error())
}

func (d *dashboard) loginPage(w http.ResponseWriter, r *http.Request) {
	if d.cfg.Authorize != nil {
		http.Redirect(w, r, d.base, http.StatusSeeOther)
		return
	}
	d.render(w, r, http.StatusOK, "login", page{Title: "Sign in", Data: loginData{Next: r.URL.Query().Get("next")}})
}

type loginData struct {
	Next  string
	Error string
}

// login checks the typed secret in constant time and sets the session
// cookie (an HMAC of the secret, never the secret).
func (d *dashboard) login(w http.ResponseWriter, r *http.Request) {
	if d.cfg.Authorize != nil {
		http.Redirect(w, r, d.base, http.StatusSeeOther)
		return
	}
	next := r.PostFormValue("next")
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("secret")), []byte(d.cfg.Secret)) != 1 {
		d.render(w, r, http.StatusUnauthorized, "login", page{Title: "Sign in", Data: loginData{Next: next, Error: "Wrong secret."}})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: d.sessionValue(), Path: d.base,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, d.base+localPath(next), http.StatusSeeOther)
}

func (d *dashboard) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: d.base, MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, d.base+"login", http.StatusSeeOther)
}

// localPath keeps a redirect target inside the dashboard: a relative path
// without a scheme, host or leading slash, or "" for the runs page.
func localPath(p string) string {
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil ||
		strings.HasPrefix(p, "/") || strings.HasPrefix(p, "\\") || strings.Contains(p, "\\") {
		return ""
	}
	return p
}
