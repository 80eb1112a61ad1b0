// Package sample generates the history of a realistic organiser as domain
// events, deterministically: schools with classes in years 1-9, students
// with one or two guardians, mentors, teachers and courses, and a school
// year of omdömen, plans, talks, risk signals and February amendments. The
// view benchmarks and convergence tests replay it.
package sample

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/risk"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
)

// Config sizes the organiser.
type Config struct {
	Tenant           string
	Schools          int
	ClassesPerGrade  int      // per school, years 1-9
	StudentsPerClass int      // 25 in a Swedish class
	Subjects         []string // courses per class; default SV, MA, EN, NO, SO
	Seed             uint64
}

// Append is one append to one stream, as a command handler would make it.
type Append struct {
	Stream string
	Meta   domain.Meta
	Events []domain.Event
}

var (
	ht = domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}
	vt = domain.TermRef{SchoolYear: "2026-2027", Kind: domain.VT}
	d  = domain.MustDate
)

// Generate returns the organiser's history in the order it would be written.
func Generate(c Config) []Append {
	if c.Tenant == "" {
		c.Tenant = "kommun"
	}
	if len(c.Subjects) == 0 {
		c.Subjects = []string{"SV", "MA", "EN", "NO", "SO"}
	}
	g := &gen{c: c, rnd: rand.New(rand.NewPCG(c.Seed, 17)), now: time.Date(2026, 8, 10, 7, 0, 0, 0, time.UTC)}
	g.setup()
	for s := range c.Schools {
		g.school(fmt.Sprintf("sk%d", s))
	}
	return g.out
}

type gen struct {
	c   Config
	rnd *rand.Rand
	out []Append
	now time.Time
}

func (g *gen) meta(id string, role domain.Role) domain.Meta {
	g.now = g.now.Add(time.Second)
	return domain.Meta{Actor: domain.Actor{Tenant: g.c.Tenant, ID: id, Role: role}, Now: g.now}
}

func (g *gen) add(stream string, m domain.Meta, events ...domain.Event) {
	g.out = append(g.out, Append{Stream: stream, Meta: m, Events: events})
}

func (g *gen) setup() {
	t, admin := g.c.Tenant, g.meta("admin", domain.RoleAdmin)
	g.add(setup.OrganiserStream(t), admin, setup.TimeZoneSet{TimeZone: domain.DefaultTimeZone})
	g.add(setup.SchoolYearStream(t, ht.SchoolYear), admin, setup.SchoolYearCreated{SchoolYearID: ht.SchoolYear, Terms: []setup.Term{
		{Kind: domain.HT, Start: d("2026-08-17"), End: d("2026-12-20")}, {Kind: domain.VT, Start: d("2027-01-08"), End: d("2027-06-12")}}})
	g.add(setup.ScaleStream(t, "tre"), admin, setup.ScaleCreated{ScaleID: "tre", Name: "Tre steg", Steps: []setup.Step{
		{Key: "1", Label: "Inte godtagbara"}, {Key: "2", Label: "Godtagbara"}, {Key: "3", Label: "Mer än godtagbara"}}})
	all := []domain.Role{domain.RoleMentor, domain.RoleTeacher, domain.RoleStudent, domain.RoleGuardian, domain.RoleAdmin}
	g.add(setup.TemplateStream(t, "iup"), admin, setup.TemplateVersionCreated{TemplateID: "iup", Version: 1, Title: "IUP", Fields: []setup.Field{
		{Key: "school_does", Heading: "Skolan gör", VisibleTo: all, EditableBy: []domain.Role{domain.RoleMentor}},
		{Key: "home_does", Heading: "Hemmet gör", VisibleTo: all, EditableBy: []domain.Role{domain.RoleMentor, domain.RoleGuardian}},
		{Key: "staff_notes", Heading: "Personalens anteckningar", VisibleTo: []domain.Role{domain.RoleMentor, domain.RoleTeacher, domain.RoleAdmin},
			EditableBy: []domain.Role{domain.RoleMentor}, Sensitive: true},
	}})
}

func (g *gen) school(id string) {
	t, admin := g.c.Tenant, g.meta("admin", domain.RoleAdmin)
	g.add(setup.SchoolStream(t, id), admin, setup.SchoolRegistered{SchoolID: id, Name: "Skola " + id, SchoolForms: []string{setup.FormGrundskola}})
	teachers := map[string]string{}
	for _, subj := range g.c.Subjects {
		tid := id + "-t-" + subj
		teachers[subj] = tid
		g.add(roster.StaffStream(t, tid), admin, roster.StaffRegistered{StaffID: tid, DisplayName: "Lärare " + subj},
			roster.StaffRoleGranted{StaffID: tid, Role: domain.RoleTeacher, SchoolID: id, EffectiveFrom: d("2026-08-01")})
	}
	for grade := 1; grade <= 9; grade++ {
		for k := range g.c.ClassesPerGrade {
			g.class(id, fmt.Sprintf("%s-%d%c", id, grade, 'a'+k), grade, teachers)
		}
	}
}

func (g *gen) class(school, class string, grade int, teachers map[string]string) {
	t, admin := g.c.Tenant, g.meta("admin", domain.RoleAdmin)
	mentor := class + "-m"
	g.add(roster.StaffStream(t, mentor), admin, roster.StaffRegistered{StaffID: mentor, DisplayName: "Mentor " + class},
		roster.StaffRoleGranted{StaffID: mentor, Role: domain.RoleMentor, SchoolID: school, EffectiveFrom: d("2026-08-01")})
	students := make([]string, g.c.StudentsPerClass)
	for i := range students {
		sid := fmt.Sprintf("%s-s%02d", class, i)
		students[i] = sid
		events := []domain.Event{
			roster.StudentRegistered{StudentID: sid, SchoolID: school, Grade: grade, SchoolForm: setup.FormGrundskola, GradesGiven: grade >= 6,
				DisplayName: "Elev " + sid, EffectiveFrom: d("2026-08-17")},
			roster.MentorAssigned{StudentID: sid, StaffID: mentor, EffectiveFrom: d("2026-08-17")},
		}
		for gi := range 1 + g.rnd.IntN(2) {
			gid := fmt.Sprintf("%s-g%d", sid, gi)
			g.add(roster.GuardianStream(t, gid), admin, roster.GuardianRegistered{GuardianID: gid, DisplayName: "Vårdnadshavare " + gid})
			events = append(events, roster.GuardianLinked{StudentID: sid, GuardianID: gid, Relation: roster.RelationGuardian, EffectiveFrom: d("2026-08-17")})
		}
		g.add(roster.StudentStream(t, sid), admin, events...)
	}
	courses := make([]string, 0, len(g.c.Subjects))
	for _, subj := range g.c.Subjects {
		cid := class + "-" + subj
		courses = append(courses, cid)
		g.add(roster.CourseStream(t, cid), admin,
			roster.CourseCreated{CourseID: cid, SchoolID: school, Subject: subj, Name: subj + " " + class, Term: domain.TermRef{SchoolYear: ht.SchoolYear}, WholeYear: true},
			roster.CourseTeacherAssigned{CourseID: cid, StaffID: teachers[subj], EffectiveFrom: d("2026-08-17")},
			roster.StudentsEnrolled{CourseID: cid, StudentIDs: students, EffectiveFrom: d("2026-08-17")})
	}
	for _, term := range []domain.TermRef{ht, vt} {
		entries := map[string][]conference.RecordedEntry{}
		for i, subj := range g.c.Subjects {
			g.round(courses[i], teachers[subj], term, students, entries)
		}
		for _, sid := range students {
			g.planAndTalk(sid, mentor, grade, term, entries[sid])
		}
	}
}

func (g *gen) round(course, teacher string, term domain.TermRef, students []string, entries map[string][]conference.RecordedEntry) {
	t := g.c.Tenant
	rid := course + "-" + string(term.Kind)
	by := g.meta(teacher, domain.RoleTeacher)
	g.add(assessment.RoundStream(t, rid), by, assessment.RoundCreated{RoundID: rid, CourseID: course, Term: term, Title: "Omdöme " + string(term.Kind),
		ScaleID: "tre", Steps: []assessment.ScaleStep{{Key: "1", Label: "Inte godtagbara"}, {Key: "2", Label: "Godtagbara"}, {Key: "3", Label: "Mer än godtagbara"}},
		SelfAssessment: true})
	for _, sid := range students {
		stream := assessment.EntryStream(t, rid, sid)
		level := fmt.Sprint(1 + g.rnd.IntN(3))
		g.add(stream, g.meta(teacher, domain.RoleTeacher),
			assessment.EntryLevelSet{RoundID: rid, StudentID: sid, Level: level},
			assessment.EntryCommentSet{RoundID: rid, StudentID: sid, Comment: "Eleven visar god förståelse och arbetar väl med uppgifterna i ämnet."})
		entries[sid] = append(entries[sid], conference.RecordedEntry{RoundID: rid, CourseID: course, Stream: stream, Version: 1})
		if term.Kind == domain.HT && g.rnd.IntN(50) == 0 { // an HT omdöme amended in February
			g.add(stream, g.meta(teacher, domain.RoleTeacher), assessment.EntryAmended{RoundID: rid, StudentID: sid, Term: term, Field: "level",
				Level: "2", Reason: "Rättelse efter omprov"})
			// The talk comes later, and a hold pins the versions it reads.
			entries[sid][len(entries[sid])-1].Version = 2
		}
	}
	g.add(assessment.RoundStream(t, rid), g.meta(teacher, domain.RoleTeacher), assessment.RoundPublished{RoundID: rid})
}

func (g *gen) planAndTalk(sid, mentor string, grade int, term domain.TermRef, entries []conference.RecordedEntry) {
	t := g.c.Tenant
	pid := plan.ID(sid, term)
	stream := plan.Stream(t, sid, term)
	by := g.meta(mentor, domain.RoleMentor)
	start, end := d("2026-08-17"), d("2026-12-20")
	if term.Kind == domain.VT {
		start, end = d("2027-01-08"), d("2027-06-12")
	}
	g.add(stream, by,
		plan.Created{PlanID: pid, StudentID: sid, Term: term, TemplateID: "iup", TemplateVersion: 1, Title: "IUP " + string(term.Kind),
			Start: start, End: end},
		plan.FieldSet{PlanID: pid, StudentID: sid, Key: "school_does", Text: "Skolan ger extra lästräning två gånger i veckan."},
		plan.FieldSet{PlanID: pid, StudentID: sid, Key: "staff_notes", Text: "Känslig anteckning om hemsituationen.", Sensitive: true},
		plan.GoalAdded{PlanID: pid, StudentID: sid, GoalID: "g1", Text: "Läsa en bok i månaden", Owner: plan.OwnerStudent, FollowUp: d("2026-12-01")},
		plan.Published{PlanID: pid, StudentID: sid})
	cid := pid + "-talk"
	g.add(conference.Stream(t, cid), g.meta(mentor, domain.RoleMentor),
		conference.Scheduled{ConferenceID: cid, StudentID: sid, Term: term, At: g.now.Add(72 * time.Hour), Place: "Klassrummet",
			Participants: []conference.Participant{{PersonID: sid, Role: conference.RoleStudent}, {PersonID: mentor, Role: conference.RoleMentor}}},
		conference.Held{ConferenceID: cid, StudentID: sid, Term: term, HeldAt: g.now.Add(72 * time.Hour), Attendees: []string{sid, mentor},
			Notes: "Bra samtal.", Agreements: []string{"Läsa hemma varje dag"}, PlanStream: stream, PlanVersion: 4, Entries: entries})
	g.add(conference.Stream(t, cid), g.meta(sid+"-g0", domain.RoleGuardian), conference.Acknowledged{ConferenceID: cid, StudentID: sid, GuardianID: sid + "-g0"})
	if (grade == 3 || grade == 6 || grade == 9) && g.rnd.IntN(20) == 0 {
		g.add(risk.Stream(t, sid, "MA"), g.meta(mentor, domain.RoleMentor),
			risk.RiskSignalled{StudentID: sid, Subject: "MA", Term: term, Grade: grade, DutyYear: true, Note: "Behöver stöd i taluppfattning"})
	}
}

// Count is the number of events in a history.
func Count(h []Append) int {
	n := 0
	for _, a := range h {
		n += len(a.Events)
	}
	return n
}
