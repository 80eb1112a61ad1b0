package conference_test

import (
	"strings"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/domaintest"
)

var (
	ht   = domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}
	now  = time.Date(2026, 11, 12, 15, 0, 0, 0, time.UTC)
	at   = time.Date(2026, 11, 19, 13, 0, 0, 0, time.UTC)
	cet  = time.FixedZone("CET", 3600)
	ppl  = []conference.Participant{{PersonID: "s1", Role: conference.RoleStudent}, {PersonID: "g1", Role: conference.RoleGuardian}, {PersonID: "m1", Role: conference.RoleMentor}}
	book = conference.Booking{At: at, Place: "Rum 12", Participants: ppl}

	facts = conference.Facts{
		Day: domain.MustDate("2026-11-12"), StudentExists: true, Mentor: true, TermExists: true,
		Guardians: map[string]conference.GuardianAccess{"g1": {Active: true}, "g2": {Active: true}, "g3": {Active: true, Restricted: true}},
		Mentors:   map[string]bool{"m1": true},
	}
	scheduled = conference.Scheduled{ConferenceID: "c1", StudentID: "s1", Term: ht, At: at, Place: "Rum 12", Participants: ppl}
	snapshot  = conference.Snapshot{PlanStream: "plan-t1.s1.2026-2027.HT", PlanVersion: 4,
		Entries: []conference.RecordedEntry{{RoundID: "r1", CourseID: "ma", Stream: "assessmententry-t1.r1.s1", Version: 2}}}
	held = conference.Held{ConferenceID: "c1", StudentID: "s1", Term: ht, HeldAt: now, Attendees: []string{"s1", "g1", "m1"},
		Notes: "Bra samtal", Agreements: []string{"Läxhjälp"}, PlanStream: snapshot.PlanStream, PlanVersion: 4, Entries: snapshot.Entries}
)

func meta(role domain.Role, id string) domain.Meta {
	return domain.Meta{Actor: domain.Actor{Tenant: "t1", ID: id, Role: role}, Now: now}
}

var (
	mentor   = meta(domain.RoleMentor, "m1")
	admin    = meta(domain.RoleAdmin, "a1")
	guardian = meta(domain.RoleGuardian, "g1")
)

func schedule(m domain.Meta, b conference.Booking) conference.Schedule {
	return conference.Schedule{Meta: m, ConferenceID: "c1", StudentID: "s1", Term: ht, Booking: b, Facts: facts}
}

func withParticipants(extra ...conference.Participant) conference.Booking {
	b := book
	b.Participants = append(append([]conference.Participant{}, ppl...), extra...)
	return b
}

func TestSchedule(t *testing.T) {
	t.Run("the mentor schedules a talk with time, place and participants", func(t *testing.T) {
		domaintest.Given(t, conference.Decider).When(schedule(mentor, book)).Then(scheduled)
	})
	t.Run("the time is kept as a UTC instant", func(t *testing.T) {
		b := book
		b.At = at.In(cet)
		domaintest.Given(t, conference.Decider).When(schedule(mentor, b)).Then(scheduled)
	})
	t.Run("an admin schedules on behalf of the mentor", func(t *testing.T) {
		m := admin
		m.Actor.OnBehalfOf = "m1"
		c := schedule(m, book)
		c.Facts.Mentor = false
		want := scheduled
		want.OnBehalfOf = "m1"
		domaintest.Given(t, conference.Decider).When(c).Then(want)
	})
	t.Run("scheduling the same talk again decides nothing; a different one under its id is a conflict", func(t *testing.T) {
		domaintest.Given(t, conference.Decider, scheduled).When(schedule(mentor, book)).Then()
		b := book
		b.Place = "Rum 14"
		domaintest.Given(t, conference.Decider, scheduled).When(schedule(mentor, b)).ThenError(domain.CodeConflict)
	})
	t.Run("a mentor of another student, a teacher or a guardian may not schedule", func(t *testing.T) {
		c := schedule(mentor, book)
		c.Facts.Mentor = false
		domaintest.Given(t, conference.Decider).When(c).ThenError(domain.CodeForbidden)
		domaintest.Given(t, conference.Decider).When(schedule(meta(domain.RoleTeacher, "t1"), book)).ThenError(domain.CodeForbidden)
		domaintest.Given(t, conference.Decider).When(schedule(guardian, book)).ThenError(domain.CodeForbidden)
	})
	t.Run("an interpreter with a language takes part", func(t *testing.T) {
		b := withParticipants(conference.Participant{PersonID: "i1", Role: conference.RoleInterpreter})
		b.InterpreterLanguage = "ar"
		want := scheduled
		want.Participants, want.InterpreterLanguage = b.Participants, "ar"
		domaintest.Given(t, conference.Decider).When(schedule(mentor, b)).Then(want)
	})
	t.Run("the student as interpreter is refused", func(t *testing.T) {
		b := book
		b.Participants = []conference.Participant{{PersonID: "s1", Role: conference.RoleInterpreter}, {PersonID: "g1", Role: conference.RoleGuardian}}
		b.InterpreterLanguage = "so"
		domaintest.Given(t, conference.Decider).When(schedule(mentor, b)).ThenError(domain.CodeRuleViolated)
	})
	t.Run("an interpreter without a language is refused", func(t *testing.T) {
		b := withParticipants(conference.Participant{PersonID: "i1", Role: conference.RoleInterpreter})
		domaintest.Given(t, conference.Decider).When(schedule(mentor, b)).ThenError(domain.CodeInvalid)
	})
	t.Run("a guardian who is not the student's active guardian is refused", func(t *testing.T) {
		b := withParticipants(conference.Participant{PersonID: "g9", Role: conference.RoleGuardian})
		domaintest.Given(t, conference.Decider).When(schedule(mentor, b)).ThenError(domain.CodeRuleViolated)
	})
	t.Run("a guardian with restricted access is not invited", func(t *testing.T) {
		b := withParticipants(conference.Participant{PersonID: "g3", Role: conference.RoleGuardian})
		domaintest.Given(t, conference.Decider).When(schedule(mentor, b)).ThenError(domain.CodeRuleViolated)
	})
	t.Run("both guardians with shared custody are invited", func(t *testing.T) {
		b := withParticipants(conference.Participant{PersonID: "g2", Role: conference.RoleGuardian})
		want := scheduled
		want.Participants = b.Participants
		domaintest.Given(t, conference.Decider).When(schedule(mentor, b)).Then(want)
	})
	t.Run("a mentor participant who is not the student's mentor is refused", func(t *testing.T) {
		b := withParticipants(conference.Participant{PersonID: "m2", Role: conference.RoleMentor})
		domaintest.Given(t, conference.Decider).When(schedule(mentor, b)).ThenError(domain.CodeRuleViolated)
	})
	t.Run("malformed bookings are refused", func(t *testing.T) {
		for name, change := range map[string]func(*conference.Schedule){
			"no time":         func(c *conference.Schedule) { c.At = time.Time{} },
			"no place":        func(c *conference.Schedule) { c.Place = "" },
			"long place":      func(c *conference.Schedule) { c.Place = strings.Repeat("a", conference.MaxPlace+1) },
			"no participants": func(c *conference.Schedule) { c.Participants = nil },
			"unknown role": func(c *conference.Schedule) {
				c.Participants = []conference.Participant{{PersonID: "x", Role: "coach"}}
			},
			"bad person id": func(c *conference.Schedule) {
				c.Participants = []conference.Participant{{PersonID: "a b", Role: conference.RoleOther}}
			},
			"listed twice": func(c *conference.Schedule) {
				c.Participants = append(c.Participants, conference.Participant{PersonID: "g1", Role: conference.RoleOther})
			},
			"another student": func(c *conference.Schedule) {
				c.Participants = []conference.Participant{{PersonID: "s2", Role: conference.RoleStudent}}
			},
			"student as other": func(c *conference.Schedule) {
				c.Participants = []conference.Participant{{PersonID: "s1", Role: conference.RoleOther}}
			},
			"bad language": func(c *conference.Schedule) { c.InterpreterLanguage = "Arabic!" },
			"bad term":     func(c *conference.Schedule) { c.Term.Kind = "ST" },
			"bad student":  func(c *conference.Schedule) { c.StudentID = "" },
			"bad id":       func(c *conference.Schedule) { c.ConferenceID = "a.b" },
		} {
			c := schedule(mentor, book)
			c.Participants = append([]conference.Participant{}, ppl...)
			change(&c)
			t.Run(name, func(t *testing.T) { domaintest.Given(t, conference.Decider).When(c).ThenError(domain.CodeInvalid) })
		}
	})
	t.Run("an unknown student or term is not found", func(t *testing.T) {
		c := schedule(admin, book)
		c.Facts.StudentExists = false
		domaintest.Given(t, conference.Decider).When(c).ThenError(domain.CodeNotFound)
		c = schedule(mentor, book)
		c.Facts.TermExists = false
		domaintest.Given(t, conference.Decider).When(c).ThenError(domain.CodeNotFound)
	})
}

func TestRescheduleAndCancel(t *testing.T) {
	later := book
	later.At = at.Add(24 * time.Hour)
	resched := conference.Reschedule{Meta: mentor, ConferenceID: "c1", Booking: later, Facts: facts}
	t.Run("the mentor reschedules a talk", func(t *testing.T) {
		domaintest.Given(t, conference.Decider, scheduled).When(resched).Then(conference.Rescheduled{
			ConferenceID: "c1", StudentID: "s1", At: later.At, Place: "Rum 12", Participants: ppl})
	})
	t.Run("rescheduling to the same booking decides nothing", func(t *testing.T) {
		c := resched
		c.Booking = book
		domaintest.Given(t, conference.Decider, scheduled).When(c).Then()
	})
	t.Run("a held conference refuses a reschedule", func(t *testing.T) {
		domaintest.Given(t, conference.Decider, scheduled, held).When(resched).ThenError(domain.CodeRuleViolated)
	})
	t.Run("a cancelled conference refuses a reschedule", func(t *testing.T) {
		domaintest.Given(t, conference.Decider, scheduled, conference.Cancelled{ConferenceID: "c1", StudentID: "s1", Reason: "Sjuk"}).
			When(resched).ThenError(domain.CodeRuleViolated)
	})
	t.Run("rescheduling an unknown talk is not found", func(t *testing.T) {
		domaintest.Given(t, conference.Decider).When(resched).ThenError(domain.CodeNotFound)
	})
	t.Run("a reschedule re-checks the student as interpreter and the guardians", func(t *testing.T) {
		c := resched
		c.Participants = []conference.Participant{{PersonID: "s1", Role: conference.RoleInterpreter}}
		c.InterpreterLanguage = "ti"
		domaintest.Given(t, conference.Decider, scheduled).When(c).ThenError(domain.CodeRuleViolated)
		c.Booking = withParticipants(conference.Participant{PersonID: "g3", Role: conference.RoleGuardian})
		domaintest.Given(t, conference.Decider, scheduled).When(c).ThenError(domain.CodeRuleViolated)
	})
	cancel := conference.Cancel{Meta: mentor, ConferenceID: "c1", Reason: "Eleven sjuk", Facts: facts}
	cancelled := conference.Cancelled{ConferenceID: "c1", StudentID: "s1", Reason: "Eleven sjuk"}
	t.Run("the mentor cancels with a reason, and cancelling again decides nothing", func(t *testing.T) {
		domaintest.Given(t, conference.Decider, scheduled).When(cancel).Then(cancelled)
		domaintest.Given(t, conference.Decider, scheduled, cancelled).When(cancel).Then()
	})
	t.Run("a cancel needs a reason and an open talk", func(t *testing.T) {
		c := cancel
		c.Reason = ""
		domaintest.Given(t, conference.Decider, scheduled).When(c).ThenError(domain.CodeInvalid)
		domaintest.Given(t, conference.Decider, scheduled, held).When(cancel).ThenError(domain.CodeRuleViolated)
	})
}

func hold() conference.Hold {
	return conference.Hold{Meta: mentor, ConferenceID: "c1", Attendees: []string{"s1", "g1", "m1"}, Notes: "Bra samtal",
		Agreements: []string{"Läxhjälp"}, Snapshot: snapshot, Facts: facts}
}

func TestHold(t *testing.T) {
	t.Run("the mentor holds the talk, pinning the plan and entry versions", func(t *testing.T) {
		domaintest.Given(t, conference.Decider, scheduled).When(hold()).Then(held)
	})
	t.Run("a talk without a plan records NoStream", func(t *testing.T) {
		c := hold()
		c.Snapshot = conference.Snapshot{PlanStream: snapshot.PlanStream, PlanVersion: domain.NoStream}
		want := held
		want.PlanVersion, want.Entries = domain.NoStream, []conference.RecordedEntry{}
		domaintest.Given(t, conference.Decider, scheduled).When(c).Then(want)
	})
	t.Run("an action programme to consider is a support matter, shown home only by the organiser's setting", func(t *testing.T) {
		c := hold()
		c.ActionProgramme, c.ActionNote = true, "Stöd i läsning"
		ap := conference.ActionProgrammeConsidered{ConferenceID: "c1", StudentID: "s1", Note: "Stöd i läsning", SupportMatter: true}
		domaintest.Given(t, conference.Decider, scheduled).When(c).Then(held, ap)
		c.Facts.ShowSupportToHome = true
		ap.ShowToHome = true
		domaintest.Given(t, conference.Decider, scheduled).When(c).Then(held, ap)
	})
	t.Run("only the student's mentor holds the talk", func(t *testing.T) {
		c := hold()
		c.Meta = admin
		domaintest.Given(t, conference.Decider, scheduled).When(c).ThenError(domain.CodeForbidden)
		c = hold()
		c.Facts.Mentor = false
		domaintest.Given(t, conference.Decider, scheduled).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("a held talk is frozen and a cancelled one cannot be held", func(t *testing.T) {
		domaintest.Given(t, conference.Decider, scheduled, held).When(hold()).ThenError(domain.CodeRuleViolated)
		domaintest.Given(t, conference.Decider, scheduled, conference.Cancelled{}).When(hold()).ThenError(domain.CodeRuleViolated)
		domaintest.Given(t, conference.Decider).When(hold()).ThenError(domain.CodeNotFound)
	})
	t.Run("malformed records are refused", func(t *testing.T) {
		for name, change := range map[string]func(*conference.Hold){
			"no attendees":      func(c *conference.Hold) { c.Attendees = nil },
			"uninvited":         func(c *conference.Hold) { c.Attendees = []string{"x9"} },
			"twice":             func(c *conference.Hold) { c.Attendees = []string{"g1", "g1"} },
			"bad id":            func(c *conference.Hold) { c.Attendees = []string{"a b"} },
			"long notes":        func(c *conference.Hold) { c.Notes = strings.Repeat("a", conference.MaxNotes+1) },
			"empty agreement":   func(c *conference.Hold) { c.Agreements = []string{""} },
			"many agreements":   func(c *conference.Hold) { c.Agreements = make([]string, conference.MaxAgreements+1) },
			"note without flag": func(c *conference.Hold) { c.ActionNote = "x" },
			"no snapshot":       func(c *conference.Hold) { c.Snapshot = conference.Snapshot{} },
		} {
			c := hold()
			change(&c)
			t.Run(name, func(t *testing.T) {
				domaintest.Given(t, conference.Decider, scheduled).When(c).ThenError(domain.CodeInvalid)
			})
		}
	})
}

func TestAcknowledge(t *testing.T) {
	ack := conference.Acknowledge{Meta: guardian, ConferenceID: "c1", Facts: facts}
	acked := conference.Acknowledged{ConferenceID: "c1", StudentID: "s1", GuardianID: "g1"}
	t.Run("each guardian acknowledges separately", func(t *testing.T) {
		domaintest.Given(t, conference.Decider, scheduled, held).When(ack).Then(acked)
		c := ack
		c.Meta = meta(domain.RoleGuardian, "g2")
		domaintest.Given(t, conference.Decider, scheduled, held, acked).When(c).
			Then(conference.Acknowledged{ConferenceID: "c1", StudentID: "s1", GuardianID: "g2"})
	})
	t.Run("acknowledging twice decides nothing", func(t *testing.T) {
		domaintest.Given(t, conference.Decider, scheduled, held, acked).When(ack).Then()
	})
	t.Run("a restricted guardian is refused the acknowledgement the other guardian may give", func(t *testing.T) {
		c := ack
		c.Meta = meta(domain.RoleGuardian, "g3")
		domaintest.Given(t, conference.Decider, scheduled, held).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("a guardian of another child, or a mentor, is refused", func(t *testing.T) {
		c := ack
		c.Meta = meta(domain.RoleGuardian, "g9")
		domaintest.Given(t, conference.Decider, scheduled, held).When(c).ThenError(domain.CodeForbidden)
		c.Meta = mentor
		domaintest.Given(t, conference.Decider, scheduled, held).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("a talk not yet held cannot be acknowledged", func(t *testing.T) {
		domaintest.Given(t, conference.Decider, scheduled).When(ack).ThenError(domain.CodeRuleViolated)
		domaintest.Given(t, conference.Decider).When(ack).ThenError(domain.CodeNotFound)
	})
}

func TestConferenceDuty(t *testing.T) {
	t.Run("a talk every term, once a year in förskoleklass", func(t *testing.T) {
		if !conference.ConferenceDuty("grundskola", 4) || !conference.ConferenceDuty("anpassad_grundskola", 9) {
			t.Fatal("grundskola should be per term")
		}
		if conference.ConferenceDuty("forskoleklass", 0) || conference.ConferenceDuty("grundskola", 0) {
			t.Fatal("förskoleklass should be per year")
		}
	})
}
