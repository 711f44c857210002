// Package derr is the one error type of Avrop's domain: a kind that the API maps to an HTTP
// status, a safe message for users, a rule code and field errors. Domain code returns it for
// expected failures and wraps everything else with %w; anything that is not a *derr.Error is
// treated as Internal and never shown to users.
package derr

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error for the caller; the API maps each kind to one HTTP status.
type Kind int

// The kinds of error. Internal is the zero value so that an unclassified error is never shown.
const (
	Internal         Kind = iota // 500: a bug or an unreachable dependency
	BadRequest                   // 400: the request is malformed (bad JSON, unknown field)
	Invalid                      // 422: well formed, but breaks a validation or business rule
	NotFound                     // 404: absent, or outside the caller's scope
	Conflict                     // 409: the resource's state forbids it (lifecycle, duplicate)
	Forbidden                    // 403: the caller's role may never do this
	Unauthenticated              // 401: no valid credentials
	RateLimited                  // 429: too many attempts
	Unavailable                  // 503: a required dependency is down
	TooLarge                     // 413: the request body is larger than the endpoint accepts
	UnsupportedMedia             // 415: the request body is not of a type the endpoint accepts
)

// FieldError names one field of the input and what is wrong with it. Code names the broken
// field rule ("required", "date", "too_long" …) so that a UI translates the error by its code;
// Message is the English text for API clients and may be reworded freely.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"` // for file imports: the 1-based line number
}

// Error is an expected failure with a message safe to show to users.
type Error struct {
	Kind       Kind
	Code       string // rule code, e.g. "ceiling_exceeded"; empty when there is none
	Message    string
	Fields     []FieldError
	RetryAfter time.Duration // for RateLimited and Unavailable: when to try again
	Err        error         // underlying cause, never shown
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Code != "" {
		msg = e.Code + ": " + msg
	}
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind with a rule code and a message.
func New(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf is a NotFound error; used for absent and out-of-scope resources alike.
func NotFoundf(format string, args ...any) *Error { return New(NotFound, "not_found", format, args...) }

// Invalidf is an Invalid error breaking the rule named by code.
func Invalidf(code, format string, args ...any) *Error {
	return New(Invalid, code, format, args...)
}

// Conflictf is a Conflict error with a code.
func Conflictf(code, format string, args ...any) *Error {
	return New(Conflict, code, format, args...)
}

// Forbiddenf is a Forbidden error.
func Forbiddenf(format string, args ...any) *Error {
	return New(Forbidden, "forbidden", format, args...)
}

// Unauthenticatedf is an Unauthenticated error.
func Unauthenticatedf(format string, args ...any) *Error {
	return New(Unauthenticated, "unauthenticated", format, args...)
}

// Fields is an Invalid error ("validation_failed") listing every bad field.
func Fields(fields []FieldError) *Error {
	return &Error{Kind: Invalid, Code: "validation_failed", Message: "The input has errors.", Fields: fields}
}

// KindOf reports the kind of err: Internal unless err wraps a *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// CodeOf reports the rule code of err, or "" when it has none.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Is reports whether err is a *Error of the given kind.
func Is(err error, kind Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == kind
}

// Validator collects field errors while validating an input.
type Validator struct{ Errors []FieldError }

// Check adds a field error breaking the rule named by code when ok is false.
func (v *Validator) Check(ok bool, field, code, message string) {
	if !ok {
		v.Errors = append(v.Errors, FieldError{Field: field, Code: code, Message: message})
	}
}

// Err returns the collected errors as one Invalid error, or nil.
func (v *Validator) Err() error {
	if len(v.Errors) == 0 {
		return nil
	}
	return Fields(v.Errors)
}
