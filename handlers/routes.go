package handlers

import (
	"net/http"

	"github.com/gorilla/mux"
)

// Routes is everything the router needs.
type Routes struct {
	Ops     *Ops
	Metrics *HTTPMetrics
}

// NewRouter builds the route table. Reading it top to bottom gives the API.
func NewRouter(rt Routes) http.Handler {
	r := mux.NewRouter()
	r.Use(rt.Metrics.Middleware)

	// Operations.
	r.HandleFunc("/healthz", rt.Ops.Healthz).Methods(http.MethodGet)
	r.HandleFunc("/readyz", rt.Ops.Readyz).Methods(http.MethodGet)
	r.Handle("/metrics", rt.Ops.Metrics()).Methods(http.MethodGet)

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
