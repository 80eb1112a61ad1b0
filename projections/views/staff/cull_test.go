package staff

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
	"github.com/iup-platform/iup/projections"
)

var views = []projections.Projection{MentorOverview, CourseView, SchoolLists}

func TestCulledContent(t *testing.T) {
	for _, p := range views {
		live, culled := build(t, p, history(false)), build(t, p, history(true))
		t.Run(p.Name+": no comment, note, reason or place text anywhere in the view", func(t *testing.T) {
			for _, v := range []map[string]json.RawMessage{live, culled} {
				for k, b := range v {
					for _, text := range personal[3:] {
						if strings.Contains(string(b), text) {
							t.Errorf("%s carries %q", k, text)
						}
					}
				}
			}
		})
		t.Run(p.Name+": a culled student's name is nowhere, not even in helper documents", func(t *testing.T) {
			for k, b := range culled {
				if strings.Contains(string(b), "Ella Åström") {
					t.Errorf("%s carries the culled name", k)
				}
			}
		})
		t.Run(p.Name+": a rebuild after culling shows the same flags as the live view", func(t *testing.T) {
			want := map[string]any{}
			for k, b := range served(live) {
				want[k] = json.RawMessage(bytes.ReplaceAll(b, []byte(`"name":"Ella Åström",`), nil))
			}
			sameView(t, culled, want)
		})
		t.Run(p.Name+": a protected student's row carries no name", func(t *testing.T) {
			for k, b := range served(live) {
				if strings.Contains(string(b), "Sara Lind") {
					t.Errorf("%s names the protected student", k)
				}
			}
		})
	}
}

func TestReplay(t *testing.T) {
	for _, p := range views {
		t.Run(p.Name+": a replay yields byte-identical documents", func(t *testing.T) {
			a, b := build(t, p, history(false)), build(t, p, history(false))
			if len(a) != len(b) {
				t.Fatalf("%d documents, then %d", len(a), len(b))
			}
			for k := range a {
				if !bytes.Equal(a[k], b[k]) {
					t.Errorf("%s differs", k)
				}
			}
		})
	}
}

// nextYear adds the school year 2027-2028: s1 in year 4, a new SV course
// and round. The 2026-2027 documents must not change.
func nextYear() []projections.Event {
	next := domain.TermRef{SchoolYear: "2027-2028", Kind: domain.HT}
	l := history(false).
		Add("setupschoolyear-kommun.2027-2028", at("2027-06-01T08:00:00Z"), admin, setup.SchoolYearCreated{SchoolYearID: "2027-2028",
			Terms: []setup.Term{{Kind: domain.HT, Start: d("2027-08-16"), End: d("2027-12-20")}, {Kind: domain.VT, Start: d("2028-01-08"), End: d("2028-06-10")}}}).
		Add(roster.CourseStream(tn, "c-sv4"), at("2027-08-01T08:00:00Z"), admin,
			roster.CourseCreated{CourseID: "c-sv4", SchoolID: "sk1", Subject: "SV", Name: "Svenska 4A", Term: next},
			roster.StudentsEnrolled{CourseID: "c-sv4", StudentIDs: []string{"s1", "s3"}, EffectiveFrom: d("2027-08-16")}).
		Add(assessment.RoundStream(tn, "r-sv4"), at("2027-10-01T08:00:00Z"), teacher,
			assessment.RoundCreated{RoundID: "r-sv4", CourseID: "c-sv4", Term: next, Title: "Svenska HT", ScaleID: "three", Steps: steps}).
		Add(assessment.EntryStream(tn, "r-sv4", "s1"), at("2027-10-02T08:00:00Z"), teacher,
			assessment.EntryLevelSet{RoundID: "r-sv4", StudentID: "s1", Level: "not_yet"})
	return l.Events()
}

func TestLaterTerm(t *testing.T) {
	next := domain.TermRef{SchoolYear: "2027-2028", Kind: domain.HT}
	t.Run("a later school year gets its own documents and leaves the earlier ones alone", func(t *testing.T) {
		v := projectionsView(t, MentorOverview, nextYear())
		want := mentorDocs()
		sv4 := SubjectCell{Subject: "SV", CourseID: "c-sv4", RoundID: "r-sv4", Level: "not_yet", Step: 1, Steps: 3}
		want[MentorOverviewKey(tn, "m1", next)] = MentorOverviewDoc{MentorID: "m1", Term: next, TermStart: d("2027-08-16"), TermEnd: d("2027-12-20"),
			Rows: []MenteeRow{{StudentID: "s1", Name: "Ella Åström", Mentor: []Period{{From: from}}, Subjects: []SubjectCell{sv4},
				Plan: none, Conference: noTalk, Risks: noRisks}},
			Courses: []CourseProgress{{CourseID: "c-sv4", Subject: "SV", Name: "Svenska 4A", Rounds: 1, Enrolled: 1}}}
		want[MentorOverviewKey(tn, "m1", domain.TermRef{SchoolYear: "2027-2028", Kind: domain.VT})] = MentorOverviewDoc{MentorID: "m1",
			Term: domain.TermRef{SchoolYear: "2027-2028", Kind: domain.VT}, TermStart: d("2028-01-08"), TermEnd: d("2028-06-10"),
			Rows:    []MenteeRow{{StudentID: "s1", Name: "Ella Åström", Mentor: []Period{{From: from}}, Subjects: []SubjectCell{}, Plan: none, Conference: noTalk, Risks: noRisks}},
			Courses: []CourseProgress{}}
		m2 := MenteeRow{StudentID: "s3", Protected: true, Mentor: []Period{{From: newYear}}, Plan: none, Conference: noTalk, Risks: noRisks}
		m2.Subjects = []SubjectCell{{Subject: "SV", CourseID: "c-sv4", RoundID: "r-sv4", Steps: 3, Missing: true}}
		want[MentorOverviewKey(tn, "m2", next)] = MentorOverviewDoc{MentorID: "m2", Term: next, TermStart: d("2027-08-16"), TermEnd: d("2027-12-20"),
			Rows: []MenteeRow{m2}, Courses: []CourseProgress{{CourseID: "c-sv4", Subject: "SV", Name: "Svenska 4A", Rounds: 1, Enrolled: 1, Missing: 1}}}
		m2.Subjects = []SubjectCell{}
		want[MentorOverviewKey(tn, "m2", domain.TermRef{SchoolYear: "2027-2028", Kind: domain.VT})] = MentorOverviewDoc{MentorID: "m2",
			Term: domain.TermRef{SchoolYear: "2027-2028", Kind: domain.VT}, TermStart: d("2028-01-08"), TermEnd: d("2028-06-10"),
			Rows: []MenteeRow{m2}, Courses: []CourseProgress{}}
		sameView(t, v, want)
	})
}

func TestReadHelpers(t *testing.T) {
	t.Run("a row's mentor period and a course's teachers are judged by date", func(t *testing.T) {
		var m MentorOverviewDoc
		decode(t, build(t, MentorOverview, history(false)), MentorOverviewKey(tn, "m1", ht), &m)
		if s3 := m.Rows[2]; !s3.MentoredOn(d("2026-12-31")) || s3.MentoredOn(d("2027-01-01")) || s3.MentoredOn(d("2026-08-16")) {
			t.Errorf("s3 mentor period %+v", s3.Mentor)
		}
		var c CourseViewDoc
		decode(t, build(t, CourseView, edges()), CourseViewKey(tn, "c-en", ht), &c)
		if !c.TaughtBy("t2", d("2026-09-30")) || c.TaughtBy("t2", d("2026-10-01")) || !c.TaughtBy("t3", d("2026-10-01")) || c.TaughtBy("t9", d("2026-10-01")) {
			t.Errorf("teachers %+v", c.Teachers)
		}
	})
	t.Run("a guardian's restriction changes nothing staff see", func(t *testing.T) {
		evs := history(false).Events()
		without := slices.DeleteFunc(slices.Clone(evs), func(ev projections.Event) bool { return ev.Event.EventType() == "roster.guardian-restricted" })
		if len(without) == len(evs) {
			t.Fatal("the history has no restriction")
		}
		for _, p := range views {
			a, b := served(projectionsView(t, p, evs)), served(projectionsView(t, p, without))
			for k := range a {
				if !bytes.Equal(a[k], b[k]) {
					t.Errorf("%s: %s differs", p.Name, k)
				}
			}
		}
	})
}
