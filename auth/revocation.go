package auth

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// An access token names its session (the refresh-token family it was issued from, claim
// "sid"), so that logging out ends the session's access tokens at once rather than when they
// expire. Whether a session was ended is decided by PostgreSQL (its refresh tokens are
// revoked) and spread through Redis:
//
//   - the process that ends a session knows at once;
//   - every process asks Redis about a session at most once per revocationRecheck, and Logout
//     writes the ended session there, so another process follows within that second;
//   - every process asks PostgreSQL at least once per revocationDBRecheck, so a session ended
//     while Redis refused the write (down, out of memory) still ends within those seconds.
const (
	revocationRecheck   = time.Second
	revocationDBRecheck = 5 * time.Second
	redisCallTimeout    = 150 * time.Millisecond
)

// sessionState is what this process knows about one session.
type sessionState struct {
	revoked   bool
	checked   time.Time // last answer from Redis or PostgreSQL
	checkedDB time.Time // last answer from PostgreSQL
}

func (s *Service) revokedKey(sid string) string { return s.cfg.RedisPrefix + "session:revoked:" + sid }

// sessionRevoked reports whether the session sid has been ended.
func (s *Service) sessionRevoked(ctx context.Context, sid string) (bool, error) {
	now := time.Now()
	s.mu.Lock()
	st, ok := s.sessions[sid]
	s.mu.Unlock()
	if ok && (st.revoked || now.Sub(st.checked) < revocationRecheck) {
		return st.revoked, nil
	}
	if ok && s.rdb != nil && now.Sub(st.checkedDB) < revocationDBRecheck {
		rctx, cancel := context.WithTimeout(ctx, redisCallTimeout)
		n, err := s.rdb.Exists(rctx, s.revokedKey(sid)).Result()
		cancel()
		if err == nil {
			st.revoked, st.checked = n > 0, now
			s.rememberSession(sid, st)
			return st.revoked, nil
		}
		// Redis cannot answer: PostgreSQL decides.
	}
	revoked, err := familyRevoked(ctx, s.db, sid)
	if err != nil {
		return false, fmt.Errorf("authenticate: %w", err)
	}
	s.rememberSession(sid, sessionState{revoked: revoked, checked: now, checkedDB: now})
	return revoked, nil
}

func (s *Service) rememberSession(sid string, st sessionState) {
	s.mu.Lock()
	if len(s.sessions) > 100_000 {
		clear(s.sessions)
	}
	s.sessions[sid] = st
	s.mu.Unlock()
}

// sessionEnded records that the session sid was ended: in this process at once, and in Redis
// for the others for as long as an access token of the session can live.
func (s *Service) sessionEnded(ctx context.Context, sid string) {
	now := time.Now()
	s.rememberSession(sid, sessionState{revoked: true, checked: now, checkedDB: now})
	if s.rdb == nil {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redisCallTimeout)
	defer cancel()
	if err := s.rdb.Set(rctx, s.revokedKey(sid), 1, s.cfg.AccessTTL+time.Minute).Err(); err != nil && err != redis.Nil {
		slog.WarnContext(ctx, "session end not shared through Redis; other processes follow from PostgreSQL", "err", err)
	}
}
