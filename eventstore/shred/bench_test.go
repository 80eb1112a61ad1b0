package shred_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/catalog"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/eventstore/sqlite"
)

// Encryption overhead: the same appends and reads through the sealing codec
// and through the plain codec, in one run, so the ratio is what counts.
// Run: go test -run '^$' -bench EncryptionAppend -benchtime 2000x ./eventstore/shred/
// and go test -run '^$' -bench EncryptionRead -benchtime 20x ./eventstore/shred/

const benchStudents = 200

var ht = domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}

func fieldSet(i int) domain.Event {
	sid := fmt.Sprintf("s%d", i%benchStudents)
	return plan.FieldSet{PlanID: plan.ID(sid, ht), StudentID: sid, Key: "school_does",
		Text: fmt.Sprintf("Skolan ger extra lästräning två gånger i veckan och följer upp målen vid nästa samtal (%d).", i)}
}

type benchSide struct {
	store *sqlite.Store
	log   *eventstore.DomainLog
	codec eventstore.Codec
	vers  map[string]domain.Version
}

func openSide(b *testing.B, sealed bool) *benchSide {
	b.Helper()
	dir := b.TempDir()
	store, err := sqlite.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	var codec eventstore.Codec = eventstore.PlainCodec{Registry: catalog.Events}
	if sealed {
		codec = sealingCodec(b)
	}
	return &benchSide{store: store, log: eventstore.NewDomainLog(store, codec), codec: codec, vers: map[string]domain.Version{}}
}

func (s *benchSide) append(b *testing.B, i int) {
	ev := fieldSet(i).(plan.FieldSet)
	stream := plan.Stream("t1", ev.StudentID, ht)
	v, ok := s.vers[stream]
	if !ok {
		v = domain.NoStream
	}
	m := domain.Meta{Actor: domain.Actor{Tenant: "t1", ID: "men-1", Role: domain.RoleMentor}, Now: time.Now()}
	res, err := s.log.Append(context.Background(), stream, v, m, []domain.Event{ev})
	if err != nil {
		b.Fatal(err)
	}
	s.vers[stream] = res.Version
}

func BenchmarkEncryptionAppend(b *testing.B) {
	for _, sealed := range []bool{false, true} {
		b.Run(map[bool]string{false: "plain", true: "sealed"}[sealed], func(b *testing.B) {
			s := openSide(b, sealed)
			for i := range benchStudents { // keys exist before timing: steady state
				s.append(b, i)
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				s.append(b, i)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkEncryptionRead reads and decodes the whole log, as a rebuild does.
func BenchmarkEncryptionRead(b *testing.B) {
	const events = 5000
	for _, sealed := range []bool{false, true} {
		b.Run(map[bool]string{false: "plain", true: "sealed"}[sealed], func(b *testing.B) {
			s := openSide(b, sealed)
			ctx := context.Background()
			var batch []eventstore.EventData
			for i := range events {
				ev := fieldSet(i).(plan.FieldSet)
				id := eventstore.NewEventID()
				data, v, err := s.codec.Encode(ctx, "t1", id, ev)
				if err != nil {
					b.Fatal(err)
				}
				batch = append(batch, eventstore.EventData{ID: id, Type: ev.EventType(), SchemaVersion: v, Data: data,
					Metadata: eventstore.Metadata{Tenant: "t1"}})
				if len(batch) == 500 {
					if _, err := s.store.Append(ctx, fmt.Sprintf("bench-t1.%d", i), eventstore.Any(), batch...); err != nil {
						b.Fatal(err)
					}
					batch = nil
				}
			}
			b.ResetTimer()
			for b.Loop() {
				n := 0
				after := eventstore.Start
				for {
					page, err := s.store.ReadAll(ctx, after, 1000)
					if err != nil {
						b.Fatal(err)
					}
					if len(page) == 0 {
						break
					}
					for _, rec := range page {
						if _, culled, err := s.codec.Decode(ctx, rec); err != nil || culled {
							b.Fatalf("decode: %v culled=%v", err, culled)
						}
						n++
					}
					after = page[len(page)-1].Position
				}
				if n != events {
					b.Fatalf("read %d events, want %d", n, events)
				}
			}
			b.ReportMetric(float64(b.N*events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkSealEncode is sealing alone: an event's personal members split
// off, encrypted and written back with the rest (keys exist: steady state).
//
//	go test -run '^$' -bench SealEncode -benchmem ./eventstore/shred/
func BenchmarkSealEncode(b *testing.B) {
	s := openSide(b, true)
	ctx := context.Background()
	for i := range benchStudents {
		if _, _, err := s.codec.Encode(ctx, "t1", eventstore.NewEventID(), fieldSet(i)); err != nil {
			b.Fatal(err)
		}
	}
	id := eventstore.NewEventID()
	for i := 0; b.Loop(); i++ {
		if _, _, err := s.codec.Encode(ctx, "t1", id, fieldSet(i)); err != nil {
			b.Fatal(err)
		}
	}
}
