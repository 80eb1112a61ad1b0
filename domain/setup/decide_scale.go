package setup

import (
	"slices"
	"strings"

	"github.com/iup-platform/iup/domain"
)

// ScaleDecider is the scale aggregate. A scale is created once and never
// changed, so a scale in use never moves under the assessments that use it.
var ScaleDecider = domain.Decider[Scale, ScaleCommand]{
	Initial: func() Scale { return Scale{} },
	Decide:  decideScale,
	Evolve:  evolveScale,
}

// ScaleCommand is a command on a scale stream; CreateScale is the only one.
type ScaleCommand interface {
	domain.Command
	scaleID() string
}

func (c CreateScale) scaleID() string { return c.ScaleID }

// allowedStepCounts are the scale sizes the sources name (2, 3 or 6 steps).
var allowedStepCounts = []int{2, 3, 6}

func decideScale(s Scale, cmd ScaleCommand) ([]domain.Event, error) {
	c, ok := cmd.(CreateScale)
	if !ok {
		return nil, domain.Invalid("command", "is not a scale command")
	}
	if err := domain.CheckID("scale_id", c.ScaleID); err != nil {
		return nil, err
	}
	if err := requireAdmin(c.Actor); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(c.Name)
	if err := checkText("name", name, MaxName); err != nil {
		return nil, err
	}
	steps, err := checkSteps(c.Steps, c.FreeTextOnly)
	if err != nil {
		return nil, err
	}
	if s.Exists {
		if s.Name == name && s.FreeTextOnly == c.FreeTextOnly && slices.Equal(s.Steps, steps) {
			return nil, nil
		}
		return nil, domain.RuleViolated("a scale is never changed once created: create a new scale with another id")
	}
	return []domain.Event{ScaleCreated{ScaleID: c.ScaleID, Name: name, Steps: steps, FreeTextOnly: c.FreeTextOnly}}, nil
}

func checkSteps(in []Step, freeTextOnly bool) ([]Step, error) {
	if freeTextOnly {
		if len(in) > 0 {
			return nil, domain.Invalid("steps", "a free-text-only scale has no steps")
		}
		return nil, nil
	}
	if !slices.Contains(allowedStepCounts, len(in)) {
		return nil, domain.Invalid("steps", "a scale has 2, 3 or 6 steps, not %d (or none, as free text only)", len(in))
	}
	out := make([]Step, 0, len(in))
	for i, st := range in {
		st.Label = strings.TrimSpace(st.Label)
		if !stepKeyPattern.MatchString(st.Key) {
			return nil, domain.Invalid("steps", "step %d: the key must be 1-20 letters, digits, '+', '-' or '_'", i+1)
		}
		if err := checkText("steps", st.Label, MaxLabel); err != nil {
			return nil, domain.Invalid("steps", "step %d: the label is required and at most %d characters", i+1, MaxLabel)
		}
		if slices.ContainsFunc(out, func(o Step) bool { return o.Key == st.Key }) {
			return nil, domain.Invalid("steps", "step %d: the key %q is used twice; keys must be unique", i+1, st.Key)
		}
		out = append(out, st)
	}
	return out, nil
}
