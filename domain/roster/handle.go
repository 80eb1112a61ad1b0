package roster

import (
	"context"
	"slices"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/setup"
)

// retries is how often a roster command re-runs after a concurrent write.
// Every roster decision is re-made on the fresh stream and fresh facts, so
// re-running is safe.
const retries = 3

func tenantOf(c domain.Command) (string, error) {
	t := c.CommandMeta().Actor.Tenant
	return t, domain.CheckID("tenant", t)
}

// HandleStudent runs a command on one student's stream.
func HandleStudent(ctx context.Context, log domain.EventLog, cmd StudentCommand) (domain.Result, error) {
	tenant, err := tenantOf(cmd)
	if err == nil {
		err = domain.CheckID("student_id", cmd.studentID())
	}
	if err != nil {
		return domain.Result{}, err
	}
	prepare := func(ctx context.Context, c StudentCommand) (StudentCommand, error) {
		f, err := loadFacts(ctx, log, tenant, c)
		return c.withFacts(f), err
	}
	return domain.Handle(ctx, log, StudentDecider, StudentStream(tenant, cmd.studentID()), cmd,
		domain.HandleOptions[StudentCommand]{Retries: retries, Prepare: prepare})
}

// HandleStaff runs a command on one staff member's stream.
func HandleStaff(ctx context.Context, log domain.EventLog, cmd StaffCommand) (domain.Result, error) {
	tenant, err := tenantOf(cmd)
	if err == nil {
		err = domain.CheckID("staff_id", cmd.staffID())
	}
	if err != nil {
		return domain.Result{}, err
	}
	prepare := func(ctx context.Context, c StaffCommand) (StaffCommand, error) {
		f, err := loadFacts(ctx, log, tenant, c)
		return c.withFacts(f), err
	}
	return domain.Handle(ctx, log, StaffDecider, StaffStream(tenant, cmd.staffID()), cmd,
		domain.HandleOptions[StaffCommand]{Retries: retries, Prepare: prepare})
}

// HandleGuardian runs a command on one guardian's stream.
func HandleGuardian(ctx context.Context, log domain.EventLog, cmd GuardianCommand) (domain.Result, error) {
	tenant, err := tenantOf(cmd)
	if err == nil {
		err = domain.CheckID("guardian_id", cmd.guardianID())
	}
	if err != nil {
		return domain.Result{}, err
	}
	prepare := func(ctx context.Context, c GuardianCommand) (GuardianCommand, error) {
		f, err := loadFacts(ctx, log, tenant, c)
		return c.withFacts(f), err
	}
	return domain.Handle(ctx, log, GuardianDecider, GuardianStream(tenant, cmd.guardianID()), cmd,
		domain.HandleOptions[GuardianCommand]{Retries: retries, Prepare: prepare})
}

// HandleCourse runs a command on one course's stream; an enrolment of a
// whole class is one command on one stream.
func HandleCourse(ctx context.Context, log domain.EventLog, cmd CourseCommand) (domain.Result, error) {
	tenant, err := tenantOf(cmd)
	if err == nil {
		err = domain.CheckID("course_id", cmd.courseID())
	}
	if err != nil {
		return domain.Result{}, err
	}
	prepare := func(ctx context.Context, c CourseCommand) (CourseCommand, error) {
		f, err := loadFacts(ctx, log, tenant, c)
		return c.withFacts(f), err
	}
	return domain.Handle(ctx, log, CourseDecider, CourseStream(tenant, cmd.courseID()), cmd,
		domain.HandleOptions[CourseCommand]{Retries: retries, Prepare: prepare})
}

// factLoader reads facts for one command, recording what it read.
type factLoader struct {
	ctx    context.Context
	log    domain.EventLog
	tenant string
	f      Facts
}

// loadFacts loads what cmd's decision needs: who the actor leads as
// principal today, and the school, person, school year, subject or students
// the command names.
func loadFacts(ctx context.Context, log domain.EventLog, tenant string, cmd domain.Command) (Facts, error) {
	l := &factLoader{ctx: ctx, log: log, tenant: tenant}
	if err := l.auth(cmd.CommandMeta()); err != nil {
		return Facts{}, err
	}
	var err error
	switch c := cmd.(type) {
	case RegisterStudent:
		err = l.school(c.SchoolID)
	case MoveStudent:
		err = l.school(c.SchoolID)
	case LinkGuardian:
		err = l.guardian(c.GuardianID)
	case AssignMentor:
		err = l.staff(c.StaffID)
	case AuthoriseForProtectedStudent:
		err = l.staff(c.StaffID)
	case GrantRole:
		err = l.school(c.SchoolID)
	case AssignTeacher:
		err = l.staff(c.StaffID)
	case CreateCourse:
		err = l.course(c)
	case EnrolStudents:
		err = l.students(c.StudentIDs)
	}
	return l.f, err
}

func (l *factLoader) read(stream string, v domain.Version) {
	l.f.Read = append(l.f.Read, FactRead{Stream: stream, Version: v})
}

// auth finds the schools a principal leads today in the organiser's zone.
// Other roles need no facts: admins may, everyone else may not.
func (l *factLoader) auth(m domain.Meta) error {
	if m.Actor.Role != domain.RolePrincipal || !domain.ValidID(m.Actor.ID) {
		return nil
	}
	day, read, err := setup.Today(l.ctx, l.log, l.tenant, m.Now)
	if err != nil {
		return err
	}
	s, v, err := LoadStaff(l.ctx, l.log, l.tenant, m.Actor.ID)
	if err != nil {
		return err
	}
	l.f.Read = append(l.f.Read, read)
	l.read(StaffStream(l.tenant, m.Actor.ID), v)
	l.f.Auth = AuthFacts{Day: day, PrincipalOf: s.SchoolsWithRole(domain.RolePrincipal, day)}
	return nil
}

func (l *factLoader) school(id string) error {
	if !domain.ValidID(id) {
		return nil // the decider reports the bad id
	}
	s, v, err := setup.LoadSchool(l.ctx, l.log, l.tenant, id)
	if err != nil {
		return err
	}
	l.read(setup.SchoolStream(l.tenant, id), v)
	l.f.SchoolExists, l.f.SchoolForms = s.Exists, s.SchoolForms
	return nil
}

func (l *factLoader) guardian(id string) error {
	if !domain.ValidID(id) {
		return nil
	}
	g, v, err := LoadGuardian(l.ctx, l.log, l.tenant, id)
	if err != nil {
		return err
	}
	l.read(GuardianStream(l.tenant, id), v)
	l.f.OtherExists = g.Exists
	return nil
}

func (l *factLoader) staff(id string) error {
	if !domain.ValidID(id) {
		return nil
	}
	s, v, err := LoadStaff(l.ctx, l.log, l.tenant, id)
	if err != nil {
		return err
	}
	l.read(StaffStream(l.tenant, id), v)
	l.f.OtherExists = s.Exists
	return nil
}

func (l *factLoader) course(c CreateCourse) error {
	if err := l.school(c.SchoolID); err != nil {
		return err
	}
	o, ov, err := setup.LoadOrganiser(l.ctx, l.log, l.tenant)
	if err != nil {
		return err
	}
	l.read(setup.OrganiserStream(l.tenant), ov)
	l.f.SubjectExists = o.HasSubject(c.Subject)
	if !domain.ValidID(c.Term.SchoolYear) {
		return nil
	}
	y, yv, err := setup.LoadSchoolYear(l.ctx, l.log, l.tenant, c.Term.SchoolYear)
	if err != nil {
		return err
	}
	l.read(setup.SchoolYearStream(l.tenant, c.Term.SchoolYear), yv)
	// A school's own school year, or an organiser-wide one, serves its courses.
	l.f.SchoolYearExists = y.Exists && (y.SchoolID == "" || y.SchoolID == c.SchoolID)
	return nil
}

// students lists the named students that do not exist. Ids that are not
// valid are left to the decider.
func (l *factLoader) students(ids []string) error {
	if len(ids) > MaxBatch {
		return nil
	}
	for _, id := range slices.Compact(slices.Sorted(slices.Values(ids))) {
		if !domain.ValidID(id) {
			continue
		}
		s, v, err := LoadStudent(l.ctx, l.log, l.tenant, id)
		if err != nil {
			return err
		}
		l.read(StudentStream(l.tenant, id), v)
		if !s.Exists {
			l.f.Missing = append(l.f.Missing, id)
		}
	}
	return nil
}
