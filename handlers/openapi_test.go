package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/gorilla/mux"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/handlers/export"
	"github.com/iup-platform/iup/projections/views/audit"
	"github.com/iup-platform/iup/projections/views/home"
	"github.com/iup-platform/iup/projections/views/staff"
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

// The reads' schemas are the Go types they encode: every JSON field of the
// type is a property (required unless omitempty can drop it), nothing else
// is, the kinds agree, and null is allowed exactly where the type can
// produce it. A field added to a view without the document fails here even
// before a test reads it.
func TestOpenAPIReadSchemasFollowTheGoTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	type guardianChild struct { // the element of guardianChildren's answer
		StudentID string     `json:"student_id"`
		Protected bool       `json:"protected"`
		Home      home.Child `json:"home"`
	}
	c := schemaCheck{t: t, seen: map[string]bool{}}
	for name, v := range map[string]any{
		"StaffMentorOverviewDoc": staff.MentorOverviewDoc{}, "StaffCourseViewDoc": staff.CourseViewDoc{},
		"StaffSchoolListsDoc": staff.SchoolListsDoc{}, "HomeChild": home.Child{}, "HomeSnapshot": home.Snapshot{},
		"HomeRecord": home.Record{}, "AuditEntry": audit.Entry{}, "PlanAt": PlanAt{}, "EntryAt": EntryAt{},
		"ConferenceAt": ConferenceAt{}, "HistoryRevision": Revision{}, "AccessEntry": AccessEntry{},
		"ExportRecord": export.Record{}, "GuardianChild": guardianChild{},
	} {
		ref := doc.Components.Schemas[name]
		if ref == nil {
			t.Errorf("openapi.json has no schema %s", name)
			continue
		}
		c.check(name, ref.Value, reflect.TypeOf(v), false)
	}
	if len(c.seen) < 30 {
		t.Fatalf("only %d struct types compared", len(c.seen))
	}
}

type schemaCheck struct {
	t    *testing.T
	seen map[string]bool // struct types already compared, by type and place
}

var (
	timeType = reflect.TypeOf(time.Time{})
	dateType = reflect.TypeOf(domain.Date{})
	rawType  = reflect.TypeOf(json.RawMessage{})
)

// check compares schema s at path with Go type typ; null says whether the
// encoding of typ can be null there.
func (c schemaCheck) check(path string, s *openapi3.Schema, typ reflect.Type, null bool) {
	t := c.t
	if typ.Kind() == reflect.Pointer {
		c.check(path, s, typ.Elem(), null)
		return
	}
	if len(s.AnyOf) == 2 && s.AnyOf[1].Value.Type.Is("null") { // a $ref or null
		if !null {
			t.Errorf("%s allows null, %s never encodes as null", path, typ)
		}
		c.check(path, s.AnyOf[0].Value, typ, false)
		return
	}
	want := map[reflect.Kind]string{reflect.String: "string", reflect.Bool: "boolean", reflect.Int: "integer",
		reflect.Int64: "integer", reflect.Uint64: "integer", reflect.Float64: "number", reflect.Slice: "array",
		reflect.Map: "object", reflect.Struct: "object"}[typ.Kind()]
	switch typ {
	case rawType:
		if !s.Type.IsEmpty() {
			t.Errorf("%s: raw JSON, want any value, got %v", path, s.Type.Slice())
		}
		return
	case timeType:
		want = "string"
		if s.Format != "date-time" {
			t.Errorf("%s: a time, want format date-time", path)
		}
	case dateType:
		want, null = "string", true // domain.Date encodes unset as null
		if s.Format != "date" {
			t.Errorf("%s: a date, want format date", path)
		}
	}
	if typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
		null = true // a nil slice or map encodes as null
	}
	if want == "" {
		t.Errorf("%s: Go type %s has no schema rule in this test", path, typ)
		return
	}
	if !s.Type.Includes(want) || s.Type.IncludesNull() != null || len(s.Type.Slice()) != 1+btoi(null) {
		t.Errorf("%s: type %v, Go type %s wants %s (null %v)", path, s.Type.Slice(), typ, want, null)
	}
	switch {
	case typ.Kind() == reflect.Slice && typ != rawType:
		c.check(path+"[]", s.Items.Value, typ.Elem(), false)
	case typ.Kind() == reflect.Map:
		if s.AdditionalProperties.Schema == nil {
			t.Errorf("%s: a map, want additionalProperties with the value's schema", path)
			return
		}
		c.check(path+"{}", s.AdditionalProperties.Schema.Value, typ.Elem(), false)
	case typ.Kind() == reflect.Struct && typ != timeType && typ != dateType:
		c.checkStruct(path, s, typ)
	}
}

func (c schemaCheck) checkStruct(path string, s *openapi3.Schema, typ reflect.Type) {
	if key := typ.String() + "@" + path; c.seen[key] {
		return
	} else {
		c.seen[key] = true
	}
	t := c.t
	if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
		t.Errorf("%s: %s has only its fields, want additionalProperties false", path, typ)
	}
	props := map[string]bool{}
	for name := range s.Properties {
		props[name] = true
	}
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	var walk func(typ reflect.Type)
	walk = func(typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				walk(f.Type) // embedded: its fields are inlined
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			p := path + "." + name
			ref, ok := s.Properties[name]
			if !ok {
				t.Errorf("%s: Go field %s.%s is not in the schema", p, typ, f.Name)
				continue
			}
			delete(props, name)
			// omitempty drops empty values but never a struct.
			omit := strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Struct
			if required[name] == omit {
				t.Errorf("%s: required %v, but omitempty %v", p, required[name], omit)
			}
			null := f.Type.Kind() == reflect.Pointer && !omit
			if omit && (f.Type.Kind() == reflect.Slice || f.Type.Kind() == reflect.Map) {
				c.checkOmitted(p, ref.Value, f.Type)
				continue
			}
			c.check(p, ref.Value, f.Type, null)
		}
	}
	walk(typ)
	for name := range props {
		t.Errorf("%s.%s: in the schema, not in Go type %s", path, name, typ)
	}
}

// checkOmitted: an omitempty slice or map is absent when empty, never null.
func (c schemaCheck) checkOmitted(path string, s *openapi3.Schema, typ reflect.Type) {
	want := map[reflect.Kind]string{reflect.Slice: "array", reflect.Map: "object"}[typ.Kind()]
	if !s.Type.Is(want) {
		c.t.Errorf("%s: type %v, want %s (omitted when empty, never null)", path, s.Type.Slice(), want)
	}
	if typ.Kind() == reflect.Slice {
		c.check(path+"[]", s.Items.Value, typ.Elem(), false)
	} else {
		c.check(path+"{}", s.AdditionalProperties.Schema.Value, typ.Elem(), false)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
