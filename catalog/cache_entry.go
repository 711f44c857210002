package catalog

import (
	"bytes"
	"compress/gzip"
	"strconv"
	"sync"
)

// entry is one cached read: its JSON and, made at most once and only when a client accepts
// it, its gzip form. A hot page is thus compressed once per process and version, and every
// request after that writes a fifth of the bytes to its socket (writing the 18 KB page was
// 40 % of a cached search's CPU).
//
// Each form's Content-Length is kept beside it as the header value the API sends, so a hot
// read does not format and allocate it again (never appended to: cap = len).
type entry struct {
	json    []byte
	jsonLen []string
	gzOnce  sync.Once
	gz      []byte // nil when compressing does not pay
	gzLen   []string
}

func newEntry(json []byte) *entry {
	return &entry{json: json, jsonLen: []string{strconv.Itoa(len(json))}}
}

func (e *entry) gzipped() []byte {
	e.gzOnce.Do(func() {
		if e.gz = gzipJSON(e.json); e.gz != nil {
			e.gzLen = []string{strconv.Itoa(len(e.gz))}
		}
	})
	return e.gz
}

// minGzip is the smallest body worth compressing: below it the header and the client's work
// cost more than the bytes saved.
const minGzip = 1024

// gzipWriters compress at gzip's fastest level: an 18 KB search page takes ≈ 40 µs and 2.3 KB
// instead of ≈ 300 µs and 2.0 KB at the default level, and under typed search every page is
// new, so each is compressed once for a single reader.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// gzipJSON compresses b, or returns nil when b is too small for it to pay.
func gzipJSON(b []byte) []byte {
	if len(b) < minGzip {
		return nil
	}
	var buf bytes.Buffer
	buf.Grow(len(b) / 4)
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(&buf)
	w.Write(b) //nolint:errcheck // a bytes.Buffer does not fail
	w.Close()  //nolint:errcheck
	gzipWriters.Put(w)
	if buf.Len() >= len(b) {
		return nil
	}
	return bytes.Clone(buf.Bytes())
}

// Encoded is a catalogue read encoded as the JSON the API sends, served from the cache when
// it can be.
type Encoded struct {
	e *entry
	// hit: the entry came from the cache (this process's memory or Redis), so others read it
	// too. The read that loads a page does not compress it: under typed search every page is
	// new and read once, and compressing it would cost more than its smaller write saves.
	hit bool
}

// JSON is the read as JSON.
func (e Encoded) JSON() []byte { return e.e.json }

// ContentLength is the header value of len(b) for b, JSON() or Gzip(), shared by every
// request for the entry: never modify it.
func (e Encoded) ContentLength(b []byte) []string {
	switch {
	case len(b) == len(e.e.json) && e.e.jsonLen != nil:
		return e.e.jsonLen
	case e.e.gzLen != nil && len(b) == len(e.e.gz):
		return e.e.gzLen
	}
	return []string{strconv.Itoa(len(b))}
}

// Gzip is JSON compressed with gzip (RFC 1952), made once per cached entry; nil when the JSON
// is too small for compression to pay, and for the read that loaded the entry.
func (e Encoded) Gzip() []byte {
	if !e.hit {
		return nil
	}
	return e.e.gzipped()
}

// localEntries is a small in-process map of versioned keys to entries. Keys carry the version
// and the date, so an entry can never be stale, only unused; the map is simply emptied when
// it grows past its bound.
type localEntries struct {
	mu    sync.RWMutex
	m     map[string]*entry
	bytes int
}

// The bound is small on purpose: under typed search every query is different, so the map
// fills with pages read once and is emptied again and again; at 64 MiB it held most of a
// replica's memory (RSS ≈ 150 MB under search load). 8 MiB still holds the hot pages.
const (
	localMaxEntries = 1024
	localMaxBytes   = 8 << 20
)

func (l *localEntries) get(key []byte) (*entry, bool) {
	l.mu.RLock()
	v, ok := l.m[string(key)] // the conversion in a map index does not allocate
	l.mu.RUnlock()
	return v, ok
}

// put counts an entry's bytes as its JSON and a gzip form of at most a quarter of it, made or not.
func (l *localEntries) put(key string, e *entry) {
	size := len(e.json) + len(e.json)/4
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil || len(l.m) >= localMaxEntries || l.bytes+size > localMaxBytes {
		l.m, l.bytes = make(map[string]*entry), 0
	}
	l.m[key] = e
	l.bytes += size
}
