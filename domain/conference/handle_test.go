package conference_test

import (
	"context"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
)

var (
	ctx    = context.Background()
	sysAct = domain.Actor{Tenant: "t1", ID: "import", Role: domain.RoleSystem}
	tchAct = domain.Actor{Tenant: "t1", ID: "t1", Role: domain.RoleTeacher}
	aug    = domain.MustDate("2026-08-01")
	entry  = assessment.EntryStream("t1", "r1", "s1")
)

// seed writes setup and roster: student s1 with mentor m1 and guardians g1
// and g2 (g2 restricted), and s2 without a plan.
func seed(t *testing.T, showSupport bool) *domaintest.MemLog {
	t.Helper()
	log := domaintest.NewMemLog()
	log.Put(setup.OrganiserStream("t1"), now, sysAct, setup.SupportVisibilitySet{ShowSupportToHome: showSupport})
	log.Put(setup.SchoolYearStream("t1", "2026-2027"), now, sysAct, setup.SchoolYearCreated{SchoolYearID: "2026-2027", Terms: []setup.Term{
		{Kind: domain.HT, Start: domain.MustDate("2026-08-17"), End: domain.MustDate("2026-12-20")},
	}})
	log.Put(setup.TemplateStream("t1", "tpl"), now, sysAct, setup.TemplateVersionCreated{TemplateID: "tpl", Version: 1, Title: "IUP",
		Fields: []setup.Field{{Key: "school", Heading: "Skolan", VisibleTo: domain.Roles, EditableBy: []domain.Role{domain.RoleMentor}}}})
	for _, s := range []string{"s1", "s2"} {
		log.Put(roster.StudentStream("t1", s), now, sysAct,
			roster.StudentRegistered{StudentID: s, SchoolID: "school1", Grade: 4, SchoolForm: "grundskola", EffectiveFrom: aug},
			roster.MentorAssigned{StudentID: s, StaffID: "m1", EffectiveFrom: aug})
	}
	log.Put(roster.StudentStream("t1", "s1"), now, sysAct,
		roster.GuardianLinked{StudentID: "s1", GuardianID: "g1", Relation: roster.RelationGuardian, EffectiveFrom: aug},
		roster.GuardianLinked{StudentID: "s1", GuardianID: "g2", Relation: roster.RelationGuardian, EffectiveFrom: aug},
		roster.GuardianRestricted{StudentID: "s1", GuardianID: "g2", EffectiveFrom: aug})
	return log
}

// must stops the test on err: must(call())(t).
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// writeComment writes the teacher's comment on s1's entry in round r1, with
// the index entry the assessment handlers write before an entry's first write.
func writeComment(log *domaintest.MemLog, at time.Time, text string) {
	if len(log.Stream(entry)) == 0 {
		log.Put(assessment.StudentTermStream("t1", "s1", ht), at, tchAct,
			assessment.EntryIndexed{StudentID: "s1", Term: ht, RoundID: "r1", CourseID: "ma"})
	}
	log.Put(entry, at, tchAct, assessment.EntryCommentSet{RoundID: "r1", StudentID: "s1", Comment: text})
}

func TestHandleHold(t *testing.T) {
	t.Run("a talk held in November pins the November versions; later edits do not move them", func(t *testing.T) {
		log := seed(t, false)
		oct := time.Date(2026, 10, 20, 10, 0, 0, 0, time.UTC)
		must(plan.HandleCreateMany(ctx, log, plan.CreateMany{Meta: mentor, TemplateID: "tpl", Term: ht, Title: "IUP HT",
			Start: domain.MustDate("2026-08-17"), End: domain.MustDate("2026-12-20"), StudentIDs: []string{"s1"}}))(t)
		must(plan.Handle(ctx, log, plan.SetField{Meta: mentor, Target: plan.Target{StudentID: "s1", Term: ht}, Key: "school", Text: "Oktober"}, nil))(t)
		writeComment(log, oct, "Oktober: god taluppfattning")
		writeComment(log, now, "November: arbetar med bråk")

		must(conference.Handle(ctx, log, schedule(mentor, book), nil))(t)
		res := must(conference.HandleHold(ctx, log, hold(), nil))(t)
		if res.PlanErr != nil || res.Plan == nil {
			t.Fatalf("agreements not recorded in the plan: %+v", res)
		}

		// December: the teacher amends the comment and the mentor edits the plan.
		dec := time.Date(2026, 12, 10, 10, 0, 0, 0, time.UTC)
		writeComment(log, dec, "December: ändrad")
		m := mentor
		m.Now = dec
		must(plan.Handle(ctx, log, plan.SetField{Meta: m, Target: plan.Target{StudentID: "s1", Term: ht}, Key: "school", Text: "December"}, nil))(t)

		s := must3(t, conference.Decider, log, conference.Stream("t1", "c1"))
		rec := s.Record
		if rec.PlanStream != plan.Stream("t1", "s1", ht) || rec.PlanVersion != 1 {
			t.Fatalf("plan pinned at %s@%d, want version 1", rec.PlanStream, rec.PlanVersion)
		}
		if len(rec.Entries) != 1 || rec.Entries[0].Stream != entry || rec.Entries[0].Version != 1 || rec.Entries[0].CourseID != "ma" {
			t.Fatalf("entries pinned %+v, want %s@1", rec.Entries, entry)
		}
		// Rebuilding the entry up to the pinned version gives November's text.
		stream := log.Stream(entry)[:rec.Entries[0].Version+1]
		if got := stream[len(stream)-1].Event.(assessment.EntryCommentSet).Comment; got != "November: arbetar med bråk" {
			t.Fatalf("rebuilt comment %q", got)
		}
		// The agreements are in the plan with the conference id.
		p := must3(t, plan.Decider, log, plan.Stream("t1", "s1", ht))
		if got := p.Agreements["c1"]; len(got) != 1 || got[0] != "Läxhjälp" {
			t.Fatalf("plan agreements %+v", p.Agreements)
		}
	})
	t.Run("a student without a plan or entries records NoStream and no plan write", func(t *testing.T) {
		log := seed(t, false)
		c := schedule(mentor, conference.Booking{At: at, Place: "Rum 1", Participants: []conference.Participant{{PersonID: "s2", Role: conference.RoleStudent}}})
		c.StudentID = "s2"
		must(conference.Handle(ctx, log, c, nil))(t)
		h := hold()
		h.Attendees = []string{"s2"}
		res := must(conference.HandleHold(ctx, log, h, nil))(t)
		held := res.Events[0].(conference.Held)
		if held.PlanVersion != domain.NoStream || len(held.Entries) != 0 || res.Plan != nil || res.PlanErr != nil {
			t.Fatalf("held %+v, result %+v", held, res)
		}
	})
	t.Run("when the plan cannot take the agreements the hold stands and the plan error is reported", func(t *testing.T) {
		log := seed(t, false)
		target := plan.Target{StudentID: "s1", Term: ht}
		must(plan.HandleCreateMany(ctx, log, plan.CreateMany{Meta: mentor, TemplateID: "tpl", Term: ht, Title: "IUP HT",
			Start: domain.MustDate("2026-08-17"), End: domain.MustDate("2026-12-20"), StudentIDs: []string{"s1"}}))(t)
		must(plan.Handle(ctx, log, plan.Archive{Meta: mentor, Target: target}, nil))(t)
		must(conference.Handle(ctx, log, schedule(mentor, book), nil))(t)
		res := must(conference.HandleHold(ctx, log, hold(), nil))(t)
		if len(res.Events) != 1 || res.Plan != nil || !domain.IsCode(res.PlanErr, domain.CodeRuleViolated) {
			t.Fatalf("result %+v", res)
		}
	})
	t.Run("a term holding only legacy documents has no plan to take the agreements", func(t *testing.T) {
		log := seed(t, false)
		must(plan.Handle(ctx, log, plan.AttachLegacyDocument{Meta: mentor, Target: plan.Target{StudentID: "s1", Term: ht}, DocumentID: "d1",
			FileName: "iup.pdf", MediaType: "application/pdf", Size: 10, SHA256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}, nil))(t)
		must(conference.Handle(ctx, log, schedule(mentor, book), nil))(t)
		res := must(conference.HandleHold(ctx, log, hold(), nil))(t)
		if held := res.Events[0].(conference.Held); held.PlanVersion != 0 || res.Plan != nil || res.PlanErr != nil {
			t.Fatalf("result %+v", res)
		}
	})
	t.Run("the action programme follows the organiser's support setting", func(t *testing.T) {
		for _, show := range []bool{false, true} {
			log := seed(t, show)
			must(conference.Handle(ctx, log, schedule(mentor, book), nil))(t)
			h := hold()
			h.Agreements, h.ActionProgramme, h.ActionNote = nil, true, "Stöd i läsning"
			res := must(conference.HandleHold(ctx, log, h, nil))(t)
			if ap := res.Events[1].(conference.ActionProgrammeConsidered); !ap.SupportMatter || ap.ShowToHome != show {
				t.Fatalf("show=%v: %+v", show, ap)
			}
		}
	})
	t.Run("a held conference refuses a reschedule and a second hold", func(t *testing.T) {
		log := seed(t, false)
		must(conference.Handle(ctx, log, schedule(mentor, book), nil))(t)
		must(conference.HandleHold(ctx, log, hold(), nil))(t)
		b := book
		b.At = at.Add(time.Hour)
		if _, err := conference.Handle(ctx, log, conference.Reschedule{Meta: mentor, ConferenceID: "c1", Booking: b}, nil); !domain.IsCode(err, domain.CodeRuleViolated) {
			t.Fatalf("reschedule: %v", err)
		}
		if _, err := conference.HandleHold(ctx, log, hold(), nil); !domain.IsCode(err, domain.CodeRuleViolated) {
			t.Fatalf("hold again: %v", err)
		}
	})
}

func must3[S any, C any](t *testing.T, d domain.Decider[S, C], log domain.EventLog, stream string) S {
	t.Helper()
	s, _, err := domain.Load(ctx, log, d, stream)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestHandleScheduleAndAcknowledge(t *testing.T) {
	t.Run("the student as interpreter is refused", func(t *testing.T) {
		b := book
		b.Participants = []conference.Participant{{PersonID: "s1", Role: conference.RoleInterpreter}, {PersonID: "g1", Role: conference.RoleGuardian}}
		b.InterpreterLanguage = "ar"
		if _, err := conference.Handle(ctx, seed(t, false), schedule(mentor, b), nil); !domain.IsCode(err, domain.CodeRuleViolated) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("guardians named must be the student's active, unrestricted guardians", func(t *testing.T) {
		log := seed(t, false)
		for _, g := range []string{"g2", "g9"} {
			b := withParticipants(conference.Participant{PersonID: g, Role: conference.RoleGuardian})
			if _, err := conference.Handle(ctx, log, schedule(mentor, b), nil); !domain.IsCode(err, domain.CodeRuleViolated) {
				t.Fatalf("%s: err = %v", g, err)
			}
		}
	})
	t.Run("a mentor named as participant must mentor the student", func(t *testing.T) {
		log := seed(t, false)
		b := withParticipants(conference.Participant{PersonID: "m2", Role: conference.RoleMentor})
		if _, err := conference.Handle(ctx, log, schedule(mentor, b), nil); !domain.IsCode(err, domain.CodeRuleViolated) {
			t.Fatalf("err = %v", err)
		}
		must(conference.Handle(ctx, log, schedule(mentor, book), nil))(t)
		if _, err := conference.Handle(ctx, log, conference.Reschedule{Meta: mentor, ConferenceID: "c1", Booking: b}, nil); !domain.IsCode(err, domain.CodeRuleViolated) {
			t.Fatalf("reschedule: err = %v", err)
		}
	})
	t.Run("a restricted guardian is refused the acknowledgement the other guardian gives", func(t *testing.T) {
		log := seed(t, false)
		must(conference.Handle(ctx, log, schedule(mentor, book), nil))(t)
		must(conference.HandleHold(ctx, log, hold(), nil))(t)
		ack := func(g string) (domain.Result, error) {
			return conference.Handle(ctx, log, conference.Acknowledge{Meta: meta(domain.RoleGuardian, g), ConferenceID: "c1"}, nil)
		}
		if res, err := ack("g1"); err != nil || len(res.Events) != 1 {
			t.Fatalf("g1: %+v %v", res, err)
		}
		if res, err := ack("g1"); err != nil || len(res.Events) != 0 {
			t.Fatalf("g1 again: %+v %v", res, err)
		}
		if _, err := ack("g2"); !domain.IsCode(err, domain.CodeForbidden) {
			t.Fatalf("g2: %v", err)
		}
	})
	t.Run("an unknown conference is not found for an admin, forbidden for others; a malformed id is invalid", func(t *testing.T) {
		log := seed(t, false)
		if _, err := conference.Handle(ctx, log, conference.Cancel{Meta: admin, ConferenceID: "c9", Reason: "x"}, nil); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("admin: err = %v", err)
		}
		// Others cannot tell an unknown id from a talk they may not touch.
		if _, err := conference.Handle(ctx, log, conference.Cancel{Meta: mentor, ConferenceID: "c9", Reason: "x"}, nil); !domain.IsCode(err, domain.CodeForbidden) {
			t.Fatalf("mentor: err = %v", err)
		}
		if _, err := conference.Handle(ctx, log, conference.Cancel{Meta: mentor, ConferenceID: "c 9", Reason: "x"}, nil); !domain.IsCode(err, domain.CodeInvalid) {
			t.Fatalf("err = %v", err)
		}
	})
}
