package handlers

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/handlers/policy"
)

// History lists a record's revisions with field-level differences: each
// revision is folded before and after its event, both sides flattened to
// the fields the reader may see, and compared. A revision that changed
// nothing the reader may see is left out, so an edit of a hidden field
// leaves no trace for whom it is hidden from.

// Change is one field's before and after (null: absent).
type Change struct {
	Field  string  `json:"field"`
	Before *string `json:"before"`
	After  *string `json:"after"`
}

// Revision is one event of a record's history.
type Revision struct {
	Revision   uint64      `json:"revision"`
	RecordedAt time.Time   `json:"recorded_at"`
	Type       string      `json:"type"`
	ActorID    string      `json:"actor_id"`
	Role       domain.Role `json:"role"`
	OnBehalfOf string      `json:"on_behalf_of,omitempty"`
	Culled     bool        `json:"culled,omitempty"`
	Reason     string      `json:"reason,omitempty"` // an amendment's reason
	Changes    []Change    `json:"changes"`
}

// history folds envs one by one with evolve and diffs flat views of state.
func history[S any](initial S, evolve func(S, domain.Event) S, flat func(S) map[string]string, envs []domain.Envelope) []Revision {
	out := []Revision{}
	s := initial
	before := flat(s)
	for _, env := range envs {
		s = evolve(s, env.Event)
		after := flat(s)
		changes := diff(before, after)
		before = after
		if len(changes) == 0 {
			continue
		}
		rev := Revision{Revision: env.Revision, RecordedAt: env.RecordedAt.UTC(), Type: env.Event.EventType(),
			ActorID: env.Actor.ID, Role: env.Actor.Role, OnBehalfOf: env.Actor.OnBehalfOf, Culled: env.Culled, Changes: changes}
		if am, ok := env.Event.(assessment.EntryAmended); ok {
			rev.Reason = am.Reason
		}
		out = append(out, rev)
	}
	slices.Reverse(out) // newest first, as the audit trails
	return out
}

func diff(before, after map[string]string) []Change {
	var keys []string
	for k := range before {
		keys = append(keys, k)
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []Change
	for _, k := range keys {
		b, bok := before[k]
		a, aok := after[k]
		if bok == aok && b == a {
			continue
		}
		c := Change{Field: k}
		if bok {
			c.Before = &b
		}
		if aok {
			c.After = &a
		}
		out = append(out, c)
	}
	return out
}

func flag(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// flatPlan is what role may see of a plan, one entry per field.
func flatPlan(role domain.Role) func(plan.State) map[string]string {
	return func(s plan.State) map[string]string {
		m := map[string]string{}
		if !s.Created {
			return m
		}
		m["title"], m["start"], m["end"] = s.Title, s.Start.String(), s.End.String()
		m["published"], m["archived"] = flag(s.Published), flag(s.Archived)
		for _, f := range s.Fields {
			if t, ok := s.Texts[f.Key]; ok && policy.FieldVisible(role, f.VisibleTo) {
				m["field:"+f.Key] = t
			}
		}
		for _, g := range s.Goals {
			p := "goal:" + g.ID + ":"
			m[p+"text"], m[p+"owner"], m[p+"follow_up"] = g.Text, string(g.Owner), g.FollowUp.String()
			if g.Evaluated {
				m[p+"outcome"], m[p+"comment"] = string(g.Outcome), g.Comment
			}
		}
		for conf, texts := range s.Agreements {
			m["agreements:"+conf] = strings.Join(texts, "\n")
		}
		for _, d := range s.Documents {
			m["document:"+d.ID] = d.FileName
		}
		return m
	}
}

func flatEntry(role domain.Role) func(assessment.EntryState) map[string]string {
	return func(s assessment.EntryState) map[string]string {
		m := map[string]string{}
		if s.Level != "" {
			m["level"] = s.Level
		}
		if s.Comment != "" {
			m["comment"] = s.Comment
		}
		if role != domain.RoleGuardian { // the self-assessment is the student's and the school's
			if s.SelfLevel != "" {
				m["self_level"] = s.SelfLevel
			}
			if s.SelfComment != "" {
				m["self_comment"] = s.SelfComment
			}
		}
		return m
	}
}

func flatConference(role domain.Role) func(conference.State) map[string]string {
	return func(s conference.State) map[string]string {
		v := conferenceView(s, role, stamp{})
		m := map[string]string{}
		if !s.Exists {
			return m
		}
		m["at"], m["place"], m["cancelled"], m["held"] = v.At.Format(time.RFC3339), v.Place, flag(v.Cancelled), flag(v.Held)
		if v.InterpreterLanguage != "" {
			m["interpreter_language"] = v.InterpreterLanguage
		}
		var ps []string
		for _, p := range v.Participants {
			ps = append(ps, p.PersonID+" ("+string(p.Role)+")")
		}
		m["participants"] = strings.Join(ps, ", ")
		if v.Held {
			m["notes"], m["agreements"], m["attendees"] = v.Notes, strings.Join(v.Agreements, "\n"), strings.Join(v.Attendees, ", ")
			if v.Notes == "" {
				delete(m, "notes")
			}
		}
		if v.ActionProgramme != "" {
			m["action_programme"] = v.ActionProgramme
		}
		if len(v.Acknowledged) > 0 {
			m["acknowledged"] = strings.Join(v.Acknowledged, ", ")
		}
		return m
	}
}

func (a *API) planHistory(ctx context.Context, q *query) (any, error) {
	_, envs, err := a.planRead(ctx, q, at{})
	if err != nil {
		return nil, err
	}
	return map[string]any{"plan_id": muxVar(q.r, "plan_id"),
		"revisions": history(plan.Decider.Initial(), plan.Decider.Evolve, flatPlan(principal(q.r).Role), envs)}, nil
}

func (a *API) entryHistory(ctx context.Context, q *query) (any, error) {
	_, envs, err := a.entryRead(ctx, q, at{})
	if err != nil {
		return nil, err
	}
	return map[string]any{"round_id": muxVar(q.r, "round_id"), "student_id": muxVar(q.r, "student_id"),
		"revisions": history(assessment.EntryDecider.Initial(), assessment.EntryDecider.Evolve, flatEntry(principal(q.r).Role), envs)}, nil
}

func (a *API) conferenceHistory(ctx context.Context, q *query) (any, error) {
	_, envs, err := a.conferenceRead(ctx, q, at{})
	if err != nil {
		return nil, err
	}
	return map[string]any{"conference_id": muxVar(q.r, "conference_id"),
		"revisions": history(conference.Decider.Initial(), conference.Decider.Evolve, flatConference(principal(q.r).Role), envs)}, nil
}
