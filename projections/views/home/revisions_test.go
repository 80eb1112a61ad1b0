package home

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/projections/projectiontest"
)

// lastRevision is the revision of stream's last event in log.
func lastRevision(t *testing.T, log *projectiontest.Log, stream string) domain.Version {
	t.Helper()
	v := domain.NoStream
	for _, ev := range log.Events() {
		if ev.Stream == stream {
			v = domain.Version(ev.Revision)
		}
	}
	if v == domain.NoStream {
		t.Fatalf("no event on %s", stream)
	}
	return v
}

// revisionKeys lists the kept revisions in a view, sorted.
func revisionKeys(view map[string]json.RawMessage) []string {
	var keys []string
	for k := range view {
		if strings.HasPrefix(k, "facts/"+tn+"/rev/") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// A hold reads the plan's and the entries' versions from the log and then
// appends the held event; an edit may land in between. The record shows
// what the hold read: the revisions such an edit supersedes are kept, and
// since the talk was scheduled before the hold read anything, they are
// kept only while the student has a talk open.
func TestARecordShowsWhatTheHoldRead(t *testing.T) {
	k5Stream := conference.Stream(tn, "k5")
	log := history(false) // ends with k2 (VT) scheduled
	planRev, entryRev, r3Rev := lastRevision(t, log, htStream), lastRevision(t, log, r1Entry), lastRevision(t, log, r3Entry)
	log.Add(k2Stream, at("2027-02-28T08:00:00Z"), mentor, conference.Cancelled{ConferenceID: "k2", StudentID: "s1", Reason: "Sjuk"}).
		// No talk open: superseding these keeps nothing.
		Add(r3Entry, at("2027-02-28T09:00:00Z"), teacher,
			assessment.EntryAmended{RoundID: "r3", StudentID: "s1", Term: ht, Field: assessment.FieldComment, Comment: "Rättad text", Reason: "Stavfel"}).
		Add(k5Stream, at("2027-03-01T08:00:00Z"), mentor,
			conference.Scheduled{ConferenceID: "k5", StudentID: "s1", Term: ht, At: at("2027-03-01T09:00:00Z"), Place: "Rum 5",
				Participants: []conference.Participant{{PersonID: "gA", Role: conference.RoleGuardian}, {PersonID: "m1", Role: conference.RoleMentor}}},
			conference.Rescheduled{ConferenceID: "k5", StudentID: "s1", At: at("2027-03-01T10:00:00Z"), Place: "Rum 6",
				Participants: []conference.Participant{{PersonID: "gA", Role: conference.RoleGuardian}, {PersonID: "m1", Role: conference.RoleMentor}}}).
		// The VT plan: no talk of its term is open, so nothing is kept.
		Add(vtStream, at("2027-03-01T09:30:00Z"), mentor,
			plan.FieldSet{PlanID: plan.ID("s1", vt), StudentID: "s1", Key: "school", Text: "VT, ändrad"}).
		// The edits the hold did not see.
		Add(htStream, at("2027-03-01T10:00:00Z"), mentor,
			plan.FieldSet{PlanID: plan.ID("s1", ht), StudentID: "s1", Key: "school", Text: "Efter läsningen"}).
		Add(r1Entry, at("2027-03-01T10:00:00Z"), teacher,
			assessment.EntryAmended{RoundID: "r1", StudentID: "s1", Term: ht, Field: assessment.FieldComment, Comment: "Efter läsningen", Reason: "Omprov"}).
		Add(k5Stream, at("2027-03-01T10:00:01Z"), mentor,
			conference.Held{ConferenceID: "k5", StudentID: "s1", Term: ht, HeldAt: at("2027-03-01T10:00:00Z"), Attendees: []string{"gA", "m1"},
				PlanStream: htStream, PlanVersion: planRev,
				Entries: []conference.RecordedEntry{
					{RoundID: "r1", CourseID: "c1", Stream: r1Entry, Version: entryRev},
					{RoundID: "r3", CourseID: "c1", Stream: r3Entry, Version: r3Rev + 1}, // read after the amendment
				}}).
		// Held: no talk open again.
		Add(htStream, at("2027-03-02T08:00:00Z"), mentor,
			plan.FieldSet{PlanID: plan.ID("s1", ht), StudentID: "s1", Key: "school", Text: "Ännu senare"})

	view := projectiontest.View(t, ConferenceRecord, log.Events())
	var r Record
	projectiontest.Doc(t, view, ConferenceRecordKey(tn, "k5"), &r)
	t.Run("the plan and the entries as the hold read them", func(t *testing.T) {
		if r.Plan == nil || r.Plan.Revision != uint64(planRev) {
			t.Fatalf("plan at pinned version %d = %+v", planRev, r.Plan)
		}
		if i := slices.IndexFunc(r.Plan.Fields, func(f PlanField) bool { return f.Key == "school" }); i < 0 || r.Plan.Fields[i].Text != "Decembertext för skolan" {
			t.Errorf("the plan's school field = %+v", r.Plan.Fields)
		}
		if len(r.Entries) != 2 || r.Entries[0].Comment != "Decembertext: läser flytande och med inlevelse" || r.Entries[0].Level != "3" {
			t.Fatalf("entries = %+v", r.Entries)
		}
		if r.Entries[1].Comment != "Rättad text" {
			t.Errorf("an entry pinned at its last revision is read from its facts: %+v", r.Entries[1])
		}
	})
	t.Run("superseded revisions are kept only while a talk of their term is open", func(t *testing.T) {
		got := revisionKeys(view)
		// history's own edits while k2 was open: none.
		want := []string{revKey(tn, htStream, uint64(planRev)), revKey(tn, r1Entry, uint64(entryRev))}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("kept revisions\n got %v\nwant %v", got, want)
		}
	})
}

// A plan created after the hold read the log (none then: NoStream) is not in
// the record, though its facts stand at revision 0.
func TestARecordOfATalkHeldWithNoPlanStaysWithout(t *testing.T) {
	k6Stream := conference.Stream(tn, "k6")
	log := history(false).
		Add(k6Stream, at("2027-08-20T08:00:00Z"), mentor,
			conference.Scheduled{ConferenceID: "k6", StudentID: "s1", Term: next, At: at("2027-08-20T10:00:00Z"), Place: "Rum 5",
				Participants: []conference.Participant{{PersonID: "gA", Role: conference.RoleGuardian}, {PersonID: "m1", Role: conference.RoleMentor}}}).
		Add(plan.Stream(tn, "s1", next), at("2027-08-20T10:00:00Z"), mentor,
			plan.Created{PlanID: plan.ID("s1", next), StudentID: "s1", Term: next, TemplateID: "iup", TemplateVersion: 1, Title: "IUP HT 2027"}).
		Add(k6Stream, at("2027-08-20T10:00:01Z"), mentor,
			conference.Held{ConferenceID: "k6", StudentID: "s1", Term: next, HeldAt: at("2027-08-20T10:00:00Z"), Attendees: []string{"gA", "m1"},
				PlanStream: plan.Stream(tn, "s1", next), PlanVersion: domain.NoStream})
	view := projectiontest.View(t, ConferenceRecord, log.Events())
	var r Record
	projectiontest.Doc(t, view, ConferenceRecordKey(tn, "k6"), &r)
	if r.Plan != nil {
		t.Fatalf("the record holds a plan the hold never read: %+v", r.Plan)
	}
	if keys := revisionKeys(view); len(keys) != 0 {
		t.Fatalf("a plan's creation superseded nothing, yet kept %v", keys)
	}
}
