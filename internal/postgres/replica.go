package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

// LSN is a PostgreSQL WAL position (pg_lsn) as a number, so positions compare with <.
type LSN uint64

// ParseLSN reads PostgreSQL's text form of a WAL position, "16/B374D848".
func ParseLSN(s string) (LSN, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok || hi == "" || lo == "" || len(hi) > 8 || len(lo) > 8 {
		return 0, fmt.Errorf("postgres: bad WAL position %q", s)
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("postgres: bad WAL position %q", s)
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("postgres: bad WAL position %q", s)
	}
	return LSN(h<<32 | l), nil
}

// String is PostgreSQL's text form of the position.
func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint64(l)>>32, uint64(l)&0xFFFFFFFF) }

// CurrentLSN is the primary's WAL insert position now: every transaction committed before the
// call is at or before it. (pg_current_wal_lsn, the position written out so far, can be behind
// a commit when synchronous_commit is off.)
func CurrentLSN(ctx context.Context, db sqlx.QueryerContext) (LSN, error) {
	var s string
	if err := sqlx.GetContext(ctx, db, &s, `SELECT pg_current_wal_insert_lsn()::text`); err != nil {
		return 0, fmt.Errorf("postgres: current WAL position: %w", err)
	}
	return ParseLSN(s)
}

type minLSNKey struct{}

// WithMinLSN marks ctx as a read by a client that has written up to lsn: a replica that has
// not replayed that far must not serve it (read-your-writes).
func WithMinLSN(ctx context.Context, lsn LSN) context.Context {
	return context.WithValue(ctx, minLSNKey{}, lsn)
}

// MinLSN is the WAL position a read in ctx must see (0: any).
func MinLSN(ctx context.Context) LSN {
	l, _ := ctx.Value(minLSNKey{}).(LSN)
	return l
}

// Reads chooses where a read-only query runs: on the streaming replica of DATABASE_REPLICA_URL
// when it is up, not lagging more than MaxLag behind the primary, and has replayed the
// client's own last write (MinLSN of the context); on the primary otherwise. Its view of the
// replica comes from Watch, which polls both servers: a replica that stopped answering or
// fell behind is skipped from the next poll on, and a read that fails on the replica because
// it went down in between is run again on the primary.
type Reads struct {
	Primary *sqlx.DB
	Replica *sqlx.DB
	MaxLag  time.Duration

	mu      sync.Mutex
	up      bool
	replay  LSN           // the replica's replayed position at the last poll
	lag     time.Duration // how far behind the primary the replica was at the last poll
	samples []lsnSample   // the primary's positions over the last polls, oldest first
}

type lsnSample struct {
	lsn LSN
	at  time.Time
}

// NewReads returns a chooser between primary and replica; call Watch to start it.
func NewReads(primary, replica *sqlx.DB, maxLag time.Duration) *Reads {
	return &Reads{Primary: primary, Replica: replica, MaxLag: maxLag}
}

// Watch polls the servers every interval until ctx ends.
func (r *Reads) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		r.Poll(ctx) //nolint:errcheck // a failed poll marks the replica down
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Poll reads the primary's WAL position and the replica's replayed position once, and
// updates whether the replica may serve reads. The replica's lag is the age of the oldest
// primary position it has not replayed yet (0 when it has replayed everything seen), so an
// idle primary never makes a replica look behind.
func (r *Reads) Poll(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	now := time.Now()
	primary, perr := CurrentLSN(pctx, r.Primary)
	var replayText *string
	rerr := r.Replica.GetContext(pctx, &replayText, `SELECT pg_last_wal_replay_lsn()::text`)
	r.mu.Lock()
	defer r.mu.Unlock()
	if perr == nil {
		r.samples = append(r.samples, lsnSample{primary, now})
	}
	if rerr != nil || replayText == nil {
		r.up = false
		if rerr == nil {
			rerr = errors.New("postgres: the replica is not a standby")
		}
		return rerr
	}
	replay, err := ParseLSN(*replayText)
	if err != nil {
		r.up = false
		return err
	}
	r.up, r.replay, r.lag = true, replay, 0
	// Drop the samples the replica has replayed; the oldest left is how far behind it is.
	i := 0
	for i < len(r.samples) && r.samples[i].lsn <= replay {
		i++
	}
	r.samples = r.samples[i:]
	if len(r.samples) > 0 {
		r.lag = now.Sub(r.samples[0].at)
	}
	if len(r.samples) > 1000 { // a replica far behind: keep the oldest and the newest
		r.samples = append(r.samples[:1], r.samples[len(r.samples)-999:]...)
	}
	return nil
}

// State reports the replica as the last poll saw it.
func (r *Reads) State() (up bool, replay LSN, lag time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.up, r.replay, r.lag
}

// usable reports whether the replica may serve a read that must see min.
func (r *Reads) usable(min LSN) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.up && r.lag <= r.MaxLag && r.replay >= min
}

// markDown skips the replica until the next poll finds it up again.
func (r *Reads) markDown() {
	r.mu.Lock()
	r.up = false
	r.mu.Unlock()
}

// Query runs read on the replica when it may serve ctx's read, else on the primary; a read
// the replica fails for being out of reach runs again on the primary. read must only read.
// r may be nil (no replica configured), and then db is used.
func (r *Reads) Query(ctx context.Context, db *sqlx.DB, read func(db *sqlx.DB) error) error {
	if r == nil || !r.usable(MinLSN(ctx)) {
		return read(db)
	}
	err := read(r.Replica)
	if err != nil && Unavailable(err) && ctx.Err() == nil {
		r.markDown()
		return read(db)
	}
	return err
}
