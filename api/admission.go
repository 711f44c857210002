package api

import (
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
)

// admission holds one slot per PostgreSQL connection of this replica's pool: a request takes
// a slot before its handler runs and gives it back when it ends. When every slot is taken for
// longer than the configured wait, the request is answered 503 with Retry-After at once instead
// of queueing without bound on database/sql's pool (which has no wait limit of its own) until
// the client or the proxy gives up. Health, metrics and static files need no connection and
// pass freely, so a saturated replica still reports itself and serves its scripts.
type admission struct {
	slots chan struct{}
	wait  time.Duration
}

func newAdmission(size int, wait time.Duration) *admission {
	if size <= 0 {
		return nil
	}
	if wait <= 0 {
		wait = 2 * time.Second
	}
	return &admission{slots: make(chan struct{}, size), wait: wait}
}

// poolRetryAfter is the Retry-After of a 503 for a full pool or an unreachable PostgreSQL: a
// request rarely holds a connection for more than a second.
const poolRetryAfter = time.Second

// errPoolBusy is the answer when no connection freed up within the wait.
var errPoolBusy = &derr.Error{Kind: derr.Unavailable, Code: "busy",
	Message: "The service is busy; try again in a moment.", RetryAfter: poolRetryAfter}

func (h *handler) admit(c *gin.Context) {
	if h.admission == nil || !needsConnection(c.Request.URL.Path) {
		c.Next()
		return
	}
	select {
	case h.admission.slots <- struct{}{}:
	default:
		t := time.NewTimer(h.admission.wait)
		select {
		case h.admission.slots <- struct{}{}:
			t.Stop()
		case <-t.C:
			h.respondError(c, errPoolBusy)
			return
		case <-c.Request.Context().Done():
			t.Stop()
			h.respondError(c, errPoolBusy)
			return
		}
	}
	defer func() { <-h.admission.slots }()
	c.Next()
}

func needsConnection(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/metrics", "/api/openapi.json", "/favicon.ico":
		return false
	}
	return !strings.HasPrefix(path, "/static/")
}

// unavailableError turns an error that means PostgreSQL cannot serve now (refused, cut,
// restarting, out of connections) into a 503 with Retry-After; other errors pass unchanged.
func unavailableError(err error) error {
	if !postgres.Unavailable(err) {
		return err
	}
	return &derr.Error{Kind: derr.Unavailable, Code: "database_unavailable",
		Message: "The database is out of reach for a moment; try again shortly.", RetryAfter: poolRetryAfter, Err: err}
}
