package audit

import (
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/retention"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/projections/projectiontest"
)

// Holds, culling and erasure are admins' acts on one student's records: the
// student's trail names them; the schedule lands in the admin's trail only.
func TestRetentionEventsLandInTheStudentsTrail(t *testing.T) {
	evs := projectiontest.NewLog().
		Add("retention-kommun.settings", day("2027-01-10"), admin,
			retention.ScheduleSet{}).
		Add("retention-kommun.s1", day("2027-02-01"), admin,
			retention.HoldPlaced{StudentID: "s1", Case: "c-1", Reason: "begäran om utlämnande"},
			retention.HoldLifted{StudentID: "s1", Case: "c-1", Reason: "ärendet avslutat"},
			retention.StudentCulled{StudentID: "s1", DocTypes: []retention.DocType{"plan"}, Rules: []string{"erasure"},
				On: domain.MustDate("2027-02-02"), Erasure: true, Reason: "radering enligt beslut"}).
		Events()
	x := newExpect()
	x.entry(env(evs[0]), false, "")
	for i, what := range []string{"hold:c-1", "hold:c-1", "erased"} {
		e := env(evs[i+1])
		e.StudentID, e.What = "s1", what
		x.entry(e, false, "", "s1")
	}
	wantView(t, projectiontest.View(t, Projection, evs), x.view())
}

// Who may see a protected student's identity is part of the student's trail.
func TestProtectedAccessLandsInTheStudentsTrail(t *testing.T) {
	evs := projectiontest.NewLog().
		Add("rosterstudent-kommun.s1", day("2027-02-01"), admin,
			roster.ProtectedAccessGranted{StudentID: "s1", StaffID: "m1", EffectiveFrom: domain.MustDate("2027-02-01")},
			roster.ProtectedAccessRevoked{StudentID: "s1", StaffID: "m1", EffectiveFrom: domain.MustDate("2027-06-15")}).
		Events()
	x := newExpect()
	for i := range evs {
		e := env(evs[i])
		e.StudentID, e.What = "s1", "protected-access:m1"
		x.entry(e, false, "", "s1")
	}
	wantView(t, projectiontest.View(t, Projection, evs), x.view())
}
