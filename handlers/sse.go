package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/setup"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/handlers/auth"
	"github.com/iup-platform/iup/handlers/policy"
)

// Server-Sent Events: GET /v1/events streams a notice for every change to
// a student's plan, omdömen or talks the caller may see, filtered by the
// same policy as the reads. A notice names the record and its new revision
// and carries a consistency token, never the content: the client reads the
// record through the ordinary (field-filtered) endpoints, waiting with the
// token.

// follower is the part of the event store SSE follows.
type follower interface {
	Subscribe(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.RecordedEvent, error]
	HeadPosition(ctx context.Context) (eventstore.Position, error)
}

// decoder turns a stored event into the domain's envelope (DomainLog).
type decoder interface {
	Decode(ctx context.Context, rec eventstore.RecordedEvent) (domain.Envelope, error)
}

type feed struct {
	follow    follower
	decode    decoder
	heartbeat time.Duration
}

// newFeed returns the SSE feed, or nil when the API's store cannot be
// followed (the route then answers 503).
func newFeed(a *API) *feed {
	f, ok1 := a.streams.(follower)
	d, ok2 := a.log.(decoder)
	if !ok1 || !ok2 {
		return nil
	}
	return &feed{follow: f, decode: d, heartbeat: 15 * time.Second}
}

// Notice is one SSE message (event: change).
type Notice struct {
	Kind             string `json:"kind"` // plan, assessment, conference
	StudentID        string `json:"student_id"`
	Stream           string `json:"stream"`
	Revision         uint64 `json:"revision"`
	Type             string `json:"type"`
	ConsistencyToken string `json:"consistency_token"`
}

func (a *API) events(w http.ResponseWriter, r *http.Request) {
	if a.reads.feed == nil {
		WriteProblem(w, r, Problem{Type: ProblemUnavailable, Status: http.StatusServiceUnavailable, Title: "Live updates unavailable",
			Detail: "This node cannot follow the event store; poll the views instead."})
		return
	}
	ctx := r.Context()
	who := principal(r)
	after, err := a.streamStart(ctx, r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprint(w, ": iup live updates\n\n")
	_ = rc.Flush()

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	notices := make(chan sseMsg, 64)
	go a.follow(sctx, who, after, notices)
	tick := time.NewTicker(a.reads.feed.heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			_, err = fmt.Fprint(w, ": keep-alive\n\n")
		case m, ok := <-notices:
			if !ok {
				return
			}
			_, err = fmt.Fprintf(w, "id: %s\nevent: change\ndata: %s\n\n", m.id, m.data)
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return
		}
	}
}

type sseMsg struct {
	id   string
	data []byte
}

// streamStart is where the stream begins: after Last-Event-ID when the
// client resumes, else at the head (only new changes).
func (a *API) streamStart(ctx context.Context, r *http.Request) (eventstore.Position, error) {
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		p, err := eventstore.ParsePosition(id)
		if err != nil {
			return p, badHeader("Last-Event-ID", "Send the id of the last event this stream gave you, unchanged.")
		}
		return p, nil
	}
	return a.reads.feed.follow.HeadPosition(ctx)
}

// follow reads the log after pos and sends the notices who may see.
func (a *API) follow(ctx context.Context, who auth.Principal, pos eventstore.Position, out chan<- sseMsg) {
	defer close(out)
	f := a.reads.feed
	seen := accessCache{}
	for rec, err := range f.follow.Subscribe(ctx, pos) {
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				a.logger.Warn("live updates: following the log failed", "err", err)
			}
			return
		}
		if rec.Metadata.Tenant != who.Tenant {
			continue
		}
		kind := kindOf(rec.Type)
		if kind == "" {
			continue
		}
		env, err := f.decode.Decode(ctx, rec)
		if err != nil {
			a.logger.Warn("live updates: an event could not be decoded", "type", rec.Type, "err", err)
			continue
		}
		ok, err := a.mayNotice(ctx, who, env, seen)
		if err != nil {
			a.logger.Warn("live updates: access check failed", "err", err)
			return
		}
		if !ok {
			continue
		}
		n := Notice{Kind: kind, StudentID: studentOf(env.Event), Stream: rec.Stream, Revision: rec.Revision, Type: rec.Type,
			ConsistencyToken: a.tokens.Issue(who.Tenant, rec.Position)}
		data, err := json.Marshal(n)
		if err != nil {
			return
		}
		select {
		case out <- sseMsg{id: rec.Position.String(), data: data}:
		case <-ctx.Done():
			return
		}
	}
}

// kindOf names the records SSE reports on, by event type prefix.
func kindOf(eventType string) string {
	for _, k := range []string{"plan", "assessment", "conference"} {
		if strings.HasPrefix(eventType, k+".") {
			return k
		}
	}
	return ""
}

// studentOf is the student an event is about: its data subject, or its
// StudentID field for events without personal content.
func studentOf(ev domain.Event) string {
	if ds, ok := ev.(domain.DataSubject); ok {
		return ds.DataSubject()
	}
	v := reflect.ValueOf(ev)
	if v.Kind() == reflect.Struct {
		if f := v.FieldByName("StudentID"); f.IsValid() && f.Kind() == reflect.String {
			return f.String()
		}
	}
	return ""
}

// accessCache remembers the policy's answer per student for a short while,
// so a burst of events does not reload the roster for each.
type accessCache map[string]accessMemo

type accessMemo struct {
	ok    bool
	until time.Time
}

// mayNotice applies the reads' policy to one event: the caller may see the
// student; the home hears only of what it may read (a published plan and
// its visible fields, a published round, a talk but not its support
// findings).
func (a *API) mayNotice(ctx context.Context, who auth.Principal, env domain.Envelope, seen accessCache) (bool, error) {
	student := studentOf(env.Event)
	if student == "" {
		return false, nil
	}
	now := a.now()
	m, ok := seen[student]
	if !ok || now.After(m.until) {
		day, _, err := setup.Today(ctx, a.log, who.Tenant, now)
		if err != nil {
			return false, err
		}
		err = a.reads.policy.Student(ctx, who, student, day)
		if err != nil && !errors.Is(err, policy.ErrHidden) {
			return false, err
		}
		m = accessMemo{ok: err == nil, until: now.Add(5 * time.Second)}
		seen[student] = m
	}
	if !m.ok {
		return false, nil
	}
	if !homeRole(who.Role) {
		return true, nil
	}
	switch ev := env.Event.(type) {
	case plan.Created, plan.LegacyDocumentAttached:
		return false, nil
	case conference.ActionProgrammeConsidered:
		return ev.ShowToHome, nil
	}
	if strings.HasPrefix(env.Event.EventType(), "plan.") {
		st, _, err := a.foldPlan(ctx, who.Tenant, planIDOf(env), at{revision: &env.Revision})
		if err != nil {
			return false, err
		}
		if !st.Published {
			return false, nil
		}
		if fs, ok := env.Event.(plan.FieldSet); ok {
			f, _ := st.Field(fs.Key)
			return policy.FieldVisible(who.Role, f.VisibleTo), nil
		}
		return true, nil
	}
	if strings.HasPrefix(env.Event.EventType(), "assessment.") {
		round := roundOf(env.Event)
		if round == "" {
			return false, nil
		}
		rs, _, err := domain.Load(ctx, a.log, assessment.RoundDecider, assessment.RoundStream(who.Tenant, round))
		if err != nil {
			return false, err
		}
		return rs.VisibleAt(now), nil
	}
	return true, nil
}

func planIDOf(env domain.Envelope) string {
	v := reflect.ValueOf(env.Event)
	if v.Kind() == reflect.Struct {
		if f := v.FieldByName("PlanID"); f.IsValid() && f.Kind() == reflect.String {
			return f.String()
		}
	}
	return ""
}

func roundOf(ev domain.Event) string {
	v := reflect.ValueOf(ev)
	if v.Kind() == reflect.Struct {
		if f := v.FieldByName("RoundID"); f.IsValid() && f.Kind() == reflect.String {
			return f.String()
		}
	}
	return ""
}
