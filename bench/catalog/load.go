package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/catalog"
)

// loadItems grows the agreement's catalogue by n synthetic items with bulk COPY. The
// secondary indexes of items and item_prices (not those behind constraints) are dropped
// first and built again afterwards, as one does for a bulk load: building a GIN index once is
// many times cheaper than inserting a million rows into it.
func loadItems(ctx context.Context, db *sqlx.DB, agreementID string, suppliers []string, validFrom string, n int) error {
	type index struct{ Name, Def string }
	var idx []index
	if err := db.SelectContext(ctx, &idx, `SELECT indexname AS name, indexdef AS def FROM pg_indexes i
		WHERE schemaname = current_schema() AND tablename IN ('items', 'item_prices')
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)`); err != nil {
		return fmt.Errorf("load: indexes: %w", err)
	}
	for _, ix := range idx {
		if _, err := db.ExecContext(ctx, `DROP INDEX `+pq.QuoteIdentifier(ix.Name)); err != nil {
			return fmt.Errorf("load: %w", err)
		}
	}
	gen := catalog.NewSyntheticItems()
	const chunk = 100_000
	for start := 0; start < n; start += chunk {
		if err := copyChunk(ctx, db, gen, agreementID, suppliers, validFrom, start, min(chunk, n-start)); err != nil {
			return err
		}
	}
	conn, err := db.Connx(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// A session setting of this connection only: index builds sort in memory.
	if _, err := conn.ExecContext(ctx, `SET maintenance_work_mem = '256MB'`); err != nil {
		return err
	}
	for _, ix := range idx {
		t0 := time.Now()
		if _, err := conn.ExecContext(ctx, ix.Def); err != nil {
			return fmt.Errorf("load: %s: %w", ix.Name, err)
		}
		if d := time.Since(t0); d > 5*time.Second {
			fmt.Printf("  index %s built in %v\n", ix.Name, d.Round(time.Second))
		}
	}
	for _, q := range []string{`VACUUM ANALYZE items`, `VACUUM ANALYZE item_prices`, `VACUUM ANALYZE search_words`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("load: %s: %w", q, err)
		}
	}
	return nil
}

func copyChunk(ctx context.Context, db *sqlx.DB, gen *catalog.SyntheticItems, agreementID string, suppliers []string, validFrom string, start, m int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit a no-op
	items, err := tx.PrepareContext(ctx, pq.CopyIn("items", "id", "agreement_id", "supplier_id", "sku", "gtin", "name", "description",
		"unit", "pack_size", "cpv_code", "eco_labels", "vat_rate_bp"))
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	ids := make([]string, m)
	prices := make([]int64, m)
	for i := 0; i < m; i++ {
		k := start + i
		it := gen.Next(k)
		ids[i], prices[i] = newUUID(), it.PriceMinor
		var gtin any
		if it.GTIN != "" {
			gtin = it.GTIN
		}
		if _, err := items.ExecContext(ctx, ids[i], agreementID, suppliers[k%len(suppliers)], it.SKU, gtin, it.Name, it.Description,
			it.Unit, it.PackSize, it.CPVCode, "{"+strings.Join(it.EcoLabels, ",")+"}", 2500); err != nil {
			return fmt.Errorf("load: %w", err)
		}
	}
	if _, err := items.ExecContext(ctx); err != nil {
		return fmt.Errorf("load items: %w", err)
	}
	items.Close()
	pr, err := tx.PrepareContext(ctx, pq.CopyIn("item_prices", "item_id", "price_minor", "effective_from"))
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	for i, id := range ids {
		if _, err := pr.ExecContext(ctx, id, prices[i], validFrom); err != nil {
			return fmt.Errorf("load: %w", err)
		}
	}
	if _, err := pr.ExecContext(ctx); err != nil {
		return fmt.Errorf("load prices: %w", err)
	}
	pr.Close()
	return tx.Commit()
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:]) //nolint:errcheck // crypto/rand does not fail
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
