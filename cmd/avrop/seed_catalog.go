package main

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/catalog"
)

// seedCatalog adds the demo agreements and items; the catalogue engineer replaces this file.
func seedCatalog(ctx context.Context, cat *catalog.Service, w *demoWorld) error { return nil }

// seedSyntheticItems adds n synthetic items for benchmarks; replaced with the catalogue.
func seedSyntheticItems(ctx context.Context, db *sqlx.DB, cat *catalog.Service, w *demoWorld, n int) error {
	return nil
}
