package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// statusOf is the one table mapping domain error codes to HTTP statuses.
var statusOf = map[string]int{
	delphi.EINVALID:      http.StatusUnprocessableEntity,
	delphi.EBADREQUEST:   http.StatusBadRequest,
	delphi.ENOTFOUND:     http.StatusNotFound,
	delphi.ECONFLICT:     http.StatusConflict,
	delphi.EUNAUTHORIZED: http.StatusUnauthorized,
	delphi.EFORBIDDEN:    http.StatusForbidden,
	delphi.ERATELIMIT:    http.StatusTooManyRequests,
	delphi.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	delphi.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	delphi.EUNAVAILABLE:  http.StatusServiceUnavailable,
	delphi.EINTERNAL:     http.StatusInternalServerError,
}

// codeOfStatus maps the framework's own errors (unknown route, body too large,
// bad method) back to domain codes, so that every error body has one shape.
func codeOfStatus(status int) string {
	for code, s := range statusOf {
		if s == status {
			return code
		}
	}
	switch {
	case status == http.StatusMethodNotAllowed:
		return delphi.ENOTFOUND
	case status >= 500:
		return delphi.EINTERNAL
	default:
		return delphi.EBADREQUEST
	}
}

type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Field   string          `json:"field,omitempty"`
	Item    string          `json:"item,omitempty"`
	Reason  string          `json:"reason,omitempty"`
	Params  map[string]any  `json:"params,omitempty"`
	Details []delphi.Detail `json:"details,omitempty"`
}

// handleError is Fiber's ErrorHandler: every error leaves as JSON
// {"error":{"code","message","field","item","reason","params","details"}} with the status from statusOf.
// Only internal errors are logged, and their text is never shown.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	var e *delphi.Error
	status := http.StatusInternalServerError
	switch {
	case errors.As(err, &fe):
		status = fe.Code
		e = &delphi.Error{Code: codeOfStatus(fe.Code), Message: fe.Message}
		if status == http.StatusNotFound {
			e.Message = "no such endpoint"
		}
	default:
		e = delphi.AsError(err)
		if st, ok := statusOf[e.Code]; ok {
			status = st
		}
	}
	if e.Code == delphi.EINTERNAL {
		s.log.ErrorContext(c.UserContext(), "internal error", "request_id", requestID(c), "method", c.Method(), "route", routePath(c), "err", err)
		e = &delphi.Error{Code: delphi.EINTERNAL, Message: "internal error; the request id is " + requestID(c)}
	}
	if e.Code == delphi.EUNAVAILABLE {
		s.log.WarnContext(c.UserContext(), "dependency unavailable", "request_id", requestID(c), "route", routePath(c), "err", err)
	}
	if e.RetryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(e.RetryAfter))
	}
	s.setSecurityHeaders(c)
	return c.Status(status).JSON(errorBody{Error: errorJSON{Code: e.Code, Message: e.Message, Field: e.Field, Item: e.Item, Reason: e.Reason, Params: e.Params, Details: e.Details}})
}
