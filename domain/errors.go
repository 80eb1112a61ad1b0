// Package domain holds the pure core of the product: aggregates written as
// deciders (decide, evolve, initial state), their commands and events, and the
// rules from the sources. It does no I/O and reads no clock: commands carry
// their own time. Each aggregate has its own subpackage.
package domain

import (
	"errors"
	"fmt"
)

// Code classifies an error so the HTTP layer can map it in one table.
type Code string

// The error codes; handlers map each to one HTTP status.
const (
	CodeInvalid            Code = "invalid"             // the command is malformed or breaks a rule about its input
	CodeNotFound           Code = "not_found"           // the target does not exist (or may not be revealed)
	CodeConflict           Code = "conflict"            // the state changed underneath; re-read and retry
	CodeForbidden          Code = "forbidden"           // the actor may not do this by a rule of the domain
	CodePreconditionFailed Code = "precondition_failed" // an If-Match style expectation did not hold
	CodeRuleViolated       Code = "rule_violated"       // valid input, but the current state does not allow it
)

// Error is the one error type of the domain.
type Error struct {
	Code    Code
	Field   string // the input field at fault, when there is one
	Message string // says what was wrong and how to fix it; never personal data
	Err     error  // optional cause
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

func newError(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports malformed input in field.
func Invalid(field, format string, args ...any) *Error {
	return newError(CodeInvalid, field, format, args...)
}

// NotFound reports a missing target.
func NotFound(format string, args ...any) *Error { return newError(CodeNotFound, "", format, args...) }

// Conflict reports a concurrent change.
func Conflict(format string, args ...any) *Error { return newError(CodeConflict, "", format, args...) }

// Forbidden reports an actor acting outside their rights.
func Forbidden(format string, args ...any) *Error {
	return newError(CodeForbidden, "", format, args...)
}

// PreconditionFailed reports a failed conditional write.
func PreconditionFailed(format string, args ...any) *Error {
	return newError(CodePreconditionFailed, "", format, args...)
}

// RuleViolated reports a command the current state does not allow.
func RuleViolated(format string, args ...any) *Error {
	return newError(CodeRuleViolated, "", format, args...)
}

// ErrorCode returns the Code of the first *Error in err's chain, or "" when
// there is none (an unexpected, internal error).
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsCode reports whether err carries code.
func IsCode(err error, code Code) bool { return err != nil && ErrorCode(err) == code }
