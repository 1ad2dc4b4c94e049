package host

import (
	"net/http"
	"net/url"
	"strings"
)

// StripPrefixes serves h under the path prefixes a platform routes the
// ingress API through: a path under one of prefixes (tried in order) is
// handed on without it, its escapes kept, so that an escaped "/" in an ID
// stays inside its segment (and is refused as an ID) rather than making
// another path. Other paths are handed on as they are.
func StripPrefixes(h http.Handler, prefixes ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := new(http.Request)
		*r2 = *r
		r2.URL = cutPrefix(r.URL, prefixes)
		h.ServeHTTP(w, r2)
	})
}

// cutPrefix is u with the first of prefixes that it lies under cut from
// its path.
func cutPrefix(u *url.URL, prefixes []string) *url.URL {
	out := *u
	for _, prefix := range prefixes {
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
