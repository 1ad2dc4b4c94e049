package vercel_test

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/host/internal/hosttest"
	"github.com/wfgo/wf/host/vercel"
)

type lockedBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

// TestIngressContract serves the ingress API as the generated Vercel
// function does, at both of its prefixes.
func TestIngressContract(t *testing.T) {
	t.Parallel()
	for _, prefix := range vercel.IngressPrefixes {
		t.Run(prefix, func(t *testing.T) {
			t.Parallel()
			b := hosttest.New(t, nil)
			var log lockedBuffer
			ing, err := host.NewIngress(host.IngressConfig{Runtime: b.Runtime, Secret: "s3cret", Logger: slog.New(slog.NewJSONHandler(&log, nil))})
			if err != nil {
				t.Fatal(err)
			}
			h := vercel.IngressHandler(ing)
			do := func(t *testing.T, method, path, auth, body string) (int, []byte) {
				req := httptest.NewRequest(method, "https://app.vercel.app"+prefix+path, strings.NewReader(body))
				if auth != "" {
					req.Header.Set("Authorization", auth)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec.Code, rec.Body.Bytes()
			}
			hosttest.Contract(t, hosttest.Target{Do: do, Secret: "s3cret", MaxBodyBytes: 1 << 20,
				Runtime: b.Runtime, Store: b.Store, Clock: b.Clock, Log: &log.Buffer})
		})
	}
}
