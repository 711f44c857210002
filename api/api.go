// Package api is Avrop's HTTP API: Gin routes under /api/v1, RFC 9457 problem documents for
// every error, authentication, metrics, health and the OpenAPI document. Handlers decode,
// call a domain service and respond; the rules live in the domain packages.
package api

import (
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/clientip"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/orders"
)

// Deps are the services the API calls.
type Deps struct {
	DB      *sqlx.DB
	Redis   redis.UniversalClient // may be nil or down; only reported by /readyz
	Auth    *auth.Service
	Catalog *catalog.Service
	Orders  *orders.Service
	// Invoices serves SPEC §9 (invoices, spend records, contract loyalty).
	Invoices *invoices.Service
	Logger   *slog.Logger
	// Frontend serves every path outside /api, /healthz, /readyz and /metrics; may be nil.
	Frontend http.Handler
	// TrustedProxies are the proxies whose X-Forwarded-For names the client (login limits,
	// logs); none by default.
	TrustedProxies clientip.Trusted
	// PoolSize is the PostgreSQL pool's size: at most this many requests run at once, and
	// one that waits PoolWait for its turn is answered 503 with Retry-After (admission.go).
	// Zero admits every request.
	PoolSize int
	PoolWait time.Duration
	// Reads, when a read replica is configured, receives reads that may go to it; the API
	// carries each client's last write position for it (readyourwrites.go). May be nil.
	Reads *postgres.Reads
	// AccessLog, when set, receives each request's access line directly (accesslog.go), in
	// the JSON shape Logger's handler writes, which must be slog's JSON handler writing to it;
	// it must take whole lines from several goroutines at once (slog locks only its own
	// writes). Nil: access lines go through Logger.
	AccessLog io.Writer
}

type handler struct {
	Deps
	metrics   *metrics
	admission *admission
	outage    postgres.OutageLog
}

// NewHandler returns the HTTP handler of the API and, through Deps.Frontend, the web UI.
func NewHandler(d Deps) http.Handler { return newEngine(d) }

func newEngine(d Deps) *gin.Engine {
	r, _ := newEngineHandler(d)
	return r
}

// newEngineHandler builds the engine and returns it with the handler behind its routes.
func newEngineHandler(d Deps) (*gin.Engine, *handler) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	d.Logger = slog.New(WithRequestID(d.Logger.Handler()))
	gin.SetMode(gin.ReleaseMode)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	h := &handler{Deps: d, metrics: newMetrics(reg), admission: newAdmission(d.PoolSize, d.PoolWait)}

	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	r.SetTrustedProxies(nil) //nolint:errcheck // nil never fails
	r.Use(h.requestID, h.observe, h.recover, h.limitBody, h.admit, h.readYourWrites)
	r.NoRoute(h.noRoute)
	r.NoMethod(func(c *gin.Context) {
		writeProblem(c, http.StatusMethodNotAllowed, "method_not_allowed", "Method not allowed", "This method is not allowed on this resource.", nil)
	})
	h.routes(r, reg)
	return r, h
}

func (h *handler) noRoute(c *gin.Context) {
	p := c.Request.URL.Path
	if h.Frontend != nil && !isAPIPath(p) {
		h.Frontend.ServeHTTP(c.Writer, c.Request)
		return
	}
	writeProblem(c, http.StatusNotFound, "not_found", "Not found", "No resource at this path.", nil)
}

func isAPIPath(p string) bool {
	return p == "/api" || len(p) >= 5 && p[:5] == "/api/"
}
