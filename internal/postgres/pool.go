package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// DefaultPoolSize is the connections one process opens at most when configuration names no
// size: three replicas of 25 stay within PostgreSQL's default max_connections of 100 with room
// left for migrations, psql and the superuser's reserve (see Budget).
const DefaultPoolSize = 25

// OpenPool connects to PostgreSQL with a pool of at most size connections (DefaultPoolSize
// when size <= 0) and checks the connection. Every replica of the service opens its own pool,
// so size × replicas is what PostgreSQL must accept (Budget).
func OpenPool(ctx context.Context, url string, size int) (*sqlx.DB, error) {
	if size <= 0 {
		size = DefaultPoolSize
	}
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db.SetMaxOpenConns(size)
	db.SetMaxIdleConns(size)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: ping: %w", err)
	}
	return db, nil
}

// ServerBudget is what a PostgreSQL server accepts: the connections ordinary roles may open
// (max_connections less the superuser's reserve) and how many are open now.
type ServerBudget struct {
	MaxConnections   int // max_connections
	Reserved         int // superuser_reserved_connections (+ reserved_connections on 16+)
	Open             int // connections open now, all databases
	ReplicaPoolsRoom int // how many more pools of the asked size fit beside what is open
}

// Budget reads the server's connection limits and says how many more pools of poolSize fit.
// The arithmetic, documented in the README: replicas × pool size + replicas × replica-pool
// size ≤ max_connections − reserved − what other clients (migrations, psql, pgbench) hold.
func Budget(ctx context.Context, db *sqlx.DB, poolSize int) (ServerBudget, error) {
	var b ServerBudget
	err := db.QueryRowxContext(ctx, `
		SELECT current_setting('max_connections')::int,
		       current_setting('superuser_reserved_connections')::int
		         + coalesce(current_setting('reserved_connections', true)::int, 0),
		       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int`).
		Scan(&b.MaxConnections, &b.Reserved, &b.Open)
	if err != nil {
		return b, fmt.Errorf("postgres: budget: %w", err)
	}
	if poolSize > 0 {
		b.ReplicaPoolsRoom = max(0, b.MaxConnections-b.Reserved-b.Open) / poolSize
	}
	return b, nil
}

// Unavailable reports whether err means PostgreSQL cannot serve now rather than that the
// request or the code is wrong: the server refuses more connections (too_many_connections,
// also a database's or role's CONNECTION LIMIT), is starting or shutting down, the connection
// failed or was cut, or the pool had no free connection before the request's wait ran out.
// Such a request may succeed when retried, so the API answers 503 with Retry-After.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch {
		case pqErr.Code == "53300", // too_many_connections
			pqErr.Code == "57P01",      // admin_shutdown
			pqErr.Code == "57P02",      // crash_shutdown
			pqErr.Code == "57P03",      // cannot_connect_now
			pqErr.Code.Class() == "08": // connection_exception
			return true
		}
		return false
	}
	var netErr *net.OpError
	return errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.As(err, &netErr)
}
