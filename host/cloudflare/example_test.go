package cloudflare_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/wfgo/wf/host/cloudflare"
)

// The wf schema as D1 migration files, for a [[d1_databases]] entry's
// migrations_dir; `wfcloudflare migrations DIR` writes them.
func ExampleMigrationFiles() {
	files, err := cloudflare.MigrationFiles("wf_")
	if err != nil {
		panic(err)
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		fmt.Println(name)
		for _, line := range strings.Split(string(files[name]), "\n") {
			if strings.HasPrefix(line, "CREATE TABLE wf_runs") || strings.HasPrefix(line, "INSERT INTO wf_migrations") {
				fmt.Println(line[:strings.Index(line, " (")])
			}
		}
	}
	// Output:
	// 0001_init.sql
	// CREATE TABLE wf_runs
	// INSERT INTO wf_migrations
	// 0002_drive_backoff.sql
	// INSERT INTO wf_migrations
	// 0003_parked_runs.sql
	// INSERT INTO wf_migrations
	// 0004_buffered_deliveries.sql
	// INSERT INTO wf_migrations
	// 0005_lists_and_traces.sql
	// INSERT INTO wf_migrations
	// 0006_child_runs.sql
	// INSERT INTO wf_migrations
	// 0007_queues.sql
	// INSERT INTO wf_migrations
	// 0008_queue_partitions.sql
	// INSERT INTO wf_migrations
}
