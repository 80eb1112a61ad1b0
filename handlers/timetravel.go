package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/handlers/policy"
)

// Time travel needs no read model: a plan, an entry or a talk is folded
// straight from its stream, up to a recorded-at instant (transaction time,
// ?as_of=) or a revision (?revision=), with the domain's own Evolve.

// at is where to stop folding; the zero value folds everything.
type at struct {
	asOf     *time.Time
	revision *uint64
}

func (t at) includes(env domain.Envelope) bool {
	if t.asOf != nil && env.RecordedAt.After(*t.asOf) {
		return false
	}
	return t.revision == nil || env.Revision <= *t.revision
}

// parseAt reads ?as_of= (RFC 3339) or ?revision= (a stream revision).
func parseAt(q *query) (at, error) {
	var t at
	v := q.r.URL.Query()
	if v.Has("as_of") && v.Has("revision") {
		return t, badQuery("as_of", "Send as_of or revision, not both.")
	}
	if s := v.Get("as_of"); v.Has("as_of") {
		ts, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return t, badQuery("as_of", "must be an RFC 3339 instant, e.g. 2025-11-12T15:00:00Z")
		}
		ts = ts.UTC()
		t.asOf = &ts
	}
	if s := v.Get("revision"); v.Has("revision") {
		n, err := strconv.ParseUint(s, 10, 63)
		if err != nil {
			return t, badQuery("revision", "must be a stream revision: a whole number from 0")
		}
		t.revision = &n
	}
	return t, nil
}

// upTo loads a stream and keeps the events up to t.
func (a *API) upTo(ctx context.Context, stream string, t at) ([]domain.Envelope, error) {
	l, err := a.log.Load(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", stream, err)
	}
	out := l.Events[:0:0]
	for _, env := range l.Events {
		if t.includes(env) {
			out = append(out, env)
		}
	}
	return out, nil
}

func fold[S, C any](d domain.Decider[S, C], envs []domain.Envelope) S {
	s := d.Initial()
	for _, env := range envs {
		s = d.Evolve(s, env.Event)
	}
	return s
}

// stamp says which revision an answer was folded to.
type stamp struct {
	Revision   uint64    `json:"revision"`
	RecordedAt time.Time `json:"recorded_at"`
}

func stampOf(envs []domain.Envelope) stamp {
	last := envs[len(envs)-1]
	return stamp{Revision: last.Revision, RecordedAt: last.RecordedAt.UTC()}
}

// foldPlan folds plan planID of tenant up to t.
func (a *API) foldPlan(ctx context.Context, tenant, planID string, t at) (plan.State, []domain.Envelope, error) {
	student, term, err := plan.ParseID(planID)
	if err != nil {
		return plan.State{}, nil, badPath("plan_id", err.Error())
	}
	envs, err := a.upTo(ctx, plan.Stream(tenant, student, term), t)
	if err != nil {
		return plan.State{}, nil, err
	}
	return fold(plan.Decider, envs), envs, nil
}

// PlanField is a plan field as a reader sees it.
type PlanField struct {
	Key       string `json:"key"`
	Heading   string `json:"heading"`
	Text      string `json:"text"`
	Sensitive bool   `json:"sensitive"`
}

// GoalAt is a plan's goal as a reader sees it (the domain's state has no
// JSON names of its own).
type GoalAt struct {
	ID        string       `json:"goal_id"`
	Text      string       `json:"text"`
	Owner     plan.Owner   `json:"owner"`
	FollowUp  domain.Date  `json:"follow_up"`
	Evaluated bool         `json:"evaluated"`
	Outcome   plan.Outcome `json:"outcome,omitempty"`
	Comment   string       `json:"comment,omitempty"`
}

// PlanAt is a plan as it stood, cut to the reader's field rights.
type PlanAt struct {
	PlanID          string              `json:"plan_id"`
	StudentID       string              `json:"student_id"`
	Term            domain.TermRef      `json:"term"`
	TemplateID      string              `json:"template_id"`
	TemplateVersion int                 `json:"template_version"`
	Title           string              `json:"title"`
	Start           domain.Date         `json:"start"`
	End             domain.Date         `json:"end"`
	Published       bool                `json:"published"`
	Archived        bool                `json:"archived"`
	Fields          []PlanField         `json:"fields"`
	Goals           []GoalAt            `json:"goals"`
	Agreements      map[string][]string `json:"agreements"`
	stamp
}

// planRead checks the policy and folds the plan for a read.
func (a *API) planRead(ctx context.Context, q *query, t at) (plan.State, []domain.Envelope, error) {
	id := muxVar(q.r, "plan_id")
	student, _, err := plan.ParseID(id)
	if err != nil {
		return plan.State{}, nil, badPath("plan_id", err.Error())
	}
	who := principal(q.r)
	if err := allowed(a.reads.policy.Student(ctx, who, student, q.Day)); err != nil {
		return plan.State{}, nil, err
	}
	st, envs, err := a.foldPlan(ctx, q.Tenant(), id, t)
	if err != nil {
		return st, nil, err
	}
	// The home sees a plan only once published; as it stood, too.
	if len(envs) == 0 || !st.Created || (homeRole(who.Role) && !st.Published) {
		return st, nil, hidden
	}
	a.logRead(q, "plan", id, student)
	return st, envs, nil
}

func (a *API) planAt(ctx context.Context, q *query) (any, error) {
	t, err := parseAt(q)
	if err != nil {
		return nil, err
	}
	st, envs, err := a.planRead(ctx, q, t)
	if err != nil {
		return nil, err
	}
	return planView(st, principal(q.r).Role, stampOf(envs)), nil
}

func planView(st plan.State, role domain.Role, s stamp) PlanAt {
	out := PlanAt{PlanID: st.PlanID, StudentID: st.StudentID, Term: st.Term, TemplateID: st.TemplateID,
		TemplateVersion: st.TemplateVersion, Title: st.Title, Start: st.Start, End: st.End,
		Published: st.Published, Archived: st.Archived, Fields: []PlanField{}, Goals: make([]GoalAt, 0, len(st.Goals)),
		Agreements: st.Agreements, stamp: s}
	for _, g := range st.Goals {
		out.Goals = append(out.Goals, GoalAt{ID: g.ID, Text: g.Text, Owner: g.Owner, FollowUp: g.FollowUp,
			Evaluated: g.Evaluated, Outcome: g.Outcome, Comment: g.Comment})
	}
	if out.Agreements == nil {
		out.Agreements = map[string][]string{}
	}
	for _, f := range st.Fields {
		if policy.FieldVisible(role, f.VisibleTo) {
			out.Fields = append(out.Fields, PlanField{Key: f.Key, Heading: f.Heading, Text: st.Texts[f.Key], Sensitive: f.Sensitive})
		}
	}
	return out
}

// EntryAt is one student's omdöme in a round as it stood.
type EntryAt struct {
	RoundID     string         `json:"round_id"`
	StudentID   string         `json:"student_id"`
	CourseID    string         `json:"course_id"`
	Term        domain.TermRef `json:"term"`
	Title       string         `json:"title"`
	Level       string         `json:"level"`
	Comment     string         `json:"comment"`
	SelfLevel   string         `json:"self_level,omitempty"`
	SelfComment string         `json:"self_comment,omitempty"`
	Amendments  int            `json:"amendments"`
	Withdrawals int            `json:"withdrawals"`
	stamp
}

// entryRead checks the policy and folds round and entry for a read.
func (a *API) entryRead(ctx context.Context, q *query, t at) (assessment.RoundState, []domain.Envelope, error) {
	round, err := q.Var("round_id")
	if err != nil {
		return assessment.RoundState{}, nil, err
	}
	student, err := q.Var("student_id")
	if err != nil {
		return assessment.RoundState{}, nil, err
	}
	who := principal(q.r)
	if err := allowed(a.reads.policy.Student(ctx, who, student, q.Day)); err != nil {
		return assessment.RoundState{}, nil, err
	}
	renvs, err := a.upTo(ctx, assessment.RoundStream(q.Tenant(), round), at{})
	if err != nil {
		return assessment.RoundState{}, nil, err
	}
	rs := fold(assessment.RoundDecider, renvs)
	envs, err := a.upTo(ctx, assessment.EntryStream(q.Tenant(), round, student), t)
	if err != nil {
		return rs, nil, err
	}
	// The home sees an omdöme once its round is published.
	if !rs.Exists || len(envs) == 0 || (homeRole(who.Role) && !rs.VisibleAt(q.Now)) {
		return rs, nil, hidden
	}
	a.logRead(q, "assessment", round+"/"+student, student)
	return rs, envs, nil
}

func (a *API) entryAt(ctx context.Context, q *query) (any, error) {
	t, err := parseAt(q)
	if err != nil {
		return nil, err
	}
	rs, envs, err := a.entryRead(ctx, q, t)
	if err != nil {
		return nil, err
	}
	es := fold(assessment.EntryDecider, envs)
	out := EntryAt{RoundID: rs.ID, StudentID: muxVar(q.r, "student_id"), CourseID: rs.CourseID, Term: rs.Term, Title: rs.Title,
		Level: es.Level, Comment: es.Comment, SelfLevel: es.SelfLevel, SelfComment: es.SelfComment,
		Amendments: es.Amendments, Withdrawals: es.Withdrawals, stamp: stampOf(envs)}
	if principal(q.r).Role == domain.RoleGuardian {
		out.SelfLevel, out.SelfComment = "", ""
	}
	return out, nil
}

// ConferenceAt is a development talk as it stood.
type ConferenceAt struct {
	ConferenceID        string                   `json:"conference_id"`
	StudentID           string                   `json:"student_id"`
	Term                domain.TermRef           `json:"term"`
	At                  time.Time                `json:"at"`
	Place               string                   `json:"place"`
	Participants        []conference.Participant `json:"participants"`
	InterpreterLanguage string                   `json:"interpreter_language,omitempty"`
	Cancelled           bool                     `json:"cancelled"`
	Held                bool                     `json:"held"`
	HeldAt              *time.Time               `json:"held_at,omitempty"`
	Attendees           []string                 `json:"attendees,omitempty"`
	Notes               string                   `json:"notes,omitempty"` // staff only
	Agreements          []string                 `json:"agreements,omitempty"`
	ActionProgramme     string                   `json:"action_programme,omitempty"`
	Acknowledged        []string                 `json:"acknowledged"`
	stamp
}

func (a *API) conferenceRead(ctx context.Context, q *query, t at) (conference.State, []domain.Envelope, error) {
	id, err := q.Var("conference_id")
	if err != nil {
		return conference.State{}, nil, err
	}
	envs, err := a.upTo(ctx, conference.Stream(q.Tenant(), id), t)
	if err != nil {
		return conference.State{}, nil, err
	}
	st := fold(conference.Decider, envs)
	if !st.Exists || len(envs) == 0 {
		// Who may see a talk depends on its student: without one, the
		// answer is the policy's 404 for everyone.
		return st, nil, hidden
	}
	if err := allowed(a.reads.policy.Student(ctx, principal(q.r), st.StudentID, q.Day)); err != nil {
		return st, nil, err
	}
	a.logRead(q, "conference", id, st.StudentID)
	return st, envs, nil
}

func (a *API) conferenceAt(ctx context.Context, q *query) (any, error) {
	t, err := parseAt(q)
	if err != nil {
		return nil, err
	}
	st, envs, err := a.conferenceRead(ctx, q, t)
	if err != nil {
		return nil, err
	}
	return conferenceView(st, principal(q.r).Role, stampOf(envs)), nil
}

func conferenceView(st conference.State, role domain.Role, s stamp) ConferenceAt {
	out := ConferenceAt{ConferenceID: st.ConferenceID, StudentID: st.StudentID, Term: st.Term, At: st.At.UTC(), Place: st.Place,
		Participants: st.Participants, InterpreterLanguage: st.InterpreterLanguage, Cancelled: st.Cancelled, Held: st.Held,
		Acknowledged: st.Acknowledged, stamp: s}
	if out.Acknowledged == nil {
		out.Acknowledged = []string{}
	}
	if st.Held {
		h := st.Record.HeldAt.UTC()
		out.HeldAt, out.Attendees, out.Agreements = &h, st.Record.Attendees, st.Record.Agreements
		if !homeRole(role) {
			out.Notes = st.Record.Notes
		}
	}
	if ap := st.ActionProgramme; ap != nil && (!homeRole(role) || ap.ShowToHome) {
		out.ActionProgramme = strings.TrimSpace(ap.Note)
	}
	return out
}
