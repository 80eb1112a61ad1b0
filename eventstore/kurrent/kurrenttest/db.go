package kurrenttest

import (
	"sync"

	"github.com/google/uuid"
)

// record is one event in the transaction log.
type record struct {
	stream      string
	revision    uint64
	id          uuid.UUID
	eventType   string
	contentType string
	data        []byte
	meta        []byte
	created     int64  // ticks (100 ns) since the Unix epoch, as the "created" metadata key carries it
	pos         uint64 // pre-position: byte offset of the record in the log
	size        uint64 // bytes the record takes in the log; pos+size is its post-position
}

// Sparse positions. KurrentDB's commit and prepare positions are byte
// offsets into the transaction file (KurrentDB docs, "Positions in the
// $all stream"; AllReader.cs returns TFPos(prepare.LogPosition,
// prepare.LogPosition) for every implicitly committed event), so two
// neighbouring events are a record's size apart, never 1. The header size is
// an approximation of the v2 prepare record's fixed part; only its being
// larger than one matters to a client.
const (
	recordHeader = 97
	firstOffset  = 4096 // a fresh log starts with epoch and system records
)

func recordSize(stream, eventType string, data, meta []byte) uint64 {
	return recordHeader + uint64(len(stream)+len(eventType)+len(data)+len(meta))
}

type streamState struct {
	records    []int // indexes into db.log, by revision
	tombstoned bool
}

// db is the log shared by the nodes of one fake cluster: followers read the
// leader's log, as replicas do.
type db struct {
	mu      sync.Mutex
	log     []record
	streams map[string]*streamState
	ids     map[uuid.UUID]int // event id -> index in log (KurrentDB keeps a bounded cache; see append)
	next    uint64
	changed chan struct{} // closed at every write, then replaced
	nodes   []*Server     // the cluster's members, for gossip
}

func newDB() *db {
	return &db{streams: map[string]*streamState{}, ids: map[uuid.UUID]int{}, next: firstOffset, changed: make(chan struct{})}
}

// lastRevision returns the stream's last revision, or -1 (NoStream).
func (d *db) lastRevisionLocked(stream string) int64 {
	st := d.streams[stream]
	if st == nil || len(st.records) == 0 {
		return -1
	}
	return int64(len(st.records) - 1)
}

// writeLocked appends events to the log, each with its own sparse position.
func (d *db) writeLocked(stream string, evs []proposed, created int64) []int {
	st := d.streams[stream]
	if st == nil {
		st = &streamState{}
		d.streams[stream] = st
	}
	idx := make([]int, 0, len(evs))
	for _, ev := range evs {
		r := record{
			stream: stream, revision: uint64(len(st.records)), id: ev.id, eventType: ev.eventType,
			contentType: ev.contentType, data: ev.data, meta: ev.meta, created: created, pos: d.next,
		}
		r.size = recordSize(stream, ev.eventType, ev.data, ev.meta)
		d.next += r.size
		d.log = append(d.log, r)
		i := len(d.log) - 1
		st.records = append(st.records, i)
		d.ids[ev.id] = i
		idx = append(idx, i)
	}
	close(d.changed)
	d.changed = make(chan struct{})
	return idx
}

// snapshot returns the log as it stands and a channel closed at the next write.
func (d *db) snapshot() ([]record, <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.log[:len(d.log):len(d.log)], d.changed
}

// proposed is an event as a client sent it.
type proposed struct {
	id          uuid.UUID
	eventType   string
	contentType string
	data, meta  []byte
}
