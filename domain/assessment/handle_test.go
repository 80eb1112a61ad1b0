package assessment

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/roster"
)

func TestHandlersLoadFactsFromStreams(t *testing.T) {
	ctx := context.Background()

	t.Run("a round copies the scale's steps from the scale stream", func(t *testing.T) {
		log := world(t)
		openRound(t, log, "r1", "ma-7a", "tea-1")
		got := log.Stream(RoundStream("t1", "r1"))
		if len(got) != 1 || !reflect.DeepEqual(got[0].Event, created) {
			t.Fatalf("round stream = %+v, want %+v", got, created)
		}
	})
	t.Run("a teacher of another course cannot open a round or write an entry", func(t *testing.T) {
		log := world(t)
		_, err := HandleRound(ctx, log, CreateRound{Meta: teacher("tea-2"), RoundID: "r1", CourseID: "ma-7a", Term: ht,
			Title: "x", ScaleID: "three"}, nil)
		if !domain.IsCode(err, domain.CodeForbidden) {
			t.Fatalf("want forbidden, got %v", err)
		}
		openRound(t, log, "r1", "ma-7a", "tea-1")
		_, err = HandleEntry(ctx, log, SetLevel{Meta: teacher("tea-2"), RoundID: "r1", StudentID: "s1", Level: "C"}, nil)
		if !domain.IsCode(err, domain.CodeForbidden) {
			t.Fatalf("want forbidden, got %v", err)
		}
		if idx := log.Stream(StudentTermStream("t1", "s1", ht)); len(idx) != 0 {
			t.Fatalf("a refused write must leave no index record, got %d", len(idx))
		}
	})
	t.Run("a teacher whose assignment ended in the roster can no longer write", func(t *testing.T) {
		log := world(t)
		openRound(t, log, "r1", "ma-7a", "tea-1")
		log.Put(roster.CourseStream("t1", "ma-7a"), inTerm, domain.Actor{Tenant: "t1", ID: "system", Role: domain.RoleSystem},
			roster.CourseTeacherEnded{CourseID: "ma-7a", StaffID: "tea-1", EffectiveFrom: domain.MustDate("2026-09-15")})
		_, err := HandleEntry(ctx, log, SetLevel{Meta: teacher("tea-1"), RoundID: "r1", StudentID: "s1", Level: "C"}, nil)
		if !domain.IsCode(err, domain.CodeForbidden) {
			t.Fatalf("want forbidden, got %v", err)
		}
	})
	t.Run("the first write of an entry indexes it in the student's term, first", func(t *testing.T) {
		log := world(t)
		openRound(t, log, "r1", "ma-7a", "tea-1")
		res, err := HandleEntry(ctx, log, SetLevel{Meta: teacher("tea-1"), RoundID: "r1", StudentID: "s1", Level: "C"}, nil)
		if err != nil || res.Version != 0 {
			t.Fatalf("set level: version %d, %v", res.Version, err)
		}
		if _, err := HandleEntry(ctx, log, SetComment{Meta: teacher("tea-1"), RoundID: "r1", StudentID: "s1", Comment: "Bra"}, nil); err != nil {
			t.Fatal(err)
		}
		entries, err := LoadStudentTermEntries(ctx, log, "t1", "s1", ht)
		want := []EntryVersion{{EntryRef{RoundID: "r1", CourseID: "ma-7a", Stream: EntryStream("t1", "r1", "s1")}, 1}}
		if err != nil || !reflect.DeepEqual(entries, want) {
			t.Fatalf("entries = %+v, %v; want %+v", entries, err, want)
		}
		if n := len(log.Stream(StudentTermStream("t1", "s1", ht))); n != 1 {
			t.Fatalf("the index records a round once, got %d records", n)
		}
	})
	t.Run("a level on a free-text round is refused", func(t *testing.T) {
		log := world(t)
		_, err := HandleRound(ctx, log, CreateRound{Meta: teacher("tea-1"), RoundID: "r1", CourseID: "ma-7a", Term: ht,
			Title: "Fritext", ScaleID: "free"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = HandleEntry(ctx, log, SetLevel{Meta: teacher("tea-1"), RoundID: "r1", StudentID: "s1", Level: "C"}, nil)
		if !domain.IsCode(err, domain.CodeInvalid) {
			t.Fatalf("want invalid, got %v", err)
		}
	})
	t.Run("an unknown round is not found", func(t *testing.T) {
		log := world(t)
		_, err := HandleEntry(ctx, log, SetLevel{Meta: teacher("tea-1"), RoundID: "nope", StudentID: "s1", Level: "C"}, nil)
		if !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("want not found, got %v", err)
		}
		_, err = HandleRound(ctx, log, PublishRound{Meta: teacher("tea-1"), RoundID: "nope"}, nil)
		if !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("want not found, got %v", err)
		}
	})
	t.Run("publishing loads the course from the round", func(t *testing.T) {
		log := world(t)
		openRound(t, log, "r1", "ma-7a", "tea-1")
		res, err := HandleRound(ctx, log, PublishRound{Meta: teacher("tea-3"), RoundID: "r1"}, nil)
		if err != nil || res.Version != 1 {
			t.Fatalf("publish: %+v, %v", res, err)
		}
	})
}

func TestHandlerAmendsAfterTermEndInOrganisersZone(t *testing.T) {
	ctx := context.Background()
	log := world(t)
	openRound(t, log, "r1", "ma-7a", "tea-1")
	set := func(now time.Time, level, reason string) (domain.Result, error) {
		return HandleEntry(ctx, log, SetLevel{Meta: at(teacher("tea-1"), now), RoundID: "r1", StudentID: "s1", Level: level, Reason: reason}, nil)
	}
	// 23:30 on 20 December in Stockholm is still HT; 00:30 on the 21st is not.
	if res, err := set(time.Date(2026, 12, 20, 22, 30, 0, 0, time.UTC), "E", ""); err != nil || len(res.Events) != 1 {
		t.Fatalf("last evening of the term: %+v, %v", res, err)
	}
	if _, ok := log.Stream(EntryStream("t1", "r1", "s1"))[0].Event.(EntryLevelSet); !ok {
		t.Fatal("a change on the term's last day is a plain change")
	}
	if _, err := set(time.Date(2026, 12, 20, 23, 30, 0, 0, time.UTC), "C", ""); !domain.IsCode(err, domain.CodeInvalid) || !strings.Contains(err.Error(), "reason") {
		t.Fatalf("after the term's last day a change without a reason is refused, got %v", err)
	}
	if _, err := set(afterTerm, "A", "Komplettering inlämnad"); err != nil {
		t.Fatal(err)
	}
	got := log.Stream(EntryStream("t1", "r1", "s1"))
	want := EntryAmended{RoundID: "r1", StudentID: "s1", Term: ht, Field: FieldLevel, Level: "A", Reason: "Komplettering inlämnad"}
	if len(got) != 2 || !reflect.DeepEqual(got[1].Event, want) {
		t.Fatalf("want an HT amendment, got %+v", got)
	}
	if entries, _ := LoadStudentTermEntries(ctx, log, "t1", "s1", domain.TermRef{SchoolYear: "2026-2027", Kind: domain.VT}); len(entries) != 0 {
		t.Fatal("an HT entry edited in February must not appear in the VT term")
	}
}

func TestBulkSetLevels(t *testing.T) {
	ctx := context.Background()
	log := world(t)
	openRound(t, log, "r1", "ma-7a", "tea-1")
	cmd := BulkSetLevel{Meta: teacher("tea-1"), RoundID: "r1", Level: "C", StudentIDs: []string{"s1", "s2", "s3"}}

	outcomes := func(rs []BulkResult) []Outcome {
		out := make([]Outcome, len(rs))
		for i, r := range rs {
			out[i] = r.Outcome
		}
		return out
	}
	t.Run("a level for three students where one is not enrolled reports ok, ok, refused", func(t *testing.T) {
		rs, err := SetLevels(ctx, log, cmd)
		if err != nil {
			t.Fatal(err)
		}
		if got := outcomes(rs); !reflect.DeepEqual(got, []Outcome{OutcomeOK, OutcomeOK, OutcomeRefused}) {
			t.Fatalf("outcomes = %v", got)
		}
		if rs[2].StudentID != "s3" || rs[2].Code != domain.CodeRuleViolated || !strings.Contains(rs[2].Message, "enrol") {
			t.Fatalf("refusal = %+v", rs[2])
		}
	})
	t.Run("the same bulk again reports unchanged for those already set", func(t *testing.T) {
		rs, err := SetLevels(ctx, log, cmd)
		if err != nil {
			t.Fatal(err)
		}
		if got := outcomes(rs); !reflect.DeepEqual(got, []Outcome{OutcomeUnchanged, OutcomeUnchanged, OutcomeRefused}) {
			t.Fatalf("outcomes = %v", got)
		}
	})
	t.Run("an empty or oversized list is refused as a whole", func(t *testing.T) {
		c := cmd
		c.StudentIDs = nil
		if _, err := SetLevels(ctx, log, c); !domain.IsCode(err, domain.CodeInvalid) {
			t.Fatalf("want invalid, got %v", err)
		}
		c.StudentIDs = make([]string, MaxBulk+1)
		if _, err := SetLevels(ctx, log, c); !domain.IsCode(err, domain.CodeInvalid) {
			t.Fatalf("want invalid, got %v", err)
		}
	})
}

func TestBulkSetLevelsWritesStudentsConcurrently(t *testing.T) {
	ctx := context.Background()
	t.Run("the students' entries are appended at the same time, so the store can commit them together", func(t *testing.T) {
		mem := world(t)
		openRound(t, mem, "r1", "ma-7a", "tea-1")
		// One after the other, the first append would wait for the second
		// until the barrier gives up.
		log := newBarrierLog(mem, 2, func(s string) bool { return strings.HasPrefix(s, entryCategory+"-") })
		rs, err := SetLevels(ctx, log, BulkSetLevel{Meta: teacher("tea-1"), RoundID: "r1", Level: "C", StudentIDs: []string{"s1", "s2"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 2 || rs[0].StudentID != "s1" || rs[0].Outcome != OutcomeOK || rs[1].StudentID != "s2" || rs[1].Outcome != OutcomeOK {
			t.Fatalf("results = %+v", rs)
		}
	})
	t.Run("a student named twice is set once, then reported unchanged, in the order given", func(t *testing.T) {
		mem := world(t)
		openRound(t, mem, "r1", "ma-7a", "tea-1")
		rs, err := SetLevels(ctx, mem, BulkSetLevel{Meta: teacher("tea-1"), RoundID: "r1", Level: "C", StudentIDs: []string{"s1", "s2", "s1"}})
		if err != nil {
			t.Fatal(err)
		}
		want := []Outcome{OutcomeOK, OutcomeOK, OutcomeUnchanged}
		for i, r := range rs {
			if r.Outcome != want[i] || r.StudentID != []string{"s1", "s2", "s1"}[i] {
				t.Fatalf("results = %+v, want outcomes %v", rs, want)
			}
		}
		if n := len(mem.Stream(EntryStream("t1", "r1", "s1"))); n != 1 {
			t.Fatalf("entry of s1 has %d events, want 1", n)
		}
	})
	t.Run("a storage error on one student ends the command with that error", func(t *testing.T) {
		mem := world(t)
		openRound(t, mem, "r1", "ma-7a", "tea-1")
		log := failingAppends{MemLog: mem, stream: EntryStream("t1", "r1", "s2")}
		_, err := SetLevels(ctx, log, BulkSetLevel{Meta: teacher("tea-1"), RoundID: "r1", Level: "C", StudentIDs: []string{"s1", "s2"}})
		if !errors.Is(err, errDown) {
			t.Fatalf("want the store's error, got %v", err)
		}
	})
}

// failingAppends fails every append to one stream, as a full disk would.
type failingAppends struct {
	*domaintest.MemLog
	stream string
}

func (f failingAppends) Append(ctx context.Context, stream string, expected domain.Version, meta domain.Meta, events []domain.Event) (domain.Appended, error) {
	if stream == f.stream {
		return domain.Appended{}, errDown
	}
	return f.MemLog.Append(ctx, stream, expected, meta, events)
}

func TestConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	run := func(cmds ...EntryCommand) func(log domain.EventLog) []error {
		return func(log domain.EventLog) []error {
			errs := make([]error, len(cmds))
			var wg sync.WaitGroup
			for i, c := range cmds {
				wg.Go(func() { _, errs[i] = HandleEntry(ctx, log, c, nil) })
			}
			wg.Wait()
			return errs
		}
	}
	t.Run("two teachers writing different students' entries concurrently do not conflict", func(t *testing.T) {
		mem := world(t)
		openRound(t, mem, "r1", "ma-7a", "tea-1")
		// Both writers load their entry streams before either appends.
		log := newBarrierLog(mem, 2, func(s string) bool { return strings.HasPrefix(s, entryCategory+"-") })
		errs := run(
			SetLevel{Meta: teacher("tea-1"), RoundID: "r1", StudentID: "s1", Level: "C"},
			SetLevel{Meta: teacher("tea-3"), RoundID: "r1", StudentID: "s2", Level: "A"},
		)(log)
		for i, err := range errs {
			if err != nil {
				t.Fatalf("writer %d: %v", i, err)
			}
		}
		for _, s := range []string{"s1", "s2"} {
			if n := len(mem.Stream(EntryStream("t1", "r1", s))); n != 1 {
				t.Fatalf("entry of %s has %d events, want 1", s, n)
			}
		}
	})
	t.Run("two rounds of one term writing the same student both land in the index", func(t *testing.T) {
		mem := world(t)
		openRound(t, mem, "r1", "ma-7a", "tea-1")
		openRound(t, mem, "r2", "sv-7a", "tea-2")
		log := newBarrierLog(mem, 2, func(s string) bool { return strings.HasPrefix(s, studentTermCategory+"-") })
		errs := run(
			SetLevel{Meta: teacher("tea-1"), RoundID: "r1", StudentID: "s1", Level: "C"},
			SetComment{Meta: teacher("tea-2"), RoundID: "r2", StudentID: "s1", Comment: "Läser flytande"},
		)(log)
		for i, err := range errs {
			if err != nil {
				t.Fatalf("writer %d: %v", i, err)
			}
		}
		entries, err := LoadStudentTermEntries(ctx, mem, "t1", "s1", ht)
		if err != nil || len(entries) != 2 || entries[0].Version != 0 || entries[1].Version != 0 {
			t.Fatalf("entries = %+v, %v", entries, err)
		}
	})
	t.Run("a racing write to the same entry is retried on fresh state", func(t *testing.T) {
		mem := world(t)
		openRound(t, mem, "r1", "ma-7a", "tea-1")
		comment := func(text string) {
			if _, err := HandleEntry(ctx, mem, SetComment{Meta: teacher("tea-3"), RoundID: "r1", StudentID: "s1", Comment: text}, nil); err != nil {
				t.Errorf("comment: %v", err)
			}
		}
		comment("Bra")
		// The racing comment lands between our load and our append.
		mem.BeforeAppend = func(string) { comment("Bättre") }
		res, err := HandleEntry(ctx, mem, SetLevel{Meta: teacher("tea-1"), RoundID: "r1", StudentID: "s1", Level: "C"}, nil)
		if err != nil || res.Version != 2 {
			t.Fatalf("level after retry: %+v, %v", res, err)
		}
		s := EntryDecider.Fold(events(mem.Stream(EntryStream("t1", "r1", "s1"))))
		if s.Level != "C" || s.Comment != "Bättre" {
			t.Fatalf("want both writes kept, got %+v", s)
		}
	})
	t.Run("a conditional write on a moved entry fails its precondition", func(t *testing.T) {
		mem := world(t)
		openRound(t, mem, "r1", "ma-7a", "tea-1")
		if _, err := HandleEntry(ctx, mem, SetLevel{Meta: teacher("tea-1"), RoundID: "r1", StudentID: "s1", Level: "C"}, nil); err != nil {
			t.Fatal(err)
		}
		stale := domain.NoStream
		_, err := HandleEntry(ctx, mem, SetLevel{Meta: teacher("tea-1"), RoundID: "r1", StudentID: "s1", Level: "A"}, &stale)
		if !domain.IsCode(err, domain.CodePreconditionFailed) {
			t.Fatalf("want precondition failed, got %v", err)
		}
	})
}

func events(envs []domain.Envelope) []domain.Event {
	out := make([]domain.Event, len(envs))
	for i, e := range envs {
		out[i] = e.Event
	}
	return out
}
