package handlers

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/setup"
)

// organiserLog serves an organiser stream of one TimeZoneSet and counts
// the folds.
type organiserLog struct {
	domain.EventLog
	tz    atomic.Value // string; "" = no organiser yet
	loads atomic.Int32
}

func (l *organiserLog) Load(_ context.Context, stream string) (domain.Loaded, error) {
	l.loads.Add(1)
	tz, _ := l.tz.Load().(string)
	if tz == "" || stream != setup.OrganiserStream("k1") {
		return domain.Loaded{Version: domain.NoStream}, nil
	}
	return domain.Loaded{Version: 0, Events: []domain.Envelope{{Event: setup.TimeZoneSet{TimeZone: tz}, Stream: stream}}}, nil
}

// Reads fold the organiser's stream for its time zone at most once per
// TTL; a changed zone applies once the TTL has passed; an organiser not
// yet set up is folded again on every read.
func TestOrganiserZoneIsCachedForTheTTL(t *testing.T) {
	log := &organiserLog{}
	zones, err := lru.New[string, zone](16)
	if err != nil {
		t.Fatal(err)
	}
	a := &API{log: log, reads: &reads{zones: zones, zoneTTL: 100 * time.Millisecond}}
	ctx := context.Background()
	now := time.Date(2026, 1, 15, 23, 30, 0, 0, time.UTC) // 16 January in Stockholm, 15th in New York

	for range 2 {
		if _, err := a.organiserZone(ctx, "k1"); err != nil {
			t.Fatal(err)
		}
	}
	if n := log.loads.Load(); n != 2 {
		t.Fatalf("an organiser not set up was folded %d times in two reads, want 2", n)
	}

	log.tz.Store("Europe/Stockholm")
	day := func() string {
		loc, err := a.organiserZone(ctx, "k1")
		if err != nil {
			t.Fatal(err)
		}
		return domain.DateOf(now, loc).String()
	}
	if d := day(); d != "2026-01-16" {
		t.Fatalf("today in Stockholm = %s", d)
	}
	for range 5 {
		day()
	}
	if n := log.loads.Load(); n != 3 {
		t.Fatalf("six reads folded the organiser %d times, want once", n-2)
	}
	log.tz.Store("America/New_York")
	if d := day(); d != "2026-01-16" {
		t.Fatalf("within the TTL the cached zone answers: %s", d)
	}
	time.Sleep(150 * time.Millisecond)
	if d := day(); d != "2026-01-15" {
		t.Fatalf("after the TTL a changed zone must apply: today = %s", d)
	}
}
