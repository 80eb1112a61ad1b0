package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/eventstore"
	"github.com/iup-platform/iup/handlers/auth"
)

// requestError is a fault in the request itself (body, header, path),
// found before the domain is asked. It always maps to a 4xx.
type requestError struct {
	status int
	typ    string
	title  string
	field  string
	detail string
}

func (e *requestError) Error() string { return e.title + ": " + e.detail }

func badBody(field, detail string) *requestError {
	return &requestError{status: http.StatusBadRequest, typ: ProblemMalformedBody, title: "Malformed request body", field: field, detail: detail}
}

func badHeader(header, detail string) *requestError {
	return &requestError{status: http.StatusBadRequest, typ: ProblemBadHeader, title: "Bad request header", field: header, detail: detail}
}

func badPath(param, detail string) *requestError {
	return &requestError{status: http.StatusBadRequest, typ: ProblemInvalid, title: "Bad path parameter", field: param, detail: detail}
}

// revisionError carries the stream's current revision to a 409 or 412.
type revisionError struct {
	err     error
	current domain.Version
}

func (e *revisionError) Error() string { return e.err.Error() }
func (e *revisionError) Unwrap() error { return e.err }

// domainStatus is the one table from domain error codes to HTTP.
var domainStatus = map[domain.Code]struct {
	status int
	typ    string
	title  string
}{
	domain.CodeInvalid:            {http.StatusUnprocessableEntity, ProblemInvalid, "Invalid input"},
	domain.CodeRuleViolated:       {http.StatusUnprocessableEntity, ProblemRuleViolated, "Not allowed in the current state"},
	domain.CodeNotFound:           {http.StatusNotFound, ProblemNotFound, "Not found"},
	domain.CodeConflict:           {http.StatusConflict, ProblemConflict, "Changed by someone else"},
	domain.CodePreconditionFailed: {http.StatusPreconditionFailed, ProblemPreconditionFailed, "Revision does not match"},
	domain.CodeForbidden:          {http.StatusForbidden, ProblemForbidden, "Not allowed"},
}

// problemFor maps any error of a request to its problem. Input faults are
// 4xx; only the service's own failures are 5xx, and their detail never
// carries the cause (the log does).
func problemFor(ctx context.Context, err error) (Problem, bool) {
	var re *requestError
	if errors.As(err, &re) {
		return Problem{Type: re.typ, Status: re.status, Title: re.title, Field: re.field, Detail: re.detail}, false
	}
	var de *domain.Error
	if errors.As(err, &de) {
		m, ok := domainStatus[de.Code]
		if ok {
			p := Problem{Type: m.typ, Status: m.status, Title: m.title, Field: de.Field, Detail: de.Message}
			if de.Code == domain.CodeForbidden && homeUser(ctx) {
				// A student or guardian must not learn that someone
				// else's record exists: they get the same 404 as for a
				// record that does not.
				p = Problem{Type: ProblemNotFound, Status: http.StatusNotFound, Title: "Not found",
					Detail: "There is no such record among yours."}
			}
			var rev *revisionError
			if errors.As(err, &rev) && rev.current != domain.NoStream {
				cur := int64(rev.current)
				p.CurrentRevision = &cur
			}
			return p, false
		}
	}
	switch {
	case errors.Is(err, eventstore.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return Problem{Type: ProblemUnavailable, Status: http.StatusServiceUnavailable, Title: "Service unavailable",
			Detail: "The event store cannot take this request right now; retry later (an Idempotency-Key makes the retry safe)."}, true
	case errors.Is(err, errViewsUnavailable):
		return Problem{Type: ProblemUnavailable, Status: http.StatusServiceUnavailable, Title: "Service unavailable",
			Detail: "The views cannot be read right now; retry later."}, true
	case errors.Is(err, context.Canceled):
		// The client hung up; the status is never seen, but keep it a 4xx.
		return Problem{Type: ProblemBadHeader, Status: 499, Title: "Client closed request"}, false
	}
	return Problem{Type: ProblemInternal, Status: http.StatusInternalServerError, Title: "Internal error",
		Detail: "The request failed on the server; the service log has the cause."}, true
}

func homeUser(ctx context.Context) bool {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return false
	}
	return p.Role == domain.RoleStudent || p.Role == domain.RoleGuardian
}

// writeError answers err as a problem and logs server-side failures (the
// error only: never request bodies, which hold personal content).
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p, serverFault := problemFor(r.Context(), err)
	if serverFault {
		a.logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "route", routeTemplate(r), "err", err)
	}
	WriteProblem(w, r, p)
}
