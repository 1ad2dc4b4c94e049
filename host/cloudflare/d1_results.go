package cloudflare

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

// d1Result is one element of what D1's batch() resolves to, as
// JSON.stringify writes it.
type d1Result struct {
	Success *bool  `json:"success"`
	Error   string `json:"error"`
	// Results are the statement's rows, each an object from column name to
	// value, its keys in column order.
	Results []json.RawMessage `json:"results"`
	Meta    struct {
		// Changes counts the rows the statement inserted, updated or deleted.
		Changes float64 `json:"changes"`
	} `json:"meta"`
}

// decodeResults maps the JSON text of a D1 batch's results to the dialect's
// results, one per statement: rows for Query statements, meta.changes for
// the others.
func decodeResults(raw []byte, stmts []sqlitedialect.Statement) ([]sqlitedialect.Result, error) {
	var items []d1Result
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("d1: decode batch results: %w", err)
	}
	if len(items) != len(stmts) {
		return nil, fmt.Errorf("d1: batch of %d statements returned %d results", len(stmts), len(items))
	}
	out := make([]sqlitedialect.Result, len(stmts))
	for i, it := range items {
		if it.Success != nil && !*it.Success {
			return nil, &D1Error{Message: fmt.Sprintf("statement %d failed: %s", i, it.Error)}
		}
		if !stmts[i].Query {
			out[i].RowsAffected = int64(it.Meta.Changes)
			continue
		}
		rows := make([][]any, len(it.Results))
		for j, r := range it.Results {
			row, err := decodeRow(r)
			if err != nil {
				return nil, fmt.Errorf("d1: statement %d, row %d: %w", i, j, err)
			}
			rows[j] = row
		}
		out[i] = sqlitedialect.Result{Rows: rows, RowsAffected: int64(len(rows))}
	}
	return out, nil
}

// decodeRow reads one row object's values in the order of its keys, which
// is the order of the statement's columns: D1 builds each object from the
// column list.
func decodeRow(raw json.RawMessage) ([]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("row is not an object: %s", raw)
	}
	var row []any
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		val, err := columnValue(v)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", key, err)
		}
		row = append(row, val)
	}
	return row, nil
}

// columnValue maps a decoded JSON value to a column value as the dialect
// reads it: nil, int64 (a whole number within ±2^53), float64, string, or
// []byte (D1 hands a BLOB over as an array of byte values).
func columnValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, string:
		return x, nil
	case json.Number:
		if n, err := x.Int64(); err == nil && n <= maxSafeInteger && n >= -maxSafeInteger {
			return n, nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, err
		}
		if f == math.Trunc(f) && math.Abs(f) <= maxSafeInteger {
			return int64(f), nil
		}
		return f, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case []any:
		return blob(x)
	}
	return nil, fmt.Errorf("unexpected %T value", v)
}

// blob reads an array of byte values.
func blob(xs []any) ([]byte, error) {
	b := make([]byte, len(xs))
	for i, x := range xs {
		n, ok := x.(json.Number)
		if !ok {
			return nil, errors.New("BLOB array holds a non-number")
		}
		v, err := n.Int64()
		if err != nil || v < 0 || v > 255 {
			return nil, fmt.Errorf("BLOB array holds %s, not a byte", n)
		}
		b[i] = byte(v)
	}
	return b, nil
}
