// Package testenv gives tests real PostgreSQL and Redis: each test package gets its own
// database, created from the migrations and dropped at the end, and its own Redis key prefix.
// Without the servers the tests skip locally, but fail when CI=true: a test that skips in CI
// proves nothing.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	"github.com/avrop/avrop/internal/postgres"
)

var (
	once    sync.Once
	db      *sqlx.DB
	dbName  string
	dbURL   string
	initErr error
	prefix  = "t" + randomHex(4) + ":"
)

// AdminURL is the server URL used to create and drop test databases.
func AdminURL() string {
	if u := os.Getenv("AVROP_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// RedisURL is the Redis used by tests.
func RedisURL() string {
	if u := os.Getenv("AVROP_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// Unique returns a short random string for names that must not collide between tests.
func Unique() string { return randomHex(5) }

func unavailable(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv("CI") != "" {
		tb.Fatalf("test services unavailable in CI: %v", err)
	}
	tb.Skipf("test services unavailable (set CI=true to fail instead): %v", err)
}

// DB returns this test package's migrated database.
func DB(tb testing.TB) *sqlx.DB {
	tb.Helper()
	once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		admin, err := sqlx.Open("postgres", AdminURL())
		if err != nil {
			initErr = err
			return
		}
		defer admin.Close()
		if err = admin.PingContext(ctx); err != nil {
			initErr = err
			return
		}
		dbName = "avrop_test_" + randomHex(6)
		if _, err = admin.ExecContext(ctx, "CREATE DATABASE "+dbName); err != nil {
			initErr = err
			return
		}
		u, _ := url.Parse(AdminURL())
		u.Path = "/" + dbName
		dbURL = u.String()
		db, err = postgres.Open(ctx, dbURL)
		if err != nil {
			initErr = err
			return
		}
		initErr = postgres.Migrate(ctx, db.DB)
	})
	if initErr != nil {
		unavailable(tb, initErr)
	}
	return db
}

// DatabaseURL returns the URL of this package's test database (after DB has been called).
func DatabaseURL(tb testing.TB) string {
	DB(tb)
	return dbURL
}

// NewDatabase creates another empty database (no migrations) and returns its URL; it is
// dropped when the test ends.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	admin, err := sqlx.Open("postgres", AdminURL())
	if err != nil {
		unavailable(tb, err)
	}
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		unavailable(tb, err)
	}
	name := "avrop_test_" + randomHex(6)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") //nolint:errcheck
		admin.Close()
	})
	u, _ := url.Parse(AdminURL())
	u.Path = "/" + name
	return u.String()
}

// Redis returns a client for the test Redis; keys of this package must start with
// RedisPrefix().
func Redis(tb testing.TB) *redis.Client {
	tb.Helper()
	opt, err := redis.ParseURL(RedisURL())
	if err != nil {
		tb.Fatal(err)
	}
	c := redis.NewClient(opt)
	if err := c.Ping(context.Background()).Err(); err != nil {
		c.Close()
		unavailable(tb, err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// RedisPrefix is this test package's Redis key namespace.
func RedisPrefix() string { return prefix }

// Main runs the tests of a package and then drops its database and Redis keys. Call it from
// TestMain: os.Exit(testenv.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if db != nil {
		db.Close()
		if admin, err := sqlx.Open("postgres", AdminURL()); err == nil {
			admin.Exec("DROP DATABASE IF EXISTS " + dbName + " WITH (FORCE)") //nolint:errcheck
			admin.Close()
		}
	}
	if opt, err := redis.ParseURL(RedisURL()); err == nil {
		c := redis.NewClient(opt)
		ctx := context.Background()
		iter := c.Scan(ctx, 0, strings.TrimSuffix(prefix, ":")+":*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		c.Close()
	}
	return code
}

// Must fails the test on err.
func Must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(fmt.Errorf("unexpected error: %w", err))
	}
}

// OrgNumber returns a unique valid Swedish organisation number ("5NNNNN-NNNC", C a Luhn check
// digit), because organisations are created only with numbers that pass their country's check.
func OrgNumber() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	body := fmt.Sprintf("5%08d", binary.BigEndian.Uint64(b)%100_000_000)
	sum := 0
	for i := 0; i < 9; i++ {
		x := int(body[8-i] - '0')
		if i%2 == 0 {
			if x *= 2; x > 9 {
				x -= 9
			}
		}
		sum += x
	}
	return fmt.Sprintf("%s-%s%d", body[:6], body[6:], (10-sum%10)%10)
}

// Exec runs a statement of a test's setup, failing the test with the statement on error.
func Exec(tb testing.TB, db sqlx.ExecerContext, q string, args ...any) {
	tb.Helper()
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
}

var poolOnce sync.Once

// PooledDB is DB with its pool capped at n connections (set once per package): the shared
// PostgreSQL serves every package's tests at once.
func PooledDB(tb testing.TB, n int) *sqlx.DB {
	tb.Helper()
	db := DB(tb)
	poolOnce.Do(func() { db.SetMaxOpenConns(n); db.SetMaxIdleConns(n) })
	return db
}
