package handlers

import (
	"encoding/json"
	"net/http"
)

// Problem is an RFC 9457 problem details body. Besides the standard members
// it may name the input field at fault and, for 409 and 412, the stream's
// current revision, so a client can re-read and retry without guessing.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Code is the stable short form of Type (the part after .../problems/).
	Code string `json:"code,omitempty"`
	// Field is the request field at fault (JSON path or header name).
	Field string `json:"field,omitempty"`
	// CurrentRevision is the record's revision when a conditional or
	// concurrent write lost.
	CurrentRevision *int64 `json:"current_revision,omitempty"`
}

// Stable problem type URIs: clients may switch on them. Each is
// problemBase + code; docs/decisions.md and the OpenAPI document list them.
const (
	problemBase             = "https://iup.example/problems/"
	ProblemNotFound         = problemBase + "not-found"
	ProblemMethodNotAllowed = problemBase + "method-not-allowed"
	ProblemUnavailable      = problemBase + "unavailable"
	ProblemInternal         = problemBase + "internal"

	ProblemMalformedBody      = problemBase + "malformed-body"      // 400: not JSON, wrong types, unknown fields
	ProblemBodyTooLarge       = problemBase + "body-too-large"      // 413
	ProblemUnsupportedMedia   = problemBase + "unsupported-media"   // 415
	ProblemBadHeader          = problemBase + "bad-header"          // 400: If-Match, Idempotency-Key, consistency token ...
	ProblemInvalid            = problemBase + "invalid"             // 422: well-formed, but a value breaks a rule about input
	ProblemRuleViolated       = problemBase + "rule-violated"       // 422: the current state does not allow it
	ProblemConflict           = problemBase + "conflict"            // 409: changed underneath; re-read and retry
	ProblemPreconditionFailed = problemBase + "precondition-failed" // 412: If-Match did not hold
	ProblemForbidden          = problemBase + "forbidden"           // 403
	ProblemUnauthorized       = problemBase + "unauthorized"        // 401: no or bad access token
	ProblemIdempotencyReuse   = problemBase + "idempotency-key-reused"
	ProblemTooManyRequests    = problemBase + "too-many-requests" // 429
)

// WriteProblem writes p as application/problem+json.
func WriteProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	if p.Instance == "" && r != nil {
		p.Instance = r.URL.Path
	}
	if p.Code == "" && len(p.Type) > len(problemBase) && p.Type[:len(problemBase)] == problemBase {
		p.Code = p.Type[len(problemBase):]
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
