package home

import (
	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/projections"
	"github.com/iup-platform/iup/projections/views/relations"
)

// Guardian is a guardian's list of children with the relation periods and
// restrictions that decide, on the day of reading, which children's
// documents (ChildKey) the guardian may open.
type Guardian struct {
	GuardianID string      `json:"guardian_id"`
	Children   []ChildLink `json:"children"`
}

// ChildLink is one student a guardian is or was linked to.
type ChildLink struct {
	StudentID string `json:"student_id"`
	Protected bool   `json:"protected"`
	// Relations are this guardian's relation periods to the student.
	Relations []relations.GuardianLink `json:"relations"`
	// Restrictions are periods of secrecy towards this guardian.
	Restrictions []relations.Period `json:"restrictions"`
}

// Sees reports whether the guardian may see the child on day d: a formal
// guardian (or god man) relation holds and no restriction towards them does.
func (c ChildLink) Sees(guardianID string, d domain.Date) bool {
	s := relations.Student{Guardians: c.Relations, Restrictions: c.Restrictions}
	active, restricted := s.GuardianAccess(guardianID, d)
	return active && !restricted
}

// Visible lists the children the guardian may see on day d.
func (g Guardian) Visible(d domain.Date) []string {
	var ids []string
	for _, c := range g.Children {
		if c.Sees(g.GuardianID, d) {
			ids = append(ids, c.StudentID)
		}
	}
	return ids
}

// guardianView renders the guardians' view: one document per guardian listing
// their children and relation periods, and one per child (ChildKey) with
// the published plans (guardian-visible fields only), published omdömen,
// talks and acknowledgements, shared by every guardian the relation allows.
func guardianView(tx projections.Tx, t string, d *dirty) error {
	if err := children(domain.RoleGuardian)(tx, t, d); err != nil {
		return err
	}
	return guardianDocs(tx, t, d)
}

// children renders each changed child's documents for audiences (the
// guardians': ChildKey; the student's own: StudentKey) from one load of
// the child's facts: the family renders both at once, and loading was
// most of what rendering each cost.
func children(audiences ...domain.Role) render {
	key := func(t, s string, a domain.Role) string {
		if a == domain.RoleStudent {
			return StudentKey(t, s)
		}
		return ChildKey(t, s)
	}
	return func(tx projections.Tx, t string, d *dirty) error {
		for _, s := range sortedKeys(d.students) {
			err := projections.Defer(tx, key(t, s, audiences[0]), func(tx projections.Tx) error {
				f, err := loadChild(tx, t, s)
				if err != nil {
					return err
				}
				for _, a := range audiences {
					if err := projections.PutJSON(tx, key(t, s, a), f.child(tx, t, a)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// guardianDocs renders the documents of the guardians of the students
// whose guardians changed.
func guardianDocs(tx projections.Tx, t string, d *dirty) error {
	for _, s := range sortedKeys(d.guardians) {
		rel, _, err := relations.Load[relations.Student](tx, relations.StudentKey(t, s))
		if err != nil {
			return err
		}
		var ids []string
		for _, g := range rel.Guardians {
			ids = addSorted(ids, g.ID)
		}
		for _, g := range ids {
			err := projections.Defer(tx, GuardianKey(t, g), func(tx projections.Tx) error { return renderGuardian(tx, t, g) })
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func renderGuardian(tx projections.Tx, t, guardianID string) error {
	p, _, err := relations.Load[relations.Person](tx, relations.GuardianKey(t, guardianID))
	if err != nil {
		return err
	}
	g := Guardian{GuardianID: guardianID, Children: []ChildLink{}}
	for _, s := range p.Students {
		rel, _, err := relations.Load[relations.Student](tx, relations.StudentKey(t, s))
		if err != nil {
			return err
		}
		c := ChildLink{StudentID: s, Protected: rel.Protected, Relations: []relations.GuardianLink{}, Restrictions: []relations.Period{}}
		for _, l := range rel.Guardians {
			if l.ID == guardianID {
				c.Relations = append(c.Relations, l)
			}
		}
		for _, r := range rel.Restrictions {
			if r.ID == guardianID {
				c.Restrictions = append(c.Restrictions, r)
			}
		}
		g.Children = append(g.Children, c)
	}
	return projections.PutJSON(tx, GuardianKey(t, guardianID), g)
}
