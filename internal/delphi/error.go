// Package delphi holds the domain types, rules and error codes of Expertenrunde.
// It imports neither the web framework nor the database driver.
package delphi

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each to one status in a single table.
const (
	EINVALID      = "invalid"      // input fails validation (422)
	EBADREQUEST   = "bad_request"  // malformed request, e.g. unparsable JSON (400)
	ENOTFOUND     = "not_found"    // no such thing, or not visible to the caller (404)
	ECONFLICT     = "conflict"     // state forbids the action, or a duplicate (409)
	EUNAUTHORIZED = "unauthorized" // no or bad credentials (401)
	EFORBIDDEN    = "forbidden"    // authenticated but not allowed (403)
	ERATELIMIT    = "rate_limited" // too many attempts (429)
	ETOOLARGE     = "too_large"    // body too large (413)
	EUNSUPPORTED  = "unsupported"  // a request encoding the API does not accept, e.g. a Content-Encoding (415)
	EUNAVAILABLE  = "unavailable"  // a dependency (the database) is down, or the server is busy (503)
	EINTERNAL     = "internal"     // a bug or an unexpected failure (500)
)

// Reasons refine an error's code where the UI says more than the code's
// text: a stable name of the specific problem, translated by the UI
// (errors.reason.<reason> in frontend/src/i18n) with the error's field and
// Params. The comment of each lists its params.
const (
	ReasonDeadlinePast    = "deadline_past"    // the round needs a deadline in the future; params: round
	ReasonBadEmail        = "bad_email"        // not a valid e-mail address; params: value (absent when empty)
	ReasonUnknownGroup    = "unknown_group"    // not a group of the study; params: value
	ReasonUnknownLanguage = "unknown_language" // not a language of the study; params: value, allowed (comma-separated)
	ReasonAlreadyRated    = "already_rated"    // an expert rates an argument a second time; no params
	ReasonOwnArgument     = "own_argument"     // an expert rates their own argument; no params
	ReasonArgumentLimit   = "argument_limit"   // an expert holds the most arguments allowed on an item; params: max
	ReasonArgumentHidden  = "argument_hidden"  // an expert edits their argument a coordinator has hidden; no params
)

// Error is a domain error: a code, a message fit for the user, and the field
// (a JSON path) and the item (of a study) it concerns, if any. An answer's
// error names both: {"field": "value", "item": "T03"}.
type Error struct {
	Code    string
	Message string
	Field   string
	// Item is the id of the study item the error concerns, e.g. the item
	// whose answer was refused.
	Item string
	// Reason names the specific problem (a Reason… constant), if the UI
	// needs more than the code; Params are the values its text takes.
	Reason string
	Params map[string]any
	// Details lists further problems, e.g. every schema violation of a study file.
	Details []Detail
	// RetryAfter is set on ERATELIMIT errors (and EUNAVAILABLE when the
	// server is busy): seconds until a retry may succeed.
	RetryAfter int
	// Err is the underlying cause, logged but never shown to users.
	Err error
}

// Detail is one of several problems reported together.
type Detail struct {
	Field   string `json:"field,omitempty"`
	Item    string `json:"item,omitempty"` // the study item the problem concerns, if any
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	if e.Field != "" {
		s += " (field " + e.Field + ")"
	}
	if e.Item != "" {
		s += " (item " + e.Item + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an *Error that names the offending field.
func FieldErrorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// WithReason sets the error's reason and params and returns e.
func (e *Error) WithReason(reason string, params map[string]any) *Error {
	e.Reason, e.Params = reason, params
	return e
}

// ForItem returns err as an *Error that names the study item id, keeping
// its code, field and message; nil stays nil.
func ForItem(err error, id string) error {
	if err == nil {
		return nil
	}
	e := *AsError(err)
	e.Item = id
	return &e
}

// Internal wraps an unexpected error; its text is logged, never shown.
func Internal(err error) *Error {
	return &Error{Code: EINTERNAL, Message: "internal error", Err: err}
}

// ErrorCode returns the code of a domain error, EINTERNAL for any other
// non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// AsError returns err as *Error, wrapping unknown errors as internal ones.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}
