package dashboard

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
)

const (
	csrfCookie = "wf_dashboard_csrf"
	// csrfField is the form field every POST carries.
	csrfField = "csrf"
)

type csrfKey struct{}

// withCSRFCookie makes sure the browser holds a random CSRF cookie and puts
// the token that matches it in the request's context for the forms.
func (d *dashboard) withCSRFCookie(w http.ResponseWriter, r *http.Request) *http.Request {
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) != 64 {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		c = &http.Cookie{Name: csrfCookie, Value: hex.EncodeToString(b), Path: d.base,
			HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode}
		if r.Method != http.MethodPost {
			// A POST without the cookie fails its check; a new cookie
			// there would only hide why.
			http.SetCookie(w, c)
		}
	}
	return r.WithContext(context.WithValue(r.Context(), csrfKey{}, d.csrfToken(c.Value)))
}

// csrfToken signs a CSRF cookie's value: a cross-site page can make the
// browser send the cookie but can neither read it nor forge its token.
func (d *dashboard) csrfToken(cookie string) string {
	m := hmac.New(sha256.New, d.csrfKey)
	m.Write([]byte("csrf:" + cookie))
	return hex.EncodeToString(m.Sum(nil))
}

func tokenOf(r *http.Request) string {
	t, _ := r.Context().Value(csrfKey{}).(string)
	return t
}

// checkCSRF refuses a POST whose token does not match its cookie, or that
// comes from a page on another host.
func (d *dashboard) checkCSRF(r *http.Request) error {
	if err := d.sameOrigin(r); err != nil {
		return err
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil {
		return errors.New("Forbidden: missing CSRF cookie; reload the page and try again")
	}
	got := r.PostFormValue(csrfField)
	if got == "" || !hmac.Equal([]byte(got), []byte(d.csrfToken(c.Value))) {
		return errors.New("Forbidden: missing or wrong CSRF token; reload the page and try again")
	}
	return nil
}

// sameOrigin refuses a POST that a browser marks as cross-origin
// (Sec-Fetch-Site, or an Origin naming another host, unless it is one of
// Config.TrustedOrigins), or, lacking both headers, whose Referer names
// another host. Requests with none of them (scripts) rely on the token.
func (d *dashboard) sameOrigin(r *http.Request) error {
	if err := d.origins.Check(r); err != nil {
		return errors.New("Forbidden: cross-origin request")
	}
	if r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") != "" {
		return nil
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		u, err := url.Parse(ref)
		if err != nil || (u.Host != r.Host && !d.trusted[u.Scheme+"://"+u.Host]) {
			return errors.New("Forbidden: cross-origin request from " + ref)
		}
	}
	return nil
}
