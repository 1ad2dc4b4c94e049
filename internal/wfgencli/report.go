package wfgencli

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/wfgo/wf/runtime/deploycheck"
)

// stranded is one row of the report: the runs of a workflow version that
// the code cannot resume, for one reason.
type stranded struct {
	Workflow   string   `json:"workflow"`
	Version    string   `json:"version"`
	Runs       int      `json:"runs"`
	FirstRunID string   `json:"firstRunId"`
	Reason     string   `json:"reason"`
	Operations []string `json:"operations,omitempty"`
	// Detail is the reason in words for the first run.
	Detail string `json:"detail"`
	// RunIDs are all the row's runs, oldest first (JSON only).
	RunIDs []string `json:"runIds"`
}

// report groups the runs that cannot be resumed by workflow, version,
// reason and diverging operations; the first run of a row is the oldest.
func report(runs []deploycheck.Checked) []stranded {
	runs = slices.Clone(runs)
	slices.SortFunc(runs, func(x, y deploycheck.Checked) int {
		return cmp.Or(x.CreatedAt.Compare(y.CreatedAt), strings.Compare(x.RunID, y.RunID))
	})
	rows := map[string]*stranded{}
	for _, s := range runs {
		v := s.Verdict
		if v.Resumable() {
			continue
		}
		key := strings.Join(append([]string{s.WorkflowID, s.Version, v.Reason}, v.Operations...), "\x00")
		row := rows[key]
		if row == nil {
			row = &stranded{Workflow: s.WorkflowID, Version: s.Version, FirstRunID: s.RunID,
				Reason: v.Reason, Operations: v.Operations, Detail: v.Detail}
			rows[key] = row
		}
		row.Runs++
		row.RunIDs = append(row.RunIDs, s.RunID)
	}
	out := make([]stranded, 0, len(rows))
	for _, row := range rows {
		out = append(out, *row)
	}
	slices.SortFunc(out, func(x, y stranded) int {
		return cmp.Or(cmp.Compare(x.Workflow, y.Workflow), cmp.Compare(x.Version, y.Version),
			cmp.Compare(x.Reason, y.Reason), slices.Compare(x.Operations, y.Operations))
	})
	return out
}

// printReport writes the rows as a table, with the detail of each row's
// first run under it.
func printReport(w io.Writer, rows []stranded) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKFLOW\tVERSION\tRUNS\tFIRST RUN\tREASON\tOPERATIONS")
	for _, r := range rows {
		ops := "-"
		if len(r.Operations) > 0 {
			ops = strings.Join(r.Operations, ", ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", r.Workflow, r.Version, r.Runs, r.FirstRunID, r.Reason, ops)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rows {
		if _, err := fmt.Fprintf(w, "\n%s %s (%s): %s\n", r.Workflow, r.Version, r.FirstRunID, r.Detail); err != nil {
			return err
		}
	}
	return nil
}

// printReportJSON writes the rows as one JSON document.
func printReportJSON(w io.Writer, checked int, rows []stranded) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Checked  int        `json:"checked"`
		Stranded []stranded `json:"stranded"`
	}{checked, rows})
}

// plural returns "n word" or "n words".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
