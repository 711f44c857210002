package catalog

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	"github.com/avrop/avrop/internal/postgres"
)

// cache keeps encoded catalogue reads (search pages, items) in Redis under versioned keys:
//
//	<prefix>catalog:<version>:<today>:<kind>:<hash>
//
// Every write that changes what a read returns sets a new random version before it answers, so
// the very next read misses and goes to PostgreSQL; old entries simply expire. Processes trust
// the version they read for versionTTL and writes wait that long before answering, so hot
// reads cost no Redis round trip and are still never stale after a write (see versionTTL). Today's date is
// part of the key, so a price scheduled for tomorrow can never be served from an entry made
// today. Redis is only an accelerator: every Redis error is a miss, a failing Redis is left
// alone for a second (then tried again, so caching resumes by itself), and while a bump could
// not be written the cache is bypassed until one succeeds.
type cache struct {
	rdb    redis.UniversalClient // nil: no cache
	prefix string
	ttl    time.Duration

	downUntil atomic.Int64 // unix nanos: skip Redis until then
	dirty     atomic.Bool  // a bump was lost: bump before trusting any entry
	gen       atomic.Int64 // this process's writes, for singleflight keys
	local     localEntries // versioned entries already fetched by this process

	// lsn, set when reads may go to a streaming replica (Service.SetReads), is the primary's
	// WAL position: a version set after a write carries the position the write reached, and
	// an entry of that version is made only from a replica that has replayed that far, so
	// that a lagging replica never fills the new version with what the write changed.
	lsn func(ctx context.Context) (postgres.LSN, error)

	verMu     sync.Mutex
	ver       string         // the version this process trusts, "" for none
	verAt     time.Time      // when the request that told it was issued
	verFlight *versionFlight // the version read under way, if any
}

// versionFlight is one read of the version from Redis that concurrent requests share.
type versionFlight struct {
	issued time.Time
	done   chan struct{} // closed when v and err are set
	v      string
	err    error
}

// cacheTTL bounds the life of an entry; versions and dates make entries stale-proof, the TTL
// only reclaims memory.
const cacheTTL = 10 * time.Minute

// redisBackoff is how long a failing Redis is left alone.
const redisBackoff = time.Second

// redisOpTimeout bounds every cache operation: a slow Redis must not slow the catalogue.
const redisOpTimeout = 150 * time.Millisecond

func newCache(rdb redis.UniversalClient, prefix string) *cache {
	c := &cache{prefix: prefix + "catalog:", ttl: cacheTTL}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		// A Redis Cluster (REDIS_URL redis+cluster://…): the same short timeouts on a cluster
		// client of our own. Every key of the cache is a single-key command, so keys may live
		// on any node; the version key's node restarting is a miss, then a new version.
		opt := *cc.Options()
		opt.DialTimeout = 250 * time.Millisecond
		opt.ReadTimeout = redisOpTimeout
		opt.WriteTimeout = redisOpTimeout
		opt.PoolTimeout = redisOpTimeout
		opt.ContextTimeoutEnabled = true
		opt.MaxRetries = -1
		c.rdb = redis.NewClusterClient(&opt)
		return c
	}
	if rdb, ok := rdb.(*redis.Client); ok && rdb != nil {
		// A client of our own with short timeouts and no retries, sharing the caller's
		// address and credentials (also a Sentinel failover client's dialer): the caller's
		// client may be tuned for other work.
		src := rdb.Options()
		opt := redis.Options{Network: src.Network, Addr: src.Addr, Dialer: src.Dialer, Username: src.Username,
			Password: src.Password, CredentialsProvider: src.CredentialsProvider, DB: src.DB, TLSConfig: src.TLSConfig,
			Protocol: src.Protocol, PoolSize: src.PoolSize, DisableIdentity: true}
		opt.DialTimeout = 250 * time.Millisecond
		opt.ReadTimeout = redisOpTimeout
		opt.WriteTimeout = redisOpTimeout
		opt.PoolTimeout = redisOpTimeout
		opt.ContextTimeoutEnabled = true
		opt.MaxRetries = -1
		c.rdb = redis.NewClient(&opt)
	}
	return c
}

func (c *cache) available() bool {
	return c.rdb != nil && time.Now().UnixNano() >= c.downUntil.Load()
}

// failed records a Redis failure (redis.Nil is not one).
func (c *cache) failed(err error) {
	if err != nil && !errors.Is(err, redis.Nil) {
		c.downUntil.Store(time.Now().Add(redisBackoff).UnixNano())
	}
}

// ready reports whether entries may be used now: Redis is up and no bump is outstanding.
func (c *cache) ready(ctx context.Context) bool {
	if !c.available() {
		return false
	}
	if c.dirty.Load() {
		c.setVersion(ctx)
		return !c.dirty.Load()
	}
	return true
}

// versionTTL is how long a process trusts the version it last read from Redis. A write waits
// as long after setting a new version before it answers, so every process's trusted version
// is by then at least as new as the write: the very next read anywhere is fresh, while hot
// reads skip the Redis round trip.
const versionTTL = 10 * time.Millisecond

// bump invalidates every entry. Called after each committed write that changes a read, before
// the write answers. It tries Redis even while this process is backing off from a failure:
// other processes read the version too, and must learn of the write.
func (c *cache) bump(ctx context.Context) {
	c.gen.Add(1)
	if c.rdb == nil {
		return
	}
	c.writeVersion(ctx)
	time.Sleep(versionTTL)
}

// setVersion writes a new version to Redis and trusts it at once in this process; when Redis
// cannot be written the cache is marked dirty and bypassed until a later attempt succeeds.
func (c *cache) setVersion(ctx context.Context) {
	if !c.available() {
		c.forgetVersion()
		c.dirty.Store(true)
		return
	}
	c.writeVersion(ctx)
}

// writeVersion is setVersion without the backoff. When Redis refuses the write but still
// answers reads — out of memory under noeviction, a read-only replica after a failover — the
// old version must not survive it, or every other process would go on serving entries made
// before the write (old prices) for as long as the condition lasts. So the version is deleted
// instead (DEL frees memory and is allowed when writes are refused): readers then find no
// version, cannot store a new one while writes are refused, and read from PostgreSQL.
func (c *cache) writeVersion(ctx context.Context) {
	c.forgetVersion()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redisOpTimeout)
	defer cancel()
	v, at := newVersion(), time.Now()
	if c.lsn != nil {
		l, err := c.lsn(ctx)
		if err != nil {
			// Without the write's position no replica can be trusted with the new version:
			// bypass the cache until a later bump learns it.
			c.dirty.Store(true)
			return
		}
		v += "@" + l.String()
	}
	if err := c.rdb.Set(ctx, c.prefix+"version", v, 0).Err(); err != nil {
		if derr := c.rdb.Del(ctx, c.prefix+"version").Err(); derr != nil {
			slog.WarnContext(ctx, "catalogue cache: a write could not invalidate the cache in Redis; other processes may serve older entries until Redis answers",
				"err", err, "delete_err", derr)
		}
		c.failed(err)
		c.dirty.Store(true)
		return
	}
	c.trustVersion(v, at)
	c.dirty.Store(false)
}

func (c *cache) forgetVersion() {
	c.verMu.Lock()
	c.ver, c.verAt = "", time.Time{}
	c.verMu.Unlock()
}

// trustVersion remembers v as read (or written) by a request issued at at, unless a newer
// request already told us a version.
func (c *cache) trustVersion(v string, at time.Time) {
	c.verMu.Lock()
	if at.After(c.verAt) || c.ver == "" {
		c.ver, c.verAt = v, at
	}
	c.verMu.Unlock()
}

// version returns the current cache version: the trusted one while it is younger than
// versionTTL (counted from when the request that read it was issued), else from Redis.
//
// Requests that find the trusted version too old while a read of it is under way wait for
// that read instead of each sending their own: it was issued less than versionTTL before them,
// so its answer is what they would trust anyway (a write that answered before they arrived
// set its version before that read was issued). Under load every expiry sent one GET per
// request in flight (8 with 8 clients), each parking its goroutine on the network; one read
// per expiry now serves them all.
//
// A request that finds the trusted version older than versionRefresh, but still young enough
// to trust, uses it and starts the next read in the background when none is under way. Under
// load the new version thus arrives before the old one expires, and no request waits on
// Redis. Before, every request in flight waited on one read per expiry, 100 times a second:
// under wrk those waits added up to 8–15 % of the run's wall time, during which the server
// and the client both stood idle (docs/speed.md, fourth round). The read is issued later
// than the trusted one's, so what it brings is trusted by the same rule; a read slower than
// versionTTL - versionRefresh is waited for as before.
func (c *cache) version(ctx context.Context) (string, error) {
	c.verMu.Lock()
	v, at := c.ver, c.verAt
	if age := time.Since(at); v != "" && age < versionTTL {
		if age >= versionRefresh && c.verFlight == nil {
			f := c.startVersionReadLocked()
			c.verMu.Unlock()
			go c.finishVersionRead(ctx, f)
			return v, nil
		}
		c.verMu.Unlock()
		return v, nil
	}
	if f := c.verFlight; f != nil && time.Since(f.issued) < versionTTL {
		c.verMu.Unlock()
		<-f.done // at most redisOpTimeout
		return f.v, f.err
	}
	f := c.startVersionReadLocked()
	c.verMu.Unlock()
	c.finishVersionRead(ctx, f)
	return f.v, f.err
}

// versionRefresh is the age of the trusted version from which a request reads the next one
// in the background while it still uses the trusted one.
const versionRefresh = versionTTL / 2

// startVersionReadLocked registers a version read as under way; verMu is held.
func (c *cache) startVersionReadLocked() *versionFlight {
	f := &versionFlight{issued: time.Now(), done: make(chan struct{})}
	c.verFlight = f
	return f
}

// finishVersionRead reads the version for f and ends the flight.
func (c *cache) finishVersionRead(ctx context.Context, f *versionFlight) {
	// The read serves every request that joins it, so the first one's cancellation must not
	// end it; redisOpTimeout still bounds it.
	f.v, f.err = c.readVersion(context.WithoutCancel(ctx), f.issued)
	c.failed(f.err) // also when no request waits for it: the read in the background
	c.verMu.Lock()
	if c.verFlight == f {
		c.verFlight = nil
	}
	c.verMu.Unlock()
	close(f.done)
}

// readVersion reads the version from Redis (making one when there is none) and trusts it as
// of issued, when the read was issued.
func (c *cache) readVersion(ctx context.Context, issued time.Time) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	v, err := c.rdb.Get(ctx, c.prefix+"version").Result()
	if errors.Is(err, redis.Nil) {
		// A new or restarted Redis: start a version no entry has ever used.
		v = newVersion()
		var set bool
		if set, err = c.rdb.SetNX(ctx, c.prefix+"version", v, 0).Result(); err == nil && !set {
			v, err = c.rdb.Get(ctx, c.prefix+"version").Result()
		}
	}
	if err != nil {
		return "", err
	}
	c.trustVersion(v, issued)
	return v, nil
}

// get returns the entry for the key suffix ":<date>:<kind>:<hash>" and the full key under
// which a fresh value must be stored; ok is false on a miss. key is "" when Redis is not
// usable, and is made only on a miss (a hit needs none). The key's version carries the WAL
// position a fresh value must be read at (versionLSN).
//
// The entry is served from this process's memory when it already holds that versioned key,
// which spares Redis and the network the page's bytes on hot reads; otherwise from Redis. The
// key is assembled on the stack for that look-up: a hot read allocates nothing here.
func (c *cache) get(ctx context.Context, date, kind, hash string) (val *entry, key string, ok bool) {
	if !c.ready(ctx) {
		return nil, "", false
	}
	ver, err := c.version(ctx)
	if err != nil {
		c.failed(err)
		return nil, "", false
	}
	var buf [192]byte
	k := appendKeySuffix(append(append(buf[:0], c.prefix...), ver...), date, kind, hash)
	if e, hit := c.local.get(k); hit {
		return e, "", true
	}
	key = string(k)
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	v, err := c.rdb.Get(ctx, key).Bytes()
	if err != nil {
		c.failed(err)
		return nil, key, false
	}
	e := newEntry(v)
	c.local.put(key, e)
	return e, key, true
}

// appendKeySuffix appends a cache key's ":<date>:<kind>:<hash>".
func appendKeySuffix(b []byte, date, kind, hash string) []byte {
	b = append(append(b, ':'), date...)
	b = append(append(b, ':'), kind...)
	return append(append(b, ':'), hash...)
}

// set stores val under key (from get) until the TTL or the next UTC midnight, whichever
// comes first.
func (c *cache) set(ctx context.Context, key string, e *entry, now time.Time) {
	if key == "" || !c.available() {
		return
	}
	ttl := c.ttl
	y, m, d := now.UTC().Date()
	if untilMidnight := time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC).Sub(now); untilMidnight < ttl {
		ttl = untilMidnight
	}
	if ttl <= 0 {
		return
	}
	c.local.put(key, e)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redisOpTimeout)
	defer cancel()
	c.failed(c.rdb.Set(ctx, key, e.json, ttl).Err())
}

// versionLSN is the WAL position that a version ("<random>@<position>"), or a key holding one,
// carries; 0 for none.
func versionLSN(key string) postgres.LSN {
	i := strings.LastIndexByte(key, '@')
	if i < 0 {
		return 0
	}
	pos, _, _ := strings.Cut(key[i+1:], ":")
	l, _ := postgres.ParseLSN(pos)
	return l
}

// newVersion is a random cache version. Versions are never counted up: a Redis that restarts
// empty would count the same numbers again, and entries this process still holds under an old
// number would come back to life.
func newVersion() string {
	b := make([]byte, 8)
	rand.Read(b) //nolint:errcheck // never fails
	return hex.EncodeToString(b)
}

// hashKey makes a compact cache-key part of arbitrary parts.
func hashKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// cached serves kind/hash from the cache or loads it once and stores it (cachedEncoded).
func (s *Service) cached(ctx context.Context, kind, hash string, load func(ctx context.Context, db *sqlx.DB) ([]byte, error)) ([]byte, error) {
	e, err := s.cachedEncoded(ctx, kind, hash, load)
	if err != nil {
		return nil, err
	}
	return e.JSON(), nil
}

// lookup is the first half of cachedEncoded: the cached entry of kind/hash for today, or
// what loadEncoded needs on a miss. Callers that would build a loader for the miss look up
// first, so a hit costs no loader.
type lookup struct {
	kind, hash, date string
	now              time.Time
	key              string // "" when Redis is not usable
	hit              Encoded
	ok               bool
}

func (s *Service) lookup(ctx context.Context, kind, hash string) lookup {
	now := s.now()
	l := lookup{kind: kind, hash: hash, date: dateText(now), now: now}
	var e *entry
	e, l.key, l.ok = s.cache.get(ctx, l.date, kind, hash)
	if l.ok {
		l.hit = Encoded{e, true}
	}
	return l
}

// cachedEncoded serves kind/hash from the cache or loads it once and stores it.
func (s *Service) cachedEncoded(ctx context.Context, kind, hash string, load func(ctx context.Context, db *sqlx.DB) ([]byte, error)) (Encoded, error) {
	l := s.lookup(ctx, kind, hash)
	if l.ok {
		return l.hit, nil
	}
	return s.loadEncoded(ctx, l, load)
}

// loadEncoded loads what lookup missed once and stores it. Concurrent misses of one key share
// a single PostgreSQL query (singleflight). The flight key holds the cache version and this
// process's write generation, so a read that starts after a write never joins a flight that
// may have read the data before it.
//
// load reads from db: the read replica when it has replayed the caller's last write and the
// cache version's (postgres.Reads, SetReads), else the primary.
func (s *Service) loadEncoded(ctx context.Context, l lookup, load func(ctx context.Context, db *sqlx.DB) ([]byte, error)) (Encoded, error) {
	key := l.key
	suffix := string(appendKeySuffix(nil, l.date, l.kind, l.hash))
	flight := strconv.FormatInt(s.cache.gen.Load(), 10) + "|" + key + "|" + suffix
	v, err, _ := s.group.Do(flight, func() (any, error) {
		// A flight that finished just before this one started may have stored the entry.
		if key != "" {
			if e, _, ok := s.cache.get(ctx, l.date, l.kind, l.hash); ok {
				return e, nil
			}
		}
		s.loads.Add(1)
		lctx := context.WithoutCancel(ctx)
		lctx = s.cache.withCacheVersion(lctx, key) // the words' expansions are kept under it (search_words_cache.go)
		if l := versionLSN(key); l > postgres.MinLSN(lctx) {
			lctx = postgres.WithMinLSN(lctx, l)
		}
		var val []byte
		err := s.reads.Query(lctx, s.db, func(db *sqlx.DB) error {
			var err error
			val, err = load(lctx, db)
			return err
		})
		if err != nil {
			return nil, err
		}
		e := newEntry(val)
		s.cache.set(ctx, key, e, l.now)
		return e, nil
	})
	if err != nil {
		return Encoded{}, err
	}
	return Encoded{v.(*entry), false}, nil
}

// dayText is a date (UTC) as "YYYY-MM-DD"; dateText formats it once a day rather than on every read.
type dayText struct {
	ymd  int
	text string
}

var lastDate atomic.Pointer[dayText]

func dateText(t time.Time) string {
	y, m, d := t.UTC().Date()
	ymd := y*10000 + int(m)*100 + d
	if p := lastDate.Load(); p != nil && p.ymd == ymd {
		return p.text
	}
	text := t.UTC().Format(dateLayout)
	lastDate.Store(&dayText{ymd, text})
	return text
}
