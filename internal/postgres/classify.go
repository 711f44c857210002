package postgres

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/avrop/avrop/internal/derr"
)

// RetryAfterUnavailable is what a client is told to wait when PostgreSQL cannot be reached.
const RetryAfterUnavailable = time.Second

// Classify gives a failure that no store mapped (it reached the caller as Internal) the kind
// it really has, so that the API and the UI answer it properly in one place:
//
//   - PostgreSQL cannot serve now (see Unavailable: unreachable, starting or stopping, out of
//     connections, the connection cut): Unavailable, 503 with Retry-After — the request can
//     succeed later, and it is not a bug;
//   - a text PostgreSQL cannot store (NUL: 22021, untranslatable: 22P05): Invalid, 422 — the
//     backstop behind the text rule (internal/text) that every domain package applies.
//
// Any other error is returned unchanged.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var e *derr.Error
	if errors.As(err, &e) && e.Kind != derr.Internal {
		return err
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && (pqErr.Code == "22021" || pqErr.Code == "22P05") {
		return &derr.Error{Kind: derr.Invalid, Code: "invalid_text",
			Message: "A text holds a character that cannot be stored (NUL or another control character).", Err: err}
	}
	if Unavailable(err) {
		return unavailable(err)
	}
	return err
}

func unavailable(err error) error {
	return &derr.Error{Kind: derr.Unavailable, Code: "database_unavailable",
		Message: "The service cannot reach its database right now. Try again shortly.", RetryAfter: RetryAfterUnavailable, Err: err}
}

// outageLogEvery bounds how often an outage is logged: while PostgreSQL is down every request
// fails the same way, and one line per request (thousands a second) would bury everything
// else in the log.
const outageLogEvery = 10 * time.Second

// OutageLog logs the first failure of an outage at once and then at most one line per
// outageLogEvery, with the number of failures in between. The zero value is ready to use.
type OutageLog struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// Log logs err unless an outage line was logged less than outageLogEvery ago.
func (o *OutageLog) Log(ctx context.Context, logger *slog.Logger, err error) {
	o.mu.Lock()
	now := time.Now()
	if now.Sub(o.last) < outageLogEvery {
		o.suppressed++
		o.mu.Unlock()
		return
	}
	n := o.suppressed
	o.last, o.suppressed = now, 0
	o.mu.Unlock()
	logger.ErrorContext(ctx, "database unavailable; answering 503", "err", err, "failures_not_logged", n)
}
