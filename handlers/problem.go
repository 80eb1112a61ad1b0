package handlers

import (
	"encoding/json"
	"net/http"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
}

// Stable problem type URIs: clients may switch on them.
const (
	problemBase             = "https://iup.example/problems/"
	ProblemNotFound         = problemBase + "not-found"
	ProblemMethodNotAllowed = problemBase + "method-not-allowed"
	ProblemUnavailable      = problemBase + "unavailable"
	ProblemInternal         = problemBase + "internal"
)

// WriteProblem writes p as application/problem+json.
func WriteProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	if p.Instance == "" && r != nil {
		p.Instance = r.URL.Path
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
