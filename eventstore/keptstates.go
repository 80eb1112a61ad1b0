package eventstore

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/iup-platform/iup/domain"
)

// Forgetter is a codec that can stop decoding content it decoded before: a
// destroyed data key turns sealed text into culled. A state folded from
// decoded events holds that text, so it is kept only while Epoch has not
// moved (a key destroyed or forgotten in this process) and for at most
// ForgetWithin (the time in which a key destroyed by another process stops
// being usable here).
type Forgetter interface {
	Epoch() uint64
	ForgetWithin() time.Duration
}

// keptStates is a bounded cache of folded states.
type keptStates struct {
	states *lru.Cache[keptKey, keptState]
	codec  Forgetter // nil: the codec never forgets
	now    func() time.Time
}

type keptKey struct{ kind, stream string }

type keptState struct {
	state any
	at    domain.Loaded // version and epoch
	until time.Time
}

func newKeptStates(n int, codec Codec, now func() time.Time) *keptStates {
	states, err := lru.New[keptKey, keptState](n)
	if err != nil {
		panic(err) // only for n <= 0, which the caller excludes
	}
	k := &keptStates{states: states, now: now}
	k.codec, _ = codec.(Forgetter)
	return k
}

func (k *keptStates) epoch() uint64 {
	if k.codec == nil {
		return 0
	}
	return k.codec.Epoch()
}

func (k *keptStates) get(kind, stream string) (any, domain.Loaded, bool) {
	key := keptKey{kind, stream}
	s, ok := k.states.Get(key)
	if !ok {
		return nil, domain.Loaded{Version: domain.NoStream}, false
	}
	if s.at.Epoch != k.epoch() || (k.codec != nil && !k.now().Before(s.until)) {
		k.states.Remove(key)
		return nil, domain.Loaded{Version: domain.NoStream}, false
	}
	return s.state, s.at, true
}

// put keeps a state folded in the current epoch, unless a state of a later
// version is kept already (two commands folded the stream at once).
func (k *keptStates) put(kind, stream string, state any, at domain.Loaded) {
	if at.Epoch != k.epoch() {
		return // decoded before a key was destroyed: it may hold culled text
	}
	key := keptKey{kind, stream}
	if old, ok := k.states.Peek(key); ok && old.at.Version > at.Version {
		return
	}
	s := keptState{state: state, at: domain.Loaded{Version: at.Version, Epoch: at.Epoch}}
	if k.codec != nil {
		s.until = k.now().Add(k.codec.ForgetWithin())
	}
	k.states.Add(key, s)
}
