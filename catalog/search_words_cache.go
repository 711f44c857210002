package catalog

import (
	"container/list"
	"context"
	"strings"
	"sync"
)

// termRow is what the words' statement (termsStatement) answers for one looked-up word: a
// query word itself, or one of the synonyms the dictionary gives for it.
type termRow struct {
	syn, stop   bool
	word, stem  string
	starts      []string
	same, infix []string
	fuzzy       []string
	sims        []float64
}

// expansions remembers, in this process, what each query word expanded to and which
// agreements a scope sees, so that a search whose words were all seen before skips the words'
// statement (2.4–3.5 ms of PostgreSQL CPU and a round trip at every catalogue size). Words
// repeat far more than whole queries do: staff type the same few hundred words, cut and
// combined differently.
//
// Entries are kept under the catalogue cache's version (cache.go), which every catalogue
// write replaces before it answers: the lexicon only changes when items are written and the
// visible agreements when agreements are, so an entry of the current version is never stale,
// and a word a new item brings is found by the very next search. Without a version (no Redis,
// Redis down, a bump outstanding) nothing is remembered or used: other processes' writes
// could not be known.
type expansions struct {
	mu  sync.Mutex
	ver string
	ll  *list.List // most recently used first
	m   map[string]*list.Element
}

type expansionEntry struct {
	key        string
	rows       []termRow // a word's rows
	agreements []string  // a scope's visible agreements
}

// maxExpansions bounds the entries (words and scopes), a few hundred bytes each.
const maxExpansions = 8192

// versionKey carries the cache version a search's reads are made under (cache.go's cached).
type versionKey struct{}

// withCacheVersion records in ctx the version of key (a cache key from cache.get, "" for none)
// for the reads made under it.
func (c *cache) withCacheVersion(ctx context.Context, key string) context.Context {
	ver := ""
	if rest, ok := strings.CutPrefix(key, c.prefix); ok && key != "" {
		ver, _, _ = strings.Cut(rest, ":")
	}
	return context.WithValue(ctx, versionKey{}, ver)
}

// cacheVersionOf is the version recorded by withCacheVersion, "" for none.
func cacheVersionOf(ctx context.Context) string {
	v, _ := ctx.Value(versionKey{}).(string)
	return v
}

func (e *expansions) get(ver, key string) (*expansionEntry, bool) {
	if ver == "" {
		return nil, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if ver != e.ver || e.m == nil {
		return nil, false
	}
	el, ok := e.m[key]
	if !ok {
		return nil, false
	}
	e.ll.MoveToFront(el)
	return el.Value.(*expansionEntry), true
}

// put remembers an entry under version ver; a new version forgets every older entry.
func (e *expansions) put(ver string, ent *expansionEntry) {
	if ver == "" {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if ver != e.ver || e.m == nil {
		e.ver, e.ll, e.m = ver, list.New(), map[string]*list.Element{}
	}
	if el, ok := e.m[ent.key]; ok {
		el.Value = ent
		e.ll.MoveToFront(el)
		return
	}
	e.m[ent.key] = e.ll.PushFront(ent)
	for e.ll.Len() > maxExpansions {
		old := e.ll.Back()
		e.ll.Remove(old)
		delete(e.m, old.Value.(*expansionEntry).key)
	}
}

// wordKey and scopeKey are the keys of a word's expansion and of a scope's agreements.
func wordKey(word string, fuzzyAll bool) string {
	if fuzzyAll {
		return "w1\x00" + word
	}
	return "w0\x00" + word
}

func scopeKey(visible string) string { return "a\x00" + visible }
