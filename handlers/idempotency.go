package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/iup-platform/iup/domain"
)

// Idempotency-Key: the key is kept with the events it produced. Every event
// a keyed request appends carries the request id
//
//	idem:<key hash>.<request fingerprint>
//
// in its metadata; the key hash covers tenant, subject and key (keys are
// the caller's own), the fingerprint covers method, path, acting role and
// body. A retry finds those events through the store's request index (so
// it survives a restart), and replays the command against a log that
// (a) shows each stream as it stood before the request's events and
// (b) answers the request's appends with what was stored the first time.
// The command then decides exactly as before, appends nothing new to the
// streams it already wrote, completes any it had not reached (a bulk
// request cut short), and answers the same. A key reused for another
// request is refused with 422.

const idemPrefix = "idem:"

// maxKeyLen bounds the Idempotency-Key header.
const maxKeyLen = 255

func (a *API) idempotent(ctx context.Context, c *cmd, key string) (unlock func(), err error) {
	if len(key) > maxKeyLen || strings.IndexFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return nil, badHeader(IdempotencyKeyHeader, fmt.Sprintf("Use 1-%d visible ASCII characters, e.g. a UUID.", maxKeyLen))
	}
	actor := c.Meta.Actor
	keyHash := digest(actor.Tenant, actor.ID, key)
	fp := digest(c.r.Method, c.r.URL.Path, string(actor.Role), actor.OnBehalfOf, c.r.Header.Get("If-Match"), string(c.body))[:16]
	prefix := idemPrefix + keyHash + "."
	c.Meta.RequestID = prefix + fp
	c.keyed = keyHash

	// Two copies of the same request at once: the second waits for the
	// first, then replays it.
	unlock = a.keys.lock(actor.Tenant + "\x00" + keyHash)
	evs, err := a.requests.EventsByRequest(ctx, actor.Tenant, prefix)
	if err != nil {
		unlock()
		return nil, fmt.Errorf("look up idempotency key: %w", err)
	}
	rl := &replayLog{next: c.Log, done: map[string]recorded{}}
	for _, ev := range evs {
		if ev.Metadata.RequestID != c.Meta.RequestID {
			unlock()
			return nil, &requestError{status: http.StatusUnprocessableEntity, typ: ProblemIdempotencyReuse,
				title: "Idempotency-Key already used", field: IdempotencyKeyHeader,
				detail: "This key was used for a different request; use a new key for a new request."}
		}
		r, ok := rl.done[ev.Stream]
		if !ok {
			r.first = ev.Revision
		}
		r.last, r.position = ev.Revision, ev.Position.String()
		rl.done[ev.Stream] = r
	}
	c.Log = rl
	return unlock, nil
}

func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s", len(p), p)
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))[:32]
}

// recorded is what a keyed request appended to one stream the first time.
type recorded struct {
	first, last uint64
	position    string
}

// replayLog is the event log a keyed request runs against.
type replayLog struct {
	next domain.EventLog
	done map[string]recorded // streams the request already wrote
}

func (l *replayLog) replaying() bool { return len(l.done) > 0 }

// Load shows a stream the request already wrote as it stood before.
func (l *replayLog) Load(ctx context.Context, stream string) (domain.Loaded, error) {
	loaded, err := l.next.Load(ctx, stream)
	if err != nil {
		return loaded, err
	}
	rec, ok := l.done[stream]
	if !ok {
		return loaded, nil
	}
	kept := loaded.Events[:0:0]
	for _, env := range loaded.Events {
		if env.Revision < rec.first {
			kept = append(kept, env)
		}
	}
	loaded.Events = kept
	loaded.Version = domain.Version(rec.first) - 1 // NoStream when the request created it
	return loaded, nil
}

// KeptState implements domain.StateKeeper: a stream the request already
// wrote is folded as it stood before, never from a kept state.
func (l *replayLog) KeptState(kind, stream string) (any, domain.Loaded, bool) {
	keeper, ok := l.next.(domain.StateKeeper)
	if _, done := l.done[stream]; done || !ok {
		return nil, domain.Loaded{Version: domain.NoStream}, false
	}
	return keeper.KeptState(kind, stream)
}

// KeepState implements domain.StateKeeper.
func (l *replayLog) KeepState(kind, stream string, state any, at domain.Loaded) {
	if keeper, ok := l.next.(domain.StateKeeper); ok {
		if _, done := l.done[stream]; !done {
			keeper.KeepState(kind, stream, state, at)
		}
	}
}

// LoadAfter implements domain.StateKeeper.
func (l *replayLog) LoadAfter(ctx context.Context, stream string, after domain.Version) (domain.Loaded, error) {
	keeper, ok := l.next.(domain.StateKeeper)
	if _, done := l.done[stream]; !done && ok {
		return keeper.LoadAfter(ctx, stream, after)
	}
	loaded, err := l.Load(ctx, stream)
	return loaded.After(after), err
}

// Append answers a stream the request already wrote with the first result.
func (l *replayLog) Append(ctx context.Context, stream string, expected domain.Version, meta domain.Meta, events []domain.Event) (domain.Appended, error) {
	if rec, ok := l.done[stream]; ok {
		return domain.Appended{Version: domain.Version(rec.last), Position: rec.position}, nil
	}
	return l.next.Append(ctx, stream, expected, meta, events)
}

// keyLocks serialises requests with the same idempotency key in this
// process.
type keyLocks struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	mu   sync.Mutex
	refs int
}

func (k *keyLocks) init() { k.locks = map[string]*keyLock{} }

func (k *keyLocks) lock(key string) func() {
	k.mu.Lock()
	l, ok := k.locks[key]
	if !ok {
		l = &keyLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

var _ domain.StateKeeper = (*replayLog)(nil)
