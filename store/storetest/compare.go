package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// cmpOptions make comparisons portable across stores: a database may keep
// instants at microsecond precision and in another location, rewrite JSON
// (jsonb reorders keys and respaces), and read an empty list back as nil.
var cmpOptions = cmp.Options{
	cmp.Comparer(sameInstant),
	cmp.Comparer(sameJSON),
	cmp.FilterValues(bothEmpty, cmp.Comparer(func(_, _ any) bool { return true })),
}

// ignoreUpdatedAt leaves Run.UpdatedAt out of a comparison where the
// contract does not say what a method does to it (claims, deliveries).
var ignoreUpdatedAt = cmpopts.IgnoreFields(store.Run{}, "UpdatedAt")

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// sameInstant reports whether a and b are the same instant at microsecond
// precision.
func sameInstant(a, b time.Time) bool {
	return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
}

// sameInstantPtr is sameInstant for an optional instant that must be set.
func sameInstantPtr(got *time.Time, want time.Time) bool {
	return got != nil && sameInstant(*got, want)
}

// sameJSON reports whether a and b encode the same JSON value; absent and
// null are the same.
func sameJSON(a, b json.RawMessage) bool {
	if isNullJSON(a) || isNullJSON(b) {
		return isNullJSON(a) && isNullJSON(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

func isNullJSON(b json.RawMessage) bool {
	t := bytes.TrimSpace(b)
	return len(t) == 0 || string(t) == "null"
}

// bothEmpty reports whether x and y are empty slices or maps of one type,
// other than JSON (which sameJSON handles).
func bothEmpty(x, y any) bool {
	vx, vy := reflect.ValueOf(x), reflect.ValueOf(y)
	if !vx.IsValid() || !vy.IsValid() || vx.Type() != vy.Type() || vx.Type() == rawMessageType {
		return false
	}
	switch vx.Kind() {
	case reflect.Slice, reflect.Map:
		return vx.Len() == 0 && vy.Len() == 0
	}
	return false
}

// diff reports a mismatch between want and got under cmpOptions.
func diff[T any](t *testing.T, what string, want, got T, opts ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpOptions, cmp.Options(opts)); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// wantErr fails t unless err matches one of targets (errors.Is).
func wantErr(t *testing.T, what string, err error, targets ...error) {
	t.Helper()
	for _, target := range targets {
		if errors.Is(err, target) {
			return
		}
	}
	names := make([]string, len(targets))
	for i, target := range targets {
		names[i] = target.Error()
	}
	t.Errorf("%s: error = %v, want errors.Is one of [%s]", what, err, strings.Join(names, "; "))
}

// runIDs returns the IDs of runs in order.
func runIDs(runs []store.Run) []string {
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	return ids
}

// sortedIDs returns the IDs of runs, sorted.
func sortedIDs(runs []store.Run) []string {
	ids := runIDs(runs)
	slices.Sort(ids)
	return ids
}

// sortedDeliveries returns ds sorted by SignalID: the contract does not
// order an execution's deliveries.
func sortedDeliveries(ds []wf.Delivery) []wf.Delivery {
	ds = slices.Clone(ds)
	slices.SortFunc(ds, func(a, b wf.Delivery) int { return strings.Compare(a.SignalID, b.SignalID) })
	return ds
}
