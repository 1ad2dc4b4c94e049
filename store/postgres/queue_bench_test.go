package postgres

import (
	"fmt"
	"testing"

	"github.com/wfgo/wf/store"
)

// BenchmarkAdmitQueued times one AdmitQueued of a full queue (concurrency
// 10, 10 runs in progress) with a backlog of waiting runs: what every
// sweep pays per declared queue while the queue is busy. The cost should
// follow the partitions (a probe each), not the backlog.
func BenchmarkAdmitQueued(b *testing.B) {
	for _, backlog := range []int{100, 10_000} {
		for _, partitioned := range []bool{false, true} {
			b.Run(fmt.Sprintf("backlog=%d/partitioned=%t", backlog, partitioned), func(b *testing.B) {
				pool, schema := benchPool(b)
				ts := setupOn(b, pool, schema)
				// Waiting runs in 10 partitions, and 10 admitted running ones
				// in each, inserted in bulk.
				runs := schema + "." + defaultPrefix + "runs"
				if _, err := pool.Exec(b.Context(), `INSERT INTO `+runs+` (id, workflow_id, status, created_at, updated_at, queue, partition_key, admitted_at)
					SELECT 'run-' || g, 'import', CASE WHEN g <= 100 THEN 'running' ELSE 'queued' END, $2::timestamptz, $2::timestamptz,
						'imports', 'p' || (g % 10), CASE WHEN g <= 100 THEN $2::timestamptz END
					FROM generate_series(1, $1::int + 100) AS g`, backlog, epoch); err != nil {
					b.Fatal(err)
				}
				a := store.Admit{Queue: "imports", Concurrency: 10, PerPartition: partitioned, Now: epoch, Limit: 25}
				if !partitioned {
					a.Concurrency = 100
				}
				b.ResetTimer()
				for b.Loop() {
					ids, err := ts.AdmitQueued(b.Context(), a)
					if err != nil || len(ids) != 0 {
						b.Fatalf("AdmitQueued on a full queue = %v, %v", ids, err)
					}
				}
			})
		}
	}
}
