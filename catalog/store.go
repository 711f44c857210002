package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/postgres"
)

// ---------------------------------------------------------------------------------------
// Organisations (read only: auth owns the table)

func orgKinds(ctx context.Context, db sqlx.QueryerContext, ids []string) (map[string]auth.OrgKind, error) {
	out := map[string]auth.OrgKind{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.QueryxContext(ctx, `SELECT id, kind FROM organizations WHERE id = ANY($1::uuid[])`, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("organisation kinds: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var k auth.OrgKind
		if err := rows.Scan(&id, &k); err != nil {
			return nil, fmt.Errorf("organisation kinds: %w", err)
		}
		out[id] = k
	}
	return out, rows.Err()
}

// ---------------------------------------------------------------------------------------
// Agreements

const agreementColumns = `a.id, a.procurement_body_id, b.name AS procurement_body_name, b.country, a.reference, a.title,
	a.description, a.cpv_code, a.currency, a.valid_from::text AS valid_from, a.valid_to::text AS valid_to, a.status,
	a.terminated_at, a.ceiling_minor, a.call_off_method, a.min_order_minor, a.max_price_increase_bp,
	a.price_adjustment_interval_months, a.lead_time_days, a.response_time_hours, a.duration_justification,
	a.catalogue_approval, a.created_at, a.updated_at`

func insertAgreement(ctx context.Context, tx *sqlx.Tx, in AgreementInput) (string, error) {
	interval := 12
	if in.PriceAdjustmentIntervalMonths != nil {
		interval = *in.PriceAdjustmentIntervalMonths
	}
	response := DefaultResponseTimeHours
	if in.ResponseTimeHours != nil {
		response = *in.ResponseTimeHours
	}
	approval := in.CatalogueApproval == nil || *in.CatalogueApproval
	var id string
	err := tx.QueryRowxContext(ctx, `INSERT INTO agreements (procurement_body_id, reference, title, description, cpv_code,
		currency, valid_from, valid_to, ceiling_minor, call_off_method, min_order_minor, max_price_increase_bp,
		price_adjustment_interval_months, lead_time_days, response_time_hours, duration_justification, catalogue_approval)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
		in.ProcurementBodyID, in.Reference, in.Title, in.Description, in.CPVCode, in.Currency, in.ValidFrom, in.ValidTo,
		in.CeilingMinor, in.CallOffMethod, in.MinOrderMinor, in.MaxPriceIncreaseBP, interval, in.LeadTimeDays,
		response, in.DurationJustification, approval).Scan(&id)
	return id, err
}

func upsertParticipant(ctx context.Context, tx *sqlx.Tx, agreementID string, p ParticipantInput) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO agreement_participants (agreement_id, org_id, ceiling_minor, ends_on)
		VALUES ($1, $2, $3, $4) ON CONFLICT (agreement_id, org_id)
		DO UPDATE SET ceiling_minor = EXCLUDED.ceiling_minor, ends_on = EXCLUDED.ends_on`,
		agreementID, p.OrgID, p.CeilingMinor, p.EndsOn)
	return postgres.Error(err, "participant")
}

// upsertAwardedSupplier awards a supplier or changes its rank and end; ranks are unique per
// agreement at COMMIT (a deferred constraint), so two suppliers can swap ranks in one patch.
func upsertAwardedSupplier(ctx context.Context, tx *sqlx.Tx, agreementID string, s SupplierInput) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO agreement_suppliers (agreement_id, org_id, rank, ends_on) VALUES ($1, $2, $3, $4)
		ON CONFLICT (agreement_id, org_id) DO UPDATE SET rank = EXCLUDED.rank, ends_on = EXCLUDED.ends_on`,
		agreementID, s.OrgID, s.Rank, s.EndsOn)
	return postgres.Error(err, "awarded supplier")
}

func agreementForUpdate(ctx context.Context, tx *sqlx.Tx, id string) (Agreement, error) {
	var a Agreement
	err := tx.GetContext(ctx, &a, `SELECT `+agreementColumns+` FROM agreements a
		JOIN organizations b ON b.id = a.procurement_body_id WHERE a.id = $1 FOR UPDATE OF a`, id)
	return a, postgres.Error(err, "agreement")
}

func updateAgreement(ctx context.Context, tx *sqlx.Tx, a AgreementInput, id string, terminate bool) error {
	_, err := tx.ExecContext(ctx, `UPDATE agreements SET title = $2, description = $3, valid_from = $4, valid_to = $5,
		ceiling_minor = $6, min_order_minor = $7, max_price_increase_bp = $8, price_adjustment_interval_months = $9,
		lead_time_days = $10, response_time_hours = $11, duration_justification = $12, catalogue_approval = $13,
		status = CASE WHEN $14 THEN 'terminated' ELSE status END,
		terminated_at = CASE WHEN $14 THEN now() ELSE terminated_at END, updated_at = now()
		WHERE id = $1`, id, a.Title, a.Description, a.ValidFrom, a.ValidTo, a.CeilingMinor, a.MinOrderMinor,
		a.MaxPriceIncreaseBP, a.PriceAdjustmentIntervalMonths, a.LeadTimeDays, a.ResponseTimeHours,
		a.DurationJustification, *a.CatalogueApproval, terminate)
	return err
}

// agreementInScope reports whether the scope sees agreement id (any status).
func agreementInScope(ctx context.Context, db sqlx.QueryerContext, sc scope, id string) (bool, error) {
	var ok bool
	err := sqlx.GetContext(ctx, db, &ok, `SELECT EXISTS (SELECT 1 FROM agreements a WHERE a.id = $2 AND `+
		sc.agreementPredicate()+`)`, sc.orgArg(), id)
	if err != nil {
		return false, fmt.Errorf("agreement scope: %w", err)
	}
	return ok, nil
}

func listAgreementIDs(ctx context.Context, db sqlx.QueryerContext, sc scope, f AgreementFilter) ([]string, int, error) {
	var rows []struct {
		ID    string `db:"id"`
		Total int    `db:"total"`
	}
	err := sqlx.SelectContext(ctx, db, &rows, `SELECT a.id, count(*) OVER () AS total FROM agreements a
		WHERE `+sc.agreementPredicate()+` AND ($2 = '' OR a.status = $2)
		ORDER BY a.status, a.valid_to DESC, a.reference LIMIT $3 OFFSET $4`,
		sc.orgArg(), f.Status, f.Page.PageSize, f.Page.Offset())
	if err != nil {
		return nil, 0, fmt.Errorf("list agreements: %w", err)
	}
	ids := make([]string, len(rows))
	total := 0
	for i, r := range rows {
		ids[i], total = r.ID, r.Total
	}
	if len(rows) == 0 && f.Page.Page > 1 {
		err = sqlx.GetContext(ctx, db, &total, `SELECT count(*) FROM agreements a WHERE `+sc.agreementPredicate()+
			` AND ($2 = '' OR a.status = $2)`, sc.orgArg(), f.Status)
		if err != nil {
			return nil, 0, fmt.Errorf("count agreements: %w", err)
		}
	}
	return ids, total, nil
}

// agreementsByID loads agreements with participants and suppliers, in the order of ids.
func agreementsByID(ctx context.Context, db sqlx.QueryerContext, ids []string) ([]Agreement, error) {
	out := []Agreement{}
	if len(ids) == 0 {
		return out, nil
	}
	var list []Agreement
	if err := sqlx.SelectContext(ctx, db, &list, `SELECT `+agreementColumns+` FROM agreements a
		JOIN organizations b ON b.id = a.procurement_body_id WHERE a.id = ANY($1::uuid[])`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("agreements: %w", err)
	}
	var parts []Participant
	if err := sqlx.SelectContext(ctx, db, &parts, `SELECT p.agreement_id, p.org_id, o.name, o.kind, p.ceiling_minor, p.ends_on::text AS ends_on
		FROM agreement_participants p JOIN organizations o ON o.id = p.org_id
		WHERE p.agreement_id = ANY($1::uuid[]) ORDER BY o.name`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("participants: %w", err)
	}
	var sups []AwardedSupplier
	if err := sqlx.SelectContext(ctx, db, &sups, `SELECT s.agreement_id, s.org_id, o.name, s.rank, s.ends_on::text AS ends_on
		FROM agreement_suppliers s JOIN organizations o ON o.id = s.org_id
		WHERE s.agreement_id = ANY($1::uuid[]) ORDER BY s.rank`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("suppliers: %w", err)
	}
	byID := map[string]*Agreement{}
	for i := range list {
		list[i].Participants = []Participant{}
		list[i].Suppliers = []AwardedSupplier{}
		byID[list[i].ID] = &list[i]
	}
	for _, p := range parts {
		if a := byID[p.AgreementID]; a != nil {
			a.Participants = append(a.Participants, p)
		}
	}
	for _, s := range sups {
		if a := byID[s.AgreementID]; a != nil {
			a.Suppliers = append(a.Suppliers, s)
		}
	}
	for _, id := range ids {
		if a := byID[id]; a != nil {
			out = append(out, *a)
		}
	}
	return out, nil
}

// agreementTermsForSupplier returns agreement id when supplier is awarded it, optionally
// locking the agreement row (share lock: writers of items of one agreement do not block each
// other, but a termination waits). Errors: NotFound.
func agreementTermsForSupplier(ctx context.Context, db sqlx.QueryerContext, id, supplier string, lock bool) (Agreement, error) {
	q := `SELECT ` + agreementColumns + ` FROM agreements a JOIN organizations b ON b.id = a.procurement_body_id
		WHERE a.id = $1 AND EXISTS (SELECT 1 FROM agreement_suppliers s WHERE s.agreement_id = a.id AND s.org_id = $2)`
	if lock {
		q += ` FOR SHARE OF a`
	}
	var a Agreement
	err := sqlx.GetContext(ctx, db, &a, q, id, supplier)
	return a, postgres.Error(err, "agreement")
}

// ---------------------------------------------------------------------------------------
// Items

// itemSelect selects Item columns for items alias i (with itemJoins). Search reads its pages
// through search_page (migration 00037), the same columns and joins: a change here is a new
// migration replacing that function (TestSearchPageLikeItemSelect).
func itemSelect() string {
	return `SELECT i.id, i.agreement_id, a.reference AS agreement_reference, a.title AS agreement_title, i.supplier_id,
	o.name AS supplier_name, s.rank AS supplier_rank, i.sku, i.gtin, i.name, i.description, i.unit, i.pack_size,
	i.cpv_code, i.eco_labels, i.vat_rate_bp, i.active, i.approval, i.image_hash, a.currency, cur.price_minor,
	cur.effective_from::text AS price_effective_from, nxt.price_minor AS next_price_minor,
	nxt.effective_from::text AS next_price_effective_from, i.kind, cur.setup_price_minor, i.min_term_months, i.notice_months,
	i.created_at, i.updated_at`
}

// itemJoins joins an item (alias i) to its agreement, rank, supplier name, current price and
// next scheduled price; todayArg is the placeholder of today's date.
func itemJoins(todayArg string) string {
	return ` JOIN agreements a ON a.id = i.agreement_id
	JOIN agreement_suppliers s ON s.agreement_id = i.agreement_id AND s.org_id = i.supplier_id
	JOIN organizations o ON o.id = i.supplier_id
	LEFT JOIN LATERAL (SELECT p.price_minor, p.setup_price_minor, p.effective_from FROM item_prices p
		WHERE p.item_id = i.id AND p.effective_from <= ` + todayArg + `::date
		ORDER BY p.effective_from DESC, p.created_at DESC LIMIT 1) cur ON true
	LEFT JOIN LATERAL (SELECT p.price_minor, p.effective_from FROM item_prices p
		WHERE p.item_id = i.id AND p.effective_from > ` + todayArg + `::date
		ORDER BY p.effective_from ASC, p.created_at DESC LIMIT 1) nxt ON true`
}

func insertItem(ctx context.Context, tx *sqlx.Tx, agreementID, supplierID string, in ItemInput) (string, error) {
	var id string
	err := tx.QueryRowxContext(ctx, `INSERT INTO items (agreement_id, supplier_id, sku, gtin, name, description, unit,
		pack_size, cpv_code, eco_labels, vat_rate_bp) VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, $7, $8, $9, $10, $11)
		RETURNING id`, agreementID, supplierID, in.SKU, in.GTIN, in.Name, in.Description, in.Unit, in.PackSize, in.CPVCode,
		pq.Array(in.EcoLabels), *in.VATRateBP).Scan(&id)
	return id, err
}

func updateItemFields(ctx context.Context, tx *sqlx.Tx, id string, in ItemInput, active bool) error {
	_, err := tx.ExecContext(ctx, `UPDATE items SET gtin = NULLIF($2, ''), name = $3, description = $4, unit = $5,
		pack_size = $6, cpv_code = $7, eco_labels = $8, vat_rate_bp = $9, active = $10, updated_at = now() WHERE id = $1`,
		id, in.GTIN, in.Name, in.Description, in.Unit, in.PackSize, in.CPVCode, pq.Array(in.EcoLabels), *in.VATRateBP, active)
	return postgres.Error(err, "item")
}

// itemRow is an item's own columns, for writes.
type itemRow struct {
	ID          string         `db:"id"`
	AgreementID string         `db:"agreement_id"`
	SupplierID  string         `db:"supplier_id"`
	SKU         string         `db:"sku"`
	GTIN        *string        `db:"gtin"`
	Name        string         `db:"name"`
	Description string         `db:"description"`
	Unit        string         `db:"unit"`
	PackSize    float64        `db:"pack_size"`
	CPVCode     string         `db:"cpv_code"`
	EcoLabels   pq.StringArray `db:"eco_labels"`
	VATRateBP   int            `db:"vat_rate_bp"`
	Active      bool           `db:"active"`
	Approval    string         `db:"approval"`
	Kind        string         `db:"kind"`
	MinTerm     int            `db:"min_term_months"`
	Notice      int            `db:"notice_months"`
}

const itemRowColumns = `id, agreement_id, supplier_id, sku, gtin, name, description, unit, pack_size, cpv_code,
	eco_labels, vat_rate_bp, active, approval, kind, min_term_months, notice_months`

func itemForUpdate(ctx context.Context, tx *sqlx.Tx, id string) (itemRow, error) {
	var it itemRow
	err := tx.GetContext(ctx, &it, `SELECT `+itemRowColumns+` FROM items WHERE id = $1 FOR UPDATE`, id)
	return it, postgres.Error(err, "item")
}

func itemByID(ctx context.Context, db sqlx.QueryerContext, id, today string) (Item, error) {
	var it Item
	err := sqlx.GetContext(ctx, db, &it, itemSelect()+` FROM items i`+itemJoins("$2")+` WHERE i.id = $1`, id, today)
	return it, postgres.Error(err, "item")
}

// listItems lists an agreement's items (of one supplier, when given), by name; q matches part
// of the name or the start of the sku, literally.
func listItems(ctx context.Context, db sqlx.QueryerContext, agreementID, supplier string, onlyActive bool, q, today string, page auth.Page) ([]Item, int, error) {
	where := ` WHERE i.agreement_id = $1 AND ($3 = '' OR i.supplier_id::text = $3) AND (NOT $4 OR (i.active AND i.approval = 'accepted'))
		AND ($5 = '' OR i.name ILIKE '%' || $5 || '%' OR i.sku ILIKE $5 || '%')`
	q = postgres.EscapeLike(q)
	var total int
	if err := sqlx.GetContext(ctx, db, &total, `SELECT count(*) FROM items i`+where+` AND $2::date IS NOT NULL`,
		agreementID, today, supplier, onlyActive, q); err != nil {
		return nil, 0, fmt.Errorf("count items: %w", err)
	}
	items := []Item{}
	err := sqlx.SelectContext(ctx, db, &items, itemSelect()+` FROM items i`+itemJoins("$2")+where+
		` ORDER BY i.name, i.id LIMIT $6 OFFSET $7`, agreementID, today, supplier, onlyActive, q, page.PageSize, page.Offset())
	if err != nil {
		return nil, 0, fmt.Errorf("list items: %w", err)
	}
	return items, total, nil
}

// ---------------------------------------------------------------------------------------
// Prices and price changes

type priceChangeRow struct {
	ItemID        string
	RequestedBy   string
	Old           *int64
	New           int64
	EffectiveFrom string
	Reason        string
	Status        string
	StatusReason  string
}

func insertPriceChange(ctx context.Context, tx *sqlx.Tx, r priceChangeRow) (string, error) {
	var id string
	err := tx.QueryRowxContext(ctx, `INSERT INTO price_changes (item_id, requested_by, old_price_minor, new_price_minor,
		effective_from, reason, status, status_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		r.ItemID, r.RequestedBy, r.Old, r.New, r.EffectiveFrom, r.Reason, r.Status, r.StatusReason).Scan(&id)
	return id, postgres.Error(err, "price change")
}

func insertPrice(ctx context.Context, tx *sqlx.Tx, itemID string, price int64, effectiveFrom, changeID string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO item_prices (item_id, price_minor, effective_from, price_change_id)
		VALUES ($1, $2, $3, NULLIF($4, '')::uuid)`, itemID, price, effectiveFrom, changeID)
	return postgres.Error(err, "price")
}

// priceHistory is what the price-change rules need to know of an item.
type priceHistory struct {
	prices       []datedPrice // every price, by effective_from then created_at ascending
	lastIncrease string       // effective_from of the last applied or approved increase, or ""
}

type datedPrice struct {
	ItemID        string `db:"item_id"`
	PriceMinor    int64  `db:"price_minor"`
	EffectiveFrom string `db:"effective_from"`
}

// priceAt is the price in effect on date d (the latest effective_from <= d, ties by the later
// row), or nil.
func (h priceHistory) priceAt(d string) *int64 {
	var p *int64
	for i := range h.prices {
		if h.prices[i].EffectiveFrom <= d {
			v := h.prices[i].PriceMinor
			p = &v
		}
	}
	return p
}

// priceHistories loads the price histories of items.
func priceHistories(ctx context.Context, db sqlx.QueryerContext, itemIDs []string) (map[string]*priceHistory, error) {
	out := make(map[string]*priceHistory, len(itemIDs))
	for _, id := range itemIDs {
		out[id] = &priceHistory{}
	}
	if len(itemIDs) == 0 {
		return out, nil
	}
	rows, err := db.QueryxContext(ctx, `SELECT item_id, price_minor, effective_from::text AS effective_from FROM item_prices
		WHERE item_id = ANY($1::uuid[]) ORDER BY item_id, effective_from, created_at`, pq.Array(itemIDs))
	if err != nil {
		return nil, fmt.Errorf("price history: %w", err)
	}
	for rows.Next() {
		var p datedPrice
		if err := rows.StructScan(&p); err != nil {
			rows.Close()
			return nil, fmt.Errorf("price history: %w", err)
		}
		out[p.ItemID].prices = append(out[p.ItemID].prices, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("price history: %w", err)
	}
	rows, err = db.QueryxContext(ctx, `SELECT item_id, max(effective_from)::text FROM price_changes
		WHERE item_id = ANY($1::uuid[]) AND status IN ('applied', 'approved') AND old_price_minor IS NOT NULL
		AND new_price_minor > old_price_minor GROUP BY item_id`, pq.Array(itemIDs))
	if err != nil {
		return nil, fmt.Errorf("last increases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, d string
		if err := rows.Scan(&id, &d); err != nil {
			return nil, fmt.Errorf("last increases: %w", err)
		}
		out[id].lastIncrease = d
	}
	return out, rows.Err()
}

const priceChangeSelect = `SELECT pc.id, pc.item_id, i.sku AS item_sku, i.name AS item_name, i.agreement_id,
	i.supplier_id, o.name AS supplier_name, a.currency, pc.requested_by, pc.old_price_minor, pc.new_price_minor,
	pc.effective_from::text AS effective_from, pc.reason, pc.status, pc.status_reason, pc.decided_by, pc.decided_at,
	pc.decision_note, pc.created_at
	FROM price_changes pc JOIN items i ON i.id = pc.item_id JOIN agreements a ON a.id = i.agreement_id
	JOIN organizations o ON o.id = i.supplier_id`

func priceChangeByID(ctx context.Context, db sqlx.QueryerContext, id string) (PriceChange, error) {
	var pc PriceChange
	err := sqlx.GetContext(ctx, db, &pc, priceChangeSelect+` WHERE pc.id = $1`, id)
	return pc, postgres.Error(err, "price change")
}

// priceChangeForDecision locks a price change and returns it with its agreement's body.
func priceChangeForDecision(ctx context.Context, tx *sqlx.Tx, id string) (PriceChange, string, error) {
	var row struct {
		PriceChange
		BodyID string `db:"procurement_body_id"`
	}
	err := tx.GetContext(ctx, &row, strings.Replace(priceChangeSelect, "a.currency,", "a.currency, a.procurement_body_id,", 1)+
		` WHERE pc.id = $1 FOR UPDATE OF pc`, id)
	if err != nil {
		return PriceChange{}, "", postgres.Error(err, "price change")
	}
	return row.PriceChange, row.BodyID, nil
}

func decidePriceChange(ctx context.Context, tx *sqlx.Tx, id, status, by, note string) error {
	_, err := tx.ExecContext(ctx, `UPDATE price_changes SET status = $2, decided_by = $3, decided_at = now(),
		decision_note = $4 WHERE id = $1`, id, status, by, note)
	return postgres.Error(err, "price change")
}

func listPriceChanges(ctx context.Context, db sqlx.QueryerContext, sc scope, f PriceChangeFilter) ([]PriceChange, int, error) {
	where := ` WHERE ($2 = '' OR pc.status = $2) AND ($3 = '' OR i.agreement_id::text = $3) AND ($4 = '' OR pc.item_id::text = $4)
		AND ($5 = '' OR pc.id::text = $5) AND ($6::uuid[] IS NULL OR pc.item_id = ANY($6::uuid[]))`
	switch {
	case sc.all:
		where += ` AND ($1::uuid IS NULL OR true)`
	case sc.manager && sc.supplier:
		where += ` AND (a.procurement_body_id = $1 OR i.supplier_id = $1)`
	case sc.manager:
		where += ` AND a.procurement_body_id = $1`
	case sc.supplier:
		where += ` AND i.supplier_id = $1`
	default:
		return []PriceChange{}, 0, nil
	}
	var items any // NULL: no item filter
	if f.ItemIDs != nil {
		items = pq.Array(f.ItemIDs)
	}
	count, sel, order := `count(*)`, priceChangeSelect, ` ORDER BY pc.created_at DESC, pc.id`
	if f.LatestPerItem {
		count = `count(DISTINCT pc.item_id)`
		sel = strings.Replace(priceChangeSelect, `SELECT `, `SELECT DISTINCT ON (pc.item_id) `, 1)
		order = ` ORDER BY pc.item_id, pc.created_at DESC, pc.id`
	}
	var total int
	if err := sqlx.GetContext(ctx, db, &total, `SELECT `+count+` FROM price_changes pc JOIN items i ON i.id = pc.item_id
		JOIN agreements a ON a.id = i.agreement_id`+where, sc.orgArg(), f.Status, f.AgreementID, f.ItemID, f.id, items); err != nil {
		return nil, 0, fmt.Errorf("count price changes: %w", err)
	}
	list := []PriceChange{}
	err := sqlx.SelectContext(ctx, db, &list, sel+where+order+` LIMIT $7 OFFSET $8`,
		sc.orgArg(), f.Status, f.AgreementID, f.ItemID, f.id, items, f.Page.PageSize, f.Page.Offset())
	if err != nil {
		return nil, 0, fmt.Errorf("list price changes: %w", err)
	}
	return list, total, nil
}
