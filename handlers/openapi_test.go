package handlers

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/gorilla/mux"
)

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPIDocument())
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi.json is %s, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// Every route the router serves is in the document, with its method.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	doc := loadOpenAPI(t)
	h := newHarness(t)
	documented := 0
	err := h.router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil {
			return nil
		}
		methods, _ := route.GetMethods()
		item := doc.Paths.Find(tpl)
		for _, m := range methods {
			if item == nil || item.GetOperation(m) == nil {
				t.Errorf("%s %s is served but not in openapi.json", m, tpl)
				continue
			}
			documented++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if documented < 60 {
		t.Fatalf("only %d operations found: the walk missed the routes", documented)
	}
	// And nothing is documented that is not served; every /v1 route says
	// it may answer 429 (the per-caller budget sits in front of all of them).
	for path, item := range doc.Paths.Map() {
		for m, op := range item.Operations() {
			if strings.HasPrefix(path, "/v1/") && op.Responses.Status(http.StatusTooManyRequests) == nil {
				t.Errorf("%s %s does not document its 429", m, path)
			}
			req, _ := http.NewRequest(m, strings.NewReplacer("{", "", "}", "").Replace(path), nil)
			var match mux.RouteMatch
			if !h.router.Match(req, &match) || match.MatchErr != nil {
				t.Errorf("%s %s is documented but not served", m, path)
			}
		}
	}
}

// The answers of the end-to-end flow, the write-pipeline tests and the
// bad-input table are what the document says, problems included.
func TestOpenAPIDescribesRealResponses(t *testing.T) {
	doc := loadOpenAPI(t)
	var checked, tooMany atomic.Int64
	var ok200 sync.Map
	// The export's HTML form is a string in the document: read it as one.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	t.Cleanup(func() { openapi3filter.UnregisterBodyDecoder("text/html") })
	checkExchange = func(h *apiHarness, req *http.Request, r resp) {
		var match mux.RouteMatch
		if !h.router.Match(req, &match) || match.MatchErr != nil {
			return // 404/405 of unknown routes: no operation to check against
		}
		tpl, _ := match.Route.GetPathTemplate()
		item := doc.Paths.Find(tpl)
		if item == nil || item.GetOperation(req.Method) == nil {
			h.t.Errorf("%s %s answered but is not documented", req.Method, tpl)
			return
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: match.Vars,
				Route: &routers.Route{Spec: doc, Path: tpl, PathItem: item, Method: req.Method, Operation: item.GetOperation(req.Method)}},
			Status: r.Status, Header: r.Header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true},
		}
		in.SetBodyBytes(r.Body)
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			h.t.Errorf("%s %s -> %d does not match openapi.json: %v\n%.400s", req.Method, tpl, r.Status, err, r.Body)
		}
		checked.Add(1)
		switch {
		case r.Status == http.StatusOK && req.Method == http.MethodGet:
			ok200.Store(strings.TrimPrefix(tpl, "/v1"), true)
		case r.Status == http.StatusTooManyRequests:
			tooMany.Add(1)
		}
	}
	t.Cleanup(func() { checkExchange = nil })
	t.Run("flow", TestEndToEndTermFlow)
	t.Run("idempotency", TestIdempotencyKeyReplaysTheAnswerAfterARestart)
	t.Run("if-match", TestIfMatchAndConcurrentEdits)
	t.Run("bad input", TestBadInputGetsAProblemNeverA5xx)
	// The reads beyond the flow: every view, trail, history and time
	// travel (the matrix calls every route as every role), the guardian's
	// children, protected names, the export and a 429.
	t.Run("reads", TestGuardianReadsTheirChildWithoutHiddenFields)
	t.Run("time travel", TestTimeTravelAndHistory)
	t.Run("access log", TestReadAccessIsLoggedApartFromTheAggregates)
	t.Run("protected", TestProtectedIdentityToAuthorisedStaffByDay)
	t.Run("export", TestRightOfAccessExport)
	t.Run("rate limit", TestRateLimitIsPerCaller)
	t.Run("matrix", TestAccessMatrix)
	if checked.Load() < 100 {
		t.Fatalf("only %d answers checked", checked.Load())
	}
	// Every read answered 200 at least once against its schema.
	for _, route := range readRoutesWithSchemas {
		if _, ok := ok200.Load(route); !ok {
			t.Errorf("GET %s never answered 200 in these tests: its schema is unchecked", route)
		}
	}
	if tooMany.Load() == 0 {
		t.Error("no 429 was checked against the document")
	}
}

// readRoutesWithSchemas are the reads whose 200 answer has a schema written
// from the Go types; each must be seen answering 200 by the test above.
var readRoutesWithSchemas = []string{
	"/mentors/{staff_id}/terms/{term}/overview", "/courses/{course_id}/terms/{term}/view",
	"/schools/{school_id}/terms/{term}/lists", "/guardians/{guardian_id}/children", "/students/{student_id}/home",
	"/students/{student_id}/terms/{term}/snapshot", "/conferences/{conference_id}/record",
	"/students/{student_id}/audit", "/actors/{actor_id}/audit", "/courses/{course_id}/audit",
	"/plans/{plan_id}", "/plans/{plan_id}/history", "/assessments/{round_id}/entries/{student_id}",
	"/assessments/{round_id}/entries/{student_id}/history", "/conferences/{conference_id}",
	"/conferences/{conference_id}/history", "/access-log", "/students/{student_id}/export",
}
