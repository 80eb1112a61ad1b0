package assessment

import (
	"context"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
)

// courseContext is what the facts of one course and term hold for every
// student: loaded once per command (or once per bulk command).
type courseContext struct {
	facts  Facts
	course roster.Course
}

// loadCourseContext loads the organiser's zone, the term and the course,
// and evaluates the actor's relations on the reference day.
func loadCourseContext(ctx context.Context, log domain.EventLog, a domain.Actor, now time.Time, courseID string, term domain.TermRef) (courseContext, error) {
	var cc courseContext
	org, orgV, err := setup.LoadOrganiser(ctx, log, a.Tenant)
	if err != nil {
		return cc, err
	}
	loc := org.Location()
	cc.facts.Read = append(cc.facts.Read, FactRead{setup.OrganiserStream(a.Tenant), orgV})
	cc.facts.Day = domain.DateOf(now, loc)

	if term.Check("term") == nil {
		year, yearV, err := setup.LoadSchoolYear(ctx, log, a.Tenant, term.SchoolYear)
		if err != nil {
			return cc, err
		}
		cc.facts.Read = append(cc.facts.Read, FactRead{setup.SchoolYearStream(a.Tenant, term.SchoolYear), yearV})
		if t, ok := year.Term(term.Kind); ok && year.Exists {
			cc.facts.TermExists = true
			cc.facts.TermEnded = t.Ended(now, loc)
			cc.facts.Day = clamp(cc.facts.Day, t.Start, t.End)
		}
	}

	if domain.CheckID("course_id", courseID) == nil {
		course, courseV, err := roster.LoadCourse(ctx, log, a.Tenant, courseID)
		if err != nil {
			return cc, err
		}
		cc.course = course
		cc.facts.Read = append(cc.facts.Read, FactRead{roster.CourseStream(a.Tenant, courseID), courseV})
		cc.facts.CourseExists = course.Exists
		cc.facts.CoversTerm = course.Exists && course.CoversTerm(term)
		for _, id := range []string{a.ID, a.OnBehalfOf} {
			if id != "" && course.Exists && course.IsTeacher(id, cc.facts.Day) {
				cc.facts.Teaching = append(cc.facts.Teaching, id)
			}
		}
	}
	return cc, nil
}

// forStudent adds the student's enrolment on the reference day.
func (cc courseContext) forStudent(studentID string) Facts {
	f := cc.facts
	f.Teaching = append([]string(nil), f.Teaching...)
	f.Read = append([]FactRead(nil), f.Read...)
	f.StudentEnrolled = cc.facts.CourseExists && studentID != "" && cc.course.IsEnrolled(studentID, f.Day)
	return f
}

// clamp keeps relations checked within the round's term: before it starts,
// on its first day; after it ends, on its last day (so an amendment checks
// who taught and who was enrolled when the term ended).
func clamp(d, start, end domain.Date) domain.Date {
	if d.Before(start) {
		return start
	}
	if d.After(end) {
		return end
	}
	return d
}

// entryContext is the round and course facts for entry commands of a round.
type entryContext struct {
	round   RoundState
	roundV  domain.Version
	stream  string
	courses courseContext
}

func loadEntryContext(ctx context.Context, log domain.EventLog, m domain.Meta, roundID string) (entryContext, error) {
	var ec entryContext
	if domain.CheckID("round_id", roundID) != nil {
		return ec, nil // the decider reports the invalid id
	}
	ec.stream = RoundStream(m.Actor.Tenant, roundID)
	round, v, err := domain.Load(ctx, log, RoundDecider, ec.stream)
	if err != nil || !round.Exists {
		return ec, err
	}
	ec.round, ec.roundV = round, v
	ec.courses, err = loadCourseContext(ctx, log, m.Actor, m.Now, round.CourseID, round.Term)
	return ec, err
}

func (ec entryContext) forStudent(studentID string) EntryFacts {
	f := ec.courses.forStudent(studentID)
	if ec.round.Exists {
		f.Read = append(f.Read, FactRead{ec.stream, ec.roundV})
	}
	return EntryFacts{Round: ec.round, RoundVersion: ec.roundV, Facts: f}
}

// prepareRound loads the facts a round command needs.
func prepareRound(ctx context.Context, log domain.EventLog, c RoundCommand) (RoundCommand, error) {
	m := c.CommandMeta()
	courseID, term := "", domain.TermRef{}
	create, isCreate := c.(CreateRound)
	if isCreate {
		courseID, term = create.CourseID, create.Term
	} else if domain.CheckID("round_id", c.roundID()) == nil {
		round, _, err := domain.Load(ctx, log, RoundDecider, RoundStream(m.Actor.Tenant, c.roundID()))
		if err != nil {
			return c, err
		}
		courseID, term = round.CourseID, round.Term
	}
	cc, err := loadCourseContext(ctx, log, m.Actor, m.Now, courseID, term)
	if err != nil {
		return c, err
	}
	if isCreate && domain.CheckID("scale_id", create.ScaleID) == nil {
		scale, scaleV, err := setup.LoadScale(ctx, log, m.Actor.Tenant, create.ScaleID)
		if err != nil {
			return c, err
		}
		create.Scale = ScaleFacts{Exists: scale.Exists, FreeTextOnly: scale.FreeTextOnly}
		for _, st := range scale.Steps {
			create.Scale.Steps = append(create.Scale.Steps, ScaleStep{Key: st.Key, Label: st.Label})
		}
		cc.facts.Read = append(cc.facts.Read, FactRead{setup.ScaleStream(m.Actor.Tenant, create.ScaleID), scaleV})
		c = create
	}
	return c.withFacts(cc.facts), nil
}
