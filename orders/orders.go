// Package orders holds call-off orders: creation under the agreement's rules, ceilings,
// approvals, the lifecycle and its events, deviations and follow-up.
package orders

import (
	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/catalog"
)

// Service is the orders entry point.
type Service struct {
	db      *sqlx.DB
	catalog *catalog.Service
}

// NewService returns the orders service.
func NewService(db *sqlx.DB, cat *catalog.Service) *Service {
	return &Service{db: db, catalog: cat}
}
