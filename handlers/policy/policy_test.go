package policy

import (
	"context"
	"errors"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/handlers/auth"
)

// fakeRoster is a roster of one tenant, t1.
type fakeRoster struct {
	students map[string]roster.Student
	courses  map[string]roster.Course
	staff    map[string]roster.Staff
}

func (f fakeRoster) Student(_ context.Context, tenant, id string) (roster.Student, error) {
	if tenant != "t1" {
		return roster.Student{}, nil
	}
	return f.students[id], nil
}
func (f fakeRoster) Course(_ context.Context, tenant, id string) (roster.Course, error) {
	if tenant != "t1" {
		return roster.Course{}, nil
	}
	return f.courses[id], nil
}
func (f fakeRoster) Staff(_ context.Context, tenant, id string) (roster.Staff, error) {
	if tenant != "t1" {
		return roster.Staff{}, nil
	}
	return f.staff[id], nil
}
func (f fakeRoster) CoursesOf(_ context.Context, tenant, id string) ([]string, error) {
	var out []string
	for cid, c := range f.courses {
		for _, m := range c.Students {
			if m.PersonID == id && tenant == "t1" {
				out = append(out, cid)
			}
		}
	}
	return out, nil
}

var d = domain.MustDate

func world() fakeRoster {
	since := d("2025-08-01")
	return fakeRoster{
		students: map[string]roster.Student{
			"s1": {ID: "s1", Exists: true, SchoolID: "school1", Placements: []roster.Placement{{SchoolID: "school1", From: since}},
				Mentors: []roster.MentorLink{{StaffID: "m1", From: since}, {StaffID: "m-old", From: since, To: d("2025-10-01")}},
				Guardians: []roster.GuardianLink{
					{GuardianID: "g1", Relation: roster.RelationGuardian, From: since},
					{GuardianID: "g-ended", Relation: roster.RelationGuardian, From: since, To: d("2025-10-01")},
					{GuardianID: "g-restricted", Relation: roster.RelationGuardian, From: since,
						Restrictions: []roster.Period{{From: d("2025-09-01")}}},
					{GuardianID: "g-other-adult", Relation: roster.RelationOtherResponsible, From: since},
				}},
			"s2": {ID: "s2", Exists: true, SchoolID: "school2", Placements: []roster.Placement{{SchoolID: "school2", From: since}}},
		},
		courses: map[string]roster.Course{
			"c1": {ID: "c1", Exists: true, SchoolID: "school1", Teachers: []roster.Membership{{PersonID: "t1", From: since}},
				Students: []roster.Membership{{PersonID: "s1", From: since}}},
			"c2": {ID: "c2", Exists: true, SchoolID: "school2", Teachers: []roster.Membership{{PersonID: "t2", From: since}},
				Students: []roster.Membership{{PersonID: "s2", From: since}}},
		},
		staff: map[string]roster.Staff{
			"p1": {ID: "p1", Exists: true, Roles: []roster.RoleGrant{{Role: domain.RolePrincipal, SchoolID: "school1", From: since}}},
			"m1": {ID: "m1", Exists: true, Roles: []roster.RoleGrant{{Role: domain.RoleMentor, SchoolID: "school1", From: since}}},
			"m2": {ID: "m2", Exists: true, Roles: []roster.RoleGrant{{Role: domain.RoleMentor, SchoolID: "school2", From: since}}},
		},
	}
}

func who(tenant, sub string, role domain.Role) auth.Principal {
	return auth.Principal{Tenant: tenant, Subject: sub, Roles: []domain.Role{role}, Role: role}
}

func TestStudentRecordsAreReadByRelationOnTheDay(t *testing.T) {
	p, err := New(world())
	if err != nil {
		t.Fatal(err)
	}
	day := d("2025-11-01")
	cases := []struct {
		name  string
		who   auth.Principal
		id    string
		allow bool
	}{
		{"admin of the tenant", who("t1", "a1", domain.RoleAdmin), "s1", true},
		{"admin of another tenant", who("t2", "a1", domain.RoleAdmin), "s1", false},
		{"admin, no such student", who("t1", "a1", domain.RoleAdmin), "nobody", false},
		{"principal of the school", who("t1", "p1", domain.RolePrincipal), "s1", true},
		{"principal of another school", who("t1", "p1", domain.RolePrincipal), "s2", false},
		{"mentor of the student", who("t1", "m1", domain.RoleMentor), "s1", true},
		{"mentor whose mentoring ended", who("t1", "m-old", domain.RoleMentor), "s1", false},
		{"mentor of others", who("t1", "m2", domain.RoleMentor), "s1", false},
		{"teacher of the student's course", who("t1", "t1", domain.RoleTeacher), "s1", true},
		{"teacher of another course", who("t1", "t2", domain.RoleTeacher), "s1", false},
		{"the student", who("t1", "s1", domain.RoleStudent), "s1", true},
		{"another student", who("t1", "s2", domain.RoleStudent), "s1", false},
		{"a guardian", who("t1", "g1", domain.RoleGuardian), "s1", true},
		{"a guardian of another tenant", who("t2", "g1", domain.RoleGuardian), "s1", false},
		{"a guardian whose custody ended", who("t1", "g-ended", domain.RoleGuardian), "s1", false},
		{"a restricted guardian", who("t1", "g-restricted", domain.RoleGuardian), "s1", false},
		{"another responsible adult", who("t1", "g-other-adult", domain.RoleGuardian), "s1", false},
		{"a guardian of another child", who("t1", "g1", domain.RoleGuardian), "s2", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := p.Student(context.Background(), c.who, c.id, day)
			if c.allow && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !c.allow && !errors.Is(err, ErrHidden) {
				t.Fatalf("err = %v, want ErrHidden", err)
			}
		})
	}
	// Before the restriction the guardian saw the child; before the end of
	// custody too: access is judged by date.
	if err := p.Student(context.Background(), who("t1", "g-restricted", domain.RoleGuardian), "s1", d("2025-08-20")); err != nil {
		t.Fatalf("before the restriction: %v", err)
	}
	if err := p.Student(context.Background(), who("t1", "g-ended", domain.RoleGuardian), "s1", d("2025-09-30")); err != nil {
		t.Fatalf("during custody: %v", err)
	}
}

func TestCoursesSchoolsAndTrails(t *testing.T) {
	p, _ := New(world())
	ctx, day := context.Background(), d("2025-11-01")
	check := func(name string, err error, allow bool) {
		t.Helper()
		if allow != (err == nil) || (!allow && !errors.Is(err, ErrHidden)) {
			t.Errorf("%s: err = %v, want allowed=%v", name, err, allow)
		}
	}
	check("teacher of c1", p.Course(ctx, who("t1", "t1", domain.RoleTeacher), "c1", day), true)
	check("teacher of c2 reads c1", p.Course(ctx, who("t1", "t2", domain.RoleTeacher), "c1", day), false)
	check("principal reads c1 of own school", p.Course(ctx, who("t1", "p1", domain.RolePrincipal), "c1", day), true)
	check("principal reads c2", p.Course(ctx, who("t1", "p1", domain.RolePrincipal), "c2", day), false)
	check("student reads a course", p.Course(ctx, who("t1", "s1", domain.RoleStudent), "c1", day), false)
	check("teacher reads the course trail", p.CourseAudit(ctx, who("t1", "t1", domain.RoleTeacher), "c1", day), false)
	check("principal reads own school", p.School(ctx, who("t1", "p1", domain.RolePrincipal), "school1", day), true)
	check("principal reads another school", p.School(ctx, who("t1", "p1", domain.RolePrincipal), "school2", day), false)
	check("mentor reads a school list", p.School(ctx, who("t1", "m1", domain.RoleMentor), "school1", day), false)
	check("mentor reads own overview", p.MentorOverview(ctx, who("t1", "m1", domain.RoleMentor), "m1", day), true)
	check("mentor reads another's overview", p.MentorOverview(ctx, who("t1", "m1", domain.RoleMentor), "m2", day), false)
	check("principal reads overview of own school's mentor", p.MentorOverview(ctx, who("t1", "p1", domain.RolePrincipal), "m1", day), true)
	check("principal reads overview of another school's mentor", p.MentorOverview(ctx, who("t1", "p1", domain.RolePrincipal), "m2", day), false)
	check("principal reads trail of own school's staff", p.Actor(ctx, who("t1", "p1", domain.RolePrincipal), "m1", day), true)
	check("mentor reads an actor trail", p.Actor(ctx, who("t1", "m1", domain.RoleMentor), "m1", day), false)
	check("mentor reads a student trail", p.StudentAudit(ctx, who("t1", "m1", domain.RoleMentor), "s1", day), false)
	check("admin reads the access log", AccessLog(who("t1", "a1", domain.RoleAdmin)), true)
	check("principal reads the access log", AccessLog(who("t1", "p1", domain.RolePrincipal)), false)
}

func TestWriteCoarseCheck(t *testing.T) {
	for _, c := range []struct {
		role           domain.Role
		method, tpl    string
		allowed, known bool
	}{
		{domain.RoleAdmin, "POST", "/v1/school-years", true, true},
		{domain.RoleTeacher, "POST", "/v1/school-years", false, true},
		{domain.RoleGuardian, "PUT", "/v1/plans/{plan_id}/fields/{key}", true, true},
		{domain.RoleGuardian, "POST", "/v1/plans/{plan_id}/publish", false, true},
		{domain.RoleStudent, "PUT", "/v1/assessments/{round_id}/entries/{student_id}/self-assessment", true, true},
		{domain.RoleTeacher, "PUT", "/v1/assessments/{round_id}/entries/{student_id}/self-assessment", false, true},
		{domain.RoleAdmin, "POST", "/v1/unknown", false, false},
	} {
		allowed, known := Write(c.role, c.method, c.tpl)
		if allowed != c.allowed || known != c.known {
			t.Errorf("%s %s %s = %v,%v; want %v,%v", c.role, c.method, c.tpl, allowed, known, c.allowed, c.known)
		}
	}
}

func TestFieldVisible(t *testing.T) {
	staffOnly := []domain.Role{domain.RoleAdmin, domain.RoleMentor}
	if FieldVisible(domain.RoleGuardian, staffOnly) || !FieldVisible(domain.RoleMentor, staffOnly) {
		t.Fatal("field rights not applied")
	}
}
