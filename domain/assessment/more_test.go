package assessment

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
)

func TestEveryPersonalEventNamesTheStudent(t *testing.T) {
	for _, ev := range []domain.Event{
		EntryCommentSet{StudentID: "s1"}, SelfCommentSet{StudentID: "s1"},
		EntryAmended{StudentID: "s1"}, EntryWithdrawn{StudentID: "s1"},
	} {
		ds, ok := ev.(domain.DataSubject)
		if !ok || ds.DataSubject() != "s1" {
			t.Errorf("%s must name the student as its data subject", ev.EventType())
		}
	}
}

func TestAmendmentsOfEveryField(t *testing.T) {
	s := EntryDecider.Fold([]domain.Event{
		EntryAmended{Field: FieldLevel, Level: "A"}, EntryAmended{Field: FieldComment, Comment: "c"},
		EntryAmended{Field: FieldSelfLevel, Level: "E"}, EntryAmended{Field: FieldSelfComment, Comment: "sc"},
	})
	want := EntryState{Written: true, Level: "A", Comment: "c", SelfLevel: "E", SelfComment: "sc", Amendments: 4}
	if s != want {
		t.Fatalf("got %+v, want %+v", s, want)
	}
}

func TestRelationsBeforeTheTermAreCheckedOnItsFirstDay(t *testing.T) {
	log := world(t)
	early := time.Date(2026, 8, 10, 8, 0, 0, 0, time.UTC) // the teacher is assigned from 17 August
	_, err := HandleRound(context.Background(), log, CreateRound{Meta: at(teacher("tea-1"), early), RoundID: "r1",
		CourseID: "ma-7a", Term: ht, Title: "Matematik HT", ScaleID: "three"}, nil)
	if err != nil {
		t.Fatalf("a teacher of the term's course may prepare a round before the term: %v", err)
	}
}

// brokenLog fails every load, as a store that is down would.
type brokenLog struct{ domain.EventLog }

var errDown = errors.New("store down")

func (brokenLog) Load(context.Context, string) (domain.Loaded, error) {
	return domain.Loaded{}, errDown
}

func TestStorageErrorsAreNotRefusals(t *testing.T) {
	ctx := context.Background()
	log := brokenLog{world(t)}
	if _, err := HandleEntry(ctx, log, SetLevel{Meta: teacher("tea-1"), RoundID: "r1", StudentID: "s1", Level: "C"}, nil); !errors.Is(err, errDown) {
		t.Fatalf("entry: want the store's error, got %v", err)
	}
	if _, err := SetLevels(ctx, log, BulkSetLevel{Meta: teacher("tea-1"), RoundID: "r1", Level: "C", StudentIDs: []string{"s1"}}); !errors.Is(err, errDown) {
		t.Fatalf("bulk: want the store's error, got %v", err)
	}
	if _, err := HandleRound(ctx, log, PublishRound{Meta: teacher("tea-1"), RoundID: "r1"}, nil); !errors.Is(err, errDown) {
		t.Fatalf("round: want the store's error, got %v", err)
	}
	if _, err := LoadStudentTermEntries(ctx, log, "t1", "s1", ht); !errors.Is(err, errDown) {
		t.Fatalf("index: want the store's error, got %v", err)
	}
}

func TestRoundCommandsCarryTheirFacts(t *testing.T) {
	f := teaches("tea-1")
	for _, c := range []RoundCommand{PublishRound{}, UnpublishRound{}, SetSelfAssessment{}, CreateRound{}} {
		got := reflect.ValueOf(c.withFacts(f)).FieldByName("Facts").Interface()
		if !reflect.DeepEqual(got, f) {
			t.Errorf("%T does not keep its facts", c)
		}
	}
	ef := entryFacts(f)
	for _, c := range []EntryCommand{SetLevel{}, SetComment{}, SetSelfLevel{}, SetSelfComment{}, WithdrawEntry{}} {
		if !reflect.DeepEqual(c.withFacts(ef).facts(), ef) {
			t.Errorf("%T does not keep its facts", c)
		}
	}
}

func TestLoadEntryAtShowsTheEntryAsItStood(t *testing.T) {
	ctx := context.Background()
	log := world(t)
	openRound(t, log, "r1", "ma-7a", "tea-1")
	for _, lvl := range []string{"E", "C", "A"} {
		if _, err := HandleEntry(ctx, log, SetLevel{Meta: teacher("tea-1"), RoundID: "r1", StudentID: "s1", Level: lvl}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if s, err := LoadEntryAt(ctx, log, "t1", "r1", "s1", 1); err != nil || s.Level != "C" {
		t.Fatalf("at version 1: %+v, %v", s, err)
	}
	if s, _ := LoadEntryAt(ctx, log, "t1", "r1", "s1", domain.NoStream); s.Written {
		t.Fatalf("before any write the entry is empty, got %+v", s)
	}
	if s, v, err := LoadEntry(ctx, log, "t1", "r1", "s1"); err != nil || s.Level != "A" || v != 2 {
		t.Fatalf("now: %+v at %d, %v", s, v, err)
	}
	if r, v, err := LoadRound(ctx, log, "t1", "r1"); err != nil || r.CourseID != "ma-7a" || v != 0 {
		t.Fatalf("round: %+v at %d, %v", r, v, err)
	}
	if _, err := LoadEntryAt(ctx, brokenLog{log}, "t1", "r1", "s1", 0); !errors.Is(err, errDown) {
		t.Fatalf("want the store's error, got %v", err)
	}
}
