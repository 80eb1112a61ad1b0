package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/gorilla/mux"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
	"github.com/iup-platform/iup/handlers/policy"
	"github.com/iup-platform/iup/projections/views/relations"
	"github.com/iup-platform/iup/projections/views/staff"
)

// StaleHeader says a read answered from a view that had not yet caught up
// with the consistency token within the wait bound.
const StaleHeader = "IUP-Stale"

// reads is the read side's state in the API.
type reads struct {
	policy  *policy.Policy
	access  *AccessLog
	feed    *feed // SSE (sse.go); nil when the store cannot be followed
	zones   *lru.Cache[string, zone]
	zoneTTL time.Duration
	// overviews keeps recent mentor overviews as their cut reads them
	// (overview.go).
	overviews *lru.Cache[string, *storedOverview]
}

// zoneTTL is how long a read trusts an organiser's time zone without
// folding its stream again: a changed time zone moves "today" for reads
// within this long (commands fold the stream themselves). See
// docs/decisions.md §16.
const defaultZoneTTL = 5 * time.Second

// zone is an organiser's time zone as last folded.
type zone struct {
	loc   *time.Location
	until time.Time
}

func (a *API) initReads(c APIConfig) error {
	pol, err := policy.New(eventRoster{log: c.Log, views: c.Views})
	if err != nil {
		return err
	}
	sink := c.AccessLog
	if sink == nil {
		sink = NewMemoryAccessSink()
	}
	zones, err := lru.New[string, zone](4096)
	if err != nil {
		return fmt.Errorf("time zone cache: %w", err)
	}
	overviews, err := lru.New[string, *storedOverview](overviewCacheSize)
	if err != nil {
		return fmt.Errorf("overview cache: %w", err)
	}
	a.reads = &reads{policy: pol, access: NewAccessLog(sink, c.Logger, AccessLogOptions{}), zones: zones, zoneTTL: defaultZoneTTL,
		overviews: overviews}
	a.reads.feed = newFeed(a)
	return nil
}

// Close flushes the read access log; the service calls it on shutdown.
func (a *API) Close() error { return a.reads.access.Close() }

// registerReads is the table of the reads. Every read is GET, answers 404
// for what the caller may not see, and accepts the consistency token.
func (a *API) registerReads(r *mux.Router) {
	get := func(path string, fn readFunc) { a.handle(r, http.MethodGet, path, a.read(fn)) }

	// Views (projections).
	get("/mentors/{staff_id}/terms/{term}/overview", a.mentorOverview)
	get("/courses/{course_id}/terms/{term}/view", a.courseView)
	get("/schools/{school_id}/terms/{term}/lists", a.schoolLists)
	get("/guardians/{guardian_id}/children", a.guardianChildren)
	get("/students/{student_id}/home", a.studentHome)
	get("/students/{student_id}/terms/{term}/snapshot", a.termSnapshot)
	get("/conferences/{conference_id}/record", a.conferenceRecord)

	// Audit trails (admin, principal), newest first, paged.
	get("/students/{student_id}/audit", a.studentAudit)
	get("/actors/{actor_id}/audit", a.actorAudit)
	get("/courses/{course_id}/audit", a.courseAudit)

	// Time travel and history, folded from the event store.
	get("/plans/{plan_id}", a.planAt)
	get("/plans/{plan_id}/history", a.planHistory)
	get("/assessments/{round_id}/entries/{student_id}", a.entryAt)
	get("/assessments/{round_id}/entries/{student_id}/history", a.entryHistory)
	get("/conferences/{conference_id}", a.conferenceAt)
	get("/conferences/{conference_id}/history", a.conferenceHistory)

	// Live changes and the read access log.
	a.handle(r, http.MethodGet, "/events", http.HandlerFunc(a.events))
	get("/access-log", a.accessLogRead)

	// Protected identity and the right-of-access export (protected.go).
	a.protectedRoutes(r)
}

// readFunc serves one read; it returns the body to encode.
type readFunc func(ctx context.Context, q *query) (any, error)

// query is one read request as a read handler sees it.
type query struct {
	r   *http.Request
	w   http.ResponseWriter
	a   *API
	Day domain.Date // today in the organiser's time zone: relations are judged on it
	Now time.Time

	logBy  time.Time // until when logRead may wait for room in the access log
	logErr error     // an access-log entry that could not be queued fails the read
}

// Var is a path parameter, checked to be an opaque id.
func (q *query) Var(name string) (string, error) {
	v := muxVar(q.r, name)
	if err := domain.CheckID(name, v); err != nil {
		return "", badPath(name, err.Error())
	}
	return v, nil
}

// Term is the {term} path parameter (e.g. sy25:HT).
func (q *query) Term() (domain.TermRef, error) {
	t, err := domain.ParseTermRef(muxVar(q.r, "term"))
	if err != nil {
		return t, badPath("term", "must be SCHOOLYEAR:HT or SCHOOLYEAR:VT, e.g. sy25:HT")
	}
	return t, nil
}

func (q *query) Tenant() string { return principal(q.r).Tenant }

// read wraps a read: the caller's day, the bounded wait for a consistency
// token, the handler, the JSON answer.
func (a *API) read(fn readFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := &query{r: r, w: w, a: a, Now: a.now().UTC()}
		body, err := a.runRead(q, fn)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if raw, ok := body.(encodedJSON); ok {
			raw.write(w)
			return
		}
		writeJSON(w, http.StatusOK, body)
	}
}

// encodeDoc encodes a view document as writeJSON would (goccy/go-json
// writes encoding/json's bytes for the views' documents:
// TestEveryViewEncodesAsEncodingJSONWould), at a few times its speed.
func encodeDoc(v any) (encodedJSON, error) {
	b, err := gojson.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode a view document: %w", err)
	}
	return b, nil
}

// encodedJSON is a read's answer already encoded: a JSON value exactly as
// writeJSON would write it, without the newline that ends the body.
type encodedJSON []byte

// write answers 200 with the value and the newline, as writeJSON does.
func (b encodedJSON) write(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	_, _ = w.Write(newline)
}

var newline = []byte{'\n'}

func (a *API) runRead(q *query, fn readFunc) (any, error) {
	ctx := q.r.Context()
	loc, err := a.organiserZone(ctx, q.Tenant())
	if err != nil {
		return nil, fmt.Errorf("organiser's day: %w", err)
	}
	q.Day = domain.DateOf(q.Now, loc)
	body, err := fn(ctx, q)
	if err == nil && q.logErr != nil {
		// Never serve a read whose access-log entry was not taken.
		return nil, q.logErr
	}
	return body, err
}

// organiserZone is the organiser's time zone, folded from its stream at
// most every zoneTTL (it was 7-9% of a read's CPU folded on every read).
// An organiser not yet set up is not remembered: its setup applies at once.
func (a *API) organiserZone(ctx context.Context, tenant string) (*time.Location, error) {
	now := time.Now()
	if z, ok := a.reads.zones.Get(tenant); ok && now.Before(z.until) {
		return z.loc, nil
	}
	o, v, err := setup.LoadOrganiser(ctx, a.log, tenant)
	if err != nil {
		return nil, err
	}
	loc := o.Location()
	if v != domain.NoStream {
		a.reads.zones.Add(tenant, zone{loc: loc, until: now.Add(a.reads.zoneTTL)})
	}
	return loc, nil
}

// waitFor waits, bounded by the API's read wait, until view has applied the
// consistency token's position. Past the bound the read goes on and says
// it is stale.
func (q *query) waitFor(ctx context.Context, view string) error {
	tok := q.r.Header.Get(ConsistencyHeader)
	if tok == "" {
		return nil
	}
	pos, err := q.a.tokens.Parse(q.Tenant(), tok)
	if err != nil {
		return badHeader(ConsistencyHeader, "Send the consistency token a write of this organiser answered with, unchanged.")
	}
	wctx, cancel := context.WithTimeout(ctx, q.a.readWait)
	defer cancel()
	switch err := q.a.waiter.WaitFor(wctx, view, pos); {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		q.w.Header().Set(StaleHeader, "true")
		return nil
	default:
		return fmt.Errorf("wait for view %s: %w", view, err)
	}
}

// getDoc reads one view document into v after waiting for the token;
// false when there is none.
func (q *query) getDoc(ctx context.Context, view, key string, v any) (bool, error) {
	raw, err := q.getRaw(ctx, view, key)
	if err != nil || raw == nil {
		return false, err
	}
	return true, decodeDoc(view, raw, v)
}

// getRaw reads one view document's stored bytes after waiting for the
// token; nil when there is none. The bytes may be the store's: read only.
func (q *query) getRaw(ctx context.Context, view, key string) ([]byte, error) {
	if err := q.waitFor(ctx, view); err != nil {
		return nil, err
	}
	docs, err := q.a.views.Get(ctx, view, key)
	if err != nil {
		return nil, fmt.Errorf("read view %s: %w", view, err)
	}
	if len(docs) == 0 {
		return nil, nil
	}
	return docs[0], nil
}

// decodeDoc decodes a view document with the JSON codec the views are
// written and folded with (goccy/go-json: projections/jsoncodec.go), a few
// times faster than encoding/json on the large staff documents.
func decodeDoc(view string, raw []byte, v any) error {
	if err := gojson.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode a document of view %s: %w", view, err)
	}
	return nil
}

// hidden is the answer to what the caller may not see or what does not
// exist: the same 404 either way.
var hidden = &requestError{status: http.StatusNotFound, typ: ProblemNotFound, title: "Not found",
	detail: "There is no such record among yours."}

// allowed turns a policy answer into the request's error.
func allowed(err error) error {
	if errors.Is(err, policy.ErrHidden) {
		return hidden
	}
	return err
}

// authorizeWrite is the coarse role check of every command (policy.Write);
// the domain checks the relation. Reads pass through.
func (a *API) authorizeWrite(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !policy.IsWrite(r.Method) {
			next.ServeHTTP(w, r)
			return
		}
		ok, _ := policy.Write(principal(r).Role, r.Method, routeTemplate(r))
		if !ok {
			a.writeError(w, r, domain.Forbidden("the role %s may not do this", principal(r).Role))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// eventRoster is the policy's roster: the roster aggregates folded from the
// event store, so a custody ended or a restriction set a moment ago holds
// at once, with no projection lag. Only the list of a student's courses
// comes from a view, and the policy confirms each course on its stream.
type eventRoster struct {
	log   domain.EventLog
	views ViewReader
}

func (e eventRoster) Student(ctx context.Context, tenant, id string) (roster.Student, error) {
	s, _, err := roster.LoadStudent(ctx, e.log, tenant, id)
	return s, err
}

func (e eventRoster) Course(ctx context.Context, tenant, id string) (roster.Course, error) {
	c, _, err := roster.LoadCourse(ctx, e.log, tenant, id)
	return c, err
}

func (e eventRoster) Staff(ctx context.Context, tenant, id string) (roster.Staff, error) {
	s, _, err := roster.LoadStaff(ctx, e.log, tenant, id)
	return s, err
}

func (e eventRoster) CoursesOf(ctx context.Context, tenant, id string) ([]string, error) {
	docs, err := e.views.Get(ctx, staff.CourseViewName, relations.StudentKey(tenant, id))
	if err != nil || len(docs) == 0 || docs[0] == nil {
		return nil, err
	}
	var s relations.Student
	if err := json.Unmarshal(docs[0], &s); err != nil {
		return nil, fmt.Errorf("relations of a student: %w", err)
	}
	return s.Courses, nil
}
