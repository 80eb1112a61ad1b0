package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/gorilla/mux"
)

// ProjectionStatus is one view's state as operators see it.
type ProjectionStatus struct {
	Name       string  `json:"name"`
	Version    int     `json:"version"`
	Namespace  string  `json:"namespace"`
	LagEvents  int     `json:"lag_events"`
	LagCapped  bool    `json:"lag_capped,omitempty"`
	LagSeconds float64 `json:"lag_seconds"`
	Parked     int     `json:"parked"`
	Fenced     bool    `json:"fenced,omitempty"`
}

// ParkedEvent is an event a view gave up on after its retries.
type ParkedEvent struct {
	EventID  string `json:"event_id"`
	Position string `json:"position"`
	Type     string `json:"type"`
	Error    string `json:"error"`
	At       string `json:"at"`
}

// ErrUnknownProjection is returned by ProjectionAdmin for a name it lacks.
var ErrUnknownProjection = errors.New("no such projection")

// ProjectionAdmin is what the operators' endpoints need of the projector.
type ProjectionAdmin interface {
	Status(ctx context.Context) ([]ProjectionStatus, error)
	Parked(name string) ([]ParkedEvent, error)
	// Rebuild builds the view into a fresh namespace from the start of the
	// log while the old one serves, then switches.
	Rebuild(ctx context.Context, name string) error
}

// NewAdminRouter serves the operators' endpoints. They carry no
// authentication of their own, so the service binds them to a loopback
// address by default (--admin-addr).
func NewAdminRouter(admin ProjectionAdmin, m *HTTPMetrics) http.Handler {
	r := mux.NewRouter()
	r.Use(m.Middleware)
	r.HandleFunc("/admin/projections", func(w http.ResponseWriter, req *http.Request) {
		st, err := admin.Status(req.Context())
		if err != nil {
			writeAdminError(w, req, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"projections": st})
	}).Methods(http.MethodGet)
	r.HandleFunc("/admin/projections/{name}/parked", func(w http.ResponseWriter, req *http.Request) {
		parked, err := admin.Parked(mux.Vars(req)["name"])
		if err != nil {
			writeAdminError(w, req, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"parked": parked})
	}).Methods(http.MethodGet)
	r.HandleFunc("/admin/projections/{name}/rebuild", func(w http.ResponseWriter, req *http.Request) {
		name := mux.Vars(req)["name"]
		// The rebuild outlives a client that hangs up: a half-built
		// namespace is simply never switched to.
		if err := admin.Rebuild(context.WithoutCancel(req.Context()), name); err != nil {
			writeAdminError(w, req, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"rebuilt": name})
	}).Methods(http.MethodPost)
	if d, ok := admin.(ProjectionDumper); ok {
		registerDump(r, d) // admin_dump.go: `iupd verify --admin-url` reads live views
	}
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		WriteProblem(w, req, Problem{Type: ProblemNotFound, Status: http.StatusNotFound, Title: "Not found"})
	})
	return r
}

func writeAdminError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrUnknownProjection) {
		WriteProblem(w, r, Problem{Type: ProblemNotFound, Status: http.StatusNotFound, Title: "No such projection",
			Detail: "GET /admin/projections lists the projections."})
		return
	}
	WriteProblem(w, r, Problem{Type: ProblemInternal, Status: http.StatusInternalServerError, Title: "Projection admin failed",
		Detail: "The operation failed; the service log has the cause."})
}
