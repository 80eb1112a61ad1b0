package risk

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
)

// world: s1 in year 6 with mentor men-1; the HT maths course ma-6a taught by
// tea-1 and the Spanish course spa-6a ("M2 SPA") taught by tea-2, both with
// s1 enrolled; s2 (year 3) is in no course.
func world(t *testing.T) *domaintest.MemLog {
	t.Helper()
	log := domaintest.NewMemLog()
	at := time.Date(2026, 8, 1, 8, 0, 0, 0, time.UTC)
	sys := domain.Actor{Tenant: "t1", ID: "system", Role: domain.RoleSystem}
	start := domain.MustDate("2026-08-17")
	log.Put(setup.SchoolYearStream("t1", "2026-2027"), at, sys, setup.SchoolYearCreated{SchoolYearID: "2026-2027", Terms: []setup.Term{
		{Kind: domain.HT, Start: start, End: domain.MustDate("2026-12-20")},
	}})
	log.Put(roster.StudentStream("t1", "s1"), at, sys,
		roster.StudentRegistered{StudentID: "s1", SchoolID: "sk1", Grade: 6, SchoolForm: "grundskola", EffectiveFrom: start},
		roster.MentorAssigned{StudentID: "s1", StaffID: "men-1", EffectiveFrom: start})
	log.Put(roster.StudentStream("t1", "s2"), at, sys,
		roster.StudentRegistered{StudentID: "s2", SchoolID: "sk1", Grade: 3, SchoolForm: "grundskola", EffectiveFrom: start})
	course := func(id, subject, teacher string) {
		log.Put(roster.CourseStream("t1", id), at, sys,
			roster.CourseCreated{CourseID: id, SchoolID: "sk1", Subject: subject, Name: id, Term: ht},
			roster.CourseTeacherAssigned{CourseID: id, StaffID: teacher, EffectiveFrom: start},
			roster.StudentsEnrolled{CourseID: id, StudentIDs: []string{"s1"}, EffectiveFrom: start})
	}
	course("ma-6a", "MA", "tea-1")
	course("spa-6a", "M2 SPA", "tea-2")
	return log
}

func TestHandleLoadsFactsFromStreams(t *testing.T) {
	ctx := context.Background()

	t.Run("a teacher signals through their course; grade and duty year come from the student stream", func(t *testing.T) {
		log := world(t)
		sig := Signal{Meta: meta("tea-1", domain.RoleTeacher, ""), StudentID: "s1", Subject: "MA", CourseID: "ma-6a", Term: ht, Note: "Bråk"}
		if _, err := Handle(ctx, log, sig, nil); err != nil {
			t.Fatal(err)
		}
		got := log.Stream(Stream("t1", "s1", "MA"))
		want := RiskSignalled{StudentID: "s1", Subject: "MA", Term: ht, CourseID: "ma-6a", Grade: 6, DutyYear: true, Note: "Bråk"}
		if len(got) != 1 || !reflect.DeepEqual(got[0].Event, want) {
			t.Fatalf("stream = %+v", got)
		}
	})
	t.Run("a subject code with a space has its own safe stream", func(t *testing.T) {
		log := world(t)
		sig := Signal{Meta: meta("tea-2", domain.RoleTeacher, ""), StudentID: "s1", Subject: "M2 SPA", CourseID: "spa-6a", Term: ht}
		if _, err := Handle(ctx, log, sig, nil); err != nil {
			t.Fatal(err)
		}
		if n := len(log.Stream("risksignal-t1.s1.M2_20SPA")); n != 1 {
			t.Fatalf("want the signal in the encoded stream, got %d events", n)
		}
	})
	t.Run("a teacher naming their course of another subject is refused", func(t *testing.T) {
		log := world(t)
		sig := Signal{Meta: meta("tea-2", domain.RoleTeacher, ""), StudentID: "s1", Subject: "MA", CourseID: "spa-6a", Term: ht}
		if _, err := Handle(ctx, log, sig, nil); !domain.IsCode(err, domain.CodeForbidden) {
			t.Fatalf("want forbidden, got %v", err)
		}
	})
	t.Run("a teacher cannot signal a student not enrolled in the course", func(t *testing.T) {
		log := world(t)
		sig := Signal{Meta: meta("tea-1", domain.RoleTeacher, ""), StudentID: "s2", Subject: "MA", CourseID: "ma-6a", Term: ht}
		if _, err := Handle(ctx, log, sig, nil); !domain.IsCode(err, domain.CodeForbidden) {
			t.Fatalf("want forbidden, got %v", err)
		}
	})
	t.Run("the mentor signals and withdraws; only the mentor of that student", func(t *testing.T) {
		log := world(t)
		sig := Signal{Meta: meta("men-1", domain.RoleMentor, ""), StudentID: "s1", Subject: "SV", Term: ht}
		if _, err := Handle(ctx, log, sig, nil); err != nil {
			t.Fatal(err)
		}
		w := Withdraw{Meta: meta("men-1", domain.RoleMentor, ""), StudentID: "s1", Subject: "SV", Reason: "Ikapp"}
		if res, err := Handle(ctx, log, w, nil); err != nil || res.Version != 1 {
			t.Fatalf("withdraw: %+v, %v", res, err)
		}
		other := sig
		other.StudentID = "s2"
		if _, err := Handle(ctx, log, other, nil); !domain.IsCode(err, domain.CodeForbidden) {
			t.Fatalf("want forbidden for another's mentee, got %v", err)
		}
	})
	t.Run("an admin acting for the mentor is recorded as such", func(t *testing.T) {
		log := world(t)
		sig := Signal{Meta: meta("adm-1", domain.RoleAdmin, "men-1"), StudentID: "s1", Subject: "SV", Term: ht}
		if _, err := Handle(ctx, log, sig, nil); err != nil {
			t.Fatal(err)
		}
		if ev := log.Stream(Stream("t1", "s1", "SV"))[0].Event.(RiskSignalled); ev.OnBehalfOf != "men-1" {
			t.Fatalf("on_behalf_of = %q", ev.OnBehalfOf)
		}
	})
	t.Run("an unknown student, course or term is not found", func(t *testing.T) {
		log := world(t)
		for _, sig := range []Signal{
			{Meta: meta("men-1", domain.RoleMentor, ""), StudentID: "nobody", Subject: "SV", Term: ht},
			{Meta: meta("tea-1", domain.RoleTeacher, ""), StudentID: "s1", Subject: "MA", CourseID: "nope", Term: ht},
			{Meta: meta("men-1", domain.RoleMentor, ""), StudentID: "s1", Subject: "SV", Term: domain.TermRef{SchoolYear: "2030-2031", Kind: domain.HT}},
		} {
			if _, err := Handle(ctx, log, sig, nil); !domain.IsCode(err, domain.CodeNotFound) {
				t.Fatalf("want not found for %+v, got %v", sig, err)
			}
		}
	})
}

func TestLoadFoldsTheSignal(t *testing.T) {
	log := world(t)
	sig := Signal{Meta: meta("men-1", domain.RoleMentor, ""), StudentID: "s1", Subject: "SV", Term: ht, Note: "n"}
	if _, err := Handle(context.Background(), log, sig, nil); err != nil {
		t.Fatal(err)
	}
	s, v, err := Load(context.Background(), log, "t1", "s1", "SV")
	if err != nil || !s.Active || s.Note != "n" || v != 0 {
		t.Fatalf("got %+v at %d, %v", s, v, err)
	}
}
