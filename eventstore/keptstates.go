package eventstore

import (
	"reflect"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/prometheus/client_golang/prometheus"

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

// keptStates is an LRU of folded states bounded by their size, as
// approxSize counts it: a plan's state holds every field's text, an entry's
// one comment, so a bound by count would say little about memory.
type keptStates struct {
	mu     sync.Mutex
	states *simplelru.LRU[keptKey, keptState] // under mu
	bytes  int
	max    int
	codec  Forgetter // nil: the codec never forgets
	now    func() time.Time
}

type keptKey struct{ kind, stream string }

type keptState struct {
	state any
	at    domain.Loaded // version and epoch
	until time.Time
	size  int
}

// maxKeptStates bounds the count as well, for states of a few bytes.
const maxKeptStates = 1 << 20

func newKeptStates(maxBytes int, codec Forgetter, now func() time.Time) *keptStates {
	k := &keptStates{max: maxBytes, codec: codec, now: now}
	states, err := simplelru.NewLRU(maxKeptStates, func(_ keptKey, s keptState) { k.bytes -= s.size })
	if err != nil {
		panic(err) // only for a size <= 0
	}
	k.states = states
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
	k.mu.Lock()
	defer k.mu.Unlock()
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
// version is kept already (two commands folded the stream at once), then
// drops the least recently used states past the budget.
func (k *keptStates) put(kind, stream string, state any, at domain.Loaded) {
	if at.Epoch != k.epoch() {
		return // decoded before a key was destroyed: it may hold culled text
	}
	size := approxSize(state) + len(kind) + len(stream) + keptOverhead
	if size > k.max/16 {
		return // too big to be worth it
	}
	s := keptState{state: state, at: domain.Loaded{Version: at.Version, Epoch: at.Epoch}, size: size}
	if k.codec != nil {
		s.until = k.now().Add(k.codec.ForgetWithin())
	}
	key := keptKey{kind, stream}
	k.mu.Lock()
	defer k.mu.Unlock()
	if old, ok := k.states.Peek(key); ok && old.at.Version > at.Version {
		return
	}
	k.states.Remove(key) // so its size is subtracted before the new one is added
	k.states.Add(key, s)
	k.bytes += size
	for k.bytes > k.max {
		if _, _, ok := k.states.RemoveOldest(); !ok {
			break
		}
	}
}

func (k *keptStates) size() (states, bytes int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.states.Len(), k.bytes
}

func (k *keptStates) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "iup_kept_states",
			Help: "Folded aggregate states the command side keeps between commands.",
		}, func() float64 { n, _ := k.size(); return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "iup_kept_states_bytes",
			Help: "Bytes (roughly) the kept states hold; bounded by --kept-states-mb.",
		}, func() float64 { _, b := k.size(); return float64(b) }),
	}
}

// keptOverhead approximates a kept state's share of the LRU: its list
// element, map entry and the boxed state's header.
const keptOverhead = 160

// approxSize is the memory v holds, roughly: its own size and what its
// strings, slices, maps and pointers reach (shared memory counted each time
// it is reached, so it errs high).
func approxSize(v any) int {
	if v == nil {
		return 0
	}
	rv := reflect.ValueOf(v)
	return int(rv.Type().Size()) + reachable(rv, 8)
}

func reachable(v reflect.Value, depth int) int {
	if depth == 0 {
		return 0
	}
	switch v.Kind() {
	case reflect.String:
		return v.Len()
	case reflect.Slice:
		if v.IsNil() {
			return 0
		}
		n := v.Cap() * int(v.Type().Elem().Size())
		for i := range v.Len() {
			n += reachable(v.Index(i), depth-1)
		}
		return n
	case reflect.Array:
		n := 0
		for i := range v.Len() {
			n += reachable(v.Index(i), depth-1)
		}
		return n
	case reflect.Map:
		const entryOverhead = 16
		n := 0
		per := int(v.Type().Key().Size()+v.Type().Elem().Size()) + entryOverhead
		for it := v.MapRange(); it.Next(); {
			n += per + reachable(it.Key(), depth-1) + reachable(it.Value(), depth-1)
		}
		return n
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return 0
		}
		e := v.Elem()
		return int(e.Type().Size()) + reachable(e, depth-1)
	case reflect.Struct:
		n := 0
		for i := range v.NumField() {
			n += reachable(v.Field(i), depth-1)
		}
		return n
	}
	return 0
}
