package relations

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/projectiontest"
)

var (
	admin = domain.Actor{Tenant: "kommun", ID: "adm", Role: domain.RoleAdmin}
	at    = time.Date(2026, 8, 10, 8, 0, 0, 0, time.UTC)
	d     = domain.MustDate
	ht    = domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}
)

// view runs Apply alone as a projection, as a view would call it.
var view = projections.Projection{Name: "rel", Version: 1, Handles: Handles, Apply: Apply}

func history() *projectiontest.Log {
	return projectiontest.NewLog().
		Add("student-kommun.s1", at, admin,
			roster.StudentRegistered{StudentID: "s1", SchoolID: "sk1", Grade: 3, SchoolForm: "grundskola", DisplayName: "Ella Åström", EffectiveFrom: d("2026-08-17")},
			roster.GuardianLinked{StudentID: "s1", GuardianID: "gA", Relation: roster.RelationGuardian, EffectiveFrom: d("2026-08-17")},
			roster.GuardianLinked{StudentID: "s1", GuardianID: "gB", Relation: roster.RelationGuardian, EffectiveFrom: d("2026-08-17")},
			roster.GuardianLinked{StudentID: "s1", GuardianID: "gC", Relation: "annan_ansvarig", EffectiveFrom: d("2026-08-17")},
			roster.GuardianRestricted{StudentID: "s1", GuardianID: "gB", EffectiveFrom: d("2026-10-01")},
			roster.MentorAssigned{StudentID: "s1", StaffID: "m1", EffectiveFrom: d("2026-08-17")},
			roster.MentorEnded{StudentID: "s1", StaffID: "m1", EffectiveFrom: d("2027-01-01")},
			roster.MentorAssigned{StudentID: "s1", StaffID: "m2", EffectiveFrom: d("2027-01-01")},
			roster.StudentProtectionChanged{StudentID: "s1", Protected: "skyddad_folkbokforing", EffectiveFrom: d("2026-09-01")},
		).
		Add("staff-kommun.m1", at, admin, roster.StaffRegistered{StaffID: "m1", DisplayName: "Mats Öberg"}).
		Add("course-kommun.c1", at, admin,
			roster.CourseCreated{CourseID: "c1", SchoolID: "sk1", Subject: "SV", Name: "Svenska 3A", Term: ht},
			roster.CourseTeacherAssigned{CourseID: "c1", StaffID: "t1", EffectiveFrom: d("2026-08-17")},
			roster.StudentsEnrolled{CourseID: "c1", StudentIDs: []string{"s1", "s0"}, EffectiveFrom: d("2026-08-17")},
			roster.StudentsUnenrolled{CourseID: "c1", StudentIDs: []string{"s0"}, EffectiveFrom: d("2026-09-01")},
		).
		Add("template-kommun.iup", at, admin, setup.TemplateVersionCreated{TemplateID: "iup", Version: 1, Title: "IUP",
			Fields: []setup.Field{{Key: "home", Heading: "Hemmet", VisibleTo: []domain.Role{domain.RoleGuardian}, EditableBy: []domain.Role{domain.RoleGuardian}}}}).
		Add("organiser-kommun", at, admin, setup.SupportVisibilitySet{ShowSupportToHome: true})
}

func TestRelationDocuments(t *testing.T) {
	v := projectiontest.View(t, view, history().Events())
	want := map[string]any{
		StudentKey("kommun", "s1"): Student{ID: "s1", Name: "Ella Åström", SchoolID: "sk1", Grade: 3, SchoolForm: "grundskola", Protected: true,
			Mentors: []Period{{ID: "m1", From: d("2026-08-17"), To: d("2027-01-01")}, {ID: "m2", From: d("2027-01-01")}},
			Guardians: []GuardianLink{{Period: Period{ID: "gA", From: d("2026-08-17")}, Relation: "vardnadshavare"},
				{Period: Period{ID: "gB", From: d("2026-08-17")}, Relation: "vardnadshavare"},
				{Period: Period{ID: "gC", From: d("2026-08-17")}, Relation: "annan_ansvarig"}},
			Restrictions: []Period{{ID: "gB", From: d("2026-10-01")}},
			Courses:      []string{"c1"}},
		StudentKey("kommun", "s0"):  Student{ID: "s0", Courses: []string{"c1"}},
		StaffKey("kommun", "m1"):    Person{ID: "m1", Name: "Mats Öberg", Students: []string{"s1"}},
		StaffKey("kommun", "m2"):    Person{ID: "m2", Students: []string{"s1"}},
		GuardianKey("kommun", "gA"): Person{ID: "gA", Students: []string{"s1"}},
		GuardianKey("kommun", "gB"): Person{ID: "gB", Students: []string{"s1"}},
		GuardianKey("kommun", "gC"): Person{ID: "gC", Students: []string{"s1"}},
		CourseKey("kommun", "c1"): Course{ID: "c1", SchoolID: "sk1", Subject: "SV", Name: "Svenska 3A", Term: ht,
			Teachers: []Period{{ID: "t1", From: d("2026-08-17")}},
			Students: []Period{{ID: "s1", From: d("2026-08-17")}, {ID: "s0", From: d("2026-08-17"), To: d("2026-09-01")}}},
		TemplateKey("kommun", "iup"): Template{ID: "iup", Versions: []setup.TemplateVersion{{Version: 1, Title: "IUP",
			Fields: []setup.Field{{Key: "home", Heading: "Hemmet", VisibleTo: []domain.Role{domain.RoleGuardian}, EditableBy: []domain.Role{domain.RoleGuardian}}}}}},
		OrganiserKey("kommun"): Organiser{ShowSupportToHome: true},
	}
	if len(v) != len(want) {
		t.Errorf("view has %d documents, want %d", len(v), len(want))
	}
	for k, w := range want {
		wb, _ := json.Marshal(w)
		if string(v[k]) != string(wb) {
			t.Errorf("%s\n got %s\nwant %s", k, v[k], wb)
		}
	}
}

func TestAccessIsJudgedByDate(t *testing.T) {
	v := projectiontest.View(t, view, history().Events())
	var s Student
	projectiontest.Doc(t, v, StudentKey("kommun", "s1"), &s)

	t.Run("under shared custody both guardians have access", func(t *testing.T) {
		for _, g := range []string{"gA", "gB"} {
			if active, restricted := s.GuardianAccess(g, d("2026-09-15")); !active || restricted {
				t.Errorf("%s: active=%v restricted=%v", g, active, restricted)
			}
		}
	})
	t.Run("a restriction towards one guardian leaves the other alone", func(t *testing.T) {
		if _, restricted := s.GuardianAccess("gB", d("2026-10-01")); !restricted {
			t.Error("gB is not restricted from 1 October")
		}
		if _, restricted := s.GuardianAccess("gA", d("2026-10-01")); restricted {
			t.Error("gA is restricted too")
		}
	})
	t.Run("another responsible adult sees nothing by default", func(t *testing.T) {
		if active, _ := s.GuardianAccess("gC", d("2026-09-15")); active {
			t.Error("annan ansvarig has guardian access")
		}
	})
	t.Run("mentorship changes hands on its date", func(t *testing.T) {
		if !s.IsMentor("m1", d("2026-12-31")) || s.IsMentor("m1", d("2027-01-01")) || !s.IsMentor("m2", d("2027-01-01")) {
			t.Error("mentor periods")
		}
	})
	var c Course
	projectiontest.Doc(t, v, CourseKey("kommun", "c1"), &c)
	t.Run("enrolment and teaching hold within their periods", func(t *testing.T) {
		if !c.IsEnrolled("s0", d("2026-08-31")) || c.IsEnrolled("s0", d("2026-09-01")) || !c.IsTeacher("t1", d("2026-12-01")) || c.IsTeacher("t2", d("2026-12-01")) {
			t.Error("course periods")
		}
		if got := c.EverEnrolled(); len(got) != 2 || got[0] != "s0" {
			t.Errorf("ever enrolled = %v", got)
		}
	})
}

func TestEventsWithoutTenantAreRefused(t *testing.T) {
	o := projections.NewOverlay(func(string) ([]byte, error) { return nil, nil })
	err := Apply(o, projections.Event{Envelope: domain.Envelope{Event: roster.StudentLeft{StudentID: "s1"}}})
	if err == nil {
		t.Fatal("an event without a tenant must not be placed")
	}
	if With("x.y", Handles[0])[len(Handles)] != "x.y" || len(With(Handles[0])) != len(Handles) {
		t.Fatal("With must add only new types")
	}
}

func TestLaterChangesToTheRoster(t *testing.T) {
	log := history().
		Add("student-kommun.s1", at, admin,
			roster.StudentRenamed{StudentID: "s1", DisplayName: "Ella Ek"},
			roster.StudentDetailsChanged{StudentID: "s1", Grade: 4, SchoolForm: "grundskola", EffectiveFrom: d("2027-08-16")},
			roster.StudentMoved{StudentID: "s1", FromSchoolID: "sk1", SchoolID: "sk2", EffectiveFrom: d("2027-08-16")},
			roster.GuardianRestrictionLifted{StudentID: "s1", GuardianID: "gB", EffectiveFrom: d("2027-02-01")},
			roster.GuardianUnlinked{StudentID: "s1", GuardianID: "gA", EffectiveFrom: d("2027-03-01")},
			roster.GuardianLinked{StudentID: "s1", GuardianID: "gB", Relation: roster.RelationTrustee, EffectiveFrom: d("2027-04-01")},
			roster.StudentLeft{StudentID: "s1", EffectiveFrom: d("2030-06-15")},
		).
		Add("staff-kommun.m1", at, admin, roster.StaffRenamed{StaffID: "m1", DisplayName: "Mats Ö"}).
		Add("guardian-kommun.gA", at, admin, roster.GuardianRegistered{GuardianID: "gA", DisplayName: "Anna"}, roster.GuardianRenamed{GuardianID: "gA", DisplayName: "Anna Å"}).
		Add("course-kommun.c1", at, admin, roster.CourseTeacherEnded{CourseID: "c1", StaffID: "t1", EffectiveFrom: d("2026-11-01")}).
		Add("organiser-kommun", at, admin, setup.TimeZoneSet{TimeZone: "Europe/Stockholm"}).
		Add("schoolyear-kommun.2026-2027", at, admin,
			setup.SchoolYearCreated{SchoolYearID: "2026-2027", Terms: []setup.Term{{Kind: domain.HT, Start: d("2026-08-17"), End: d("2026-12-20")}, {Kind: domain.VT, Start: d("2027-01-08"), End: d("2027-06-12")}}},
			setup.TermDatesChanged{SchoolYearID: "2026-2027", Kind: domain.VT, Start: d("2027-01-10"), End: d("2027-06-11")})
	v := projectiontest.View(t, view, log.Events())
	var s Student
	projectiontest.Doc(t, v, StudentKey("kommun", "s1"), &s)
	if s.Name != "Ella Ek" || s.Grade != 4 || s.SchoolID != "sk2" || s.LeftOn != d("2030-06-15") {
		t.Errorf("student = %+v", s)
	}
	if a, _ := s.GuardianAccess("gA", d("2027-03-01")); a {
		t.Error("an ended relation still gives access")
	}
	if _, r := s.GuardianAccess("gB", d("2027-02-01")); r {
		t.Error("a lifted restriction still holds")
	}
	if a, _ := s.GuardianAccess("gB", d("2027-04-01")); !a {
		t.Error("the new relation type (god man) of gB does not give access")
	}
	var m, g Person
	projectiontest.Doc(t, v, StaffKey("kommun", "m1"), &m)
	projectiontest.Doc(t, v, GuardianKey("kommun", "gA"), &g)
	if m.Name != "Mats Ö" || g.Name != "Anna Å" || len(g.Students) != 1 {
		t.Errorf("people = %+v %+v", m, g)
	}
	var c Course
	projectiontest.Doc(t, v, CourseKey("kommun", "c1"), &c)
	if c.IsTeacher("t1", d("2026-11-01")) {
		t.Error("an ended teacher still teaches")
	}
	var o Organiser
	var y SchoolYear
	projectiontest.Doc(t, v, OrganiserKey("kommun"), &o)
	projectiontest.Doc(t, v, SchoolYearKey("kommun", "2026-2027"), &y)
	if o.TimeZone != "Europe/Stockholm" || !o.ShowSupportToHome || y.Terms[1].Start != d("2027-01-10") || y.Terms[0].End != d("2026-12-20") {
		t.Errorf("setup = %+v %+v", o, y)
	}
	var tp Template
	projectiontest.Doc(t, v, TemplateKey("kommun", "iup"), &tp)
	if _, ok := tp.Version(1); !ok {
		t.Error("template version 1 missing")
	}
	if _, ok := tp.Version(2); ok {
		t.Error("template version 2 invented")
	}
}

// A projection reads a decoded event the runtime shares with the others:
// folding a later change of term dates must leave the school year's
// created event as it was, or a projection behind the others would read
// the new dates in it.
func TestFoldingLeavesTheEventsAsTheyWere(t *testing.T) {
	created := setup.SchoolYearCreated{SchoolYearID: "2026-2027", Terms: []setup.Term{{Kind: domain.HT, Start: d("2026-08-17"), End: d("2026-12-20")}}}
	log := projectiontest.NewLog().Add("schoolyear-kommun.2026-2027", at, admin, created,
		setup.TermDatesChanged{SchoolYearID: "2026-2027", Kind: domain.HT, Start: d("2026-08-17"), End: d("2026-09-01")})
	projectiontest.View(t, view, log.Events())
	if got := created.Terms[0].End; got != d("2026-12-20") {
		t.Errorf("the created event's HT now ends %s, want 2026-12-20", got)
	}
	var y SchoolYear
	projectiontest.Doc(t, projectiontest.View(t, view, log.Events()), SchoolYearKey("kommun", "2026-2027"), &y)
	if y.Terms[0].End != d("2026-09-01") {
		t.Errorf("the school year's HT ends %s, want 2026-09-01", y.Terms[0].End)
	}
}
