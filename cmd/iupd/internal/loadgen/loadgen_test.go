package loadgen

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// Whatever the day, it falls inside the current term, HT ends before VT
// starts, and roles start before it: the workload never amends by accident.
func TestCalendarPutsTodayInATerm(t *testing.T) {
	for d := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC); d.Year() < 2028; d = d.AddDate(0, 0, 1) {
		c := calendarFor(d)
		day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
		if day.Before(c.TermStart()) || day.After(c.TermEnd()) {
			t.Fatalf("%s: today outside the current term %s (%s to %s)", Day(d), c.Current, Day(c.TermStart()), Day(c.TermEnd()))
		}
		if !c.HTEnd.Before(c.VTStart) || c.From.After(day) || c.HTStart.Year() != c.Year {
			t.Fatalf("%s: calendar %+v", Day(d), c)
		}
	}
}

func TestOrganiserShape(t *testing.T) {
	o, size := newOrganiser("t", Size{Schools: 2, ClassesPerGrade: 2, StudentsPerClass: 25, CoursesPerClass: 4}, 7, time.Now())
	if size.Classes != 36 || size.Students != 900 || size.Courses != 144 {
		t.Fatalf("size %+v", size)
	}
	if size.Guardians < 900 || size.Guardians > 1800 {
		t.Fatalf("%d guardians for 900 students: want one or two each", size.Guardians)
	}
	ids := map[string]bool{}
	for _, s := range o.Students {
		if ids[s.ID] || len(s.Guardians) < 1 || len(s.Guardians) > 2 {
			t.Fatalf("student %s: duplicate or %d guardians", s.ID, len(s.Guardians))
		}
		ids[s.ID] = true
	}
	for _, k := range o.Courses {
		if k.Teacher == nil || k.Teacher.School != k.Class.School || len(k.Teacher.Courses) > coursesPerTeacher {
			t.Fatalf("course %s: teacher %+v", k.ID, k.Teacher)
		}
	}
	// The seed fixes the shape.
	again, _ := newOrganiser("t", Size{Schools: 2, ClassesPerGrade: 2, StudentsPerClass: 25, CoursesPerClass: 4}, 7, time.Now())
	if len(again.Guardians) != len(o.Guardians) {
		t.Fatal("the same seed made another organiser")
	}
}

func TestMix(t *testing.T) {
	if _, err := ParseMix("teacher.comment=x"); err == nil {
		t.Error("a weight that is not a number was taken")
	}
	if _, err := ParseMix("no.such=1"); err == nil || !strings.Contains(err.Error(), "unknown operation") {
		t.Errorf("an unknown operation: %v", err)
	}
	zero := []string{}
	for _, op := range readOps {
		zero = append(zero, op+"=0")
	}
	if _, err := ParseMix(strings.Join(zero, ",")); err == nil {
		t.Error("a mix without reads was taken")
	}
	m, err := ParseMix("mentor.overview=0")
	if err != nil {
		t.Fatal(err)
	}
	w := m.ops("read")
	rng := rand.New(rand.NewPCG(1, 2))
	counts := map[string]int{}
	for i := 0; i < 10000; i++ {
		counts[w.pick(rng)]++
	}
	if counts[opOverview] != 0 || counts[opChildren] < 2500 || counts[opChildren] > 3500 {
		t.Errorf("picks %v: want no overview and about 31%% guardian homes", counts)
	}
}

func TestRecorderReport(t *testing.T) {
	r := newRecorder()
	for i := 1; i <= 100; i++ {
		r.record(opComment, time.Duration(i)*time.Millisecond, 200, false)
	}
	r.record(opComment, time.Second, 503, false)
	r.record(opOverview, 2*time.Millisecond, 200, true)
	ops, w, rd, _ := r.report(opKinds(), 10*time.Second)
	if len(ops) != 2 || ops[0].Name != opComment || ops[1].Name != opOverview {
		t.Fatalf("ops %+v: want the write first", ops)
	}
	c := ops[0]
	if c.Latency.Count != 101 || c.Latency.P50 < 50 || c.Latency.P50 > 51.1 || c.Latency.Max < 999 || c.Errors != 1 || c.Status5xx != 1 {
		t.Fatalf("comment figures %+v", c)
	}
	if w.Status5xx != 1 || rd.Errors != 0 || ops[1].Stale != 1 || w.AchievedRate < 10 || w.AchievedRate > 10.2 {
		t.Fatalf("summaries %+v %+v", w, rd)
	}
}
