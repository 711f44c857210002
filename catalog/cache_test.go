package catalog

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
)

// reads does a search and an item read as the orderer and reports what they saw.
func (f *fixture) reads(t *testing.T, q, itemID string) (ItemPage, Item, error) {
	t.Helper()
	ctx := context.Background()
	p, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: q})
	testenv.Must(t, err)
	it, err := f.s.GetItem(ctx, f.orderer, itemID)
	return p, it, err
}

// warm reads twice and checks that the second read came from the cache.
func (f *fixture) warm(t *testing.T, q, itemID string) {
	t.Helper()
	f.reads(t, q, itemID)
	before := f.s.loads.Load()
	f.reads(t, q, itemID)
	if got := f.s.loads.Load() - before; got != 0 {
		t.Fatalf("second read went to PostgreSQL %d times; the cache is not working", got)
	}
}

func TestCacheFreshAfterEveryWrite(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	it := f.item(f.supplier1, "C-1", "Undersökningshandske nitril")
	price := func(p ItemPage) int64 {
		if len(p.Items) == 0 || p.Items[0].PriceMinor == nil {
			return -1
		}
		return *p.Items[0].PriceMinor
	}

	t.Run("price applied", func(t *testing.T) {
		f.warm(t, "handske", it.ID)
		_, err := f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(9000))})
		testenv.Must(t, err)
		p, got, err := f.reads(t, "handske", it.ID)
		testenv.Must(t, err)
		if price(p) != 9000 || *got.PriceMinor != 9000 {
			t.Fatalf("after the change: search %d, item %d", price(p), *got.PriceMinor)
		}
	})
	t.Run("price approved", func(t *testing.T) {
		pc, err := f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(12000))})
		testenv.Must(t, err)
		f.warm(t, "handske", it.ID)
		_, err = f.s.DecidePriceChange(ctx, f.manager, pc.ID, true, "")
		testenv.Must(t, err)
		p, got, err := f.reads(t, "handske", it.ID)
		testenv.Must(t, err)
		if price(p) != 12000 || *got.PriceMinor != 12000 {
			t.Fatalf("after approval: search %d, item %d", price(p), *got.PriceMinor)
		}
	})
	t.Run("item added", func(t *testing.T) {
		f.warm(t, "handske", it.ID)
		f.item(f.supplier2, "C-2", "Handske vinyl")
		p, _, err := f.reads(t, "handske", it.ID)
		testenv.Must(t, err)
		if p.Total != 2 {
			t.Fatalf("total = %d, want 2", p.Total)
		}
	})
	t.Run("item changed", func(t *testing.T) {
		f.warm(t, "handske", it.ID)
		_, err := f.s.UpdateItem(ctx, f.supplier1, it.ID, ItemPatch{Name: ptr("Undersökningshandske nitril blå")})
		testenv.Must(t, err)
		p, got, err := f.reads(t, "handske", it.ID)
		testenv.Must(t, err)
		if got.Name != "Undersökningshandske nitril blå" || !strings.Contains(p.Items[0].Name+p.Items[1].Name, "blå") {
			t.Fatalf("stale name: %q", got.Name)
		}
	})
	t.Run("price list imported", func(t *testing.T) {
		f.warm(t, "handske", it.ID)
		_, err := f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, strings.NewReader(header+
			"C-1,Undersökningshandske nitril blå,Beskrivning av Undersökningshandske nitril,EA,1,33141420,,,2500,11000,\n"))
		testenv.Must(t, err)
		p, got, err := f.reads(t, "handske", it.ID)
		testenv.Must(t, err)
		if *got.PriceMinor != 11000 || (price(p) != 11000 && *p.Items[1].PriceMinor != 11000) {
			t.Fatalf("after import: item %d", *got.PriceMinor)
		}
	})
	t.Run("agreement changed", func(t *testing.T) {
		// The outsider sees nothing; adding them as a participant shows the items at once.
		ctx := context.Background()
		p, err := f.s.SearchItems(ctx, f.outsiderOrderer, SearchFilter{Q: "handske"})
		testenv.Must(t, err)
		_, err = f.s.SearchItems(ctx, f.outsiderOrderer, SearchFilter{Q: "handske"})
		testenv.Must(t, err)
		if p.Total != 0 {
			t.Fatalf("outsider sees %d", p.Total)
		}
		_, err = f.s.UpdateAgreement(ctx, f.manager, f.agreement.ID, AgreementPatch{Participants: []ParticipantPatch{{OrgID: f.outsider.ID}}})
		testenv.Must(t, err)
		p, err = f.s.SearchItems(ctx, f.outsiderOrderer, SearchFilter{Q: "handske"})
		testenv.Must(t, err)
		if p.Total != 2 {
			t.Fatalf("new participant sees %d, want 2", p.Total)
		}
	})
	t.Run("agreement terminated", func(t *testing.T) {
		f.warm(t, "handske", it.ID)
		_, err := f.s.UpdateAgreement(ctx, f.manager, f.agreement.ID, AgreementPatch{Status: ptr(StatusTerminated)})
		testenv.Must(t, err)
		p, _, err := f.reads(t, "handske", it.ID)
		wantKind(t, err, derr.NotFound, "")
		if p.Total != 0 {
			t.Fatalf("terminated agreement still searchable: %d", p.Total)
		}
	})
}

func TestConcurrentMissesHitPostgresOnce(t *testing.T) {
	f := newFixture(t)
	it := f.item(f.supplier1, "SF-1", "Handsprit")
	for _, kind := range []string{"item", "search"} {
		t.Run(kind, func(t *testing.T) {
			f.s.cache.bump(context.Background()) // a cold cache
			before := f.s.loads.Load()
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := 0; i < 50; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					var err error
					if kind == "item" {
						_, err = f.s.GetItem(context.Background(), f.orderer, it.ID)
					} else {
						_, err = f.s.SearchItems(context.Background(), f.orderer, SearchFilter{Q: "handsprit"})
					}
					if err != nil {
						t.Error(err)
					}
				}()
			}
			close(start)
			wg.Wait()
			if got := f.s.loads.Load() - before; got != 1 {
				t.Fatalf("50 concurrent misses went to PostgreSQL %d times, want 1", got)
			}
		})
	}
}

// ownRedis runs a throwaway redis-server on a free port.
type ownRedis struct {
	t    *testing.T
	port int
	cmd  *exec.Cmd
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	testenv.Must(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (r *ownRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", fmt.Sprint(r.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := r.cmd.Start(); err != nil {
		r.t.Skipf("redis-server not available: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port)})
	defer c.Close()
	for i := 0; i < 100; i++ {
		if c.Ping(context.Background()).Err() == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.t.Fatal("own redis-server did not start")
}

func (r *ownRedis) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Kill() //nolint:errcheck
		r.cmd.Wait()         //nolint:errcheck
		r.cmd = nil
	}
}

func (r *ownRedis) keys() int {
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port)})
	defer c.Close()
	n, _ := c.DBSize(context.Background()).Result()
	return int(n)
}

func TestRedisStoppedMidTest(t *testing.T) {
	f := newFixture(t)
	r := &ownRedis{t: t, port: freePort(t)}
	r.start()
	t.Cleanup(r.stop)
	client := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port)})
	t.Cleanup(func() { client.Close() })
	s := NewService(f.s.db, client, "down:")
	s.SetClock(func() time.Time { return f.today })
	f.s = s
	it := f.item(f.supplier1, "RD-1", "Undersökningshandske nitril")

	f.warm(t, "handske", it.ID)
	if r.keys() == 0 {
		t.Fatal("nothing cached in Redis")
	}

	r.stop()
	// Every read is served from PostgreSQL, without errors and quickly.
	start := time.Now()
	for i := 0; i < 20; i++ {
		_, _, err := f.reads(t, "handske", it.ID)
		testenv.Must(t, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("20 reads with Redis down took %v", d)
	}
	// A write while Redis is down; the next read is fresh.
	_, err := f.s.SetPrice(context.Background(), f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(7000))})
	testenv.Must(t, err)
	_, got, err := f.reads(t, "handske", it.ID)
	testenv.Must(t, err)
	if *got.PriceMinor != 7000 {
		t.Fatalf("price = %d, want 7000", *got.PriceMinor)
	}

	// Redis returns (empty): caching resumes by itself.
	r.start()
	time.Sleep(redisBackoff + 100*time.Millisecond)
	f.reads(t, "handske", it.ID)
	before := f.s.loads.Load()
	_, got, err = f.reads(t, "handske", it.ID)
	testenv.Must(t, err)
	if f.s.loads.Load() != before || r.keys() == 0 {
		t.Fatalf("caching did not resume (loads %d → %d, keys %d)", before, f.s.loads.Load(), r.keys())
	}
	if *got.PriceMinor != 7000 {
		t.Fatalf("price = %d, want 7000", *got.PriceMinor)
	}
}

// TestRedisHungKeepsNoStaleEntries freezes Redis (SIGSTOP) so that it keeps its entries but
// answers nothing; a write during the freeze cannot bump the version, and after Redis thaws
// the old entries must not be served.
func TestRedisHungKeepsNoStaleEntries(t *testing.T) {
	f := newFixture(t)
	r := &ownRedis{t: t, port: freePort(t)}
	r.start()
	t.Cleanup(func() {
		if r.cmd != nil {
			r.cmd.Process.Signal(syscall.SIGCONT) //nolint:errcheck
		}
		r.stop()
	})
	client := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port)})
	t.Cleanup(func() { client.Close() })
	f.s = NewService(f.s.db, client, "hung:")
	f.s.SetClock(func() time.Time { return f.today })
	it := f.item(f.supplier1, "RH-1", "Undersökningshandske nitril")
	f.warm(t, "handske", it.ID)

	testenv.Must(t, r.cmd.Process.Signal(syscall.SIGSTOP))
	start := time.Now()
	_, err := f.s.SetPrice(context.Background(), f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(6000))})
	testenv.Must(t, err)
	_, got, err := f.reads(t, "handske", it.ID)
	testenv.Must(t, err)
	if *got.PriceMinor != 6000 {
		t.Fatalf("price while hung = %d", *got.PriceMinor)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("a write and a read with Redis hung took %v", d)
	}
	testenv.Must(t, r.cmd.Process.Signal(syscall.SIGCONT))
	time.Sleep(redisBackoff + 100*time.Millisecond)
	p, got, err := f.reads(t, "handske", it.ID)
	testenv.Must(t, err)
	if *got.PriceMinor != 6000 || *p.Items[0].PriceMinor != 6000 {
		t.Fatalf("stale entry served after Redis thawed: item %d, search %d", *got.PriceMinor, *p.Items[0].PriceMinor)
	}
	f.warm(t, "handske", it.ID) // and caching works again
}

// TestRedisRefusingWritesLeavesNoStalePrices: Redis out of memory (noeviction) still answers
// reads but refuses writes. A price changed in one process must not leave another process
// serving the old price from the cache for as long as that lasts; when Redis has memory again,
// caching resumes.
func TestRedisRefusingWritesLeavesNoStalePrices(t *testing.T) {
	f := newFixture(t)
	r := testenv.StartRedis(t, "--maxmemory-policy", "noeviction")
	client := redis.NewClient(&redis.Options{Addr: r.Addr})
	t.Cleanup(func() { client.Close() })
	ctx := context.Background()
	writer, reader := NewService(f.s.db, client, "oom:"), NewService(f.s.db, client, "oom:")
	for _, s := range []*Service{writer, reader} {
		s.SetClock(func() time.Time { return f.today })
	}
	f.s = writer
	it := f.item(f.supplier1, "OOM-1", "Undersökningshandske nitril")
	other := *f
	other.s = reader
	other.warm(t, "handske", it.ID)

	testenv.Must(t, client.ConfigSet(ctx, "maxmemory", "1").Err())
	if err := client.Set(ctx, "oom:probe", 1, 0).Err(); err == nil || !strings.Contains(err.Error(), "OOM") {
		t.Fatalf("Redis still takes writes (%v); the test needs it refusing them", err)
	}
	_, err := writer.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(5000))})
	testenv.Must(t, err)
	for i := range 3 {
		p, got, err := other.reads(t, "handske", it.ID)
		testenv.Must(t, err)
		if *got.PriceMinor != 5000 || len(p.Items) == 0 || *p.Items[0].PriceMinor != 5000 {
			t.Fatalf("read %d in the other process while Redis refuses writes: item %d, search %v; want the new price 5000", i, *got.PriceMinor, p.Items)
		}
	}

	testenv.Must(t, client.ConfigSet(ctx, "maxmemory", "0").Err())
	time.Sleep(redisBackoff + 100*time.Millisecond)
	// Caching resumes (checked until it has, since a loaded machine can time a Redis call out).
	for deadline := time.Now().Add(10 * time.Second); ; {
		other.reads(t, "handske", it.ID)
		before := reader.loads.Load()
		other.reads(t, "handske", it.ID)
		if reader.loads.Load() == before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("caching did not resume after Redis had memory again")
		}
		time.Sleep(redisBackoff)
	}
	_, got, err := other.reads(t, "handske", it.ID)
	testenv.Must(t, err)
	if *got.PriceMinor != 5000 {
		t.Fatalf("price after Redis recovered = %d, want 5000", *got.PriceMinor)
	}
}

// A cached page is compressed once: later reads of it, from memory, share the gzip bytes, and
// they decompress to the page's JSON. The read that loads a page, and a page too small to
// gain, are not compressed.
func TestCachedPageGzippedOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i := range 8 {
		f.item(f.supplier1, fmt.Sprintf("GZ-%d", i), fmt.Sprintf("Undersökningshandske nitril storlek %d", i))
	}
	loaded, err := f.s.SearchItemsEncoded(ctx, f.orderer, SearchFilter{Q: "handske"})
	testenv.Must(t, err)
	if loaded.Gzip() != nil {
		t.Fatal("the read that loaded the page compressed it")
	}
	first, err := f.s.SearchItemsEncoded(ctx, f.orderer, SearchFilter{Q: "handske"})
	testenv.Must(t, err)
	gz := first.Gzip()
	if gz == nil {
		t.Fatalf("a page of %d bytes was not compressed", len(first.JSON()))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	testenv.Must(t, err)
	plain, err := io.ReadAll(zr)
	testenv.Must(t, err)
	if !bytes.Equal(plain, first.JSON()) {
		t.Fatal("the gzip form does not decompress to the page")
	}
	before := f.s.loads.Load()
	for range 3 {
		again, err := f.s.SearchItemsEncoded(ctx, f.orderer, SearchFilter{Q: "handske"})
		testenv.Must(t, err)
		if g := again.Gzip(); len(g) == 0 || &g[0] != &gz[0] {
			t.Fatal("a cached page was compressed again")
		}
	}
	if got := f.s.loads.Load() - before; got != 0 {
		t.Fatalf("cached page read PostgreSQL %d times", got)
	}
	f.s.SearchItemsEncoded(ctx, f.orderer, SearchFilter{Q: "zzzyyy"}) //nolint:errcheck // loads it
	small, err := f.s.SearchItemsEncoded(ctx, f.orderer, SearchFilter{Q: "zzzyyy"})
	testenv.Must(t, err)
	if small.Gzip() != nil {
		t.Fatalf("a page of %d bytes was compressed", len(small.JSON()))
	}
}

// Two processes share Redis: a price change in one is in the other's gzipped page at once,
// though the other held the old page, compressed, in its memory.
func TestGzippedPageFreshAcrossProcesses(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	prefix := testenv.RedisPrefix() + testenv.Unique() + ":"
	writer, reader := NewService(f.s.db, testenv.Redis(t), prefix), NewService(f.s.db, testenv.Redis(t), prefix)
	for _, s := range []*Service{writer, reader} {
		s.SetClock(func() time.Time { return f.today })
	}
	f.s = writer
	var it Item
	for i := range 8 {
		x := f.item(f.supplier1, fmt.Sprintf("GP-%d", i), fmt.Sprintf("Dosett vecka modell %d", i))
		if i == 0 {
			it = x
		}
	}
	// priceIn reads the item's price from the gzip form when there is one (wantGzip), else
	// from the JSON.
	priceIn := func(e Encoded, wantGzip bool) int64 {
		t.Helper()
		var r io.Reader = bytes.NewReader(e.JSON())
		if gz := e.Gzip(); (gz != nil) != wantGzip {
			t.Fatalf("gzip form made: %v, want %v", gz != nil, wantGzip)
		} else if gz != nil {
			zr, err := gzip.NewReader(bytes.NewReader(gz))
			testenv.Must(t, err)
			r = zr
		}
		var p ItemPage
		testenv.Must(t, json.NewDecoder(r).Decode(&p))
		for _, x := range p.Items {
			if x.ID == it.ID && x.PriceMinor != nil {
				return *x.PriceMinor
			}
		}
		t.Fatalf("item not in the page")
		return 0
	}
	f.item(f.supplier1, "GP-X", "Handsprit") // a write the reader has not seen yet: nothing else
	for i := range 2 {
		e, err := reader.SearchItemsEncoded(ctx, f.orderer, SearchFilter{Q: "dosett"})
		testenv.Must(t, err)
		priceIn(e, i == 1) // loaded, then from memory and compressed
	}
	for _, price := range []int64{7000, 6500, 6000} {
		_, err := writer.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(price)})
		testenv.Must(t, err)
		e, err := reader.SearchItemsEncoded(ctx, f.orderer, SearchFilter{Q: "dosett"})
		testenv.Must(t, err)
		if got := priceIn(e, false); got != price { // a new version: loaded again
			t.Fatalf("the other process's page says %d after the change to %d", got, price)
		}
		before := reader.loads.Load()
		e, err = reader.SearchItemsEncoded(ctx, f.orderer, SearchFilter{Q: "dosett"})
		testenv.Must(t, err)
		if got := priceIn(e, true); got != price || reader.loads.Load() != before {
			t.Fatalf("second read: price %d, PostgreSQL reads %d; want %d from the cache", got, reader.loads.Load()-before, price)
		}
	}
}
