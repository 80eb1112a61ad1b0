package handlers

import (
	"context"
	"net/http"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/roster"
)

// Roster commands: students, guardians, staff, mentors, courses, teachers
// and enrolments.

type effective struct {
	EffectiveFrom domain.Date `json:"effective_from"`
}

// student runs a command on the student in the path.
func (a *API) student(ctx context.Context, c *cmd, build func(id string) (roster.StudentCommand, error)) (written, error) {
	return onRecord(ctx, c, "student_id", roster.StudentStream, roster.HandleStudent, build)
}

// onRecord runs the command build makes on the record whose id is the path
// parameter param: its stream (for a 409's or 412's revision), then the
// domain's handler.
func onRecord[C any](ctx context.Context, c *cmd, param string, stream func(tenant, id string) string,
	handle func(context.Context, domain.EventLog, C) (domain.Result, error), build func(id string) (C, error)) (written, error) {
	id, err := c.Var(param)
	if err != nil {
		return written{}, err
	}
	command, err := build(id)
	if err != nil {
		return written{}, err
	}
	c.Stream = stream(c.Tenant(), id)
	res, err := handle(ctx, c.Log, command)
	if err != nil {
		return written{}, err
	}
	return changedTo(res), nil
}

func (a *API) registerStudent(ctx context.Context, c *cmd) (written, error) {
	var in struct {
		ID            string      `json:"id"`
		SchoolID      string      `json:"school_id"`
		Grade         int         `json:"grade"`
		SchoolForm    string      `json:"school_form"`
		GradesGiven   bool        `json:"grades_given"`
		Protected     string      `json:"protected"`
		DisplayName   string      `json:"display_name"`
		EffectiveFrom domain.Date `json:"effective_from"`
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	id := orNewID(c, in.ID, "stu-")
	c.Stream = roster.StudentStream(c.Tenant(), id)
	res, err := roster.HandleStudent(ctx, c.Log, roster.RegisterStudent{Meta: c.Meta, StudentID: id, SchoolID: in.SchoolID,
		Grade: in.Grade, SchoolForm: in.SchoolForm, GradesGiven: in.GradesGiven, Protected: in.Protected,
		DisplayName: in.DisplayName, EffectiveFrom: in.EffectiveFrom})
	if err != nil {
		return written{}, err
	}
	return createdAt("/v1/students/"+id, id, res), nil
}

func (a *API) renameStudent(ctx context.Context, c *cmd) (written, error) {
	return a.student(ctx, c, func(id string) (roster.StudentCommand, error) {
		var in struct {
			DisplayName string `json:"display_name"`
		}
		err := c.Decode(&in)
		return roster.RenameStudent{Meta: c.Meta, StudentID: id, DisplayName: in.DisplayName}, err
	})
}

func (a *API) changeStudentDetails(ctx context.Context, c *cmd) (written, error) {
	return a.student(ctx, c, func(id string) (roster.StudentCommand, error) {
		var in struct {
			Grade         int         `json:"grade"`
			SchoolForm    string      `json:"school_form"`
			GradesGiven   bool        `json:"grades_given"`
			EffectiveFrom domain.Date `json:"effective_from"`
		}
		err := c.Decode(&in)
		return roster.ChangeStudentDetails{Meta: c.Meta, StudentID: id, Grade: in.Grade, SchoolForm: in.SchoolForm,
			GradesGiven: in.GradesGiven, EffectiveFrom: in.EffectiveFrom}, err
	})
}

func (a *API) setProtection(ctx context.Context, c *cmd) (written, error) {
	return a.student(ctx, c, func(id string) (roster.StudentCommand, error) {
		var in struct {
			Protected     string      `json:"protected"`
			EffectiveFrom domain.Date `json:"effective_from"`
		}
		err := c.Decode(&in)
		return roster.SetProtection{Meta: c.Meta, StudentID: id, Protected: in.Protected, EffectiveFrom: in.EffectiveFrom}, err
	})
}

func (a *API) moveStudent(ctx context.Context, c *cmd) (written, error) {
	return a.student(ctx, c, func(id string) (roster.StudentCommand, error) {
		var in struct {
			SchoolID      string      `json:"school_id"`
			EffectiveFrom domain.Date `json:"effective_from"`
		}
		err := c.Decode(&in)
		return roster.MoveStudent{Meta: c.Meta, StudentID: id, SchoolID: in.SchoolID, EffectiveFrom: in.EffectiveFrom}, err
	})
}

func (a *API) recordLeaving(ctx context.Context, c *cmd) (written, error) {
	return a.student(ctx, c, func(id string) (roster.StudentCommand, error) {
		var in effective
		err := c.Decode(&in)
		return roster.RecordLeaving{Meta: c.Meta, StudentID: id, EffectiveFrom: in.EffectiveFrom}, err
	})
}

// guardianLink runs a command on the student-guardian relation in the path.
func (a *API) guardianLink(build func(c *cmd, studentID, guardianID string) (roster.StudentCommand, error)) commandFunc {
	return func(ctx context.Context, c *cmd) (written, error) {
		return a.student(ctx, c, func(id string) (roster.StudentCommand, error) {
			gid, err := c.Var("guardian_id")
			if err != nil {
				return nil, err
			}
			return build(c, id, gid)
		})
	}
}

func linkGuardian(c *cmd, sid, gid string) (roster.StudentCommand, error) {
	var in struct {
		Relation      string      `json:"relation"`
		EffectiveFrom domain.Date `json:"effective_from"`
	}
	err := c.Decode(&in)
	return roster.LinkGuardian{Meta: c.Meta, StudentID: sid, GuardianID: gid, Relation: in.Relation, EffectiveFrom: in.EffectiveFrom}, err
}

func unlinkGuardian(c *cmd, sid, gid string) (roster.StudentCommand, error) {
	var in effective
	err := c.Decode(&in)
	return roster.UnlinkGuardian{Meta: c.Meta, StudentID: sid, GuardianID: gid, EffectiveFrom: in.EffectiveFrom}, err
}

func restrictGuardian(c *cmd, sid, gid string) (roster.StudentCommand, error) {
	var in effective
	err := c.Decode(&in)
	return roster.RestrictGuardian{Meta: c.Meta, StudentID: sid, GuardianID: gid, EffectiveFrom: in.EffectiveFrom}, err
}

func liftGuardianRestriction(c *cmd, sid, gid string) (roster.StudentCommand, error) {
	var in effective
	err := c.Decode(&in)
	return roster.LiftGuardianRestriction{Meta: c.Meta, StudentID: sid, GuardianID: gid, EffectiveFrom: in.EffectiveFrom}, err
}

func (a *API) assignMentor(ctx context.Context, c *cmd) (written, error) {
	return a.student(ctx, c, func(id string) (roster.StudentCommand, error) {
		staff, err := c.Var("staff_id")
		if err != nil {
			return nil, err
		}
		var in struct {
			EffectiveFrom domain.Date `json:"effective_from"`
			Until         domain.Date `json:"until"`
		}
		err = c.Decode(&in)
		return roster.AssignMentor{Meta: c.Meta, StudentID: id, StaffID: staff, EffectiveFrom: in.EffectiveFrom, Until: in.Until}, err
	})
}

func (a *API) endMentor(ctx context.Context, c *cmd) (written, error) {
	return a.student(ctx, c, func(id string) (roster.StudentCommand, error) {
		staff, err := c.Var("staff_id")
		if err != nil {
			return nil, err
		}
		var in effective
		err = c.Decode(&in)
		return roster.EndMentor{Meta: c.Meta, StudentID: id, StaffID: staff, EffectiveFrom: in.EffectiveFrom}, err
	})
}

// bulkOutcome is one student's result in a bulk command.
type bulkOutcome struct {
	StudentID string `json:"student_id"`
	ID        string `json:"id,omitempty"` // the record made, when the command makes one per student
	Status    string `json:"status"`       // ok / created / unchanged / refused
	Code      string `json:"code,omitempty"`
	Message   string `json:"message,omitempty"`
	Revision  *int64 `json:"revision,omitempty"`
}

type bulkBody struct {
	Results []bulkOutcome `json:"results"`
}

func revisionPtr(v domain.Version) *int64 {
	if v == domain.NoStream {
		return nil
	}
	r := int64(v)
	return &r
}

// assignMentees makes a staff member mentor of many students (a whole
// class) in one request; each student is reported on its own.
func (a *API) assignMentees(ctx context.Context, c *cmd) (written, error) {
	staff, err := c.Var("staff_id")
	if err != nil {
		return written{}, err
	}
	var in struct {
		StudentIDs    []string    `json:"student_ids"`
		EffectiveFrom domain.Date `json:"effective_from"`
		Until         domain.Date `json:"until"`
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	outs, err := roster.AssignMentorToStudents(ctx, c.Log, roster.BulkAssignMentor{Meta: c.Meta, StaffID: staff,
		StudentIDs: in.StudentIDs, EffectiveFrom: in.EffectiveFrom, Until: in.Until})
	if err != nil {
		return written{}, err
	}
	body := bulkBody{Results: make([]bulkOutcome, 0, len(outs))}
	var positions []string
	for _, o := range outs {
		status := o.Status
		if status == roster.StatusError {
			status = "refused"
		}
		body.Results = append(body.Results, bulkOutcome{StudentID: o.StudentID, Status: status, Code: string(o.Code),
			Message: o.Message, Revision: revisionPtr(o.Version)})
		positions = append(positions, o.Position)
	}
	return written{Body: body, Positions: positions}, nil
}

func (a *API) staffCmd(ctx context.Context, c *cmd, sc roster.StaffCommand, id string, status int) (written, error) {
	c.Stream = roster.StaffStream(c.Tenant(), id)
	res, err := roster.HandleStaff(ctx, c.Log, sc)
	if err != nil {
		return written{}, err
	}
	if status == http.StatusCreated {
		return createdAt("/v1/staff/"+id, id, res), nil
	}
	return changedTo(res), nil
}

type nameBody struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
}

func (a *API) registerStaff(ctx context.Context, c *cmd) (written, error) {
	var in nameBody
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	id := orNewID(c, in.ID, "staff-")
	return a.staffCmd(ctx, c, roster.RegisterStaff{Meta: c.Meta, StaffID: id, DisplayName: in.DisplayName}, id, http.StatusCreated)
}

func (a *API) renameStaff(ctx context.Context, c *cmd) (written, error) {
	id, err := c.Var("staff_id")
	if err != nil {
		return written{}, err
	}
	var in struct {
		DisplayName string `json:"display_name"`
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	return a.staffCmd(ctx, c, roster.RenameStaff{Meta: c.Meta, StaffID: id, DisplayName: in.DisplayName}, id, http.StatusOK)
}

type roleBody struct {
	Role          domain.Role `json:"role"`
	SchoolID      string      `json:"school_id"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

func (a *API) grantRole(ctx context.Context, c *cmd) (written, error) {
	id, err := c.Var("staff_id")
	if err != nil {
		return written{}, err
	}
	var in roleBody
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	return a.staffCmd(ctx, c, roster.GrantRole{Meta: c.Meta, StaffID: id, Role: in.Role, SchoolID: in.SchoolID, EffectiveFrom: in.EffectiveFrom}, id, http.StatusOK)
}

func (a *API) endRole(ctx context.Context, c *cmd) (written, error) {
	id, err := c.Var("staff_id")
	if err != nil {
		return written{}, err
	}
	var in roleBody
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	return a.staffCmd(ctx, c, roster.EndRole{Meta: c.Meta, StaffID: id, Role: in.Role, SchoolID: in.SchoolID, EffectiveFrom: in.EffectiveFrom}, id, http.StatusOK)
}

func (a *API) guardianCmd(ctx context.Context, c *cmd, gc roster.GuardianCommand, id string, status int) (written, error) {
	c.Stream = roster.GuardianStream(c.Tenant(), id)
	res, err := roster.HandleGuardian(ctx, c.Log, gc)
	if err != nil {
		return written{}, err
	}
	if status == http.StatusCreated {
		return createdAt("/v1/guardians/"+id, id, res), nil
	}
	return changedTo(res), nil
}

func (a *API) registerGuardian(ctx context.Context, c *cmd) (written, error) {
	var in nameBody
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	id := orNewID(c, in.ID, "g-")
	return a.guardianCmd(ctx, c, roster.RegisterGuardian{Meta: c.Meta, GuardianID: id, DisplayName: in.DisplayName}, id, http.StatusCreated)
}

func (a *API) renameGuardian(ctx context.Context, c *cmd) (written, error) {
	id, err := c.Var("guardian_id")
	if err != nil {
		return written{}, err
	}
	var in struct {
		DisplayName string `json:"display_name"`
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	return a.guardianCmd(ctx, c, roster.RenameGuardian{Meta: c.Meta, GuardianID: id, DisplayName: in.DisplayName}, id, http.StatusOK)
}

func (a *API) courseCmd(ctx context.Context, c *cmd, build func(id string) (roster.CourseCommand, error)) (written, error) {
	return onRecord(ctx, c, "course_id", roster.CourseStream, roster.HandleCourse, build)
}

func (a *API) createCourse(ctx context.Context, c *cmd) (written, error) {
	var in struct {
		ID        string  `json:"id"`
		SchoolID  string  `json:"school_id"`
		Subject   string  `json:"subject"`
		Name      string  `json:"name"`
		Term      termRef `json:"term"`
		WholeYear bool    `json:"whole_year"`
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	id := orNewID(c, in.ID, "course-")
	c.Stream = roster.CourseStream(c.Tenant(), id)
	term := domain.TermRef(in.Term)
	if in.WholeYear {
		// The term names the school year; a whole-year course has no term
		// kind, and the domain refuses one.
		term.Kind = ""
	}
	res, err := roster.HandleCourse(ctx, c.Log, roster.CreateCourse{Meta: c.Meta, CourseID: id, SchoolID: in.SchoolID,
		Subject: in.Subject, Name: in.Name, Term: term, WholeYear: in.WholeYear})
	if err != nil {
		return written{}, err
	}
	return createdAt("/v1/courses/"+id, id, res), nil
}

func (a *API) assignTeacher(ctx context.Context, c *cmd) (written, error) {
	return a.courseCmd(ctx, c, func(id string) (roster.CourseCommand, error) {
		staff, err := c.Var("staff_id")
		if err != nil {
			return nil, err
		}
		var in effective
		err = c.Decode(&in)
		return roster.AssignTeacher{Meta: c.Meta, CourseID: id, StaffID: staff, EffectiveFrom: in.EffectiveFrom}, err
	})
}

func (a *API) endTeacher(ctx context.Context, c *cmd) (written, error) {
	return a.courseCmd(ctx, c, func(id string) (roster.CourseCommand, error) {
		staff, err := c.Var("staff_id")
		if err != nil {
			return nil, err
		}
		var in effective
		err = c.Decode(&in)
		return roster.EndTeacher{Meta: c.Meta, CourseID: id, StaffID: staff, EffectiveFrom: in.EffectiveFrom}, err
	})
}

type studentsBody struct {
	StudentIDs    []string    `json:"student_ids"`
	EffectiveFrom domain.Date `json:"effective_from"`
}

// enrol enrols many students (a class) in a course in one event.
func (a *API) enrol(ctx context.Context, c *cmd) (written, error) {
	return a.courseCmd(ctx, c, func(id string) (roster.CourseCommand, error) {
		var in studentsBody
		err := c.Decode(&in)
		return roster.EnrolStudents{Meta: c.Meta, CourseID: id, StudentIDs: in.StudentIDs, EffectiveFrom: in.EffectiveFrom}, err
	})
}

func (a *API) unenrol(ctx context.Context, c *cmd) (written, error) {
	return a.courseCmd(ctx, c, func(id string) (roster.CourseCommand, error) {
		var in studentsBody
		err := c.Decode(&in)
		return roster.UnenrolStudents{Meta: c.Meta, CourseID: id, StudentIDs: in.StudentIDs, EffectiveFrom: in.EffectiveFrom}, err
	})
}
