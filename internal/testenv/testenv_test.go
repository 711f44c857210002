package testenv

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestDBIsMigrated(t *testing.T) {
	db := DB(t)
	var ok bool
	Must(t, db.Get(&ok, `SELECT to_regclass('public.users') IS NOT NULL`))
	if !ok {
		t.Fatal("the package database is not migrated")
	}
	if !strings.Contains(DatabaseURL(t), "avrop_test_") {
		t.Fatalf("DatabaseURL = %s, want a throwaway test database", DatabaseURL(t))
	}
}

func TestNewDatabaseIsEmptyAndSeparate(t *testing.T) {
	url := NewDatabase(t)
	if url == DatabaseURL(t) {
		t.Fatal("NewDatabase returned the package database")
	}
	db, err := sqlx.Open("postgres", url)
	Must(t, err)
	defer db.Close()
	var tables int
	Must(t, db.Get(&tables, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`))
	if tables != 0 {
		t.Fatalf("new database has %d tables, want none", tables)
	}
}

func TestRedisAndUnique(t *testing.T) {
	rdb := Redis(t)
	key := RedisPrefix() + "probe:" + Unique()
	Must(t, rdb.Set(context.Background(), key, "1", 0).Err())
	if got := rdb.Get(context.Background(), key).Val(); got != "1" {
		t.Fatalf("GET %s = %q", key, got)
	}
	if Unique() == Unique() {
		t.Fatal("Unique repeated itself")
	}
	if !strings.HasSuffix(RedisPrefix(), ":") {
		t.Fatalf("RedisPrefix %q must end with a colon", RedisPrefix())
	}
}
