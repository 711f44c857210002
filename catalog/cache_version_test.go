package catalog

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/avrop/avrop/internal/testenv"
)

// versionReads counts the cache's reads of its version key in Redis, each held for delay.
type versionReads struct {
	key   string
	delay time.Duration
	n     atomic.Int32
	hold  chan struct{} // when set, each read waits until it is closed (or 5 s)
}

func (h *versionReads) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *versionReads) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h *versionReads) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if args := cmd.Args(); strings.EqualFold(cmd.Name(), "get") && len(args) == 2 && args[1] == h.key {
			h.n.Add(1)
			time.Sleep(h.delay)
			if h.hold != nil {
				select {
				case <-h.hold:
				case <-time.After(5 * time.Second):
				}
			}
		}
		return next(ctx, cmd)
	}
}

// countVersionReads returns a cache on Redis whose version reads are counted and delayed.
func countVersionReads(t *testing.T, delay time.Duration) (*cache, *versionReads) {
	t.Helper()
	c := newCache(testenv.Redis(t), testenv.RedisPrefix()+testenv.Unique()+":")
	h := &versionReads{key: c.prefix + "version", delay: delay}
	c.rdb.AddHook(h)
	if _, err := c.version(context.Background()); err != nil { // make the version
		t.Fatal(err)
	}
	return c, h
}

// Requests that find the trusted version too old while a read of it is under way share that
// read: under load each expiry sent one GET per request in flight.
func TestVersionReadShared(t *testing.T) {
	c, h := countVersionReads(t, 3*time.Millisecond)
	want, _ := c.version(context.Background())
	time.Sleep(2 * versionTTL) // the trusted version is too old now
	h.n.Store(0)
	const requests = 32
	var start, done sync.WaitGroup
	start.Add(1)
	errs := make(chan error, requests)
	for range requests {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			v, err := c.version(context.Background())
			if err == nil && v != want {
				err = fmt.Errorf("version %q, want %q", v, want)
			}
			errs <- err
		}()
	}
	start.Done()
	done.Wait()
	close(errs)
	for err := range errs {
		testenv.Must(t, err)
	}
	// One read, or two when a goroutine came more than versionTTL after the first read was
	// issued (a slow machine); each request reading for itself made up to 32.
	if got := h.n.Load(); got < 1 || got > 2 {
		t.Fatalf("%d requests read the version %d times, want once", requests, got)
	}
}

// A request never takes its version from a read issued more than versionTTL before it came:
// a write that answered in between would not be in it.
func TestVersionReadNotSharedWhenOld(t *testing.T) {
	c, h := countVersionReads(t, 4*versionTTL)
	time.Sleep(2 * versionTTL)
	h.n.Store(0)
	first := make(chan struct{})
	go func() {
		defer close(first)
		c.version(context.Background()) //nolint:errcheck
	}()
	time.Sleep(2 * versionTTL) // the first read is under way, issued 2×versionTTL ago
	if _, err := c.version(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-first
	if got := h.n.Load(); got != 2 {
		t.Fatalf("version read %d times, want 2: the second request joined a read issued before it by more than versionTTL", got)
	}
}

// A request that finds the trusted version past versionRefresh but still young enough uses it
// without waiting and reads the next one in the background, so that under load no request
// waits on Redis; what the read brings is trusted from when it was issued.
func TestVersionRefreshedAhead(t *testing.T) {
	c, h := countVersionReads(t, 0)
	want, _ := c.version(context.Background())
	h.n.Store(0)
	h.hold = make(chan struct{})
	c.verMu.Lock()
	c.verAt = time.Now().Add(-versionRefresh)
	old := c.verAt
	c.verMu.Unlock()
	if v, err := c.version(context.Background()); err != nil || v != want {
		t.Fatalf("version %q, %v; want the trusted %q at once", v, err, want)
	}
	// The call above returned while the read it started is held: it did not wait for it.
	for start := time.Now(); h.n.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatal("no version read started in the background past versionRefresh")
		}
	}
	c.verMu.Lock()
	f := c.verFlight
	c.verMu.Unlock()
	if f == nil {
		t.Fatal("the background read is not registered as under way: requests would send their own")
	}
	if _, err := c.version(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := h.n.Load(); got != 1 {
		t.Fatalf("version read %d times while one was under way, want 1", got)
	}
	close(h.hold)
	<-f.done
	c.verMu.Lock()
	at := c.verAt
	c.verMu.Unlock()
	if !at.After(old) || at.After(time.Now()) {
		t.Fatalf("trusted as of %v after the background read, want when it was issued (after %v)", at, old)
	}
}
