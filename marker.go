package wf

import (
	"strconv"
	"strings"
)

// markers is what the RUN_RETRIED and RUN_FORKED events of a log say to
// replay.
//
// A retry appends RUN_RETRIED after the run's terminal event. Replay then
// ignores the marker, that terminal event and every earlier event of the
// step the marker names (its STEP_FAILED and its durable retry backoffs,
// "<step>#retry-<n>"), so the handler runs past the end of the log again
// and the failed step runs afresh; recorded results of every other
// operation are kept. The step's durable backoffs after the g-th retry use
// the IDs "<step>#retry<g>-<n>", so that timer deliveries stored for the
// earlier attempts cannot resolve them. A fork's RUN_FORKED marker is
// ignored.
type markers struct {
	hidden map[int]bool
	// retries counts, per step, the retries that discarded its failure.
	retries map[string]int
}

func readMarkers(log []Event) markers {
	var m markers
	for i, ev := range log {
		if ev.Type != RunRetried && ev.Type != RunForked {
			continue
		}
		if m.hidden == nil {
			m.hidden, m.retries = map[int]bool{}, map[string]int{}
		}
		m.hidden[i] = true
		if ev.Type == RunForked {
			continue
		}
		if i > 0 && log[i-1].Type.Terminal() {
			m.hidden[i-1] = true
		}
		if ev.StepID == "" {
			continue
		}
		m.retries[ev.StepID]++
		for j := range i {
			if id := log[j].StepID; id == ev.StepID || strings.HasPrefix(id, ev.StepID+"#") {
				m.hidden[j] = true
			}
		}
	}
	return m
}

// retryWaitID is the operation ID of the durable backoff before attempt
// n of a step.
func (m markers) retryWaitID(id string, n int) string {
	if g := m.retries[id]; g > 0 {
		return id + retryMark + strconv.Itoa(g) + "-" + strconv.Itoa(n)
	}
	return retryID(id, n)
}
