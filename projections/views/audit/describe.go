package audit

import (
	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/retention"
	"github.com/iup-platform/iup/domain/risk"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
)

// change is what one event did, as the audit sees it. It never branches on
// personal content, so a culled event yields the same change without texts.
type change struct {
	students []string // trails of these students get the entry
	course   string   // the entry's course (looked up from round when empty)
	// courseTrail puts the entry in the course's trail too: round and
	// course events, not every student's entries.
	courseTrail bool
	round       string
	// many: the event names a list of students (an enrolment); actor and
	// course trails keep the list however long it is.
	many       bool
	plan       string
	onBehalfOf string
	what       string
	// field is the previous-value key of the stream this event writes;
	// empty when the event has no before/after.
	field     string
	after     Value // level/text/texts of the new value (ref filled later)
	clears    []string
	reason    string
	amendment bool
	sensitive bool
}

// handled lists every event type of the domain: each one lands in its
// actor's trail at least.
func handled() []string {
	evs := []domain.Event{
		assessment.RoundCreated{}, assessment.RoundPublished{}, assessment.RoundUnpublished{},
		assessment.RoundSelfAssessmentChanged{}, assessment.EntryLevelSet{}, assessment.EntryCommentSet{},
		assessment.SelfLevelSet{}, assessment.SelfCommentSet{}, assessment.EntryAmended{},
		assessment.EntryWithdrawn{}, assessment.EntryIndexed{},
		plan.Created{}, plan.FieldSet{}, plan.GoalAdded{}, plan.GoalEdited{}, plan.GoalEvaluated{},
		plan.AgreementsRecorded{}, plan.Published{}, plan.Unpublished{}, plan.Archived{},
		plan.LegacyDocumentAttached{},
		conference.Scheduled{}, conference.Rescheduled{}, conference.Cancelled{}, conference.Held{},
		conference.ActionProgrammeConsidered{}, conference.Acknowledged{},
		risk.RiskSignalled{}, risk.RiskWithdrawn{},
		roster.StudentRegistered{}, roster.StudentRenamed{}, roster.StudentDetailsChanged{},
		roster.StudentProtectionChanged{}, roster.StudentMoved{}, roster.StudentLeft{},
		roster.GuardianLinked{}, roster.GuardianUnlinked{}, roster.GuardianRestricted{},
		roster.GuardianRestrictionLifted{}, roster.MentorAssigned{}, roster.MentorEnded{},
		roster.StaffRegistered{}, roster.StaffRenamed{}, roster.StaffRoleGranted{}, roster.StaffRoleEnded{},
		roster.GuardianRegistered{}, roster.GuardianRenamed{}, roster.CourseCreated{},
		roster.CourseTeacherAssigned{}, roster.CourseTeacherEnded{}, roster.StudentsEnrolled{},
		roster.StudentsUnenrolled{}, roster.ProtectedAccessGranted{}, roster.ProtectedAccessRevoked{},
		setup.TimeZoneSet{}, setup.SupportVisibilitySet{}, setup.SubjectDefined{}, setup.SubjectRemoved{},
		setup.SchoolYearIndexed{}, setup.SchoolYearCreated{}, setup.TermDatesChanged{},
		setup.ScaleCreated{}, setup.TemplateVersionCreated{}, setup.SchoolRegistered{},
		setup.SchoolChanged{},
		retention.ScheduleSet{}, retention.HoldPlaced{}, retention.HoldLifted{}, retention.StudentCulled{},
	}
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.EventType()
	}
	return out
}

// describe turns an event into a change. Events not named here land only
// in their actor's trail.
func describe(ev domain.Event) change {
	switch e := ev.(type) {
	case assessment.RoundCreated:
		return change{course: e.CourseID, courseTrail: true, round: e.RoundID, onBehalfOf: e.OnBehalfOf, what: "round"}
	case assessment.RoundPublished:
		return change{courseTrail: true, round: e.RoundID, onBehalfOf: e.OnBehalfOf, what: "published"}
	case assessment.RoundUnpublished:
		return change{courseTrail: true, round: e.RoundID, onBehalfOf: e.OnBehalfOf, what: "published"}
	case assessment.RoundSelfAssessmentChanged:
		return change{courseTrail: true, round: e.RoundID, onBehalfOf: e.OnBehalfOf, what: "self_assessment"}
	case assessment.EntryLevelSet:
		return entry(e.RoundID, e.StudentID, e.OnBehalfOf, assessment.FieldLevel, Value{Level: e.Level})
	case assessment.EntryCommentSet:
		return entry(e.RoundID, e.StudentID, e.OnBehalfOf, assessment.FieldComment, Value{Text: e.Comment})
	case assessment.SelfLevelSet:
		return entry(e.RoundID, e.StudentID, "", assessment.FieldSelfLevel, Value{Level: e.Level})
	case assessment.SelfCommentSet:
		return entry(e.RoundID, e.StudentID, "", assessment.FieldSelfComment, Value{Text: e.Comment})
	case assessment.EntryAmended:
		c := entry(e.RoundID, e.StudentID, e.OnBehalfOf, e.Field, Value{Level: e.Level, Text: e.Comment})
		c.amendment, c.reason = true, e.Reason
		return c
	case assessment.EntryWithdrawn:
		return change{students: []string{e.StudentID}, round: e.RoundID, onBehalfOf: e.OnBehalfOf, what: "withdrawn",
			reason: e.Reason, clears: []string{assessment.FieldLevel, assessment.FieldComment}}
	case assessment.EntryIndexed:
		return change{course: e.CourseID, round: e.RoundID, what: "index"}
	}
	if c, ok := describePlan(ev); ok {
		return c
	}
	if c, ok := describeOther(ev); ok {
		return c
	}
	return describeRoster(ev)
}

func entry(round, student, obo, field string, after Value) change {
	return change{students: []string{student}, round: round, onBehalfOf: obo, what: field, field: field, after: after}
}

func describePlan(ev domain.Event) (change, bool) {
	p := func(id, student, obo, what string) change {
		return change{students: []string{student}, plan: id, onBehalfOf: obo, what: what}
	}
	var c change
	switch e := ev.(type) {
	case plan.Created:
		c = p(e.PlanID, e.StudentID, e.OnBehalfOf, "plan")
	case plan.FieldSet:
		c = p(e.PlanID, e.StudentID, e.OnBehalfOf, "field:"+e.Key)
		c.field, c.after, c.reason, c.sensitive, c.course = c.what, Value{Text: e.Text}, e.Reason, e.Sensitive, e.CourseID
	case plan.GoalAdded:
		c = p(e.PlanID, e.StudentID, e.OnBehalfOf, "goal:"+e.GoalID)
		c.field, c.after, c.reason = c.what, Value{Text: e.Text}, e.Reason
	case plan.GoalEdited:
		c = p(e.PlanID, e.StudentID, e.OnBehalfOf, "goal:"+e.GoalID)
		c.field, c.after, c.reason = c.what, Value{Text: e.Text}, e.Reason
	case plan.GoalEvaluated:
		c = p(e.PlanID, e.StudentID, e.OnBehalfOf, "evaluation:"+e.GoalID)
		c.field, c.after, c.reason = c.what, Value{Level: string(e.Outcome), Text: e.Comment}, e.Reason
	case plan.AgreementsRecorded:
		c = p(e.PlanID, e.StudentID, e.OnBehalfOf, "agreements:"+e.ConferenceID)
		c.field, c.after, c.reason = c.what, Value{Texts: e.Agreements}, e.Reason
	case plan.Published:
		c = p(e.PlanID, e.StudentID, e.OnBehalfOf, "published")
	case plan.Unpublished:
		c = p(e.PlanID, e.StudentID, e.OnBehalfOf, "published")
	case plan.Archived:
		c = p(e.PlanID, e.StudentID, e.OnBehalfOf, "archived")
	case plan.LegacyDocumentAttached:
		c = p(e.PlanID, e.StudentID, e.OnBehalfOf, "document:"+e.DocumentID)
		c.reason = e.Reason
	default:
		return change{}, false
	}
	return c, true
}

// describeOther covers conferences and risk signals.
func describeOther(ev domain.Event) (change, bool) {
	s := func(student, obo, what string) change {
		return change{students: []string{student}, onBehalfOf: obo, what: what}
	}
	switch e := ev.(type) {
	case conference.Scheduled:
		return s(e.StudentID, e.OnBehalfOf, "conference:"+e.ConferenceID), true
	case conference.Rescheduled:
		return s(e.StudentID, e.OnBehalfOf, "conference:"+e.ConferenceID), true
	case conference.Cancelled:
		c := s(e.StudentID, e.OnBehalfOf, "conference:"+e.ConferenceID)
		c.reason = e.Reason
		return c, true
	case conference.Held:
		return s(e.StudentID, "", "conference:"+e.ConferenceID), true
	case conference.ActionProgrammeConsidered:
		return s(e.StudentID, "", "conference:"+e.ConferenceID), true
	case conference.Acknowledged:
		return s(e.StudentID, "", "conference:"+e.ConferenceID), true
	case risk.RiskSignalled:
		c := s(e.StudentID, e.OnBehalfOf, "risk:"+e.Subject)
		c.field, c.after, c.course = c.what, Value{Text: e.Note}, e.CourseID
		return c, true
	case risk.RiskWithdrawn:
		c := s(e.StudentID, e.OnBehalfOf, "risk:"+e.Subject)
		c.reason, c.clears = e.Reason, []string{c.what}
		return c, true
	}
	return change{}, false
}

func describeRoster(ev domain.Event) change {
	s := func(student, what string) change { return change{students: []string{student}, what: what} }
	switch e := ev.(type) {
	case roster.StudentRegistered:
		return s(e.StudentID, "school:"+e.SchoolID)
	case roster.StudentRenamed:
		return s(e.StudentID, "name")
	case roster.StudentDetailsChanged:
		return s(e.StudentID, "details")
	case roster.StudentProtectionChanged:
		return s(e.StudentID, "protection")
	case roster.StudentMoved:
		return s(e.StudentID, "school:"+e.SchoolID)
	case roster.StudentLeft:
		return s(e.StudentID, "left")
	case roster.GuardianLinked:
		return s(e.StudentID, "guardian:"+e.GuardianID)
	case roster.GuardianUnlinked:
		return s(e.StudentID, "guardian:"+e.GuardianID)
	case roster.GuardianRestricted:
		return s(e.StudentID, "guardian:"+e.GuardianID)
	case roster.GuardianRestrictionLifted:
		return s(e.StudentID, "guardian:"+e.GuardianID)
	case roster.MentorAssigned:
		return s(e.StudentID, "mentor:"+e.StaffID)
	case roster.MentorEnded:
		return s(e.StudentID, "mentor:"+e.StaffID)
	case roster.ProtectedAccessGranted:
		return s(e.StudentID, "protected-access:"+e.StaffID)
	case roster.ProtectedAccessRevoked:
		return s(e.StudentID, "protected-access:"+e.StaffID)
	case roster.CourseCreated:
		return change{course: e.CourseID, courseTrail: true, what: "course"}
	case roster.CourseTeacherAssigned:
		return change{course: e.CourseID, courseTrail: true, what: "teacher:" + e.StaffID}
	case roster.CourseTeacherEnded:
		return change{course: e.CourseID, courseTrail: true, what: "teacher:" + e.StaffID}
	case roster.StudentsEnrolled:
		return change{students: e.StudentIDs, many: true, course: e.CourseID, courseTrail: true, what: "enrolment"}
	case roster.StudentsUnenrolled:
		return change{students: e.StudentIDs, many: true, course: e.CourseID, courseTrail: true, what: "enrolment"}
	// Culling and its holds are admins' acts on one student's records: the
	// student's trail says when and by whom (the schedule itself lands in
	// the admin's trail only).
	case retention.HoldPlaced:
		return s(e.StudentID, "hold:"+e.Case)
	case retention.HoldLifted:
		return s(e.StudentID, "hold:"+e.Case)
	case retention.StudentCulled:
		if e.Erasure {
			return s(e.StudentID, "erased")
		}
		return s(e.StudentID, "culled")
	}
	return change{}
}
