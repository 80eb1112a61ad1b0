package home

import (
	"maps"
	"slices"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/projections"
)

// dirty names what one event can change, so each view renders only that.
type dirty struct {
	students  map[string]bool             // home and student documents
	terms     map[string][]domain.TermRef // term snapshots per student
	allTerms  map[string]bool             // every term snapshot of the student
	confs     map[string]bool             // conference records
	guardians map[string]bool             // students whose guardians' documents change
	held      string                      // a conference held by this event
}

// newDirty returns an empty set; its maps are made on first mark, since
// most events mark one or two of them.
func newDirty() *dirty { return &dirty{} }

// mark adds k to the set *m, making it on first use.
func mark(m *map[string]bool, k string) {
	if *m == nil {
		*m = map[string]bool{}
	}
	(*m)[k] = true
}

// setTerms sets the terms of student whose snapshots change.
func (d *dirty) setTerms(student string, terms []domain.TermRef) {
	if d.terms == nil {
		d.terms = map[string][]domain.TermRef{}
	}
	d.terms[student] = terms
}

// merge adds e's marks to d's, for the renders that run once per batch.
// It takes e's sets over when d has none: e is done with once merged.
func (d *dirty) merge(e *dirty) {
	projections.Union(&d.students, e.students)
	projections.Union(&d.allTerms, e.allTerms)
	projections.Union(&d.confs, e.confs)
	projections.Union(&d.guardians, e.guardians)
	for s, terms := range e.terms {
		for _, term := range terms {
			if !slices.Contains(d.terms[s], term) {
				d.setTerms(s, append(slices.Clip(d.terms[s]), term)) // a new array: e's may be shared
			}
		}
	}
}

func (d *dirty) content(student string, term domain.TermRef) {
	mark(&d.students, student)
	if !slices.Contains(d.terms[student], term) {
		d.setTerms(student, append(d.terms[student], term))
	}
}

// handles lists the content events every home view folds.
var handles = []string{
	plan.Created{}.EventType(), plan.FieldSet{}.EventType(), plan.GoalAdded{}.EventType(),
	plan.GoalEdited{}.EventType(), plan.GoalEvaluated{}.EventType(), plan.AgreementsRecorded{}.EventType(),
	plan.Published{}.EventType(), plan.Unpublished{}.EventType(), plan.Archived{}.EventType(),
	plan.LegacyDocumentAttached{}.EventType(),
	assessment.RoundCreated{}.EventType(), assessment.RoundPublished{}.EventType(),
	assessment.RoundUnpublished{}.EventType(), assessment.RoundSelfAssessmentChanged{}.EventType(),
	assessment.EntryLevelSet{}.EventType(), assessment.EntryCommentSet{}.EventType(),
	assessment.SelfLevelSet{}.EventType(), assessment.SelfCommentSet{}.EventType(),
	assessment.EntryAmended{}.EventType(), assessment.EntryWithdrawn{}.EventType(),
	conference.Scheduled{}.EventType(), conference.Rescheduled{}.EventType(),
	conference.Cancelled{}.EventType(), conference.Held{}.EventType(),
	conference.ActionProgrammeConsidered{}.EventType(), conference.Acknowledged{}.EventType(),
}

// fold applies one event to the facts and says what it changed. With
// revisions set it also keeps each plan's and entry's content per stream
// revision, which only the conference record needs.
func fold(tx projections.Tx, t string, ev projections.Event, revisions bool) (*dirty, error) {
	d := newDirty()
	var err error
	switch e := ev.Event.(type) {
	case plan.Created, plan.FieldSet, plan.GoalAdded, plan.GoalEdited, plan.GoalEvaluated,
		plan.AgreementsRecorded, plan.Published, plan.Unpublished, plan.Archived, plan.LegacyDocumentAttached:
		err = foldPlan(tx, t, ev, revisions, d)
	case assessment.RoundCreated:
		err = projections.UpdateJSON(tx, roundFactKey(t, e.RoundID), func(r *roundFact) {
			r.RoundID, r.CourseID, r.Term, r.Title = e.RoundID, e.CourseID, e.Term, e.Title
			r.Steps, r.FreeText, r.SelfAssessment = e.Steps, e.FreeText, e.SelfAssessment
		})
	case assessment.RoundPublished:
		err = foldRound(tx, t, e.RoundID, d, func(r *roundFact) { at := e.PublishAt.UTC(); r.PublishAt = &at })
	case assessment.RoundUnpublished:
		err = foldRound(tx, t, e.RoundID, d, func(r *roundFact) { r.PublishAt = nil })
	case assessment.RoundSelfAssessmentChanged:
		err = foldRound(tx, t, e.RoundID, d, func(r *roundFact) { r.SelfAssessment = e.Allowed })
	case assessment.EntryLevelSet, assessment.EntryCommentSet, assessment.SelfLevelSet,
		assessment.SelfCommentSet, assessment.EntryAmended, assessment.EntryWithdrawn:
		err = foldEntry(tx, t, ev, revisions, d)
	case conference.Scheduled, conference.Rescheduled, conference.Cancelled, conference.Held,
		conference.ActionProgrammeConsidered, conference.Acknowledged:
		err = foldConference(tx, t, ev, d)
	default:
		if id := rosterStudent(ev.Event); id != "" {
			mark(&d.students, id)
			mark(&d.allTerms, id)
			mark(&d.guardians, id)
		}
	}
	return d, err
}

// rosterStudent is the student a roster event changes what the home views
// show of (protection, guardians), or "".
func rosterStudent(e domain.Event) string {
	switch e := e.(type) {
	case roster.StudentRegistered:
		return e.StudentID
	case roster.StudentProtectionChanged:
		return e.StudentID
	case roster.GuardianLinked:
		return e.StudentID
	case roster.GuardianUnlinked:
		return e.StudentID
	case roster.GuardianRestricted:
		return e.StudentID
	case roster.GuardianRestrictionLifted:
		return e.StudentID
	}
	return ""
}

func indexStudent(tx projections.Tx, t, student string, change func(*studentFacts)) error {
	return projections.UpdateJSON(tx, studentFactKey(t, student), change)
}

func foldPlan(tx projections.Tx, t string, ev projections.Event, revisions bool, d *dirty) error {
	var planID, student string
	switch e := ev.Event.(type) {
	case plan.Created:
		planID, student = e.PlanID, e.StudentID
	case plan.FieldSet:
		planID, student = e.PlanID, e.StudentID
	case plan.GoalAdded:
		planID, student = e.PlanID, e.StudentID
	case plan.GoalEdited:
		planID, student = e.PlanID, e.StudentID
	case plan.GoalEvaluated:
		planID, student = e.PlanID, e.StudentID
	case plan.AgreementsRecorded:
		planID, student = e.PlanID, e.StudentID
	case plan.Published:
		planID, student = e.PlanID, e.StudentID
	case plan.Unpublished:
		planID, student = e.PlanID, e.StudentID
	case plan.Archived:
		planID, student = e.PlanID, e.StudentID
	case plan.LegacyDocumentAttached:
		planID, student = e.PlanID, e.StudentID
	}
	var p, before planFact // as the event left it, and as it found it
	err := projections.UpdateJSON(tx, planFactKey(t, planID), func(f *planFact) {
		before = *f // applyPlan copies what it changes
		if f.PlanID == "" {
			f.PlanID, f.StudentID, f.Values = planID, student, map[string]FieldText{}
			if _, term, err := plan.ParseID(planID); err == nil {
				f.Term = term
			}
		}
		applyPlan(f, ev)
		f.Revision = ev.Revision
		p = *f
	})
	if err != nil {
		return err
	}
	d.content(student, p.Term)
	var open bool
	if err := indexStudent(tx, t, student, func(s *studentFacts) { s.Plans, open = addSorted(s.Plans, planID), s.talkOpen(p.Term) }); err != nil {
		return err
	}
	return keepRevision(tx, t, ev.Stream, revisions && open && before.PlanID != "", before.Revision, before)
}

// keepRevision keeps the content a stream had at revision rev, now
// superseded, when keep is set. A talk's record pins its term's plan and
// entries at the versions its hold read from the log (every event of those
// streams is folded here, so each version is a revision the facts had),
// and is made when the held event is folded: from the facts, when they
// still stand at those versions. They stand there unless an edit landed
// between the hold's read and the held event's append, and the talk was
// scheduled before that read, so a superseded revision is only ever asked
// for when it was superseded while the student had a talk of its term
// open. Kept for every revision, the copies were a tenth of a rebuild's
// work.
func keepRevision[T any](tx projections.Tx, t, stream string, keep bool, rev uint64, content T) error {
	if !keep {
		return nil
	}
	return projections.PutJSON(tx, revKey(t, stream, rev), content)
}

// applyPlan folds one plan event into the plan's facts.
func applyPlan(p *planFact, ev projections.Event) {
	culled := ev.Culled
	// Copy on write: the fact read from the overlay shares its map and
	// slices with the copy kept for the previous revision, which must not
	// change (nor may an event that is rolled back leave a trace).
	p.Values = maps.Clone(p.Values)
	if p.Values == nil {
		p.Values = map[string]FieldText{}
	}
	p.Goals, p.Agreements = slices.Clone(p.Goals), slices.Clone(p.Agreements)
	switch e := ev.Event.(type) {
	case plan.Created:
		p.Created, p.Term, p.TemplateID, p.TemplateVersion = true, e.Term, e.TemplateID, e.TemplateVersion
		p.Title, p.Start, p.End, p.Fields = e.Title, e.Start, e.End, e.Fields
	case plan.FieldSet:
		sensitive := e.Sensitive || slices.ContainsFunc(p.Fields, func(f plan.FieldDef) bool { return f.Key == e.Key && f.Sensitive })
		p.Values[e.Key] = FieldText{Text: e.Text, Sensitive: sensitive, Culled: culled}
	case plan.GoalAdded:
		p.Goals = append(p.Goals, Goal{GoalID: e.GoalID, Text: e.Text, Owner: e.Owner, FollowUp: e.FollowUp, Culled: culled})
	case plan.GoalEdited:
		for i := range p.Goals {
			if p.Goals[i].GoalID == e.GoalID {
				p.Goals[i].Text, p.Goals[i].Owner, p.Goals[i].FollowUp = e.Text, e.Owner, e.FollowUp
				p.Goals[i].Culled = p.Goals[i].Culled || culled
			}
		}
	case plan.GoalEvaluated:
		for i := range p.Goals {
			if p.Goals[i].GoalID == e.GoalID {
				p.Goals[i].Outcome, p.Goals[i].Comment = e.Outcome, e.Comment
				p.Goals[i].Culled = p.Goals[i].Culled || culled
			}
		}
	case plan.AgreementsRecorded:
		a := Agreement{ConferenceID: e.ConferenceID, Texts: slices.Clone(e.Agreements), Culled: culled}
		if i := slices.IndexFunc(p.Agreements, func(x Agreement) bool { return x.ConferenceID == e.ConferenceID }); i >= 0 {
			p.Agreements[i] = a
		} else {
			p.Agreements = append(p.Agreements, a)
		}
	case plan.Published:
		p.Published = true
	case plan.Unpublished:
		p.Published = false
	case plan.Archived:
		p.Archived = true
	case plan.LegacyDocumentAttached:
		if !p.Created {
			p.Term = e.Term
		}
		p.Legacy = append(p.Legacy, LegacyDocument{DocumentID: e.DocumentID, FileName: e.FileName,
			MediaType: e.MediaType, Size: e.Size, SHA256: e.SHA256, Culled: culled})
	}
}

func foldRound(tx projections.Tx, t, roundID string, d *dirty, change func(*roundFact)) error {
	return projections.UpdateJSON(tx, roundFactKey(t, roundID), func(r *roundFact) {
		change(r)
		for _, s := range r.Students {
			d.content(s, r.Term)
		}
	})
}

func foldEntry(tx projections.Tx, t string, ev projections.Event, revisions bool, d *dirty) error {
	var roundID, student string
	switch e := ev.Event.(type) {
	case assessment.EntryLevelSet:
		roundID, student = e.RoundID, e.StudentID
	case assessment.EntryCommentSet:
		roundID, student = e.RoundID, e.StudentID
	case assessment.SelfLevelSet:
		roundID, student = e.RoundID, e.StudentID
	case assessment.SelfCommentSet:
		roundID, student = e.RoundID, e.StudentID
	case assessment.EntryAmended:
		roundID, student = e.RoundID, e.StudentID
	case assessment.EntryWithdrawn:
		roundID, student = e.RoundID, e.StudentID
	}
	key := entryFactKey(t, roundID, student)
	en, had, err := load[entryFact](tx, key)
	if err != nil {
		return err
	}
	before := en // changed below only by copy or append
	en.RoundID, en.StudentID, en.Revision = roundID, student, ev.Revision
	en.Culled = en.Culled || ev.Culled
	switch e := ev.Event.(type) {
	case assessment.EntryLevelSet:
		en.setField(assessment.FieldLevel, e.Level, "")
	case assessment.EntryCommentSet:
		en.setField(assessment.FieldComment, "", e.Comment)
	case assessment.SelfLevelSet:
		en.setField(assessment.FieldSelfLevel, e.Level, "")
	case assessment.SelfCommentSet:
		en.setField(assessment.FieldSelfComment, "", e.Comment)
	case assessment.EntryAmended:
		en.setField(e.Field, e.Level, e.Comment)
		en.Amendments = append(en.Amendments, Amendment{Field: e.Field, Level: e.Level, Comment: e.Comment,
			Reason: e.Reason, RecordedAt: ev.RecordedAt.UTC(), ActorID: ev.Actor.ID, ActorRole: ev.Actor.Role,
			OnBehalfOf: e.OnBehalfOf, Culled: ev.Culled})
	case assessment.EntryWithdrawn:
		en.Level, en.Comment, en.Withdrawn = "", "", true
	}
	if err := projections.PutJSON(tx, key, en); err != nil {
		return err
	}
	roundKey := roundFactKey(t, roundID)
	r, _, err := load[roundFact](tx, roundKey)
	if err != nil {
		return err
	}
	if !slices.Contains(r.Students, student) {
		r.RoundID, r.Students = roundID, addSorted(r.Students, student)
		if err := projections.PutJSON(tx, roundKey, r); err != nil {
			return err
		}
	}
	d.content(student, r.Term)
	var open bool
	if err := indexStudent(tx, t, student, func(s *studentFacts) { s.Rounds, open = addSorted(s.Rounds, roundID), s.talkOpen(r.Term) }); err != nil {
		return err
	}
	return keepRevision(tx, t, ev.Stream, revisions && open && had, before.Revision, before)
}
