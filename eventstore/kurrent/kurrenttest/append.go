package kurrenttest

// Expected versions as the server encodes them (KurrentDB ExpectedVersion.cs):
// any -2, no stream -1, stream exists -4, or the exact revision.
const (
	expectAny          int64 = -2
	expectNoStream     int64 = -1
	expectStreamExists int64 = -4
)

type outcome int

const (
	written outcome = iota
	idempotent
	wrongExpectedVersion
	streamDeleted
)

// appendResult is what the write path answers: the stream's last revision and
// the commit position of its last event for a success, the current revision
// (-1 for none) for a wrong expected version.
type appendResult struct {
	outcome  outcome
	revision int64
	commit   uint64
}

// append decides and applies one write the way KurrentDB's
// IndexWriter.CheckCommit does (src/KurrentDB.Core/Services/Storage/
// ReaderIndex/IndexWriter.cs), which is what makes retries idempotent:
//
//   - any / stream exists: the event ids are looked up in the committed-events
//     cache. None found: a new write. All found in this stream: idempotent,
//     answered with the first write's result. Only some found: "corrupted
//     idempotency", answered as wrong expected version (StorageWriterService).
//     The real cache is bounded, so this is best effort there; here it is
//     complete, which only ever makes the fake more forgiving for Any, an
//     expectation the adapter never sends.
//   - an exact revision (or no stream, i.e. -1) before the stream's end: the
//     events after that revision are compared id by id. All equal:
//     idempotent. The first differs: wrong expected version. A later one
//     differs: corrupted idempotency, again wrong expected version.
//   - an exact revision after the end: wrong expected version; at the end: a
//     new write.
//
// The KurrentDB docs ("Appending events", idempotence) describe the same
// rule from the client's side: the same event ids appended again at the same
// expected revision are written once.
func (d *db) append(stream string, expected int64, evs []proposed, created int64) appendResult {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.streams[stream]
	if st != nil && st.tombstoned {
		return appendResult{outcome: streamDeleted}
	}
	cur := d.lastRevisionLocked(stream)
	wrong := appendResult{outcome: wrongExpectedVersion, revision: cur}
	if expected == expectStreamExists && cur < 0 {
		return wrong
	}
	if expected == expectAny || expected == expectStreamExists {
		found := 0
		var last record
		for _, ev := range evs {
			i, ok := d.ids[ev.id]
			if !ok || d.log[i].stream != stream {
				break
			}
			found++
			last = d.log[i]
		}
		switch {
		case found == len(evs):
			return appendResult{outcome: idempotent, revision: int64(last.revision), commit: last.pos}
		case found > 0:
			return wrong
		}
		return d.writeResultLocked(stream, evs, created)
	}
	if expected < cur {
		var last record
		for i, ev := range evs {
			rev := expected + 1 + int64(i)
			if rev > cur || d.log[st.records[rev]].id != ev.id {
				return wrong // first event new: a real conflict; a later one: corrupted idempotency
			}
			last = d.log[st.records[rev]]
		}
		return appendResult{outcome: idempotent, revision: int64(last.revision), commit: last.pos}
	}
	if expected > cur {
		return wrong
	}
	return d.writeResultLocked(stream, evs, created)
}

// writeResultLocked writes and answers with the last event's position as both
// commit and prepare position: KurrentDB's WriteEvents request manager
// replies with the commit position twice ("not technically correct, but
// matches current behavior", src/KurrentDB.Core/Services/RequestManager/
// Managers/WriteEvents.cs).
func (d *db) writeResultLocked(stream string, evs []proposed, created int64) appendResult {
	idx := d.writeLocked(stream, evs, created)
	last := d.log[idx[len(idx)-1]]
	return appendResult{outcome: written, revision: int64(last.revision), commit: last.pos}
}

// tombstone deletes a stream for good: later reads answer stream-deleted and
// appends fail (KurrentDB docs, "Deleting events": hard delete).
func (d *db) tombstone(stream string, expected int64) appendResult {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.streams[stream]
	if st != nil && st.tombstoned {
		return appendResult{outcome: streamDeleted}
	}
	cur := d.lastRevisionLocked(stream)
	ok := expected == expectAny || (expected == expectStreamExists && cur >= 0) || expected == cur
	if !ok {
		return appendResult{outcome: wrongExpectedVersion, revision: cur}
	}
	if st == nil {
		st = &streamState{}
		d.streams[stream] = st
	}
	st.tombstoned = true
	// The tombstone is itself an event in $all, in the deleted stream, with
	// type $streamDeleted and revision long.MaxValue (EventNumber.DeletedStream).
	r := record{stream: stream, revision: 1<<63 - 1, eventType: "$streamDeleted", contentType: "application/octet-stream",
		pos: d.next, size: recordSize(stream, "$streamDeleted", nil, nil)}
	d.next += r.size
	d.log = append(d.log, r)
	close(d.changed)
	d.changed = make(chan struct{})
	return appendResult{outcome: written, revision: cur, commit: r.pos}
}
