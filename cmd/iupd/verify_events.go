package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/eventstore"
)

// problem is one thing verify found wrong: its kind, where (a stream and
// revision, or a view and key) and what. Details name types, ids and
// positions, never event content.
type problem struct {
	Kind, Where, Detail string
}

func (p problem) String() string { return p.Kind + " " + p.Where + ": " + p.Detail }

// eventStats sums up the event checks.
type eventStats struct {
	Events, Streams, Culled int
}

// checkEvents checks every event up to head: it decodes and upcasts through
// the codec (content whose key was destroyed decodes as culled, which is
// fine; an error is not), and folds every stream with its aggregate's
// decider. The log is read twice: once in global order to list the streams
// (cheap: names only), then stream by stream, so only one aggregate's state
// is in memory at a time however large the organiser.
func checkEvents(ctx context.Context, store eventstore.Store, codec eventstore.Codec, registry *domain.Registry,
	kinds map[string]streamKind, head eventstore.Position, prog *progress) ([]problem, eventStats, error) {
	var stats eventStats
	var streams []string
	seen := map[string]bool{}
	for after := eventstore.Start; after.Before(head); {
		page, err := store.ReadAll(ctx, after, 1000)
		if err != nil {
			return nil, stats, fmt.Errorf("read the log after %s: %w", after, err)
		}
		if len(page) == 0 {
			break
		}
		for _, rec := range page {
			if head.Before(rec.Position) {
				break
			}
			if !seen[rec.Stream] {
				seen[rec.Stream] = true
				streams = append(streams, rec.Stream)
			}
		}
		after = page[len(page)-1].Position
	}
	stats.Streams = len(streams)

	var problems []problem
	for _, stream := range streams {
		ps, n, culled, err := checkStream(ctx, store, codec, registry, kinds, stream, head)
		if err != nil {
			return nil, stats, err
		}
		problems = append(problems, ps...)
		stats.Events += n
		stats.Culled += culled
		prog.Add(int64(n))
	}
	return problems, stats, nil
}

// checkStream decodes and folds one stream up to head.
func checkStream(ctx context.Context, store eventstore.Store, codec eventstore.Codec, registry *domain.Registry,
	kinds map[string]streamKind, stream string, head eventstore.Position) (problems []problem, events, culled int, err error) {
	k, known := kinds[categoryOf(stream)]
	var fold *streamFold
	if known {
		fold = newStreamFold(k)
	} else {
		problems = append(problems, problem{"unknown-stream-kind", stream,
			fmt.Sprintf("no aggregate folds streams of category %q", categoryOf(stream))})
	}
	tenant := tenantOf(stream)
	const page = 512
	for from := uint64(0); ; {
		recs, err := store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{From: from, Limit: page})
		if err != nil {
			return nil, 0, 0, fmt.Errorf("read stream %s: %w", stream, err)
		}
		for _, rec := range recs {
			if head.Before(rec.Position) {
				return problems, events, culled, nil
			}
			events++
			where := fmt.Sprintf("%s@%d (event %s, position %s)", stream, rec.Revision, rec.ID, rec.Position)
			if rec.Metadata.Tenant != tenant {
				problems = append(problems, problem{"tenant-mismatch", where,
					fmt.Sprintf("recorded for tenant %q in a stream of tenant %q", rec.Metadata.Tenant, tenant)})
			}
			ev, wasCulled, err := codec.Decode(ctx, rec)
			if err != nil {
				problems = append(problems, decodeProblem(registry, rec, where, err))
				if fold != nil && !fold.broken {
					// The state after an undecodable event is unknown:
					// folding on would report noise.
					fold.broken = true
				}
				continue
			}
			if wasCulled {
				culled++
			}
			if fold != nil {
				if kind, detail := fold.apply(ev); kind != "" {
					problems = append(problems, problem{kind, where, detail})
				}
			}
		}
		if len(recs) < page {
			return problems, events, culled, nil
		}
		from = recs[len(recs)-1].Revision + 1
	}
}

// decodeProblem classifies a decode failure: a type no aggregate registers,
// a schema version out of range, or data that does not decode or upcast.
func decodeProblem(registry *domain.Registry, rec eventstore.RecordedEvent, where string, err error) problem {
	current, ok := registry.Version(rec.Type)
	switch {
	case !ok:
		return problem{"unknown-type", where, fmt.Sprintf("event type %q is not registered", rec.Type)}
	case rec.SchemaVersion < 1 || rec.SchemaVersion > current:
		return problem{"unknown-version", where, fmt.Sprintf("%s schema version %d; this program knows 1 to %d", rec.Type, rec.SchemaVersion, current)}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return problem{"undecodable", where, "interrupted"}
	}
	return problem{"undecodable", where, fmt.Sprintf("%s v%d: %v", rec.Type, rec.SchemaVersion, err)}
}
