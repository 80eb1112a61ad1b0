package relations

import (
	"slices"

	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
	"github.com/iup-platform/iup/projections"
)

// Apply updates the relation documents for one event; other events are
// ignored, so a view may call it for every event it handles.
func Apply(tx projections.Tx, ev projections.Event) error {
	t, err := tenantOf(ev)
	if err != nil {
		return err
	}
	student := func(id string, f func(*Student)) error {
		return projections.UpdateJSON(tx, StudentKey(t, id), func(s *Student) { s.ID = id; f(s) })
	}
	switch e := ev.Event.(type) {
	case roster.StudentRegistered:
		return student(e.StudentID, func(s *Student) {
			s.Name, s.SchoolID, s.Grade, s.SchoolForm, s.GradesGiven = e.DisplayName, e.SchoolID, e.Grade, e.SchoolForm, e.GradesGiven
			s.Protected = e.Protected != "" && e.Protected != "none"
		})
	case roster.StudentRenamed:
		return student(e.StudentID, func(s *Student) { s.Name = e.DisplayName })
	case roster.StudentDetailsChanged:
		return student(e.StudentID, func(s *Student) { s.Grade, s.SchoolForm, s.GradesGiven = e.Grade, e.SchoolForm, e.GradesGiven })
	case roster.StudentProtectionChanged:
		return student(e.StudentID, func(s *Student) { s.Protected = e.Protected != "" && e.Protected != "none" })
	case roster.StudentMoved:
		return student(e.StudentID, func(s *Student) { s.SchoolID = e.SchoolID })
	case roster.StudentLeft:
		return student(e.StudentID, func(s *Student) { s.LeftOn = e.EffectiveFrom })
	case roster.GuardianLinked:
		if err := student(e.StudentID, func(s *Student) {
			s.Guardians = slices.Clone(s.Guardians) // changed in a copy: see endPeriod
			for i := range s.Guardians {
				if s.Guardians[i].ID == e.GuardianID && s.Guardians[i].To.IsZero() {
					s.Guardians[i].To = e.EffectiveFrom // a new relation type replaces the old from that day
				}
			}
			s.Guardians = append(s.Guardians, GuardianLink{Period: Period{ID: e.GuardianID, From: e.EffectiveFrom}, Relation: e.Relation})
		}); err != nil {
			return err
		}
		return projections.UpdateJSON(tx, GuardianKey(t, e.GuardianID), func(p *Person) { p.ID = e.GuardianID; p.Students = addSorted(p.Students, e.StudentID) })
	case roster.GuardianUnlinked:
		return student(e.StudentID, func(s *Student) {
			s.Guardians = slices.Clone(s.Guardians) // changed in a copy: see endPeriod
			for i := range s.Guardians {
				if s.Guardians[i].ID == e.GuardianID && s.Guardians[i].To.IsZero() {
					s.Guardians[i].To = e.EffectiveFrom
				}
			}
		})
	case roster.GuardianRestricted:
		return student(e.StudentID, func(s *Student) {
			s.Restrictions = append(s.Restrictions, Period{ID: e.GuardianID, From: e.EffectiveFrom})
		})
	case roster.GuardianRestrictionLifted:
		return student(e.StudentID, func(s *Student) { s.Restrictions = endPeriod(s.Restrictions, e.GuardianID, e.EffectiveFrom) })
	case roster.MentorAssigned:
		if err := student(e.StudentID, func(s *Student) {
			s.Mentors = append(s.Mentors, Period{ID: e.StaffID, From: e.EffectiveFrom, To: e.Until})
		}); err != nil {
			return err
		}
		return projections.UpdateJSON(tx, StaffKey(t, e.StaffID), func(p *Person) { p.ID = e.StaffID; p.Students = addSorted(p.Students, e.StudentID) })
	case roster.MentorEnded:
		return student(e.StudentID, func(s *Student) { s.Mentors = endPeriod(s.Mentors, e.StaffID, e.EffectiveFrom) })
	case roster.StaffRegistered:
		return projections.UpdateJSON(tx, StaffKey(t, e.StaffID), func(p *Person) { p.ID, p.Name = e.StaffID, e.DisplayName })
	case roster.StaffRenamed:
		return projections.UpdateJSON(tx, StaffKey(t, e.StaffID), func(p *Person) { p.Name = e.DisplayName })
	case roster.GuardianRegistered:
		return projections.UpdateJSON(tx, GuardianKey(t, e.GuardianID), func(p *Person) { p.ID, p.Name = e.GuardianID, e.DisplayName })
	case roster.GuardianRenamed:
		return projections.UpdateJSON(tx, GuardianKey(t, e.GuardianID), func(p *Person) { p.Name = e.DisplayName })
	case roster.CourseCreated:
		return projections.UpdateJSON(tx, CourseKey(t, e.CourseID), func(c *Course) {
			c.ID, c.SchoolID, c.Subject, c.Name, c.Term, c.WholeYear = e.CourseID, e.SchoolID, e.Subject, e.Name, e.Term, e.WholeYear
		})
	case roster.CourseTeacherAssigned:
		return projections.UpdateJSON(tx, CourseKey(t, e.CourseID), func(c *Course) {
			c.Teachers = append(c.Teachers, Period{ID: e.StaffID, From: e.EffectiveFrom})
		})
	case roster.CourseTeacherEnded:
		return projections.UpdateJSON(tx, CourseKey(t, e.CourseID), func(c *Course) { c.Teachers = endPeriod(c.Teachers, e.StaffID, e.EffectiveFrom) })
	case roster.StudentsEnrolled:
		if err := projections.UpdateJSON(tx, CourseKey(t, e.CourseID), func(c *Course) {
			for _, id := range e.StudentIDs {
				c.Students = append(c.Students, Period{ID: id, From: e.EffectiveFrom})
			}
		}); err != nil {
			return err
		}
		for _, id := range e.StudentIDs {
			if err := student(id, func(s *Student) { s.Courses = addSorted(s.Courses, e.CourseID) }); err != nil {
				return err
			}
		}
	case roster.StudentsUnenrolled:
		return projections.UpdateJSON(tx, CourseKey(t, e.CourseID), func(c *Course) {
			for _, id := range e.StudentIDs {
				c.Students = endPeriod(c.Students, id, e.EffectiveFrom)
			}
		})
	case setup.TemplateVersionCreated:
		return projections.UpdateJSON(tx, TemplateKey(t, e.TemplateID), func(tp *Template) {
			tp.ID = e.TemplateID
			tp.Versions = append(tp.Versions, setup.TemplateVersion{Version: e.Version, Title: e.Title, SchoolID: e.SchoolID, Fields: e.Fields})
		})
	case setup.SupportVisibilitySet:
		return projections.UpdateJSON(tx, OrganiserKey(t), func(o *Organiser) { o.ShowSupportToHome = e.ShowSupportToHome })
	case setup.TimeZoneSet:
		return projections.UpdateJSON(tx, OrganiserKey(t), func(o *Organiser) { o.TimeZone = e.TimeZone })
	case setup.SchoolYearCreated:
		return projections.UpdateJSON(tx, SchoolYearKey(t, e.SchoolYearID), func(y *SchoolYear) {
			// A copy: the event is shared with the other projections
			// (decoded once), and a later change of dates edits the terms.
			y.ID, y.SchoolID, y.Terms = e.SchoolYearID, e.SchoolID, slices.Clone(e.Terms)
		})
	case setup.TermDatesChanged:
		return projections.UpdateJSON(tx, SchoolYearKey(t, e.SchoolYearID), func(y *SchoolYear) {
			// Changed in a copy: the document read shares its terms with
			// the one the batch holds, which an event that fails restores.
			y.Terms = slices.Clone(y.Terms)
			for i := range y.Terms {
				if y.Terms[i].Kind == e.Kind {
					y.Terms[i].Start, y.Terms[i].End = e.Start, e.End
				}
			}
		})
	}
	return nil
}
