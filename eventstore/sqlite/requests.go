package sqlite

import (
	"context"

	"github.com/iup-platform/iup/eventstore"
)

// EventsByRequest returns the events of tenant whose metadata request id
// starts with prefix, in log order. The API keeps an Idempotency-Key in the
// request id of the events a keyed request wrote ("idem:..."); this is how a
// retry after a restart finds them. Only such ids are indexed, so prefix
// must start with "idem:".
func (s *Store) EventsByRequest(ctx context.Context, tenant, prefix string) ([]eventstore.RecordedEvent, error) {
	const lo, hi = "idem:", "idem;"
	if len(prefix) < len(lo) || prefix[:len(lo)] != lo {
		return nil, nil
	}
	// The range form (>= prefix, < prefix+0xFF) uses the partial index; the
	// repeated bounds let SQLite see the index's WHERE clause is implied.
	evs, err := s.query(ctx, `SELECT `+eventColumns+` FROM events
		WHERE json_extract(metadata, '$.request_id') >= ? AND json_extract(metadata, '$.request_id') < ?
		  AND json_extract(metadata, '$.request_id') >= '`+lo+`' AND json_extract(metadata, '$.request_id') < '`+hi+`'
		ORDER BY position`, prefix, prefix+"\xff")
	if err != nil {
		return nil, err
	}
	out := evs[:0]
	for _, ev := range evs {
		if ev.Metadata.Tenant == tenant {
			out = append(out, ev)
		}
	}
	return out, nil
}
