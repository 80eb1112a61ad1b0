package eventstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"time"
)

// Tamper evidence. Every event's metadata carries ContentHash (a hash of
// everything about the event except its global position and the hashes
// themselves) and PrevHash (the previous event's ContentHash in the same
// stream). Over the global log runs a chained digest:
//
//	digest(0) = "", digest(n) = SHA-256(digest(n-1) || ContentHash(n))
//
// so an exported digest at a position pins every event before it: a
// modified, removed, inserted or reordered event changes a content hash, a
// stream's links or the chain, and the verifier names the event where it
// first shows. Personal content is encrypted before it is hashed, so the
// chain still verifies after a data key has been destroyed.

// ContentHash computes the hex SHA-256 of the event's identity, place in its
// stream, type, version, data and metadata (without the hash fields).
func ContentHash(stream string, revision uint64, ev EventData) string {
	h := sha256.New()
	field := func(b []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	var num [8]byte
	field(ev.ID[:])
	field([]byte(stream))
	binary.BigEndian.PutUint64(num[:], revision)
	field(num[:])
	field([]byte(ev.Type))
	binary.BigEndian.PutUint64(num[:], uint64(ev.SchemaVersion))
	field(num[:])
	field(ev.Data)
	m := ev.Metadata
	for _, s := range []string{m.Tenant, m.ActorID, m.ActorRole, m.OnBehalfOf, m.CorrelationID, m.CausationID, m.RequestID,
		m.RecordedAt.UTC().Format(time.RFC3339Nano)} {
		field([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ChainNext extends the global digest by one event's content hash.
func ChainNext(digest, contentHash string) string {
	h := sha256.New()
	writeHex(h, digest)
	writeHex(h, contentHash)
	return hex.EncodeToString(h.Sum(nil))
}

func writeHex(h hash.Hash, s string) {
	b, err := hex.DecodeString(s)
	if err != nil {
		b = []byte(s) // a malformed stored hash still changes the digest
	}
	h.Write(b)
}

// Digest is an exported proof of the log up to a position: an organiser
// keeps it outside the system and can later show the history still matches.
type Digest struct {
	Position Position `json:"-"`
	At       string   `json:"position"` // Position.String()
	Events   uint64   `json:"events"`
	Digest   string   `json:"digest"`
}

// ParseDigest reads an exported digest.
func ParseDigest(b []byte) (Digest, error) {
	var d Digest
	if err := json.Unmarshal(b, &d); err != nil {
		return Digest{}, fmt.Errorf("digest: %w", err)
	}
	p, err := ParsePosition(d.At)
	if err != nil {
		return Digest{}, fmt.Errorf("digest: %w", err)
	}
	if len(d.Digest) != 64 {
		return Digest{}, fmt.Errorf("digest: %q is not a SHA-256 in hex", d.Digest)
	}
	d.Position = p
	return d, nil
}

// ChainProblem is one finding of the verifier, naming the event.
type ChainProblem struct {
	Position Position
	Stream   string
	Revision uint64
	EventID  string
	Problem  string
}

func (p ChainProblem) String() string {
	return fmt.Sprintf("position %s, stream %s revision %d, event %s: %s", p.Position, p.Stream, p.Revision, p.EventID, p.Problem)
}

// DigestRecorder is implemented by stores that record the chained digest as
// they append (the SQLite store does, per event); the verifier then checks
// the recomputed chain against it at every event.
type DigestRecorder interface {
	RecordedDigest(ctx context.Context, at Position) (string, error)
}

// VerifyOptions tune VerifyChain.
type VerifyOptions struct {
	// Against, when set, is a digest exported earlier: the recomputed chain
	// must pass through it, proving the history up to it is unchanged.
	Against *Digest
	// Progress is called after each page with the events checked so far.
	Progress func(events uint64)
}

// VerifyChain re-reads the whole log and checks every content hash, every
// stream link and the chained digest. It returns the problems found (empty
// when the history is intact) and the digest at the head.
func VerifyChain(ctx context.Context, store Store, opts VerifyOptions) ([]ChainProblem, Digest, error) {
	type link struct {
		revision uint64
		hash     string
	}
	last := map[string]link{}
	var (
		problems []ChainProblem
		digest   string // recomputed from the start: what an exported digest is compared with
		anchored string // re-anchored on the recorded digest after a finding, so one change is reported once
		count    uint64
		pos      = Start
	)
	recorder, _ := store.(DigestRecorder)
	for {
		page, err := store.ReadAll(ctx, pos, 1000)
		if err != nil {
			return problems, Digest{}, err
		}
		for _, e := range page {
			report := func(format string, args ...any) {
				problems = append(problems, ChainProblem{Position: e.Position, Stream: e.Stream, Revision: e.Revision,
					EventID: e.ID.String(), Problem: fmt.Sprintf(format, args...)})
			}
			want := ContentHash(e.Stream, e.Revision, e.EventData)
			if e.Metadata.ContentHash != want {
				report("content hash does not match: the event was modified")
			}
			prev, seen := last[e.Stream]
			switch {
			case !seen && e.Revision != 0:
				report("stream starts at revision %d: earlier events were removed", e.Revision)
			case seen && e.Revision != prev.revision+1:
				report("follows revision %d: events were removed, inserted or reordered", prev.revision)
			}
			if seen && e.Metadata.PrevHash != prev.hash {
				report("does not link to the previous event of its stream")
			} else if !seen && e.Revision == 0 && e.Metadata.PrevHash != "" {
				report("first event of its stream links to a predecessor")
			}
			last[e.Stream] = link{revision: e.Revision, hash: e.Metadata.ContentHash}
			digest = ChainNext(digest, want)
			anchored = ChainNext(anchored, want)
			count++
			if recorder != nil {
				rec, err := recorder.RecordedDigest(ctx, e.Position)
				if err != nil {
					return problems, Digest{}, err
				}
				if rec != anchored {
					report("the recorded chain digest differs from the recomputed one")
					anchored = rec
				}
			}
			if a := opts.Against; a != nil && e.Position == a.Position && (count != a.Events || digest != a.Digest) {
				report("the history up to here does not match the exported digest %s", a.Digest)
			}
			pos = e.Position
		}
		if opts.Progress != nil {
			opts.Progress(count)
		}
		if len(page) == 0 {
			if a := opts.Against; a != nil && pos.Before(a.Position) {
				problems = append(problems, ChainProblem{Position: pos, Problem: fmt.Sprintf(
					"the log ends before position %s of the exported digest: events were removed", a.At)})
			}
			return problems, Digest{Position: pos, At: pos.String(), Events: count, Digest: digest}, nil
		}
	}
}
