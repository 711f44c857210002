package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/peppol"
)

// The national seed (SPEC §10 "Volume", `avrop seed --national [--scale f]`): Sweden's 21
// regions and 290 municipalities, 60 suppliers, three agreements per region (the region is
// the procurement body, the region and its municipalities take part, three ranked suppliers
// each), 1,000,000 items and 10,000,000 orders over the 48 months up to this one, for the
// benchmarks. --scale multiplies items and orders (0.1: 100,000 items, 1,000,000 orders).
//
// Items, orders, lines and deviations go in with COPY into tables whose indexes are built once
// at the end, with the session's triggers off (session_replication_role = replica: the
// generator writes the lines' snapshot columns itself), and usage counters and follow-up
// rollups are computed set-based once at the end (seed_national_load.go). Restartable: the
// organisations, each agreement's items and each month are skipped when already there, so a
// run that was stopped continues where it was. Every national account's password is
// nationalPassword.

const (
	nationalPassword  = "avrop-national-2026"
	nationalRegions   = 21
	nationalMunicips  = 290
	nationalSuppliers = 60
	nationalMonths    = 48
	popularPerCatalog = 300 // items per supplier catalogue that orders are drawn from
)

var regionNames = []string{"Stockholm", "Uppsala", "Sörmland", "Östergötland", "Jönköpings län", "Kronoberg", "Kalmar län",
	"Gotland", "Blekinge", "Skåne", "Halland", "Västra Götaland", "Värmland", "Örebro län", "Västmanland", "Dalarna",
	"Gävleborg", "Västernorrland", "Jämtland Härjedalen", "Västerbotten", "Norrbotten"}

var nationalAgreements = []struct{ cpv, title string }{
	{"33140000", "Förbrukningsmaterial vård och omsorg"},
	{"33141620", "Inkontinenshjälpmedel"},
	{"33190000", "Medicintekniska produkter och läkemedelsautomater"},
}

// nationalWorld is what the order generator draws from.
type nationalWorld struct {
	buyers []nationalBuyer
	agrs   []nationalAgreement // 3 per region, in region order
}

type nationalBuyer struct {
	id        string
	region    int
	orderers  []string
	approver  string
	threshold int64
}

type nationalAgreement struct {
	id         string
	suppliers  [3]string
	catalogues [3][]nationalItem
}

type nationalItem struct {
	id, sku, name, unit string
	price               int64
	vat                 int
	pack                float64 // numeric(12,3) since migration 00020
	eco                 []string
}

func seedNational(ctx context.Context, db *sqlx.DB, scale float64, out io.Writer) error {
	if scale <= 0 || scale > 1 {
		return fmt.Errorf("seed --national: --scale must be in (0, 1]")
	}
	start := time.Now()
	items := int(1_000_000 * scale)
	orders := int(10_000_000 * scale)
	fmt.Fprintf(out, "seed --national: 21 regions, 290 municipalities, %d items, %d orders over %d months\n", items, orders, nationalMonths)
	w, err := nationalOrganisations(ctx, db)
	if err != nil {
		return fmt.Errorf("seed --national: organisations: %w", err)
	}
	now := time.Now().UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -(nationalMonths - 1), 0)
	built, err := nationalPrepare(ctx, db, w, first, out)
	if err != nil {
		return fmt.Errorf("seed --national: %w", err)
	}
	if built {
		fmt.Fprintf(out, "  items, orders, usage counters and rollups were built by an earlier run\n")
	} else {
		perAgreement := max(items/len(w.agrs), 3) // each supplier gets at least one item
		for i := range w.agrs {
			if err := nationalItems(ctx, db, &w.agrs[i], perAgreement); err != nil {
				return fmt.Errorf("seed --national: items: %w", err)
			}
		}
		fmt.Fprintf(out, "  organisations, users, agreements and items: %s\n", time.Since(start).Round(time.Second))
		if err := nationalOrders(ctx, db, w, now, first, orders/nationalMonths, out); err != nil {
			return fmt.Errorf("seed --national: %w", err)
		}
	}
	var size string
	if err := db.GetContext(ctx, &size, `SELECT pg_size_pretty(pg_database_size(current_database()))`); err != nil {
		return err
	}
	fmt.Fprintf(out, "seed --national: done in %s, database size %s\n", time.Since(start).Round(time.Second), size)
	fmt.Fprintf(out, "  accounts (password %s): manager@region-01.nat.avrop.se, orderer-1@org-001.nat.avrop.se, approver@org-001.nat.avrop.se, supplier@lev-01.nat.avrop.se\n", nationalPassword)
	return nil
}

// nationalOrganisations creates (or, on a rerun, loads) the organisations, users and
// agreements in one transaction.
func nationalOrganisations(ctx context.Context, db *sqlx.DB) (*nationalWorld, error) {
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM agreements WHERE reference LIKE 'NAT-%'`); err != nil {
		return nil, err
	}
	if n == 0 {
		if err := createNationalOrganisations(ctx, db); err != nil {
			return nil, err
		}
	}
	w := &nationalWorld{}
	var buyers []struct {
		ID        string         `db:"id"`
		Region    int            `db:"region"`
		Threshold int64          `db:"approval_threshold_minor"`
		Orderers  pq.StringArray `db:"orderers"`
		Approver  string         `db:"approver"`
	}
	if err := db.SelectContext(ctx, &buyers, `
		SELECT o.id, substring(o.org_number, 3, 2)::int AS region, o.approval_threshold_minor,
		       ARRAY(SELECT u.id::text FROM users u WHERE u.org_id = o.id AND 'orderer' = ANY(u.roles) ORDER BY u.email) AS orderers,
		       (SELECT u.id::text FROM users u WHERE u.org_id = o.id AND 'approver' = ANY(u.roles) LIMIT 1) AS approver
		FROM organizations o WHERE o.kind IN ('buyer', 'procurement_body') AND EXISTS (SELECT 1 FROM agreement_participants p
		    JOIN agreements a ON a.id = p.agreement_id WHERE p.org_id = o.id AND a.reference LIKE 'NAT-%') ORDER BY o.org_number`); err != nil {
		return nil, err
	}
	for _, b := range buyers {
		w.buyers = append(w.buyers, nationalBuyer{id: b.ID, region: b.Region, orderers: b.Orderers, approver: b.Approver, threshold: b.Threshold})
	}
	var agrs []struct {
		ID        string         `db:"id"`
		Suppliers pq.StringArray `db:"suppliers"`
	}
	if err := db.SelectContext(ctx, &agrs, `SELECT a.id, ARRAY(SELECT s.org_id::text FROM agreement_suppliers s WHERE s.agreement_id = a.id ORDER BY s.rank) AS suppliers
		FROM agreements a WHERE a.reference LIKE 'NAT-%' ORDER BY a.reference`); err != nil {
		return nil, err
	}
	for _, a := range agrs {
		na := nationalAgreement{id: a.ID}
		copy(na.suppliers[:], a.Suppliers)
		w.agrs = append(w.agrs, na)
	}
	if len(w.buyers) != nationalRegions+nationalMunicips || len(w.agrs) != 3*nationalRegions {
		return nil, fmt.Errorf("found %d buyers and %d agreements, want %d and %d", len(w.buyers), len(w.agrs),
			nationalRegions+nationalMunicips, 3*nationalRegions)
	}
	return w, nil
}

func createNationalOrganisations(ctx context.Context, db *sqlx.DB) error {
	hash, err := auth.HashPassword(nationalPassword)
	if err != nil {
		return err
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck
	org := func(name, number, kind string, threshold int64) (string, error) {
		var id string
		err := tx.GetContext(ctx, &id, `INSERT INTO organizations (name, org_number, kind, approval_threshold_minor)
			VALUES ($1, $2, $3, $4) RETURNING id`, name, number, kind, threshold)
		return id, err
	}
	user := func(orgID, email, name string, roles ...string) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (org_id, email, name, password_hash, roles) VALUES ($1, $2, $3, $4, $5)`,
			orgID, email, name, hash, pq.Array(roles))
		return err
	}
	// Buyer org numbers are 21RRNNNNN + check digit: RR the region, NNNNN the buyer's index.
	var suppliers []string
	for s := 1; s <= nationalSuppliers; s++ {
		id, err := org(fmt.Sprintf("Leverantör %02d AB", s), peppol.CompleteSwedishOrganisationNumber(fmt.Sprintf("5569%05d", s)), "supplier", 0)
		if err != nil {
			return err
		}
		if err := user(id, fmt.Sprintf("supplier@lev-%02d.nat.avrop.se", s), fmt.Sprintf("Säljare %02d", s), "supplier"); err != nil {
			return err
		}
		suppliers = append(suppliers, id)
	}
	validFrom := time.Now().UTC().AddDate(-nationalMonths/12, -1, 0).Format(time.DateOnly)
	validTo := time.Now().UTC().AddDate(2, 0, 0).Format(time.DateOnly)
	buyer := 0
	for r := 0; r < nationalRegions; r++ {
		buyer++
		region, err := org("Region "+regionNames[r], peppol.CompleteSwedishOrganisationNumber(fmt.Sprintf("21%02d%05d", r+1, buyer)), "procurement_body", 2_000_000)
		if err != nil {
			return err
		}
		members := []string{region}
		if err := user(region, fmt.Sprintf("manager@region-%02d.nat.avrop.se", r+1), "Upphandlare "+regionNames[r], "manager"); err != nil {
			return err
		}
		if err := nationalBuyerUsers(user, region, buyer); err != nil {
			return err
		}
		// 290 municipalities over 21 regions: the first 17 regions get 14, the last 4 get 13.
		count := nationalMunicips / nationalRegions
		if r < nationalMunicips%nationalRegions {
			count++
		}
		for k := 0; k < count; k++ {
			buyer++
			id, err := org(fmt.Sprintf("%s kommun %d", regionNames[r], k+1), peppol.CompleteSwedishOrganisationNumber(fmt.Sprintf("21%02d%05d", r+1, buyer)), "buyer",
				int64([]int{0, 500_000, 1_000_000}[k%3]))
			if err != nil {
				return err
			}
			if err := nationalBuyerUsers(user, id, buyer); err != nil {
				return err
			}
			members = append(members, id)
		}
		for a, ag := range nationalAgreements {
			var id string
			if err := tx.GetContext(ctx, &id, `INSERT INTO agreements (procurement_body_id, reference, title, cpv_code, currency, valid_from,
				valid_to, status, call_off_method, lead_time_days, duration_justification)
				VALUES ($1, $2, $3, $4, 'SEK', $5, $6, 'active', 'ranking', 5, 'Nationell volym för prestandamätning') RETURNING id`,
				region, fmt.Sprintf("NAT-%02d-%d", r+1, a+1), ag.title+" – Region "+regionNames[r], ag.cpv, validFrom, validTo); err != nil {
				return err
			}
			for _, m := range members {
				if _, err := tx.ExecContext(ctx, `INSERT INTO agreement_participants (agreement_id, org_id) VALUES ($1, $2)`, id, m); err != nil {
					return err
				}
			}
			for rank := 1; rank <= 3; rank++ {
				s := suppliers[(r*7+a*3+rank*11)%nationalSuppliers]
				if _, err := tx.ExecContext(ctx, `INSERT INTO agreement_suppliers (agreement_id, org_id, rank) VALUES ($1, $2, $3)`, id, s, rank); err != nil {
					return err
				}
			}
		}
	}
	return tx.Commit()
}

// nationalBuyerUsers adds a buyer's three orderers and its approver.
func nationalBuyerUsers(user func(orgID, email, name string, roles ...string) error, orgID string, n int) error {
	for k := 1; k <= 3; k++ {
		if err := user(orgID, fmt.Sprintf("orderer-%d@org-%03d.nat.avrop.se", k, n), fmt.Sprintf("Beställare %d/%03d", k, n), "orderer"); err != nil {
			return err
		}
	}
	return user(orgID, fmt.Sprintf("approver@org-%03d.nat.avrop.se", n), fmt.Sprintf("Attestant %03d", n), "approver")
}

// nationalItems fills an agreement's catalogues (unless they have items already) and loads
// the items orders are drawn from.
func nationalItems(ctx context.Context, db *sqlx.DB, a *nationalAgreement, n int) error {
	var have int
	if err := db.GetContext(ctx, &have, `SELECT count(*) FROM items WHERE agreement_id = $1`, a.id); err != nil {
		return err
	}
	if have == 0 {
		if err := catalog.LoadSyntheticItems(ctx, db, a.id, a.suppliers[:], n); err != nil {
			return err
		}
	}
	for k, s := range a.suppliers {
		var rows []struct {
			ID    string         `db:"id"`
			SKU   string         `db:"sku"`
			Name  string         `db:"name"`
			Unit  string         `db:"unit"`
			Price int64          `db:"price"`
			VAT   int            `db:"vat_rate_bp"`
			Pack  float64        `db:"pack_size"`
			Eco   pq.StringArray `db:"eco_labels"`
		}
		if err := db.SelectContext(ctx, &rows, `SELECT i.id, i.sku, i.name, i.unit, i.vat_rate_bp, i.pack_size, i.eco_labels,
			(SELECT p.price_minor FROM item_prices p WHERE p.item_id = i.id ORDER BY p.effective_from DESC, p.created_at DESC LIMIT 1) AS price
			FROM items i WHERE i.agreement_id = $1 AND i.supplier_id = $2 ORDER BY i.sku LIMIT $3`, a.id, s, popularPerCatalog); err != nil {
			return err
		}
		if len(rows) == 0 {
			return fmt.Errorf("agreement %s: supplier %s has no items", a.id, s)
		}
		// Synthetic care items vary in VAT as real ones do: a share at 12 % and 6 %.
		for j, r := range rows {
			vat := r.VAT
			switch j % 10 {
			case 7:
				vat = 1200
			case 8:
				vat = 600
			}
			a.catalogues[k] = append(a.catalogues[k], nationalItem{id: r.ID, sku: r.SKU, name: r.Name, unit: r.Unit, price: r.Price,
				vat: vat, pack: r.Pack, eco: r.Eco})
		}
	}
	return nil
}

// nationalLifecycle picks an order's status and timestamps from its age: older orders are
// mostly delivered, recent ones still on their way; a few are cancelled, rejected or declined.
func nationalLifecycle(rng *rand.Rand, created, now time.Time, needsApproval bool) (status string, approved, accepted, shipped, delivered any) {
	at := func(t time.Time) any {
		if t.After(now) {
			return now
		}
		return t
	}
	p := rng.IntN(1000)
	switch {
	case p < 15:
		return "cancelled", nil, nil, nil, nil
	case p < 25 && needsApproval:
		return "rejected", nil, nil, nil, nil
	}
	ap := created.Add(time.Duration(rng.IntN(120)) * time.Minute)
	if needsApproval {
		ap = ap.Add(time.Duration(2+rng.IntN(40)) * time.Hour)
	}
	if ap.After(now) {
		return "pending_approval", nil, nil, nil, nil
	}
	if p < 40 {
		return "declined", ap, nil, nil, nil
	}
	ac := ap.Add(time.Duration(1+rng.IntN(30)) * time.Hour)
	if ac.After(now) {
		return "approved", ap, nil, nil, nil
	}
	sh := ac.Add(time.Duration(12+rng.IntN(72)) * time.Hour)
	if sh.After(now) {
		return "accepted", ap, ac, nil, nil
	}
	de := sh.Add(time.Duration(12+rng.IntN(24*6)) * time.Hour)
	if de.After(now) {
		return "shipped", ap, ac, sh, nil
	}
	return "delivered", ap, ac, at(sh), at(de)
}

// copyRows COPYs rows into table within tx.
func copyRows(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any) error {
	st, err := tx.PrepareContext(ctx, pq.CopyIn(table, cols...))
	if err != nil {
		return err
	}
	for _, r := range rows {
		if _, err := st.ExecContext(ctx, r...); err != nil {
			return err
		}
	}
	if _, err := st.ExecContext(ctx); err != nil {
		return err
	}
	return st.Close()
}
