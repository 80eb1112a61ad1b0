package handlers

import (
	"net/http"

	"github.com/gorilla/mux"
)

// Routes is everything the router needs. API and JWKS may be nil (ops only).
type Routes struct {
	Ops     *Ops
	Metrics *HTTPMetrics
	API     *API
	// JWKS serves the embedded issuer's public keys; nil with an external issuer.
	JWKS http.Handler
}

// NewRouter builds the route table. Reading it top to bottom gives the API.
func NewRouter(rt Routes) http.Handler {
	r := mux.NewRouter()
	r.Use(rt.Metrics.Middleware)

	// Operations.
	r.HandleFunc("/healthz", rt.Ops.Healthz).Methods(http.MethodGet)
	r.HandleFunc("/readyz", rt.Ops.Readyz).Methods(http.MethodGet)
	r.Handle("/metrics", rt.Ops.Metrics()).Methods(http.MethodGet)
	r.HandleFunc("/openapi.json", serveOpenAPI).Methods(http.MethodGet)
	if rt.JWKS != nil {
		r.Handle("/.well-known/jwks.json", rt.JWKS).Methods(http.MethodGet)
	}

	if rt.API != nil {
		v1 := r.PathPrefix("/v1").Subrouter()
		v1.Use(rt.API.authenticate)
		rt.API.commandRoutes(v1)
		rt.API.readRoutes(v1)
	}

	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		WriteProblem(w, req, Problem{Type: ProblemNotFound, Status: http.StatusNotFound, Title: "Not found",
			Detail: "There is no such resource. See /openapi.json for the routes."})
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		WriteProblem(w, req, Problem{Type: ProblemMethodNotAllowed, Status: http.StatusMethodNotAllowed,
			Title: "Method not allowed", Detail: "This resource does not accept " + req.Method + "."})
	})
	return r
}

// commandRoutes is the table of every command. Each handler is one use case
// (files commands_*.go) run through the write pipeline (write.go).
func (a *API) commandRoutes(r *mux.Router) {
	post := func(path string, fn commandFunc) { r.HandleFunc(path, a.command(fn)).Methods(http.MethodPost) }
	put := func(path string, fn commandFunc) { r.HandleFunc(path, a.command(fn)).Methods(http.MethodPut) }
	del := func(path string, fn commandFunc) { r.HandleFunc(path, a.command(fn)).Methods(http.MethodDelete) }
	_ = put
	_ = del

	// Setup (admin): school years with HT and VT, subjects, scales, templates.
	post("/school-years", a.createSchoolYear)
}

// readRoutes is the table of the reads (views, time travel, history, SSE),
// in read_*.go files.
func (a *API) readRoutes(r *mux.Router) {
	// TODO(reads): view endpoints, ?as_of= / ?revision=, history, SSE.
	_ = r
}

func muxVar(r *http.Request, name string) string { return mux.Vars(r)[name] }
