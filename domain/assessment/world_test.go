package assessment

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
)

// world seeds setup and roster streams: school year 2026-2027 (HT ends
// 2026-12-20), a three-step and a free-text scale, the HT maths course ma-7a
// taught by tea-1 and tea-3 with s1 and s2 enrolled, and the HT Swedish course
// sv-7a taught by tea-2 with s1 and s2 enrolled. s3 is in no course.
func world(t *testing.T) *domaintest.MemLog {
	t.Helper()
	log := domaintest.NewMemLog()
	at := time.Date(2026, 8, 1, 8, 0, 0, 0, time.UTC)
	sys := domain.Actor{Tenant: "t1", ID: "system", Role: domain.RoleSystem}
	start := domain.MustDate("2026-08-17")
	log.Put(setup.OrganiserStream("t1"), at, sys, setup.TimeZoneSet{TimeZone: "Europe/Stockholm"})
	log.Put(setup.SchoolYearStream("t1", "2026-2027"), at, sys, setup.SchoolYearCreated{SchoolYearID: "2026-2027", Terms: []setup.Term{
		{Kind: domain.HT, Start: start, End: domain.MustDate("2026-12-20")},
		{Kind: domain.VT, Start: domain.MustDate("2027-01-07"), End: domain.MustDate("2027-06-12")},
	}})
	log.Put(setup.ScaleStream("t1", "three"), at, sys, setup.ScaleCreated{ScaleID: "three", Name: "Tre steg",
		Steps: []setup.Step{{Key: "E", Label: "Acceptable"}, {Key: "C", Label: "Good"}, {Key: "A", Label: "Very good"}}})
	log.Put(setup.ScaleStream("t1", "free"), at, sys, setup.ScaleCreated{ScaleID: "free", Name: "Fritext", FreeTextOnly: true})
	course := func(id, subject string, teachers ...string) {
		evs := []domain.Event{roster.CourseCreated{CourseID: id, SchoolID: "sk1", Subject: subject, Name: id, Term: ht}}
		for _, tea := range teachers {
			evs = append(evs, roster.CourseTeacherAssigned{CourseID: id, StaffID: tea, EffectiveFrom: start})
		}
		evs = append(evs, roster.StudentsEnrolled{CourseID: id, StudentIDs: []string{"s1", "s2"}, EffectiveFrom: start})
		log.Put(roster.CourseStream("t1", id), at, sys, evs...)
	}
	course("ma-7a", "MA", "tea-1", "tea-3")
	course("sv-7a", "SV", "tea-2")
	return log
}

func at(m domain.Meta, now time.Time) domain.Meta { m.Now = now; return m }

// openRound creates round id for course with the three-step scale.
func openRound(t *testing.T, log domain.EventLog, id, course, teacherID string) {
	t.Helper()
	_, err := HandleRound(context.Background(), log, CreateRound{Meta: teacher(teacherID), RoundID: id, CourseID: course,
		Term: ht, Title: "Matematik HT", ScaleID: "three", SelfAssessment: true}, nil)
	if err != nil {
		t.Fatalf("open round %s: %v", id, err)
	}
}

// barrierLog holds appends to streams matching a prefix until n of them
// arrived, so their loads all happened before any append: a true race.
type barrierLog struct {
	*domaintest.MemLog
	match   func(stream string) bool
	mu      sync.Mutex
	waiting int
	n       int
	release chan struct{}
}

func newBarrierLog(log *domaintest.MemLog, n int, match func(string) bool) *barrierLog {
	return &barrierLog{MemLog: log, match: match, n: n, release: make(chan struct{})}
}

func (b *barrierLog) Append(ctx context.Context, stream string, expected domain.Version, meta domain.Meta, events []domain.Event) (domain.Appended, error) {
	if b.match(stream) {
		b.mu.Lock()
		b.waiting++
		if b.waiting == b.n {
			close(b.release)
		}
		b.mu.Unlock()
		select {
		case <-b.release:
		case <-time.After(5 * time.Second):
			return domain.Appended{}, fmt.Errorf("barrier: not all %d writers arrived", b.n)
		}
	}
	return b.MemLog.Append(ctx, stream, expected, meta, events)
}
