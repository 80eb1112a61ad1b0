package retention

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/iup-platform/iup/domain"
)

// ScheduleDecider is the organiser's retention schedule.
var ScheduleDecider = domain.Decider[Schedule, SetSchedule]{
	Initial: func() Schedule { return Schedule{Rules: map[DocType]Rule{}} },
	Decide:  decideSchedule,
	Evolve: func(s Schedule, ev domain.Event) Schedule {
		if e, ok := ev.(ScheduleSet); ok {
			s = Schedule{Rules: make(map[DocType]Rule, len(e.Rules))}
			for _, r := range e.Rules {
				s.Rules[r.DocType] = r
			}
		}
		return s
	},
}

func decideSchedule(s Schedule, c SetSchedule) ([]domain.Event, error) {
	if c.Actor.Role != domain.RoleAdmin {
		return nil, domain.Forbidden("only an organiser admin sets the retention schedule")
	}
	seen := map[DocType]bool{}
	rules := make([]Rule, 0, len(c.Rules))
	for i, r := range c.Rules {
		if err := r.check("rules[" + strconv.Itoa(i) + "]"); err != nil {
			return nil, err
		}
		if seen[r.DocType] {
			return nil, domain.Invalid("rules", "names %s twice: give one rule per document type", r.DocType)
		}
		seen[r.DocType] = true
		rules = append(rules, r)
	}
	slices.SortFunc(rules, func(a, b Rule) int { return strings.Compare(string(a.DocType), string(b.DocType)) })
	cur := slices.SortedFunc(maps.Values(s.Rules), func(a, b Rule) int { return strings.Compare(string(a.DocType), string(b.DocType)) })
	if slices.Equal(cur, rules) {
		return nil, nil
	}
	return []domain.Event{ScheduleSet{Rules: rules}}, nil
}

// State is one student's retention state.
type State struct {
	Holds  map[string]bool // open cases
	Culled map[DocType]bool
	Erased bool
}

// Held reports whether any case holds the student.
func (s State) Held() bool { return len(s.Holds) > 0 }

// StudentDecider is one student's retention: holds and cullings.
var StudentDecider = domain.Decider[State, StudentCommand]{
	Initial: func() State { return State{Holds: map[string]bool{}, Culled: map[DocType]bool{}} },
	Decide:  decideStudent,
	Evolve:  evolveStudent,
}

func evolveStudent(s State, ev domain.Event) State {
	switch e := ev.(type) {
	case HoldPlaced:
		s.Holds = maps.Clone(s.Holds)
		s.Holds[e.Case] = true
	case HoldLifted:
		s.Holds = maps.Clone(s.Holds)
		delete(s.Holds, e.Case)
	case StudentCulled:
		s.Culled = maps.Clone(s.Culled)
		for _, d := range e.DocTypes {
			s.Culled[d] = true
		}
		s.Erased = s.Erased || e.Erasure
	}
	return s
}

func decideStudent(s State, c StudentCommand) ([]domain.Event, error) {
	if err := domain.CheckID("student_id", c.studentID()); err != nil {
		return nil, err
	}
	role := c.CommandMeta().Actor.Role
	switch c := c.(type) {
	case PlaceHold, LiftHold:
		if role != domain.RoleAdmin {
			return nil, domain.Forbidden("only an organiser admin places or lifts a hold on culling")
		}
		id, kase, reason, placing := holdArgs(c)
		if err := checkText("case", kase, MaxCase, true); err != nil {
			return nil, err
		}
		if err := checkText("reason", reason, MaxReason, true); err != nil {
			return nil, err
		}
		if placing == s.Holds[kase] {
			return nil, nil // already placed, or nothing to lift
		}
		if placing {
			return []domain.Event{HoldPlaced{StudentID: id, Case: kase, Reason: reason}}, nil
		}
		return []domain.Event{HoldLifted{StudentID: id, Case: kase, Reason: reason}}, nil
	case Cull:
		if role != domain.RoleSystem && role != domain.RoleAdmin {
			return nil, domain.Forbidden("culling is run by the service or an organiser admin")
		}
		due := DueFor(c.Facts.Schedule, c.Facts.LeftOn, s, c.Facts.Today)
		if len(due.DocTypes) == 0 {
			return nil, nil
		}
		return []domain.Event{StudentCulled{StudentID: c.StudentID, DocTypes: due.DocTypes, Rules: due.Rules, On: c.Facts.Today}}, nil
	case Erase:
		if role != domain.RoleAdmin || c.Actor.OnBehalfOf != "" {
			return nil, domain.Forbidden("only an organiser admin, acting as themselves, may erase a student's records")
		}
		reason := strings.TrimSpace(c.Reason)
		if err := checkText("reason", reason, MaxReason, true); err != nil {
			return nil, err
		}
		if c.Today.IsZero() {
			return nil, domain.Invalid("today", "is required")
		}
		if s.Held() {
			return nil, domain.RuleViolated("a hold is open for this student: lift it before erasing")
		}
		var docs []DocType
		for _, d := range append(slices.Clone(DocTypes), Identity) {
			if !s.Culled[d] {
				docs = append(docs, d)
			}
		}
		if len(docs) == 0 {
			return nil, nil
		}
		return []domain.Event{StudentCulled{StudentID: c.StudentID, DocTypes: docs, Rules: []string{"erasure"},
			On: c.Today, Erasure: true, Reason: reason}}, nil
	}
	return nil, domain.Invalid("command", "is not a retention command")
}

func holdArgs(c StudentCommand) (id, kase, reason string, placing bool) {
	switch c := c.(type) {
	case PlaceHold:
		return c.StudentID, strings.TrimSpace(c.Case), strings.TrimSpace(c.Reason), true
	case LiftHold:
		return c.StudentID, strings.TrimSpace(c.Case), strings.TrimSpace(c.Reason), false
	}
	return "", "", "", false
}

// Due is what a culling decision found due.
type Due struct {
	DocTypes []DocType
	Rules    []string
}

// DueFor decides which of a student's document types are due for culling
// on today: the student has left, no hold is open, the type's rule is a
// period (not keep) that has run out, and it is not culled already. The
// identity goes with the last document: when every scheduled type is culled
// or due now.
func DueFor(sch Schedule, left domain.Date, s State, today domain.Date) Due {
	var due Due
	if left.IsZero() || s.Held() || today.IsZero() {
		return due
	}
	remaining := 0
	for _, d := range DocTypes {
		if s.Culled[d] {
			continue
		}
		r, ok := sch.Rules[d]
		if !ok {
			remaining++
			continue
		}
		on, culls := r.DueOn(left)
		if !culls || today.Before(on) {
			remaining++
			continue
		}
		due.DocTypes = append(due.DocTypes, d)
		due.Rules = append(due.Rules, r.String())
	}
	if remaining == 0 && !s.Culled[Identity] {
		due.DocTypes = append(due.DocTypes, Identity)
		due.Rules = append(due.Rules, "identity: nothing else is kept")
	}
	return due
}

func checkText(field, v string, max int, required bool) error {
	if !utf8.ValidString(v) {
		return domain.Invalid(field, "is not valid UTF-8 text")
	}
	if required && v == "" {
		return domain.Invalid(field, "is required")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return domain.Invalid(field, "is %d characters; at most %d are allowed", n, max)
	}
	return nil
}
