package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/eventstore"
)

// Headers of the write pipeline.
const (
	IdempotencyKeyHeader = "Idempotency-Key"
	OnBehalfOfHeader     = "IUP-On-Behalf-Of" // an admin acting for someone names them
	ReplayedHeader       = "Idempotent-Replayed"
	RequestIDHeader      = "X-Request-ID"
)

// cmd is one command request as a route handler sees it.
type cmd struct {
	r       *http.Request
	body    []byte
	Meta    domain.Meta     // actor, instant and request ids for the command
	IfMatch *domain.Version // from If-Match; nil when absent
	Log     domain.EventLog // the event log; replays an idempotent retry
	// Stream is the stream the command writes, when it is one: a 409 or
	// 412 then carries its current revision.
	Stream string
	seq    int // for NewID
	keyed  string
}

// Decode decodes the request body into dst (see decodeJSON).
func (c *cmd) Decode(dst any) error { return decodeJSON(c.body, dst) }

// Var is a path parameter, checked to be an opaque id.
func (c *cmd) Var(name string) (string, error) {
	v := muxVar(c.r, name)
	if err := domain.CheckID(name, v); err != nil {
		return "", badPath(name, err.Error())
	}
	return v, nil
}

// Tenant is the caller's organiser.
func (c *cmd) Tenant() string { return c.Meta.Actor.Tenant }

// NewID returns an id for a record the command creates. With an
// Idempotency-Key it is derived from the key, so a retry names the same
// record; without one it is random.
func (c *cmd) NewID(prefix string) string {
	c.seq++
	if c.keyed != "" {
		u := uuid.NewSHA1(uuid.NameSpaceURL, []byte(c.keyed+"#"+strconv.Itoa(c.seq)))
		return prefix + strings.ReplaceAll(u.String(), "-", "")[:24]
	}
	return prefix + strings.ReplaceAll(eventstore.NewEventID().String(), "-", "")
}

// written is what a command handler answers.
type written struct {
	Status   int    // 200 when 0
	Body     any    // JSON body
	Location string // for 201
	// Result of a single-stream command: its revision becomes the ETag.
	Result *domain.Result
	// Positions of every append (bulk commands): the token covers the last.
	Positions []string
}

// commandFunc runs one command.
type commandFunc func(ctx context.Context, c *cmd) (written, error)

// command wraps a command handler in the write pipeline:
//
//  1. the actor from the caller (tenant, subject, acting role; an admin
//     acting for someone says so),
//  2. If-Match as the domain's IfMatch (412 when the revision moved),
//  3. an Idempotency-Key replays the first answer without a second event,
//  4. the handler decides and appends,
//  5. the answer carries ETag (the stream's new revision) and a
//     consistency token bound to the tenant.
func (a *API) command(fn commandFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.runCommand(w, r, fn); err != nil {
			a.writeError(w, r, err)
		}
	}
}

func (a *API) runCommand(w http.ResponseWriter, r *http.Request, fn commandFunc) error {
	ctx := r.Context()
	p := principal(r)
	body, err := readBody(w, r, a.maxBody)
	if err != nil {
		return err
	}
	c := &cmd{r: r, body: body, Log: a.log}
	c.Meta = domain.Meta{
		Actor: domain.Actor{Tenant: p.Tenant, ID: p.Subject, Role: p.Role},
		Now:   a.now().UTC(),
	}
	if obo := r.Header.Get(OnBehalfOfHeader); obo != "" {
		if p.Role != domain.RoleAdmin {
			return &requestError{status: http.StatusForbidden, typ: ProblemForbidden, title: "Not allowed", field: OnBehalfOfHeader,
				detail: "Only an organiser admin may act on behalf of someone."}
		}
		if err := domain.CheckID(OnBehalfOfHeader, obo); err != nil {
			return badHeader(OnBehalfOfHeader, err.Error())
		}
		c.Meta.Actor.OnBehalfOf = obo
	}
	if c.IfMatch, err = parseIfMatch(r.Header.Get("If-Match")); err != nil {
		return err
	}
	c.Meta.CorrelationID = requestID(r)

	if key := r.Header.Get(IdempotencyKeyHeader); key != "" {
		unlock, err := a.idempotent(ctx, c, key)
		if err != nil {
			return err
		}
		defer unlock()
		if rl, ok := c.Log.(*replayLog); ok && rl.replaying() {
			w.Header().Set(ReplayedHeader, "true")
		}
	} else {
		c.Meta.RequestID = c.Meta.CorrelationID
	}

	out, err := fn(ctx, c)
	if err != nil {
		return a.withRevision(ctx, c, err)
	}
	return a.answer(w, c, out)
}

// withRevision adds the stream's current revision to a 409 or 412.
func (a *API) withRevision(ctx context.Context, c *cmd, err error) error {
	code := domain.ErrorCode(err)
	if c.Stream == "" || (code != domain.CodeConflict && code != domain.CodePreconditionFailed) {
		return err
	}
	evs, rerr := a.streams.ReadStream(ctx, c.Stream, eventstore.ReadStreamOptions{FromEnd: true, Backwards: true, Limit: 1})
	switch {
	case errors.Is(rerr, eventstore.ErrStreamNotFound):
		return &revisionError{err: err, current: domain.NoStream}
	case rerr != nil || len(evs) == 0:
		return err // the 409/412 stands; the revision is a courtesy
	}
	return &revisionError{err: err, current: domain.Version(evs[0].Revision)}
}

func (a *API) answer(w http.ResponseWriter, c *cmd, out written) error {
	positions := out.Positions
	if out.Result != nil {
		if out.Result.Version != domain.NoStream {
			w.Header().Set("ETag", etag(out.Result.Version))
		}
		positions = append(positions, out.Result.Position)
	}
	if pos, ok, err := lastPosition(positions); err != nil {
		return err
	} else if ok {
		w.Header().Set(ConsistencyHeader, a.tokens.Issue(c.Tenant(), pos))
	}
	if out.Location != "" {
		w.Header().Set("Location", out.Location)
	}
	status := out.Status
	if status == 0 {
		status = http.StatusOK
	}
	if out.Body == nil {
		out.Body = map[string]any{}
	}
	writeJSON(w, status, out.Body)
	return nil
}

// lastPosition is the greatest of the appends' positions ("" = nothing
// appended).
func lastPosition(ps []string) (eventstore.Position, bool, error) {
	var last eventstore.Position
	found := false
	for _, s := range ps {
		if s == "" {
			continue
		}
		p, err := eventstore.ParsePosition(s)
		if err != nil {
			return last, false, fmt.Errorf("position of an append: %w", err)
		}
		if !found || last.Before(p) {
			last, found = p, true
		}
	}
	return last, found, nil
}

func etag(v domain.Version) string { return `"` + strconv.FormatInt(int64(v), 10) + `"` }

// parseIfMatch reads a revision ETag ("3"; W/"3" is accepted as the same).
// "*" asks only that the record exist, which every command on an existing
// record checks anyway: it is treated as absent.
func parseIfMatch(h string) (*domain.Version, error) {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return nil, nil
	}
	h = strings.TrimPrefix(h, "W/")
	if len(h) < 3 || h[0] != '"' || h[len(h)-1] != '"' {
		return nil, badHeader("If-Match", `Send the ETag of the record as you read it, quotes included, e.g. If-Match: "3".`)
	}
	n, err := strconv.ParseInt(h[1:len(h)-1], 10, 64)
	if err != nil || n < -1 {
		return nil, badHeader("If-Match", `The ETag is a revision number in quotes, e.g. "3".`)
	}
	v := domain.Version(n)
	return &v, nil
}

// requestID is the client's X-Request-ID when it is a sane token, else a
// fresh one; it ties the events of one request together.
func requestID(r *http.Request) string {
	if id := r.Header.Get(RequestIDHeader); id != "" && len(id) <= 64 && domain.ValidID(id) {
		return id
	}
	return eventstore.NewEventID().String()
}
