package catalog

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
)

// TestSearchConcurrencyLimited: at most the configured number of uncached searches run their
// statements at once; the others wait their turn and every one answers. Without a limit the
// same searches all run together (so the test fails when the limit is not applied).
func TestSearchConcurrencyLimited(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := strings.ToUpper(testenv.Unique())
	for _, size := range []string{"S", "M", "L"} {
		_, err := f.s.AddItem(ctx, f.supplier2, f.agreement.ID, ItemInput{SKU: "LIM-" + size + "-" + u, Name: "Handske nitril " + size,
			Unit: "EA", CPVCode: "33141420", VATRateBP: ptr(2500), PriceMinor: ptr(int64(4900))})
		testenv.Must(t, err)
	}
	run := func(limit, first int) int64 {
		t.Helper()
		f.s.SetSearchConcurrency(limit)
		f.s.limit.peak.Store(0)
		f.s.limit.hook = func() { time.Sleep(40 * time.Millisecond) } // hold each search inside
		defer func() { f.s.limit.hook = nil }()
		var wg sync.WaitGroup
		errs := make(chan error, 12)
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Each a page of its own, so that neither the cache nor a shared flight joins them.
				p, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: "handske nitril", Page: auth.Page{Page: 1, PageSize: first + i}})
				if err == nil && len(p.Items) == 0 {
					t.Errorf("page size %d: no items", first+i)
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			testenv.Must(t, err)
		}
		return f.s.limit.peak.Load()
	}
	if peak := run(2, 1); peak > 2 {
		t.Errorf("limit 2: %d searches ran at once", peak)
	}
	if peak := run(-1, 20); peak <= 2 {
		t.Errorf("no limit: at most %d searches ran at once, want them all together (the test cannot tell a limit)", peak)
	}
	if DefaultSearchConcurrency() < 2 {
		t.Errorf("default limit %d", DefaultSearchConcurrency())
	}
}

// TestSearchLimitWaitEndsWithContext: a search waiting for a slot gives up when its context
// ends, without taking a slot.
func TestSearchLimitWaitEndsWithContext(t *testing.T) {
	var l searchLimit
	l.slots = make(chan struct{}, 1)
	l.slots <- struct{}{} // the one slot is taken
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	ran := false
	if err := l.do(ctx, func() error { ran = true; return nil }); err != context.DeadlineExceeded || ran {
		t.Fatalf("do = %v, ran %v; want DeadlineExceeded and not run", err, ran)
	}
	if len(l.slots) != 1 {
		t.Fatalf("%d slots taken, want 1", len(l.slots))
	}
}
