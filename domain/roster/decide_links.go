package roster

import (
	"slices"

	"github.com/iup-platform/iup/domain"
)

// guardianTarget is what the four guardian-link commands share.
func guardianTarget(c StudentCommand) (guardianID string, on domain.Date, f Facts) {
	switch c := c.(type) {
	case LinkGuardian:
		return c.GuardianID, c.EffectiveFrom, c.Facts
	case UnlinkGuardian:
		return c.GuardianID, c.EffectiveFrom, c.Facts
	case RestrictGuardian:
		return c.GuardianID, c.EffectiveFrom, c.Facts
	case LiftGuardianRestriction:
		return c.GuardianID, c.EffectiveFrom, c.Facts
	}
	return "", domain.Date{}, Facts{}
}

func decideGuardianLink(s Student, c StudentCommand) ([]domain.Event, error) {
	gid, on, f := guardianTarget(c)
	if err := firstError(domain.CheckID("guardian_id", gid), requireDate("effective_from", on)); err != nil {
		return nil, err
	}
	if err := authorizeSchool(c.CommandMeta().Actor, f.Auth, s.SchoolID); err != nil {
		return nil, err
	}
	open := s.openGuardian(gid)
	switch c := c.(type) {
	case LinkGuardian:
		if !slices.Contains(Relations, c.Relation) {
			return nil, domain.Invalid("relation", "must be one of vardnadshavare, annan_ansvarig, god_man")
		}
		if !f.OtherExists {
			return nil, domain.NotFound("there is no guardian with this id: register the guardian first")
		}
		if open >= 0 {
			if s.Guardians[open].Relation == c.Relation {
				return nil, nil
			}
			if on.Before(s.Guardians[open].From) {
				return nil, domain.Invalid("effective_from", "is before the current relation began (%s)", s.Guardians[open].From)
			}
		}
		return []domain.Event{GuardianLinked{StudentID: s.ID, GuardianID: gid, Relation: c.Relation, EffectiveFrom: on}}, nil
	case UnlinkGuardian:
		if open < 0 {
			return nil, nil
		}
		if on.Before(s.Guardians[open].From) {
			return nil, domain.Invalid("effective_from", "is before the relation began (%s)", s.Guardians[open].From)
		}
		return []domain.Event{GuardianUnlinked{StudentID: s.ID, GuardianID: gid, EffectiveFrom: on}}, nil
	case RestrictGuardian:
		if s.latestGuardian(gid) < 0 {
			return nil, domain.NotFound("the person is not a guardian of this student")
		}
		if _, ok := s.openRestriction(gid); ok {
			return nil, nil
		}
		return []domain.Event{GuardianRestricted{StudentID: s.ID, GuardianID: gid, EffectiveFrom: on}}, nil
	default: // LiftGuardianRestriction
		p, ok := s.openRestriction(gid)
		if !ok {
			return nil, nil
		}
		if on.Before(p.From) {
			return nil, domain.Invalid("effective_from", "is before the restriction began (%s)", p.From)
		}
		return []domain.Event{GuardianRestrictionLifted{StudentID: s.ID, GuardianID: gid, EffectiveFrom: on}}, nil
	}
}

func decideMentor(s Student, c StudentCommand) ([]domain.Event, error) {
	a := c.CommandMeta().Actor
	switch c := c.(type) {
	case AssignMentor:
		if err := firstError(domain.CheckID("staff_id", c.StaffID), requireDate("effective_from", c.EffectiveFrom),
			authorizeSchool(a, c.Facts.Auth, s.SchoolID)); err != nil {
			return nil, err
		}
		if !c.Until.IsZero() && !c.EffectiveFrom.Before(c.Until) {
			return nil, domain.Invalid("until", "must be after effective_from, or empty for an open-ended assignment")
		}
		if !c.Facts.OtherExists {
			return nil, domain.NotFound("there is no staff member with this id")
		}
		next := Period{From: c.EffectiveFrom, To: c.Until}
		for _, m := range s.Mentors {
			cur := Period{From: m.From, To: m.To}
			if m.StaffID != c.StaffID || !overlaps(cur, next) {
				continue
			}
			if covers(cur, next) {
				return nil, nil
			}
			return nil, domain.RuleViolated("the staff member is already this student's mentor from %s: end that assignment first", m.From)
		}
		return []domain.Event{MentorAssigned{StudentID: s.ID, StaffID: c.StaffID, EffectiveFrom: c.EffectiveFrom, Until: c.Until}}, nil
	case EndMentor:
		if err := firstError(domain.CheckID("staff_id", c.StaffID), requireDate("effective_from", c.EffectiveFrom),
			authorizeSchool(a, c.Facts.Auth, s.SchoolID)); err != nil {
			return nil, err
		}
		i := s.latestMentor(c.StaffID)
		if i < 0 {
			return nil, nil
		}
		m := s.Mentors[i]
		if !m.To.IsZero() && !c.EffectiveFrom.Before(m.To) {
			return nil, nil
		}
		if c.EffectiveFrom.Before(m.From) {
			return nil, domain.Invalid("effective_from", "is before the assignment began (%s)", m.From)
		}
		return []domain.Event{MentorEnded{StudentID: s.ID, StaffID: c.StaffID, EffectiveFrom: c.EffectiveFrom}}, nil
	}
	return nil, domain.Invalid("command", "is not a mentor command")
}

// overlaps reports whether two half-open periods share a day.
func overlaps(p, q Period) bool {
	return (q.To.IsZero() || p.From.Before(q.To)) && (p.To.IsZero() || q.From.Before(p.To))
}

// covers reports whether p contains every day of q.
func covers(p, q Period) bool {
	return !q.From.Before(p.From) && (p.To.IsZero() || !q.To.IsZero() && !p.To.Before(q.To))
}
