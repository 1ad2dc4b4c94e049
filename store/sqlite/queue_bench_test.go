package sqlite_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/sqlite"
)

// BenchmarkAdmitQueued times one AdmitQueued of a full queue (10 runs in
// progress in each of 10 partitions, or 100 in the whole queue) with a
// backlog of waiting runs: what every sweep pays per declared queue while
// the queue is busy. The cost should follow the partitions, not the
// backlog (the PostgreSQL store has the same benchmark).
func BenchmarkAdmitQueued(b *testing.B) {
	for _, backlog := range []int{100, 10_000} {
		for _, partitioned := range []bool{false, true} {
			b.Run(fmt.Sprintf("backlog=%d/partitioned=%t", backlog, partitioned), func(b *testing.B) {
				db, err := sql.Open("sqlite", dsn(filepath.Join(b.TempDir(), "wf.db")))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { db.Close() })
				if err := sqlite.Migrate(b.Context(), db); err != nil {
					b.Fatal(err)
				}
				epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
				if _, err := db.ExecContext(b.Context(), `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?1 + 100)
					INSERT INTO wf_runs (id, workflow_id, version, status, input, created_at, updated_at, queue, partition_key, admitted_at)
					SELECT 'run-' || n, 'import', '', CASE WHEN n <= 100 THEN 'running' ELSE 'queued' END, 'null', ?2, ?2,
						'imports', 'p' || (n % 10), CASE WHEN n <= 100 THEN ?2 ELSE 0 END
					FROM g`, backlog, epoch.UnixMicro()); err != nil {
					b.Fatal(err)
				}
				s, err := sqlite.New(db)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { s.Close() })
				a := store.Admit{Queue: "imports", Concurrency: 10, PerPartition: partitioned, Now: epoch, Limit: 25}
				if !partitioned {
					a.Concurrency = 100
				}
				b.ResetTimer()
				for b.Loop() {
					ids, err := s.AdmitQueued(b.Context(), a)
					if err != nil || len(ids) != 0 {
						b.Fatalf("AdmitQueued on a full queue = %v, %v", ids, err)
					}
				}
			})
		}
	}
}
