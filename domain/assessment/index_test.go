package assessment

import (
	"context"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
)

var ht = domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}

func TestStudentTermIndex(t *testing.T) {
	meta := domain.Meta{Actor: domain.Actor{Tenant: "t1", ID: "teacher-1", Role: domain.RoleTeacher}, Now: time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)}
	cmd := IndexEntry{Meta: meta, StudentID: "s1", Term: ht, RoundID: "r1", CourseID: "c1"}
	indexed := EntryIndexed{StudentID: "s1", Term: ht, RoundID: "r1", CourseID: "c1"}

	t.Run("the first write of a student's entry in a round is indexed", func(t *testing.T) {
		domaintest.Given(t, StudentTermDecider).When(cmd).Then(indexed)
	})
	t.Run("indexing the same round again decides nothing", func(t *testing.T) {
		domaintest.Given(t, StudentTermDecider, indexed).When(cmd).Then()
	})
	t.Run("an index entry needs valid ids and term", func(t *testing.T) {
		bad := cmd
		bad.Term.Kind = "ST"
		domaintest.Given(t, StudentTermDecider).When(bad).ThenError(domain.CodeInvalid)
	})
}

func TestLoadStudentTermEntriesListsStreamsWithVersions(t *testing.T) {
	log := domaintest.NewMemLog()
	at := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	actor := domain.Actor{Tenant: "t1", ID: "teacher-1", Role: domain.RoleTeacher}
	log.Put(StudentTermStream("t1", "s1", ht), at, actor,
		EntryIndexed{StudentID: "s1", Term: ht, RoundID: "r1", CourseID: "c1"},
		EntryIndexed{StudentID: "s1", Term: ht, RoundID: "r2", CourseID: "c2"})
	log.Put(EntryStream("t1", "r1", "s1"), at, actor, EntryIndexed{}, EntryIndexed{})

	got, err := LoadStudentTermEntries(context.Background(), log, "t1", "s1", ht)
	if err != nil {
		t.Fatal(err)
	}
	want := []EntryVersion{
		{EntryRef{RoundID: "r1", CourseID: "c1", Stream: EntryStream("t1", "r1", "s1")}, 1},
		{EntryRef{RoundID: "r2", CourseID: "c2", Stream: EntryStream("t1", "r2", "s1")}, domain.NoStream},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	vt := domain.TermRef{SchoolYear: "2026-2027", Kind: domain.VT}
	if other, _ := LoadStudentTermEntries(context.Background(), log, "t1", "s1", vt); len(other) != 0 {
		t.Fatalf("another term's index must be empty, got %+v", other)
	}
}
