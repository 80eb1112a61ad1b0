package loadgen

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Size is the organiser to create.
type Size struct {
	Schools          int `json:"schools"`
	ClassesPerGrade  int `json:"classes_per_grade"` // in each of grades 1-9
	StudentsPerClass int `json:"students_per_class"`
	CoursesPerClass  int `json:"courses_per_class"`
	// Filled in by the model: what was made.
	Classes   int `json:"classes"`
	Students  int `json:"students"`
	Guardians int `json:"guardians"`
	Courses   int `json:"courses"`
	Staff     int `json:"staff"`
}

// subjects are the courses a class reads, in this order (Skolverket codes).
var subjects = []struct{ code, name string }{
	{"SV", "Svenska"}, {"MA", "Matematik"}, {"EN", "Engelska"}, {"NO", "Naturorienterande ämnen"},
	{"SO", "Samhällsorienterande ämnen"}, {"BL", "Bild"}, {"MU", "Musik"}, {"IDH", "Idrott och hälsa"},
	{"SL", "Slöjd"}, {"TK", "Teknik"}, {"HKK", "Hem- och konsumentkunskap"}, {"ML", "Moderna språk"},
}

// coursesPerTeacher is how many classes' courses of one subject a teacher takes.
const coursesPerTeacher = 3

// Organiser is the model of what setup creates and the workload uses:
// opaque ids only, derived from the seed so a run can be repeated.
type Organiser struct {
	Tenant    string
	Schools   []*School
	Classes   []*Class
	Students  []*Student
	Guardians []*Guardian
	Teachers  []*Teacher
	Courses   []*Course
	Calendar  Calendar
}

// School is one skola with its school year.
type School struct {
	ID, YearID string
	Classes    []*Class
}

// Term is the term the workload writes in (e.g. sy26-s1:HT).
func (s *School) Term(c Calendar) string { return s.YearID + ":" + c.Current }

// Class is one class: its mentor, students and courses.
type Class struct {
	ID       string
	School   *School
	Grade    int
	Mentor   string
	Students []*Student
	Courses  []*Course
}

// Student is one elev with one or two guardians.
type Student struct {
	ID        string
	Class     *Class
	Guardians []*Guardian
}

// PlanID is the student's plan in the current term.
func (s *Student) PlanID(c Calendar) string {
	return s.ID + "." + s.Class.School.YearID + "." + c.Current
}

// Guardian is one vårdnadshavare.
type Guardian struct {
	ID       string
	Children []*Student
}

// Teacher is one ämneslärare.
type Teacher struct {
	ID      string
	School  *School
	Courses []*Course
}

// Course is one class's course in one subject, with its assessment round.
type Course struct {
	ID, Subject, RoundID string
	Class                *Class
	Teacher              *Teacher
}

// Calendar is the school year the organiser is set up with, chosen so that
// today falls inside a term: the workload writes in the current term and
// never makes amendments by accident.
type Calendar struct {
	HTStart, HTEnd, VTStart, VTEnd time.Time // dates (midnight UTC)
	Current                        string    // HT or VT
	From                           time.Time // effective-from date of roles and relations
	Year                           int       // the calendar year the school year starts in
}

// Day formats a date as the API wants it.
func Day(t time.Time) string { return t.Format(time.DateOnly) }

// TermStart and TermEnd are the current term's dates.
func (c Calendar) TermStart() time.Time {
	if c.Current == "HT" {
		return c.HTStart
	}
	return c.VTStart
}

func (c Calendar) TermEnd() time.Time {
	if c.Current == "HT" {
		return c.HTEnd
	}
	return c.VTEnd
}

// calendarFor returns the usual Swedish terms (HT mid-August to just before
// Christmas, VT early January to mid-June) of the school year around today,
// stretched so today is inside one of them.
func calendarFor(now time.Time) Calendar {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	y := today.Year()
	if today.Month() < time.July {
		y--
	}
	d := func(year int, m time.Month, day int) time.Time { return time.Date(year, m, day, 0, 0, 0, 0, time.UTC) }
	c := Calendar{Year: y, HTStart: d(y, time.August, 17), HTEnd: d(y, time.December, 20),
		VTStart: d(y+1, time.January, 8), VTEnd: d(y+1, time.June, 12)}
	switch {
	case today.Before(c.HTStart):
		c.HTStart = today
	case today.After(c.HTEnd) && today.Year() == y:
		c.HTEnd = d(y, time.December, 31)
	case today.Before(c.VTStart) && today.Year() == y+1:
		c.VTStart = d(y+1, time.January, 1)
	case today.After(c.VTEnd):
		c.VTEnd = d(y+1, time.June, 30)
	}
	c.Current = "HT"
	if !today.Before(c.VTStart) {
		c.Current = "VT"
	}
	c.From = c.HTStart.AddDate(0, 0, -7)
	return c
}

// newOrganiser builds the model: ids, classes, guardians and teachers.
func newOrganiser(tenant string, size Size, seed uint64, now time.Time) (*Organiser, Size) {
	rng := rand.New(rand.NewPCG(seed, 0x1f2e3d4c))
	o := &Organiser{Tenant: tenant, Calendar: calendarFor(now)}
	nCourses := min(size.CoursesPerClass, len(subjects))
	for si := 1; si <= size.Schools; si++ {
		school := &School{ID: fmt.Sprintf("s%d", si), YearID: fmt.Sprintf("sy%02d-s%d", o.Calendar.Year%100, si)}
		o.Schools = append(o.Schools, school)
		bySubject := map[string][]*Course{}
		for grade := 1; grade <= 9; grade++ {
			for ci := 0; ci < size.ClassesPerGrade; ci++ {
				id := fmt.Sprintf("s%d-%d%c", si, grade, 'a'+rune(ci))
				class := &Class{ID: id, School: school, Grade: grade, Mentor: "m-" + id}
				for n := 1; n <= size.StudentsPerClass; n++ {
					st := &Student{ID: fmt.Sprintf("e-%s-%02d", id, n), Class: class}
					guardians := 1 + rng.IntN(2) // shared custody for about half
					for g := 1; g <= guardians; g++ {
						gd := &Guardian{ID: fmt.Sprintf("v-%s-%02d-%d", id, n, g), Children: []*Student{st}}
						st.Guardians = append(st.Guardians, gd)
						o.Guardians = append(o.Guardians, gd)
					}
					class.Students = append(class.Students, st)
					o.Students = append(o.Students, st)
				}
				for k := 0; k < nCourses; k++ {
					c := &Course{ID: fmt.Sprintf("k-%s-%s", id, subjects[k].code), Subject: subjects[k].code, Class: class}
					c.RoundID = "r-" + c.ID
					class.Courses = append(class.Courses, c)
					bySubject[c.Subject] = append(bySubject[c.Subject], c)
					o.Courses = append(o.Courses, c)
				}
				school.Classes = append(school.Classes, class)
				o.Classes = append(o.Classes, class)
			}
		}
		// Teachers: each takes one subject in a few classes.
		for k := 0; k < nCourses; k++ {
			courses := bySubject[subjects[k].code]
			for i := 0; i < len(courses); i += coursesPerTeacher {
				t := &Teacher{ID: fmt.Sprintf("t-s%d-%s-%d", si, subjects[k].code, i/coursesPerTeacher+1), School: school}
				for _, c := range courses[i:min(i+coursesPerTeacher, len(courses))] {
					c.Teacher = t
					t.Courses = append(t.Courses, c)
				}
				o.Teachers = append(o.Teachers, t)
			}
		}
	}
	size.Classes, size.Students, size.Guardians = len(o.Classes), len(o.Students), len(o.Guardians)
	size.Courses, size.Staff = len(o.Courses), len(o.Classes)+len(o.Teachers)
	return o, size
}
