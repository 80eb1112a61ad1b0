package audit

import (
	"reflect"
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/projections/projectiontest"
)

const entryStream = "assessmententry-kommun.r1.s1"

// history: a teacher sets a level and a comment, edits the comment,
// amends it in February with a reason; an admin amends the level on the
// teacher's behalf; the mentor holds a talk a guardian acknowledges.
func history() *projectiontest.Log {
	return projectiontest.NewLog().
		Add("assessmentround-kommun.r1", day("2026-09-01"), teacher,
			assessment.RoundCreated{RoundID: "r1", CourseID: "ma1", Term: ht, Title: "Matematik HT", ScaleID: "s3",
				Steps: []assessment.ScaleStep{{Key: "E", Label: "E"}, {Key: "C", Label: "C"}}}).
		Add(entryStream, day("2026-11-10"), teacher,
			assessment.EntryLevelSet{RoundID: "r1", StudentID: "s1", Level: "E"},
			assessment.EntryCommentSet{RoundID: "r1", StudentID: "s1", Comment: "Räknar säkert med bråk."}).
		Add("conference-kommun.k1", day("2026-11-20"), mentor,
			conference.Scheduled{ConferenceID: "k1", StudentID: "s1", Term: ht, At: day("2026-11-27"), Place: "Rum 12",
				Participants: []conference.Participant{{PersonID: "s1", Role: conference.RoleStudent}, {PersonID: "g1", Role: conference.RoleGuardian}}}).
		Add("conference-kommun.k1", day("2026-11-27"), mentor,
			conference.Held{ConferenceID: "k1", StudentID: "s1", Term: ht, HeldAt: day("2026-11-27"), Attendees: []string{"s1", "g1"},
				Notes: "Vi talade om matematiken.", PlanStream: "plan-kommun.s1.2026-2027.HT", PlanVersion: -1}).
		Add("conference-kommun.k1", day("2026-11-28"), guardian,
			conference.Acknowledged{ConferenceID: "k1", StudentID: "s1", GuardianID: "g1"}).
		Add(entryStream, day("2026-12-01"), teacher,
			assessment.EntryCommentSet{RoundID: "r1", StudentID: "s1", Comment: "Räknar säkert med bråk och procent."}).
		Add(entryStream, day("2027-02-03"), teacher,
			assessment.EntryAmended{RoundID: "r1", StudentID: "s1", Term: ht, Field: "comment",
				Comment: "Räknar säkert med bråk, procent och negativa tal.", Reason: "Provet rättades om."}).
		Add(entryStream, day("2027-02-05"), adminFor,
			assessment.EntryAmended{RoundID: "r1", StudentID: "s1", Term: ht, Field: "level", Level: "C",
				Reason: "Omprövning efter samtal.", OnBehalfOf: "t1"})
}

func TestAuditTrails(t *testing.T) {
	evs := history().Events()
	v := projectiontest.View(t, Projection, evs)

	round := env(evs[0])
	round.CourseID, round.RoundID, round.What = "ma1", "r1", "round"
	entry := func(i int, what string) Entry {
		e := env(evs[i])
		e.StudentID, e.CourseID, e.RoundID, e.What = "s1", "ma1", "r1", what
		return e
	}
	level := entry(1, "level")
	level.After = ref(evs[1], Value{Level: "E"})
	comment := entry(2, "comment")
	comment.After = ref(evs[2], Value{Text: "Räknar säkert med bråk."})
	edit := entry(6, "comment")
	edit.Before, edit.After = comment.After, ref(evs[6], Value{Text: "Räknar säkert med bråk och procent."})
	amendComment := entry(7, "comment")
	amendComment.Before, amendComment.After = edit.After, ref(evs[7], Value{Text: "Räknar säkert med bråk, procent och negativa tal."})
	amendComment.Amendment, amendComment.Reason = true, "Provet rättades om."
	amendLevel := entry(8, "level")
	amendLevel.Before, amendLevel.After = level.After, ref(evs[8], Value{Level: "C"})
	amendLevel.Amendment, amendLevel.Reason = true, "Omprövning efter samtal."
	conf := func(i int) Entry {
		e := env(evs[i])
		e.StudentID, e.What = "s1", "conference:k1"
		return e
	}
	scheduled, held, ack := conf(3), conf(4), conf(5)

	t.Run("the envelope is copied as the reader needs it", func(t *testing.T) {
		if amendLevel.Position != "90/90" || amendLevel.RecordedAt != "2027-02-05T08:00:00Z" || amendLevel.OnBehalfOf != "t1" ||
			amendLevel.Role != "admin" || amendLevel.ActorID != "adm" || amendLevel.Revision != 4 {
			t.Fatalf("envelope of the admin's amendment: %+v", amendLevel)
		}
	})
	t.Run("whole view: student, actor and course trails with before and after", func(t *testing.T) {
		want := map[string]any{
			roundKey(tenant, "r1"):       roundDoc{CourseID: "ma1"},
			prevKey(tenant, entryStream): prevOf(map[string]Value{"level": *amendLevel.After, "comment": *amendComment.After}),
			streamsKey(tenant, "s1"):     streamsDoc{Streams: []string{entryStream}},
			// The comments, the talk and the amendments carried s1's
			// personal content; the level set and the acknowledgement
			// did not.
			personalKey(tenant, "s1"): personalDoc{Entries: []int{1, 2, 3, 5, 6, 7}},
		}
		trailDocs(want, KindStudent, "s1", []Entry{level, comment, scheduled, held, ack, edit, amendComment, amendLevel})
		trailDocs(want, KindActor, "t1", []Entry{round, level, comment, edit, amendComment})
		trailDocs(want, KindActor, "adm", []Entry{amendLevel})
		trailDocs(want, KindActor, "m1", []Entry{scheduled, held})
		trailDocs(want, KindActor, "g1", []Entry{ack})
		trailDocs(want, KindCourse, "ma1", []Entry{round})
		wantView(t, v, want)
	})
	t.Run("the newest entry comes first", func(t *testing.T) {
		got, next, err := Page(reader(v), tenant, KindStudent, "s1", "", 0)
		if err != nil || next != "" || len(got) != 8 || !reflect.DeepEqual(got[0], amendLevel) || got[7].What != "level" {
			t.Fatalf("page: %v next %q, %+v", err, next, got)
		}
	})
}

func TestEventWithoutTenantIsRefused(t *testing.T) {
	ev := history().Events()[1]
	ev.Actor.Tenant = ""
	docs := map[string][]byte{}
	o := newOverlay(docs)
	if err := Projection.Apply(o, ev); err == nil {
		t.Fatal("an event without a tenant must not be placed")
	}
}

func TestHandlesEveryTypeOnce(t *testing.T) {
	seen := map[string]bool{}
	for _, ty := range Projection.Handles {
		if seen[ty] {
			t.Errorf("%s is handled twice", ty)
		}
		seen[ty] = true
	}
	for _, ty := range registered() {
		if !seen[ty] {
			t.Errorf("event type %s lands in no trail: add it to handled()", ty)
		}
	}
}

func TestTenantsAreKeptApart(t *testing.T) {
	evs := history().Events()
	for i := range evs {
		evs[i].Actor.Tenant = "annan"
	}
	v := projectiontest.View(t, Projection, evs)
	if len(v) == 0 {
		t.Fatal("no documents")
	}
	for k := range v {
		if !strings.HasPrefix(k, "audit/annan/") && !strings.HasPrefix(k, HelperPrefix+"annan/") {
			t.Errorf("document %s is outside the tenant's keys", k)
		}
	}
	if _, ok := v[StudentKey("annan", "s1")]; !ok {
		t.Error("the student's trail is not under the tenant")
	}
}

// The test histories, with a third of the keys failing their first read
// mid-event, build the bytes they build without (see
// projectiontest.SameWhenReadsFail).
func TestTheHistoriesAreTheSameWhenReadsFailMidEvent(t *testing.T) {
	for _, l := range []*projectiontest.Log{history(), fullHistory()} {
		projectiontest.SameWhenReadsFail(t, Projection, l.Events())
	}
	live := fullHistory().Events()
	projectiontest.SameWhenReadsFail(t, Projection, cullLikeCodec(t, live, "s1"))
}
