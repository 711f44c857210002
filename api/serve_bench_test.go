package api

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// discardWriter is a ResponseWriter that keeps nothing but its header map, emptied for each
// request, so that a benchmark counts the handler's work and allocations, not a recorder's.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkServe compares the API's own work for /healthz (the static handler of issue 15)
// and a cached search page, gzip accepted, access lines written as serve writes them: what
// the cached page costs beyond the static handler, without the network or net/http's parsing
// and writing, which bench/catalog measures over HTTP.
func BenchmarkServe(b *testing.B) {
	w := newCatalogWorld(b)
	for i := range 20 {
		w.addItem(b, w.supplier1, fmt.Sprintf("BS-%d", i), fmt.Sprintf("Undersökningshandske nitril storlek %d med en längre beskrivning", i))
	}
	w.a.Deps.AccessLog = io.Discard
	h := NewHandler(w.a.Deps)
	for _, bc := range []struct{ name, path, token string }{
		{"healthz", "/healthz", ""},
		{"cached-search", "/api/v1/catalog/items?q=handske&page=1&page_size=20", w.orderer},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", bc.path, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			if bc.token != "" {
				req.Header.Set("Authorization", "Bearer "+bc.token)
			}
			rw := &discardWriter{h: http.Header{}}
			for range 3 { // loaded, then cached and compressed
				h.ServeHTTP(rw, req)
			}
			if rw.status != http.StatusOK {
				b.Fatalf("status %d", rw.status)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				clear(rw.h)
				h.ServeHTTP(rw, req)
			}
		})
	}
}

// A cached search page costs the API three allocations, as /healthz's path does before its
// JSON: the request's state, its context and the request carrying it (and the request id
// when the client sends none).
// What used to come on top — X-Request-ID canonicalised into a new string, a body limit on a
// GET that has none, the client's address formatted again for the access line — must not
// come back: each was paid on every request.
func TestCachedSearchAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's own allocations")
	}
	w := newCatalogWorld(t)
	for i := range 6 {
		w.addItem(t, w.supplier1, fmt.Sprintf("AL-%d", i), fmt.Sprintf("Undersökningshandske nitril storlek %d", i))
	}
	w.a.Deps.AccessLog = io.Discard
	h := NewHandler(w.a.Deps)
	req := httptest.NewRequest("GET", "/api/v1/catalog/items?q=handske&page=1&page_size=20", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer "+w.orderer)
	req.Header.Set("X-Request-ID", "client-chosen-id") // kept: no id is made
	rw := &discardWriter{h: http.Header{}}
	serve := func() {
		clear(rw.h)
		h.ServeHTTP(rw, req)
	}
	for range 3 { // loaded, then cached and compressed
		serve()
	}
	if rw.status != http.StatusOK || rw.h.Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d, Content-Encoding %q", rw.status, rw.h.Get("Content-Encoding"))
	}
	if n := testing.AllocsPerRun(200, serve); n > 3 {
		t.Fatalf("a cached search page allocates %v objects, want at most 3", n)
	}
}
