package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/testenv"
)

const password = "cluster-test-password-2026"

// world is one agreement with a ceiling, one supplier with items, and a buyer organisation
// with one orderer per client, so that each buyer's committed amount is exactly its own
// client's orders.
type world struct {
	agr, supplier string
	items         []string
	ceiling       int64
	emails        []string
	orgs          []string
}

func tag() string {
	b := make([]byte, 4)
	rand.Read(b) //nolint:errcheck // never fails
	return hex.EncodeToString(b)
}

func setupWorld(ctx context.Context, dbURL string, n int) (*world, error) {
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	a := auth.NewService(db, nil, auth.DefaultConfig([]byte(jwtSecret)))
	admin := auth.Caller{UserID: "00000000-0000-0000-0000-000000000000", OrgKind: auth.KindPlatform, Roles: []auth.Role{auth.RoleAdmin}}
	org := func(kind auth.OrgKind, name string) (auth.Organization, error) {
		t := tag()
		return a.CreateOrganization(ctx, admin, auth.OrganizationInput{Name: name + " " + t, OrgNumber: testenv.OrgNumber(), Kind: kind, Country: "SE"})
	}
	body, err := org(auth.KindProcurementBody, "Region")
	if err != nil {
		return nil, err
	}
	sup, err := org(auth.KindSupplier, "Leverantör")
	if err != nil {
		return nil, err
	}
	w := &world{supplier: sup.ID, ceiling: 60_000_000}
	if err := db.GetContext(ctx, &w.agr, `INSERT INTO agreements (procurement_body_id, reference, title, cpv_code, currency,
		valid_from, valid_to, ceiling_minor, call_off_method, min_order_minor) VALUES ($1, $2, 'Dosetter och förbrukning', '33190000', 'SEK',
		current_date - 30, current_date + 365, $3, 'direct', 0) RETURNING id`, body.ID, "RA-"+tag(), w.ceiling); err != nil {
		return nil, fmt.Errorf("agreement: %w", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO agreement_suppliers (agreement_id, org_id, rank) VALUES ($1, $2, 1)`, w.agr, sup.ID); err != nil {
		return nil, err
	}
	for i, name := range []string{"Dosett vecka", "Dosett dag", "Handske nitril", "Förband steril"} {
		var id string
		if err := db.GetContext(ctx, &id, `INSERT INTO items (agreement_id, supplier_id, sku, name, unit, cpv_code, eco_labels, vat_rate_bp)
			VALUES ($1, $2, $3, $4, 'EA', '33190000', $5, 2500) RETURNING id`, w.agr, sup.ID, fmt.Sprintf("CT-%d-%s", i, tag()), name, pq.Array([]string{})); err != nil {
			return nil, fmt.Errorf("item: %w", err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO item_prices (item_id, price_minor, effective_from) VALUES ($1, 10000, current_date - 1)`, id); err != nil {
			return nil, err
		}
		w.items = append(w.items, id)
	}
	for i := range n {
		buyer, err := org(auth.KindBuyer, fmt.Sprintf("Kommun %d", i))
		if err != nil {
			return nil, err
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO agreement_participants (agreement_id, org_id) VALUES ($1, $2)`, w.agr, buyer.ID); err != nil {
			return nil, err
		}
		email := fmt.Sprintf("orderer%d-%s@example.se", i, tag())
		if _, err := a.CreateUser(ctx, admin, auth.UserInput{Email: email, Name: "Beställare", Password: password, OrgID: buyer.ID, Roles: []auth.Role{auth.RoleOrderer}}); err != nil {
			return nil, err
		}
		w.emails, w.orgs = append(w.emails, email), append(w.orgs, buyer.ID)
	}
	return w, nil
}

// outcome of the whole run as PostgreSQL has it.
type dbFigures struct {
	orders, committed, orderSum int64
}

func readFigures(ctx context.Context, db *sqlx.DB, agr string) (dbFigures, error) {
	var f dbFigures
	err := db.QueryRowxContext(ctx, `SELECT (SELECT count(*) FROM orders WHERE agreement_id = $1),
		(SELECT COALESCE(sum(committed_minor), 0) FROM agreement_usage WHERE agreement_id = $1)::bigint,
		(SELECT COALESCE(sum(total_minor), 0) FROM orders WHERE agreement_id = $1)::bigint`, agr).Scan(&f.orders, &f.committed, &f.orderSum)
	return f, err
}
