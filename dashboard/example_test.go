package dashboard_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/wfgo/wf/dashboard"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/memstore"
)

// An app mounts the dashboard on its own mux and lets its own session
// decide who may use it.
func ExampleNew() {
	rt, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: workflows()})
	if err != nil {
		panic(err)
	}
	h, err := dashboard.New(dashboard.Config{
		Runtime: rt,
		Path:    "/ops/",
		Authorize: func(r *http.Request) error {
			if r.Header.Get("X-Operator") == "" { // e.g. the app's session check
				return errors.New("operators only")
			}
			return nil
		},
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ops/", h)

	for _, who := range []string{"", "ada"} {
		req := httptest.NewRequest(http.MethodGet, "/ops/approvals", nil)
		req.Header.Set("X-Operator", who)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Printf("%q: %d\n", who, rec.Code)
	}
	// Output:
	// "": 401
	// "ada": 200
}
