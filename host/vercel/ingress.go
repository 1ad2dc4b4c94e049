package vercel

import (
	"net/http"

	"github.com/wfgo/wf/host"
)

// IngressPrefixes are the paths the ingress function is reached under:
// /api/wf as the client sends it, /api/wf-ingress after vercel.json's
// rewrite.
var IngressPrefixes = []string{"/api/wf-ingress", "/api/wf"}

// IngressHandler serves ingress (the API from host.NewIngress) under
// Vercel's routes: a path under one of IngressPrefixes is handed on
// without the prefix (host.StripPrefixes).
func IngressHandler(ingress http.Handler) http.Handler {
	return host.StripPrefixes(ingress, IngressPrefixes...)
}
