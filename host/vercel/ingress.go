package vercel

import (
	"net/http"
	"net/url"
	"strings"
)

// IngressPrefixes are the paths the ingress function is reached under:
// /api/wf as the client sends it, /api/wf-ingress after vercel.json's
// rewrite.
var IngressPrefixes = []string{"/api/wf-ingress", "/api/wf"}

// IngressHandler serves ingress (the API from host.NewIngress) under
// Vercel's routes: a path under one of IngressPrefixes is handed on
// without the prefix, its escapes kept, so that an escaped "/" in an ID
// stays inside its segment (and is refused as an ID) rather than making
// another path.
func IngressHandler(ingress http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := new(http.Request)
		*r2 = *r
		r2.URL = ingressURL(r.URL)
		ingress.ServeHTTP(w, r2)
	})
}

// ingressURL is u with an ingress prefix cut from its path.
func ingressURL(u *url.URL) *url.URL {
	out := *u
	for _, prefix := range IngressPrefixes {
		rest, ok := strings.CutPrefix(u.Path, prefix)
		if !ok || (rest != "" && rest[0] != '/') {
			continue
		}
		out.Path = "/" + strings.TrimPrefix(rest, "/")
		if raw, ok := strings.CutPrefix(u.RawPath, prefix); ok {
			out.RawPath = "/" + strings.TrimPrefix(raw, "/")
		}
		break
	}
	return &out
}
