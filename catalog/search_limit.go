package catalog

import (
	"context"
	"runtime"
	"sync/atomic"
)

// searchLimit bounds how many uncached searches run their statements at once in this process;
// the rest wait their turn, first come first served.
//
// A search is CPU-bound in PostgreSQL. With more searches running than there are cores they
// share the cores, so each takes several times its own work, and the slowest searches (two
// words no item holds together: 15–30 ms of work at a million items) are stretched the most:
// at 8 clients on 2 cores the p99 was 57–76 ms. Waiting in turn instead keeps each at its own
// speed: p99 38–56 ms over eight runs at the same throughput (README "Speed", "Search limit").
// Cached pages never wait here.
type searchLimit struct {
	slots   chan struct{} // nil: no limit
	running atomic.Int64  // searches inside now
	peak    atomic.Int64  // the most that were inside at once (tests read it)
	hook    func()        // tests: runs inside, to hold a search there
}

// DefaultSearchConcurrency is the limit when configuration names none: one more than the
// cores Go runs on, so that a core is never idle while a search waits on the network.
func DefaultSearchConcurrency() int { return runtime.GOMAXPROCS(0) + 1 }

// SetSearchConcurrency lets at most n uncached searches run their statements at once (n < 1:
// no limit). Set it to about PostgreSQL's cores divided by the replicas. Call before serving.
func (s *Service) SetSearchConcurrency(n int) {
	s.limit.slots = nil
	if n > 0 {
		s.limit.slots = make(chan struct{}, n)
	}
}

// do runs f when a slot is free, or returns ctx's error if ctx ends first.
func (l *searchLimit) do(ctx context.Context, f func() error) error {
	if l.slots != nil {
		select {
		case l.slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-l.slots }()
	}
	n := l.running.Add(1)
	defer l.running.Add(-1)
	for {
		p := l.peak.Load()
		if n <= p || l.peak.CompareAndSwap(p, n) {
			break
		}
	}
	if l.hook != nil {
		l.hook()
	}
	return f()
}
