package staff

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/risk"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/projectiontest"
)

const tn = "kommun"

var (
	admin   = domain.Actor{Tenant: tn, ID: "adm", Role: domain.RoleAdmin}
	teacher = domain.Actor{Tenant: tn, ID: "t1", Role: domain.RoleTeacher}
	mentor  = domain.Actor{Tenant: tn, ID: "m1", Role: domain.RoleMentor}
	d       = domain.MustDate
	ht      = domain.TermRef{SchoolYear: "2026-2027", Kind: domain.HT}
	vt      = domain.TermRef{SchoolYear: "2026-2027", Kind: domain.VT}
	whole   = domain.TermRef{SchoolYear: "2026-2027"}
	steps   = []assessment.ScaleStep{{Key: "not_yet", Label: "Inte än"}, {Key: "reached", Label: "Når"}, {Key: "beyond", Label: "Mer än"}}
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

// personal text in the history: a view must never carry any of it.
var personal = []string{"Ella Åström", "Omar Berg", "Sara Lind", "Läser flytande", "Räknar säkert", "Jag kan mer",
	"Rättat efter samtal", "Svårt med bråk", "Rum 12", "Ella läser", "Vi övar hemma"}

// history is a class of three in year 3 at sk1 with two guardians each and
// mentor m1; SV on a three-step scale and MA in free text, whole-year
// courses with rounds in HT and VT; an SV level amended in February; a risk
// in MA; a talk held and a plan published for s1; s2 moves to sk2 in
// January; s3 (protected identity) changes mentor at New Year. With cull,
// s1's personal fields are empty and s1's streams culled, as a rebuild after
// gallring would see them.
func history(cull bool) *projectiontest.Log {
	p := func(s string, student string) string {
		if cull && student == "s1" {
			return ""
		}
		return s
	}
	l := projectiontest.NewLog().
		Add("setupschoolyear-kommun.2026-2027", at("2026-06-01T08:00:00Z"), admin, setup.SchoolYearCreated{SchoolYearID: "2026-2027",
			Terms: []setup.Term{{Kind: domain.HT, Start: d("2026-08-17"), End: d("2026-12-20")}, {Kind: domain.VT, Start: d("2027-01-08"), End: d("2027-06-12")}}})
	names := map[string]string{"s1": "Ella Åström", "s2": "Omar Berg", "s3": "Sara Lind"}
	for _, s := range []string{"s1", "s2", "s3"} {
		prot := "none"
		if s == "s3" {
			prot = "skyddad_folkbokforing"
		}
		l.Add(roster.StudentStream(tn, s), at("2026-08-10T08:00:00Z"), admin,
			roster.StudentRegistered{StudentID: s, SchoolID: "sk1", Grade: 3, SchoolForm: setup.FormGrundskola, GradesGiven: false,
				Protected: p(prot, s), DisplayName: p(names[s], s), EffectiveFrom: d("2026-08-17")},
			roster.GuardianLinked{StudentID: s, GuardianID: "g" + s + "a", Relation: roster.RelationGuardian, EffectiveFrom: d("2026-08-17")},
			roster.GuardianLinked{StudentID: s, GuardianID: "g" + s + "b", Relation: roster.RelationGuardian, EffectiveFrom: d("2026-08-17")},
			roster.MentorAssigned{StudentID: s, StaffID: "m1", EffectiveFrom: d("2026-08-17")})
	}
	l.Add(roster.StudentStream(tn, "s3"), at("2026-08-10T08:00:00Z"), admin,
		roster.GuardianRestricted{StudentID: "s3", GuardianID: "gs3b", EffectiveFrom: d("2026-09-01")})
	l.Add(roster.StaffStream(tn, "m1"), at("2026-08-10T08:00:00Z"), admin, roster.StaffRegistered{StaffID: "m1", DisplayName: "Mats Öberg"})
	for _, c := range []struct{ id, subject, name string }{{"c-sv", "SV", "Svenska 3A"}, {"c-ma", "MA", "Matematik 3A"}} {
		l.Add(roster.CourseStream(tn, c.id), at("2026-08-10T08:00:00Z"), admin,
			roster.CourseCreated{CourseID: c.id, SchoolID: "sk1", Subject: c.subject, Name: c.name, Term: whole, WholeYear: true},
			roster.CourseTeacherAssigned{CourseID: c.id, StaffID: "t1", EffectiveFrom: d("2026-08-17")},
			roster.StudentsEnrolled{CourseID: c.id, StudentIDs: []string{"s1", "s2", "s3"}, EffectiveFrom: d("2026-08-17")})
	}
	entry := func(round, student string, evs ...domain.Event) {
		l.Add(assessment.EntryStream(tn, round, student), at("2026-11-20T10:00:00Z"), teacher, evs...)
	}
	// HT rounds.
	l.Add(assessment.RoundStream(tn, "r-sv-ht"), at("2026-11-01T08:00:00Z"), teacher,
		assessment.RoundCreated{RoundID: "r-sv-ht", CourseID: "c-sv", Term: ht, Title: "Svenska HT", ScaleID: "three", Steps: steps})
	l.Add(assessment.RoundStream(tn, "r-ma-ht"), at("2026-11-01T08:00:00Z"), teacher,
		assessment.RoundCreated{RoundID: "r-ma-ht", CourseID: "c-ma", Term: ht, Title: "Matematik HT", ScaleID: "free", FreeText: true, SelfAssessment: true})
	entry("r-sv-ht", "s1", assessment.EntryLevelSet{RoundID: "r-sv-ht", StudentID: "s1", Level: "reached"},
		assessment.EntryCommentSet{RoundID: "r-sv-ht", StudentID: "s1", Comment: p("Läser flytande", "s1")})
	entry("r-sv-ht", "s2", assessment.EntryLevelSet{RoundID: "r-sv-ht", StudentID: "s2", Level: "beyond"})
	entry("r-ma-ht", "s1", assessment.EntryCommentSet{RoundID: "r-ma-ht", StudentID: "s1", Comment: p("Räknar säkert", "s1")})
	entry("r-ma-ht", "s2", assessment.EntryCommentSet{RoundID: "r-ma-ht", StudentID: "s2", Comment: "Räknar säkert"},
		assessment.SelfCommentSet{RoundID: "r-ma-ht", StudentID: "s2", Comment: "Jag kan mer"})
	l.Add(assessment.RoundStream(tn, "r-sv-ht"), at("2026-12-10T08:00:00Z"), teacher,
		assessment.RoundPublished{RoundID: "r-sv-ht", PublishAt: at("2026-12-11T07:00:00Z")})
	// Risk, talk and plan in HT.
	l.Add(risk.Stream(tn, "s1", "MA"), at("2026-11-25T08:00:00Z"), teacher,
		risk.RiskSignalled{StudentID: "s1", Subject: "MA", Term: ht, CourseID: "c-ma", Grade: 3, DutyYear: true, Note: p("Svårt med bråk", "s1")})
	l.Add(conference.Stream(tn, "k1"), at("2026-11-26T08:00:00Z"), mentor,
		conference.Scheduled{ConferenceID: "k1", StudentID: "s1", Term: ht, At: at("2026-12-01T14:00:00Z"), Place: p("Rum 12", "s1")},
		conference.Held{ConferenceID: "k1", StudentID: "s1", Term: ht, HeldAt: at("2026-12-01T14:05:00Z"), Attendees: []string{"m1", "s1", "gs1a"},
			Notes: p("Ella läser", "s1"), Agreements: []string{p("Vi övar hemma", "s1")}, PlanStream: plan.Stream(tn, "s1", ht)})
	l.Add(conference.Stream(tn, "k2"), at("2026-11-26T08:00:00Z"), mentor,
		conference.Scheduled{ConferenceID: "k2", StudentID: "s2", Term: ht, At: at("2026-12-03T14:00:00Z"), Place: "Rum 12"})
	l.Add(plan.Stream(tn, "s1", ht), at("2026-11-27T08:00:00Z"), mentor,
		plan.Created{PlanID: plan.ID("s1", ht), StudentID: "s1", Term: ht, TemplateID: "iup", TemplateVersion: 1, Title: "IUP HT", Start: d("2026-08-17"), End: d("2026-12-20")},
		plan.FieldSet{PlanID: plan.ID("s1", ht), StudentID: "s1", Key: "home", Text: p("Vi övar hemma", "s1")},
		plan.Published{PlanID: plan.ID("s1", ht), StudentID: "s1"})
	// New Year: s3 changes mentor; s2 moves to sk2 and leaves the courses.
	l.Add(roster.StudentStream(tn, "s3"), at("2026-12-15T08:00:00Z"), admin,
		roster.MentorEnded{StudentID: "s3", StaffID: "m1", EffectiveFrom: d("2027-01-01")},
		roster.MentorAssigned{StudentID: "s3", StaffID: "m2", EffectiveFrom: d("2027-01-01")})
	l.Add(roster.StudentStream(tn, "s2"), at("2026-12-15T08:00:00Z"), admin,
		roster.StudentMoved{StudentID: "s2", FromSchoolID: "sk1", SchoolID: "sk2", EffectiveFrom: d("2027-01-08")},
		roster.MentorEnded{StudentID: "s2", StaffID: "m1", EffectiveFrom: d("2027-01-08")})
	for _, c := range []string{"c-sv", "c-ma"} {
		l.Add(roster.CourseStream(tn, c), at("2026-12-15T08:00:00Z"), admin,
			roster.StudentsUnenrolled{CourseID: c, StudentIDs: []string{"s2"}, EffectiveFrom: d("2027-01-08")})
	}
	// VT: a new SV round; in February the HT level of s1 is amended.
	l.Add(assessment.RoundStream(tn, "r-sv-vt"), at("2027-01-20T08:00:00Z"), teacher,
		assessment.RoundCreated{RoundID: "r-sv-vt", CourseID: "c-sv", Term: vt, Title: "Svenska VT", ScaleID: "three", Steps: steps})
	l.Add(assessment.EntryStream(tn, "r-sv-vt", "s1"), at("2027-02-03T08:00:00Z"), teacher,
		assessment.EntryLevelSet{RoundID: "r-sv-vt", StudentID: "s1", Level: "reached"})
	l.Add(assessment.EntryStream(tn, "r-sv-ht", "s1"), at("2027-02-10T08:00:00Z"), teacher,
		assessment.EntryAmended{RoundID: "r-sv-ht", StudentID: "s1", Term: ht, Field: assessment.FieldLevel, Level: "beyond", Reason: p("Rättat efter samtal", "s1")})
	if cull {
		for _, ev := range l.Events() {
			if strings.Contains(ev.Stream, ".s1") || strings.HasSuffix(ev.Stream, "-kommun.k1") {
				l.Cull(ev.Stream)
			}
		}
	}
	return l
}

// served drops the helper documents: what readers see.
func served(v map[string]json.RawMessage) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, b := range v {
		if !strings.HasPrefix(k, "rel/") && !strings.HasPrefix(k, "facts/") {
			out[k] = b
		}
	}
	return out
}

// sameView compares every served document of got with want, by JSON.
func sameView(t *testing.T, got map[string]json.RawMessage, want map[string]any) {
	t.Helper()
	got = served(got)
	var gk, wk []string
	for k := range got {
		gk = append(gk, k)
	}
	for k := range want {
		wk = append(wk, k)
	}
	slices.Sort(gk)
	slices.Sort(wk)
	if !slices.Equal(gk, wk) {
		t.Errorf("documents\n got %v\nwant %v", gk, wk)
	}
	for k, w := range want {
		wb, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		if string(got[k]) != string(wb) {
			t.Errorf("%s\n got %s\nwant %s", k, got[k], wb)
		}
	}
}

func build(t *testing.T, p projections.Projection, l *projectiontest.Log) map[string]json.RawMessage {
	t.Helper()
	return projectiontest.View(t, p, l.Events())
}

// projectionBefore is the mentor overview of l up to the first event of type typ.
func projectionBefore(t *testing.T, l *projectiontest.Log, typ string) map[string]json.RawMessage {
	t.Helper()
	evs := l.Events()
	i := slices.IndexFunc(evs, func(ev projections.Event) bool { return ev.Event.EventType() == typ })
	return projectiontest.View(t, MentorOverview, evs[:i])
}

func projectionsView(t *testing.T, p projections.Projection, evs []projections.Event) map[string]json.RawMessage {
	t.Helper()
	return projectiontest.View(t, p, evs)
}

func decode(t *testing.T, v map[string]json.RawMessage, key string, into any) {
	t.Helper()
	projectiontest.Doc(t, v, key, into)
}

// The test histories, with a third of the keys failing their first read
// mid-event, build the bytes they build without (see
// projectiontest.SameWhenReadsFail): culled, amended and edge cases the
// sample organiser does not reach.
func TestTheHistoriesAreTheSameWhenReadsFailMidEvent(t *testing.T) {
	for _, l := range []*projectiontest.Log{history(false), history(true), edges()} {
		projectiontest.SameWhenReadsFail(t, Projection, l.Events())
	}
	projectiontest.SameWhenReadsFail(t, Projection, append(history(false).Events(), nextYear()...))
}
