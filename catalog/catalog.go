// Package catalog holds framework agreements, their participants and awarded suppliers,
// catalogue items, effective-dated prices, price changes, price-list import and the
// catalogue cache.
package catalog

import (
	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"
)

// Service is the catalogue's entry point.
type Service struct {
	db  *sqlx.DB
	rdb *redis.Client
}

// NewService returns the catalogue service. rdb may be nil or down: reads then come from
// PostgreSQL. prefix namespaces the service's Redis keys.
func NewService(db *sqlx.DB, rdb *redis.Client, prefix string) *Service {
	return &Service{db: db, rdb: rdb}
}
