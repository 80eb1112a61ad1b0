package handlers

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
	"github.com/iup-platform/iup/projections/views/staff"
)

// Skyddad identitet (issue 8 point 6): a protected student's name is shown
// only to staff explicitly authorised for that student on that day; every
// other caller, organiser admins included, sees ProtectedPlaceholder. The
// views never hold a protected student's name (projections/views/staff),
// so the placeholder cannot carry it: an authorised reader gets the name
// from the student's stream, and that read is written to the access log.
// See docs/decisions.md.

// ProtectedPlaceholder stands in for a protected student's name.
const ProtectedPlaceholder = "Skyddad identitet"

// protectedRoutes registers the authorisation commands and the
// right-of-access export.
func (a *API) protectedRoutes(r *mux.Router) {
	a.handle(r, http.MethodPost, "/students/{student_id}/protected-access/{staff_id}", a.command(a.protectedAccess(true)))
	a.handle(r, http.MethodDelete, "/students/{student_id}/protected-access/{staff_id}", a.command(a.protectedAccess(false)))
	a.handle(r, http.MethodGet, "/students/{student_id}/export", http.HandlerFunc(a.exportStudent))
}

// protectedAccess authorises (grant) or revokes a staff member's access to a
// protected student's identity. The body names the day; a revocation
// without a body takes effect today in the organiser's calendar.
func (a *API) protectedAccess(grant bool) commandFunc {
	return func(ctx context.Context, c *cmd) (written, error) {
		return a.student(ctx, c, func(id string) (roster.StudentCommand, error) {
			staffID, err := c.Var("staff_id")
			if err != nil {
				return nil, err
			}
			var in effective
			if !grant && len(bytes.TrimSpace(c.body)) == 0 {
				day, _, err := setup.Today(ctx, a.log, c.Tenant(), c.Meta.Now)
				if err != nil {
					return nil, fmt.Errorf("organiser's day: %w", err)
				}
				in.EffectiveFrom = day
			} else if err := c.Decode(&in); err != nil {
				return nil, err
			}
			if grant {
				return roster.AuthoriseForProtectedStudent{Meta: c.Meta, StudentID: id, StaffID: staffID, EffectiveFrom: in.EffectiveFrom}, nil
			}
			return roster.RevokeProtectedStudentAccess{Meta: c.Meta, StudentID: id, StaffID: staffID, EffectiveFrom: in.EffectiveFrom}, nil
		})
	}
}

// identities judges, for one read, which protected students' names the
// caller may see; each student's stream is read at most once.
type identities struct {
	a     *API
	q     *query
	names map[string]string // student id -> what to show
}

func (a *API) identities(q *query) *identities {
	return &identities{a: a, q: q, names: map[string]string{}}
}

// name is what the caller sees as a student's name: the view's own name for
// an unprotected student; for a protected one, the name when the caller is
// staff authorised today, else the placeholder.
func (ids *identities) name(ctx context.Context, studentID string, protected bool, viewName string) (string, error) {
	if !protected {
		return viewName, nil
	}
	if n, ok := ids.names[studentID]; ok {
		return n, nil
	}
	n := ProtectedPlaceholder
	who := principal(ids.q.r)
	if !homeRole(who.Role) {
		s, _, err := roster.LoadStudent(ctx, ids.a.log, who.Tenant, studentID)
		if err != nil {
			return "", fmt.Errorf("protected identity of a student: %w", err)
		}
		// The marking is read from the stream too: a student whose marking
		// was lifted since the view was built shows their name.
		if s.IdentityVisibleTo(who.Subject, ids.q.Day) && s.DisplayName != "" {
			n = s.DisplayName
			if s.IsProtected() {
				ids.a.logRead(ids.q, "protected-identity", studentID, studentID)
			}
		}
	}
	ids.names[studentID] = n
	return n, nil
}

// protectNames fills in the names of protected students on the staff views
// (mentor overview, course view, school lists) as the caller may see them.
func (a *API) protectNames(ctx context.Context, q *query, doc any) error {
	ids := a.identities(q)
	set := func(id string, protected bool, name *string) error {
		n, err := ids.name(ctx, id, protected, *name)
		*name = n
		return err
	}
	switch d := doc.(type) {
	case *staff.MentorOverviewDoc:
		for i := range d.Rows {
			if err := set(d.Rows[i].StudentID, d.Rows[i].Protected, &d.Rows[i].Name); err != nil {
				return err
			}
		}
	case *staff.CourseViewDoc:
		for i := range d.Students {
			if err := set(d.Students[i].StudentID, d.Students[i].Protected, &d.Students[i].Name); err != nil {
				return err
			}
		}
	case *staff.SchoolListsDoc:
		refs := make([]*staff.StudentRef, 0, len(d.AtRisk)+len(d.NoConference)+len(d.IUPDue))
		for i := range d.AtRisk {
			refs = append(refs, &d.AtRisk[i].StudentRef)
		}
		for i := range d.NoConference {
			refs = append(refs, &d.NoConference[i].StudentRef)
		}
		for i := range d.IUPDue {
			refs = append(refs, &d.IUPDue[i].StudentRef)
		}
		for _, r := range refs {
			if err := set(r.StudentID, r.Protected, &r.Name); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("protected names: %T is not a staff view", doc)
	}
	return nil
}
