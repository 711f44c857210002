package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestState is what the middleware learns of a request: its id and, once authenticated,
// its caller. It lives in the request's context (one allocation, where gin's key map and a
// context value each would cost their own on every request).
type requestState struct {
	id        string
	idHeader  [1]string // X-Request-ID's value, without a slice of its own
	caller    auth.Caller
	hasCaller bool
}

// nosniff is X-Content-Type-Options' value, shared by every response (never appended to).
var nosniff = []string{"nosniff"}

// requestID takes a sane X-Request-ID from the client or makes one, and echoes it.
func (h *handler) requestID(c *gin.Context) {
	st := &requestState{id: firstHeader(c.Request.Header, "X-Request-Id")}
	if !validRequestID(st.id) {
		var b [8]byte
		rand.Read(b[:]) //nolint:errcheck // crypto/rand does not fail
		st.id = hex.EncodeToString(b[:])
	}
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDContextKey{}, st))
	st.idHeader[0] = st.id
	hdr := c.Writer.Header()
	hdr["X-Request-Id"] = st.idHeader[:]
	hdr["X-Content-Type-Options"] = nosniff
	c.Next()
}

// firstHeader is h.Get(key) for a key in canonical form, as net/http stores the keys of every
// request it reads: Get canonicalises its key first, which for "X-Request-ID" made a new
// string on every request.
func firstHeader(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// validRequestID is requestIDPattern without the regular expression's cost on every request.
func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case b >= 'A' && b <= 'Z', b >= 'a' && b <= 'z', b >= '0' && b <= '9', b == '.', b == '_', b == '-':
		default:
			return false
		}
	}
	return true
}

type requestIDContextKey struct{}

func stateOf(ctx context.Context) *requestState {
	st, _ := ctx.Value(requestIDContextKey{}).(*requestState)
	return st
}

// RequestID returns the request id that the API gave the request of ctx, or "".
func RequestID(ctx context.Context) string {
	if st := stateOf(ctx); st != nil {
		return st.id
	}
	return ""
}

// WithRequestID wraps a slog handler so that every record logged with a request's context
// carries its request_id — also those the domain packages log through slog.Default, which
// know nothing of HTTP. Install it with slog.SetDefault(slog.New(api.WithRequestID(h))); the
// API's own Deps.Logger is wrapped by NewHandler.
func WithRequestID(h slog.Handler) slog.Handler {
	if _, ok := h.(requestIDHandler); ok {
		return h
	}
	return requestIDHandler{h}
}

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// maxRequestBody bounds every request body, whatever the endpoint: it is the largest any
// endpoint accepts (the price-list import, maxPriceListBody). JSON endpoints hold theirs to
// the much smaller maxJSONBody.
const maxRequestBody = 64 << 20

// limitBody caps the request body before any handler reads it.
func (h *handler) limitBody(c *gin.Context) {
	if c.Request.Body != nil && c.Request.Body != http.NoBody { // NoBody: a GET's, nothing to bound
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxRequestBody)
	}
	c.Next()
}

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "avrop_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "avrop_http_request_duration_seconds", Help: "HTTP request latency by method, route and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route", "status"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// observe logs each request as structured JSON and records its metrics by route template
// (never by raw path, which would make the label set unbounded).
func (h *handler) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	elapsed := time.Since(start)
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
		if h.Frontend != nil && !isAPIPath(c.Request.URL.Path) {
			route = "frontend"
		}
	}
	status := statusText(c.Writer.Status())
	h.metrics.requests.WithLabelValues(c.Request.Method, route, status).Inc()
	h.metrics.duration.WithLabelValues(c.Request.Method, route, status).Observe(elapsed.Seconds())
	// Probes and scrapes come every few seconds; logging them would drown the requests that
	// matter. A failing readiness probe is still logged.
	if route == "/metrics" || route == "/healthz" || (route == "/readyz" && c.Writer.Status() == http.StatusOK) {
		return
	}
	st := stateOf(c.Request.Context())
	if h.AccessLog != nil {
		if h.Logger.Enabled(c.Request.Context(), slog.LevelInfo) {
			l := accessLine{at: start.Add(elapsed), method: c.Request.Method, path: c.Request.URL.Path, route: route,
				client: h.TrustedProxies.Addr(c.Request), status: c.Writer.Status(), durationUS: elapsed.Microseconds()}
			if st != nil {
				l.requestID = st.id
				if st.hasCaller {
					l.userID = st.caller.UserID
				}
			}
			writeAccessLine(h.AccessLog, &l)
		}
		return
	}
	// Typed attributes in an array on the stack: the line costs no boxing of its values.
	attrs := [...]slog.Attr{slog.String("method", c.Request.Method), slog.String("path", c.Request.URL.Path),
		slog.String("route", route), slog.Int("status", c.Writer.Status()),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000), slog.String("client", h.TrustedProxies.Addr(c.Request)),
		{}}
	n := len(attrs) - 1
	if st != nil && st.hasCaller {
		attrs[n] = slog.String("user_id", st.caller.UserID)
		n++
	}
	h.Logger.LogAttrs(c.Request.Context(), slog.LevelInfo, "request", attrs[:n]...)
}

// recover turns a panic into a logged 500 problem document.
func (h *handler) recover(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			h.Logger.ErrorContext(c.Request.Context(), "panic", "panic", r, "route", c.FullPath())
			writeProblem(c, http.StatusInternalServerError, "internal", "Internal error",
				"Something went wrong on our side. The request id identifies it in our logs.", nil)
		}
	}()
	c.Next()
}

// authenticate requires a valid bearer access token and puts its caller in the context.
func (h *handler) authenticate(c *gin.Context) {
	// The scheme is case-insensitive (RFC 9110 §11.1).
	scheme, token, ok := strings.Cut(firstHeader(c.Request.Header, "Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		h.respondError(c, derr.Unauthenticatedf("A bearer access token is required."))
		return
	}
	caller, err := h.Auth.Authenticate(c.Request.Context(), strings.TrimSpace(token))
	if err != nil {
		h.respondError(c, err)
		return
	}
	if st := stateOf(c.Request.Context()); st != nil {
		st.caller, st.hasCaller = caller, true
	} else {
		// Without the requestID middleware (never in NewHandler): a state of its own.
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDContextKey{},
			&requestState{caller: caller, hasCaller: true}))
	}
	c.Next()
}

// requireRole answers 403 unless the caller holds one of roles.
func requireRole(roles ...auth.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !callerOf(c).HasAny(roles...) {
			writeProblem(c, http.StatusForbidden, "forbidden", "Forbidden", "Your role may not use this endpoint.", nil)
			return
		}
		c.Next()
	}
}

// callerOf returns the authenticated caller of the request.
func callerOf(c *gin.Context) auth.Caller {
	if st := stateOf(c.Request.Context()); st != nil && st.hasCaller {
		return st.caller
	}
	return auth.Caller{}
}

// statusText is strconv.Itoa for a status, without allocating for the usual ones.
func statusText(code int) string {
	if code >= 100 && code < 600 {
		return statusTexts[code-100]
	}
	return strconv.Itoa(code)
}

var statusTexts = func() (t [500]string) {
	for i := range t {
		t[i] = strconv.Itoa(i + 100)
	}
	return t
}()
