package api

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
)

// statusByKind is the one table mapping domain error kinds to HTTP statuses.
var statusByKind = map[derr.Kind]int{
	derr.Internal:         http.StatusInternalServerError,
	derr.BadRequest:       http.StatusBadRequest,
	derr.Invalid:          http.StatusUnprocessableEntity,
	derr.NotFound:         http.StatusNotFound,
	derr.Conflict:         http.StatusConflict,
	derr.Forbidden:        http.StatusForbidden,
	derr.Unauthenticated:  http.StatusUnauthorized,
	derr.RateLimited:      http.StatusTooManyRequests,
	derr.Unavailable:      http.StatusServiceUnavailable,
	derr.TooLarge:         http.StatusRequestEntityTooLarge,
	derr.UnsupportedMedia: http.StatusUnsupportedMediaType,
}

// Problem is an RFC 9457 problem document with Avrop's extensions: a rule code and field
// errors.
type Problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Instance  string            `json:"instance,omitempty"`
	Code      string            `json:"code,omitempty"`
	Errors    []derr.FieldError `json:"errors,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

func problemType(code string) string {
	if code == "" {
		return "about:blank"
	}
	return "/problems/" + code
}

func writeProblem(c *gin.Context, status int, code, title, detail string, fields []derr.FieldError) {
	c.Header("Content-Type", "application/problem+json")
	c.Header("Cache-Control", "no-store")
	p := Problem{Type: problemType(code), Title: title, Status: status, Detail: detail, Instance: c.Request.URL.Path,
		Code: code, Errors: fields, RequestID: RequestID(c.Request.Context())}
	c.AbortWithStatusJSON(status, p)
	// AbortWithStatusJSON sets its own content type; restore the problem type.
	c.Writer.Header().Set("Content-Type", "application/problem+json")
}

// respondError writes err as a problem document. Only Internal errors are logged, and users
// then see a generic message. A database that cannot be reached answers 503 with Retry-After
// and is logged at most once per outageLogEvery, however many requests fail meanwhile.
func (h *handler) respondError(c *gin.Context, err error) {
	err = postgres.Classify(err)
	var e *derr.Error
	if errors.As(err, &e) && e.Kind == derr.Unavailable {
		h.outage.Log(c.Request.Context(), h.Logger, err)
	}
	if !errors.As(err, &e) || e.Kind == derr.Internal {
		err = unavailableError(err)
		errors.As(err, &e)
	}
	if e == nil || e.Kind == derr.Internal {
		h.Logger.ErrorContext(c.Request.Context(), "internal error", "err", err, "route", c.FullPath())
		writeProblem(c, http.StatusInternalServerError, "internal", "Internal error",
			"Something went wrong on our side. The request id identifies it in our logs.", nil)
		return
	}
	status, ok := statusByKind[e.Kind]
	if !ok {
		status = http.StatusInternalServerError
	}
	if e.Kind == derr.Unauthenticated {
		c.Header("WWW-Authenticate", `Bearer realm="avrop"`)
	}
	if (e.Kind == derr.RateLimited || e.Kind == derr.Unavailable) && e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	writeProblem(c, status, e.Code, http.StatusText(status), e.Message, e.Fields)
}

// wrap turns a handler that returns an error into a Gin handler.
func (h *handler) wrap(fn func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := fn(c); err != nil {
			h.respondError(c, err)
		}
	}
}
