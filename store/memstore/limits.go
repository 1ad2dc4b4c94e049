package memstore

import (
	"encoding/json"
	"fmt"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// DefaultMaxPayloadSize is the default limit on one stored value: 1 MiB,
// as in the SQL stores, so that tests on memstore meet the limit
// production meets.
const DefaultMaxPayloadSize = 1 << 20

// Option configures a Store.
type Option func(*Store)

// WithMaxPayloadSize caps, in bytes, each stored value: a run's input and
// output, each encoded event, each encoded delivery and a schedule's
// input. A write with a larger value fails with an error wrapping
// store.ErrTooLarge and changes nothing. A size of zero or less removes
// the limit. Defaults to DefaultMaxPayloadSize.
func WithMaxPayloadSize(bytes int) Option { return func(s *Store) { s.maxPayload = bytes } }

// MaxPayloadSize returns the limit in bytes, 0 for none
// (store.PayloadLimiter).
func (s *Store) MaxPayloadSize() int { return s.maxPayload }

var _ store.PayloadLimiter = (*Store)(nil)

// checkSize fails when a value of size bytes is over the limit.
func (s *Store) checkSize(runID, what string, size int) error {
	if s.maxPayload <= 0 || size <= s.maxPayload {
		return nil
	}
	return fmt.Errorf("memstore: run %q: %s is %d bytes, over the %d-byte limit: %w",
		runID, what, size, s.maxPayload, store.ErrTooLarge)
}

// checkEvents checks each event's encoded size, as a SQL store stores it.
func (s *Store) checkEvents(runID string, next int, evs []wf.Event) error {
	if s.maxPayload <= 0 {
		return nil
	}
	for i := range evs {
		b, err := wf.EncodeEvent(evs[i])
		if err != nil {
			return fmt.Errorf("memstore: run %q: event %d: %w", runID, next+i, err)
		}
		if err := s.checkSize(runID, fmt.Sprintf("event %d (%s)", next+i, evs[i].Type), len(b)); err != nil {
			return err
		}
	}
	return nil
}

// checkDelivery checks a delivery's encoded size.
func (s *Store) checkDelivery(runID string, d wf.Delivery) error {
	if s.maxPayload <= 0 {
		return nil
	}
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("memstore: run %q: delivery %q: %w", runID, d.SignalID, err)
	}
	return s.checkSize(runID, fmt.Sprintf("delivery %q", d.SignalID), len(b))
}
