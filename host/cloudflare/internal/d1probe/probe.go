// Command d1probe is a Worker that runs a fixed series of batches on its
// D1 database through cloudflare.D1 and answers, on any fetch, what each
// one reported, for d1probe_test to check against real D1 under workerd.
package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

// Report is what the probe observed.
type Report struct {
	// DuplicateError is the error of a batch whose third statement
	// repeats the first one's primary key, and DuplicateCode its Code().
	DuplicateError string `json:"duplicateError"`
	DuplicateCode  int    `json:"duplicateCode"`
	// CountAfterFailure counts the rows left by that batch.
	CountAfterFailure string `json:"countAfterFailure"`
	// Results are a successful batch's results, each value written as
	// "<Go type>:<value>".
	Results []Result `json:"results"`
	// BigIntError is the error of a batch binding 2^53.
	BigIntError string `json:"bigIntError"`
	// MissingTableError is the error of a read from a missing table.
	MissingTableError string `json:"missingTableError"`
}

// Result is one statement's result.
type Result struct {
	RowsAffected int64      `json:"rowsAffected"`
	Rows         [][]string `json:"rows"`
}

// probe runs the batches on exec.
func probe(ctx context.Context, exec sqlitedialect.Executor) (Report, error) {
	var rep Report
	create := sqlitedialect.Statement{SQL: "CREATE TABLE probe (k TEXT PRIMARY KEY, n INTEGER, b BLOB, r REAL)"}
	if _, err := exec.Write(ctx, []sqlitedialect.Statement{create}); err != nil {
		return rep, fmt.Errorf("create: %w", err)
	}
	insert := func(k string, n int64) sqlitedialect.Statement {
		return sqlitedialect.Statement{SQL: "INSERT INTO probe (k, n) VALUES (?1, ?2)", Args: []any{k, n}}
	}
	_, err := exec.Write(ctx, []sqlitedialect.Statement{insert("a", 1), insert("b", 2), insert("a", 3)})
	if err != nil {
		rep.DuplicateError = err.Error()
		var coded interface{ Code() int }
		if errors.As(err, &coded) {
			rep.DuplicateCode = coded.Code()
		}
	}
	count, err := exec.Read(ctx, []sqlitedialect.Statement{{SQL: "SELECT count(*) FROM probe", Query: true}})
	if err != nil {
		return rep, fmt.Errorf("count: %w", err)
	}
	rep.CountAfterFailure = typed(count[0].Rows[0][0])
	res, err := exec.Write(ctx, []sqlitedialect.Statement{
		{SQL: "INSERT INTO probe (k, n, b, r) VALUES (?1, ?2, x'00ff', 2.5)", Args: []any{"a", int64(1 << 52)}},
		{SQL: "INSERT INTO probe (k, n) VALUES (?1, ?2) ON CONFLICT (k) DO NOTHING", Args: []any{"a", nil}},
		{SQL: "UPDATE probe SET n = n + 1 WHERE k = ?1", Args: []any{"a"}},
		{SQL: "UPDATE probe SET n = n + ?2 WHERE k = ?1 RETURNING n, typeof(n), b, r, k, NULL AS z, ?2 - 1 AS lim",
			Args: []any{"a", int64(25)}, Query: true},
		{SQL: "SELECT k FROM probe WHERE n > ?1 ORDER BY k LIMIT ?2", Args: []any{int64(0), int64(-1)}, Query: true},
	})
	if err != nil {
		return rep, fmt.Errorf("batch: %w", err)
	}
	for _, r := range res {
		out := Result{RowsAffected: r.RowsAffected}
		for _, row := range r.Rows {
			var vals []string
			for _, v := range row {
				vals = append(vals, typed(v))
			}
			out.Rows = append(out.Rows, vals)
		}
		rep.Results = append(rep.Results, out)
	}
	if _, err := exec.Write(ctx, []sqlitedialect.Statement{insert("big", 1<<53)}); err != nil {
		rep.BigIntError = err.Error()
	}
	if _, err := exec.Read(ctx, []sqlitedialect.Statement{{SQL: "SELECT 1 FROM missing", Query: true}}); err != nil {
		rep.MissingTableError = err.Error()
	}
	return rep, nil
}

// typed writes a column value with its Go type.
func typed(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case []byte:
		return fmt.Sprintf("[]byte:%x", x)
	}
	return fmt.Sprintf("%T:%v", v, v)
}
