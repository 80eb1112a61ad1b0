package handlers

import (
	"context"
	"net/http"
	"strings"
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
	// And nothing is documented that is not served.
	for path, item := range doc.Paths.Map() {
		for m := range item.Operations() {
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
	var checked atomic.Int64
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
	}
	t.Cleanup(func() { checkExchange = nil })
	t.Run("flow", TestEndToEndTermFlow)
	t.Run("idempotency", TestIdempotencyKeyReplaysTheAnswerAfterARestart)
	t.Run("if-match", TestIfMatchAndConcurrentEdits)
	t.Run("bad input", TestBadInputGetsAProblemNeverA5xx)
	if checked.Load() < 100 {
		t.Fatalf("only %d answers checked", checked.Load())
	}
}
