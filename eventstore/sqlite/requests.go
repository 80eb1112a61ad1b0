package sqlite

import (
	"context"

	"github.com/iup-platform/iup/eventstore"
)

// idemLo and idemHi bound the indexed request ids ("idem:..."): see the
// events_idempotency index.
const idemLo, idemHi = "idem:", "idem;"

// EventsByRequest returns the events of tenant whose metadata request id
// starts with prefix, in log order. The API keeps an Idempotency-Key in the
// request id of the events a keyed request wrote ("idem:..."); this is how a
// retry after a restart finds them. Only such ids are indexed, so prefix
// must start with "idem:".
func (s *Store) EventsByRequest(ctx context.Context, tenant, prefix string) ([]eventstore.RecordedEvent, error) {
	if len(prefix) < len(idemLo) || prefix[:len(idemLo)] != idemLo {
		return nil, nil
	}
	evs, err := s.query(ctx, s.read.byRequest, -1, prefix, prefix+"\xff")
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
