package catalog

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/notify"
)

// PriceListColumns are the columns of a CSV price list (SPEC §2), in their documented order;
// a file may order them differently but must have each exactly once.
var PriceListColumns = []string{"sku", "name", "description", "unit", "pack_size", "cpv_code", "gtin", "eco_labels",
	"vat_rate_bp", "price_minor", "effective_from"}

// Price-list limits.
const (
	MaxPriceListRows   = 100_000
	maxPriceListErrors = 1000
)

// priceListRow is one parsed data row and its line in the file.
type priceListRow struct {
	Line int
	ItemInput
	image imageRef // the row's picture, if it names one (import_images.go)
	// KeepVAT: the row gave no VAT rate (a PEPPOL line without a VAT category); the existing
	// item's rate stands, and for a new item the row is refused (SPEC §8).
	KeepVAT bool
}

// priceListFile is a parsed price list: its rows and, from a PEPPOL catalogue, the items it
// withdraws — those its Delete lines name, and with Replace every item of the supplier on the
// agreement it does not hold.
type priceListFile struct {
	rows     []priceListRow
	withdraw []withdrawRef
	replace  bool
}

// parsePriceList reads a price list: CSV in UTF-8 (a byte-order mark is ignored), comma-separated,
// a header row naming the columns, or what a Nordic spreadsheet saves (spreadsheetToCSV). It returns every row it could read and every error by line
// and field; rows are valid only when there are no errors. today is the earliest allowed
// effective_from (an empty one means today).
func parsePriceList(r io.Reader, today string) ([]priceListRow, []derr.FieldError) {
	var errs importErrors
	add := errs.add
	data, err := io.ReadAll(r)
	if err != nil {
		add(0, "file", "unreadable", "could not be read")
		return nil, errs
	}
	if data, err = spreadsheetToCSV(data); err != nil { // XLSX, semicolons, Windows-1252 (spreadsheet.go)
		add(csvLine(err, 0), "file", "unreadable", "could not be read as CSV or XLSX: "+truncate(err.Error(), 200))
		return nil, errs
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalidUTF8(data)], []byte("\n"))
		add(line, "file", "not_utf8", "is not UTF-8")
		return nil, errs
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		add(1, "file", "required", "is empty: a header row is required ("+strings.Join(PriceListColumns, ",")+")")
		return nil, errs
	}
	if err != nil {
		add(csvLine(err, 1), "file", "csv_syntax", csvMessage(err))
		return nil, errs
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case !slices.Contains(PriceListColumns, h) && !slices.Contains(SubscriptionColumns, h) && !slices.Contains(ImageColumns, h):
			add(1, "header", "unknown_column", fmt.Sprintf("unknown column %q", truncate(h, 40)))
		case col[h] != 0:
			add(1, h, "duplicate", "column appears twice")
		default:
			col[h] = i + 1 // 1-based so that 0 means absent
		}
	}
	for _, c := range PriceListColumns {
		if col[c] == 0 {
			add(1, c, "missing_column", "column is missing")
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	get := func(rec []string, name string) string { return strings.TrimSpace(rec[col[name]-1]) }

	var rows []priceListRow
	skuLine := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				continue // FieldsPerRecord is -1: not reported
			}
			add(csvLine(err, 0), "file", "csv_syntax", csvMessage(err))
			break
		}
		line, _ := cr.FieldPos(0)
		if len(rows) >= MaxPriceListRows {
			add(line, "file", "too_many_rows", fmt.Sprintf("has more than %d rows", MaxPriceListRows))
			break
		}
		if len(rec) != len(header) {
			if !add(line, "row", "field_count", fmt.Sprintf("has %d fields, the header has %d", len(rec), len(header))) {
				break
			}
			continue
		}
		in := ItemInput{
			SKU:           get(rec, "sku"),
			GTIN:          get(rec, "gtin"),
			Name:          get(rec, "name"),
			Description:   strings.TrimSpace(rec[col["description"]-1]),
			Unit:          get(rec, "unit"),
			CPVCode:       get(rec, "cpv_code"),
			EffectiveFrom: get(rec, "effective_from"),
		}
		var v derr.Validator
		if ps := get(rec, "pack_size"); ps != "" {
			n, ok := parsePackSize(ps)
			if !ok {
				v.Check(false, "pack_size", "pack_size", "must be a number above 0 with at most three decimals, e.g. 100 or 5.2 (or empty for 1)")
				n = 1
			}
			in.PackSize = n
		}
		if vat, err := strconv.Atoi(get(rec, "vat_rate_bp")); err == nil {
			in.VATRateBP = &vat
		} else {
			v.Check(false, "vat_rate_bp", "basis_points", "must be a whole number of basis points, e.g. 2500 for 25 %")
			zero := 0
			in.VATRateBP = &zero
		}
		if p, err := strconv.ParseInt(get(rec, "price_minor"), 10, 64); err == nil {
			in.PriceMinor = &p
			v.Check(p <= maxPriceMinor, "price_minor", "too_large", "is too large")
		} else {
			v.Check(false, "price_minor", "minor_units", "must be a whole number of minor units (öre), e.g. 12950 for 129,50 kr")
			var zero int64
			in.PriceMinor = &zero
		}
		if labels := get(rec, "eco_labels"); labels != "" {
			in.EcoLabels = strings.Split(labels, "|")
			for i := range in.EcoLabels {
				in.EcoLabels[i] = strings.TrimSpace(in.EcoLabels[i])
			}
		}
		parseSubscriptionColumns(&v, &in, func(name string) (string, bool) {
			if col[name] == 0 {
				return "", false
			}
			return get(rec, name), true
		})
		errs.row(&v, &in, line, today, skuLine)
		row := priceListRow{Line: line, ItemInput: in}
		if col["image_url"] != 0 {
			row.image.url = get(rec, "image_url")
		}
		rows = append(rows, row)
	}
	return rows, errs
}

// importErrors collects a price list's errors by line, keeping the first maxPriceListErrors;
// every format's parser reports through it.
type importErrors []derr.FieldError

// add records one error; it answers false once the list is full.
func (e *importErrors) add(line int, field, code, msg string) bool {
	if len(*e) >= maxPriceListErrors {
		return false
	}
	*e = append(*e, derr.FieldError{Line: line, Field: field, Code: code, Message: msg})
	return true
}

// row applies the rules every format shares (checkPriceListRow) to the row on line and
// records the errors v then holds.
func (e *importErrors) row(v *derr.Validator, in *ItemInput, line int, today string, skuLine map[string]int) {
	checkPriceListRow(v, in, line, today, skuLine)
	for _, fe := range v.Errors {
		if !e.add(line, fe.Field, fe.Code, fe.Message) {
			return
		}
	}
}

// checkPriceListRow applies the row rules every price-list format (CSV, PEPPOL catalogue)
// shares, so that they exist once: the item field rules, no effective_from in the past, a sku
// at most once per file (skuLine remembers the first line of each). Afterwards an empty
// effective_from is today and the eco-labels are normalised.
func checkPriceListRow(v *derr.Validator, in *ItemInput, line int, today string, skuLine map[string]int) {
	validateItemFields(v, "", in)
	if in.EffectiveFrom != "" && validDate(in.EffectiveFrom) && in.EffectiveFrom < today {
		v.Check(false, "effective_from", "past_date", "may not be in the past (before "+today+")")
	}
	if in.SKU != "" {
		if first, dup := skuLine[in.SKU]; dup {
			v.Check(false, "sku", "duplicate", fmt.Sprintf("repeats the sku of line %d", first))
		} else {
			skuLine[in.SKU] = line
		}
	}
	if in.EffectiveFrom == "" {
		in.EffectiveFrom = today
	}
	in.EcoLabels = normaliseLabels(in.EcoLabels)
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func csvLine(err error, def int) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Line
	}
	return def
}

func csvMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return "is not valid CSV: " + pe.Err.Error()
	}
	return "is not valid CSV"
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// ImportPriceList imports a CSV price list (PriceListColumns) for the calling supplier on an
// agreement it is awarded: rows are matched to the supplier's items by sku, new items are
// created with their first price, changed fields are updated, and changed prices go through
// SetPrice's rules (applied or pending). It is all or nothing: a file with any bad row changes
// nothing and returns Invalid ("invalid_price_list") with every error by line and field.
// PricesApplied and PricesPending count price changes of existing items; a created item's first
// price is counted in Created only. Errors: Forbidden (not a supplier), NotFound (agreement out
// of scope), Invalid.
func (s *Service) ImportPriceList(ctx context.Context, c auth.Caller, agreementID string, r io.Reader) (ImportReport, error) {
	return s.importPriceRows(ctx, c, agreementID, func(_ Agreement, today string) (priceListFile, []derr.FieldError) {
		rows, errs := parsePriceList(r, today)
		return priceListFile{rows: rows}, errs
	})
}

// importPriceRows is the one validation-and-apply path of every price-list format: parse turns
// the file into rows (checked with checkPriceListRow) and errors, given the agreement (whose
// currency and reference a format may check) and today; any error changes nothing.
func (s *Service) importPriceRows(ctx context.Context, c auth.Caller, agreementID string,
	parse func(a Agreement, today string) (priceListFile, []derr.FieldError)) (ImportReport, error) {
	ag, err := s.supplierAgreement(ctx, s.db, c, agreementID, false)
	if err != nil {
		return ImportReport{}, err
	}
	today := s.today()
	file, errs := parse(ag, today)
	rows := file.rows
	errs = checkRowVATRates(rows, errs, ag.Country)
	if len(errs) > 0 {
		return ImportReport{}, &derr.Error{Kind: derr.Invalid, Code: "invalid_price_list",
			Message: fmt.Sprintf("The price list has %d error(s); nothing was imported.", len(errs)), Fields: errs}
	}
	rep := ImportReport{Rows: len(rows)}
	if len(rows) == 0 && len(file.withdraw) == 0 && !file.replace {
		return rep, nil
	}
	pictures, err := s.gatherPictures(ctx, agreementID, c.OrgID, rows)
	if err != nil {
		return ImportReport{}, err
	}
	var oldPictures []string
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		rep = ImportReport{Rows: len(rows)}
		// One supplier's imports on one agreement take turns (a double-click, two tabs): the
		// later one then sees the earlier one's items instead of failing on their skus.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1::text || ':' || $2::text, 5150))`,
			agreementID, c.OrgID); err != nil {
			return fmt.Errorf("import: lock: %w", err)
		}
		a, err := s.supplierAgreement(ctx, tx, c, agreementID, true)
		if err != nil {
			return err
		}
		if a.Status != StatusActive {
			return derr.Invalidf("agreement_not_active", "The agreement is terminated.")
		}
		skus := make([]string, len(rows))
		for i, r := range rows {
			skus[i] = r.SKU
		}
		var existing []itemRow
		if err := sqlx.SelectContext(ctx, tx, &existing, `SELECT `+itemRowColumns+` FROM items
			WHERE agreement_id = $1 AND supplier_id = $2 AND sku = ANY($3::text[]) FOR UPDATE`,
			agreementID, c.OrgID, pq.Array(skus)); err != nil {
			return fmt.Errorf("import: existing items: %w", err)
		}
		bySKU := make(map[string]itemRow, len(existing))
		ids := make([]string, len(existing))
		for i, it := range existing {
			bySKU[it.SKU] = it
			ids[i] = it.ID
		}
		hist, err := priceHistories(ctx, tx, ids)
		if err != nil {
			return err
		}
		terms := priceTerms{MaxIncreaseBP: a.MaxPriceIncreaseBP, IntervalMonths: a.PriceAdjustmentIntervalMonths}

		if err := keepVATRates(rows, bySKU); err != nil {
			return err
		}
		var created, updated []priceListRow
		var updatedIDs []string
		var changes []priceChangeRow
		var proposals []proposedChange // catalogue approval (SPEC §6)
		var reactivated []string
		for ri, r := range rows {
			it, ok := bySKU[r.SKU]
			if !ok {
				created = append(created, r)
				continue
			}
			if !it.Active {
				// Listed again: the supplier offers it again, as PATCH active=true would say.
				reactivated = append(reactivated, it.ID)
			}
			fieldsChanged := itemDiffers(it, r.ItemInput)
			held := false
			if p, ok := holdTerms(a.CatalogueApproval, it, &r.ItemInput); ok {
				proposals, held, fieldsChanged = append(proposals, p), true, itemDiffers(it, r.ItemInput)
				rows[ri] = r // the subscription terms below keep the item's own until accepted
			} else if fieldsChanged && it.Approval == ApprovalRejected {
				proposals = append(proposals, newItemChanges(it.ID, r.ItemInput)[0])
			}
			if fieldsChanged {
				updated = append(updated, r)
				updatedIDs = append(updatedIDs, it.ID)
			}
			h := hist[it.ID]
			old := h.priceAt(r.EffectiveFrom)
			priceChanged := old == nil || *old != *r.PriceMinor
			if priceChanged && a.CatalogueApproval && len(h.prices) == 0 {
				// An item with no price at all gets its first price through acceptance.
				proposals = append(proposals, firstPriceChange(it.ID, r.PriceMinor, r.EffectiveFrom, r.SetupPriceMinor))
			} else if priceChanged {
				status, why := ruleFor(old, *r.PriceMinor, r.EffectiveFrom, h.lastIncrease, terms)
				changes = append(changes, priceChangeRow{ItemID: it.ID, RequestedBy: c.UserID, Old: old, New: *r.PriceMinor,
					EffectiveFrom: r.EffectiveFrom, Reason: ReasonPriceListImport, Status: status, StatusReason: why})
				if status == PriceApplied {
					rep.PricesApplied++
				} else {
					rep.PricesPending++
				}
			}
			switch {
			case fieldsChanged || priceChanged || held || !it.Active:
				rep.Updated++
			default:
				rep.Unchanged++
			}
		}
		rep.Created, rep.Reactivated = len(created), len(reactivated)
		if len(reactivated) > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE items SET active = true, updated_at = now() WHERE id = ANY($1::uuid[])`,
				pq.Array(reactivated)); err != nil {
				return fmt.Errorf("import: reactivate: %w", err)
			}
		}

		if len(created) > 0 {
			newIDs, err := bulkInsertItems(ctx, tx, agreementID, c.OrgID, created)
			if err != nil {
				return err
			}
			for i, r := range created {
				if a.CatalogueApproval {
					proposals = append(proposals, newItemChanges(newIDs[i], r.ItemInput)...)
					continue
				}
				changes = append(changes, priceChangeRow{ItemID: newIDs[i], RequestedBy: c.UserID, New: *r.PriceMinor,
					EffectiveFrom: r.EffectiveFrom, Reason: "first price (price list import)", Status: PriceApplied})
			}
		}
		held, err := withdrawItems(ctx, tx, a, c.OrgID, file, &rep)
		if err != nil {
			return err
		}
		proposals = append(proposals, held...)
		if rep.SubmissionID, err = submit(ctx, tx, agreementID, c.OrgID, c.UserID, proposals); err != nil {
			return err
		}
		rep.Pending = len(proposals)
		if len(updated) > 0 {
			if err := bulkUpdateItems(ctx, tx, updatedIDs, updated); err != nil {
				return err
			}
		}
		if err := bulkInsertPriceChanges(ctx, tx, changes); err != nil {
			return err
		}
		if rep.PricesPending > 0 { // one mail for the whole list
			if err := tellManagers(ctx, tx, notify.PriceChangeAwaiting, agreementID, c.OrgID, agreementID, ""); err != nil {
				return err
			}
		}
		inputs := make([]ItemInput, len(rows))
		for i, r := range rows {
			inputs[i] = r.ItemInput
		}
		if err := applySubscriptionTerms(ctx, tx, agreementID, c.OrgID, inputs); err != nil {
			return err
		}
		oldPictures, err = applyPictures(ctx, tx, agreementID, c.OrgID, &pictures)
		return err
	})
	if err != nil {
		return ImportReport{}, err
	}
	if len(pictures.bySKU) > 0 || len(pictures.report.Failed) > 0 || pictures.report.Unchanged > 0 {
		rep.Images = &pictures.report
	}
	if rep.Created > 0 || rep.Updated > 0 || rep.Withdrawn > 0 || rep.Reactivated > 0 || pictures.report.Stored > 0 {
		s.cache.bump(ctx)
	}
	s.dropUnusedImages(ctx, oldPictures)
	return rep, nil
}

// itemDiffers reports whether the row changes any of the item's fields.
func itemDiffers(it itemRow, in ItemInput) bool {
	gtin := ""
	if it.GTIN != nil {
		gtin = *it.GTIN
	}
	return it.Name != in.Name || it.Description != in.Description || it.Unit != in.Unit || it.PackSize != in.PackSize ||
		it.CPVCode != in.CPVCode || gtin != in.GTIN || it.VATRateBP != *in.VATRateBP ||
		!slices.Equal(normaliseLabels(it.EcoLabels), in.EcoLabels)
}

// bulkInsertItems inserts rows in one statement per 5,000 and returns their ids in order.
func bulkInsertItems(ctx context.Context, db sqlx.ExtContext, agreementID, supplierID string, rows []priceListRow) ([]string, error) {
	ids := make([]string, 0, len(rows))
	for start := 0; start < len(rows); start += 5000 {
		chunk := rows[start:min(start+5000, len(rows))]
		n := len(chunk)
		sku, gtin, name, desc, unit, cpv, eco := make([]string, n), make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n)
		pack, vat, ord := make([]float64, n), make([]int64, n), make([]int64, n)
		for i, r := range chunk {
			sku[i], gtin[i], name[i], desc[i], unit[i], cpv[i] = r.SKU, r.GTIN, r.Name, r.Description, r.Unit, r.CPVCode
			eco[i] = strings.Join(r.EcoLabels, "|")
			pack[i], vat[i], ord[i] = r.PackSize, int64(*r.VATRateBP), int64(i)
		}
		var got []struct {
			ID  string `db:"id"`
			Ord int    `db:"ord"`
		}
		err := sqlx.SelectContext(ctx, db, &got, `WITH ins AS (
			INSERT INTO items (agreement_id, supplier_id, sku, gtin, name, description, unit, pack_size, cpv_code,
				eco_labels, vat_rate_bp)
			SELECT $1, $2, u.sku, NULLIF(u.gtin, ''), u.name, u.description, u.unit, u.pack, u.cpv,
				CASE WHEN u.eco = '' THEN '{}'::text[] ELSE string_to_array(u.eco, '|') END, u.vat
			FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::numeric[], $9::text[], $10::text[], $11::int[])
				AS u(sku, gtin, name, description, unit, pack, cpv, eco, vat)
			RETURNING id, sku)
			SELECT ins.id, o.ord FROM ins JOIN unnest($3::text[], $12::int[]) AS o(sku, ord) ON o.sku = ins.sku`,
			agreementID, supplierID, pq.Array(sku), pq.Array(gtin), pq.Array(name), pq.Array(desc), pq.Array(unit),
			pq.Array(pack), pq.Array(cpv), pq.Array(eco), pq.Array(vat), pq.Array(ord))
		if err != nil {
			return nil, postgres.Error(err, "item with this sku")
		}
		if len(got) != n {
			return nil, fmt.Errorf("import: inserted %d items, want %d", len(got), n)
		}
		out := make([]string, n)
		for _, g := range got {
			out[g.Ord] = g.ID
		}
		ids = append(ids, out...)
	}
	return ids, nil
}

func bulkUpdateItems(ctx context.Context, db sqlx.ExtContext, ids []string, rows []priceListRow) error {
	n := len(rows)
	gtin, name, desc, unit, cpv, eco := make([]string, n), make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n)
	pack, vat := make([]float64, n), make([]int64, n)
	for i, r := range rows {
		gtin[i], name[i], desc[i], unit[i], cpv[i] = r.GTIN, r.Name, r.Description, r.Unit, r.CPVCode
		eco[i] = strings.Join(r.EcoLabels, "|")
		pack[i], vat[i] = r.PackSize, int64(*r.VATRateBP)
	}
	_, err := db.ExecContext(ctx, `UPDATE items SET gtin = NULLIF(u.gtin, ''), name = u.name, description = u.description,
		unit = u.unit, pack_size = u.pack, cpv_code = u.cpv,
		eco_labels = CASE WHEN u.eco = '' THEN '{}'::text[] ELSE string_to_array(u.eco, '|') END,
		vat_rate_bp = u.vat, updated_at = now()
		FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::text[], $8::text[], $9::int[])
			AS u(id, gtin, name, description, unit, pack, cpv, eco, vat)
		WHERE items.id = u.id`,
		pq.Array(ids), pq.Array(gtin), pq.Array(name), pq.Array(desc), pq.Array(unit), pq.Array(pack), pq.Array(cpv),
		pq.Array(eco), pq.Array(vat))
	return postgres.Error(err, "item")
}

// bulkInsertPriceChanges records changes and writes the applied ones into the price history,
// one statement per 5,000 changes.
func bulkInsertPriceChanges(ctx context.Context, db sqlx.ExtContext, changes []priceChangeRow) error {
	for start := 0; start < len(changes); start += 5000 {
		chunk := changes[start:min(start+5000, len(changes))]
		n := len(chunk)
		item, by, ef, reason, status, why := make([]string, n), make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n)
		old := make([]*int64, n)
		newP := make([]int64, n)
		for i, c := range chunk {
			item[i], by[i], ef[i], reason[i], status[i], why[i] = c.ItemID, c.RequestedBy, c.EffectiveFrom, c.Reason, c.Status, c.StatusReason
			old[i], newP[i] = c.Old, c.New
		}
		_, err := db.ExecContext(ctx, `WITH pc AS (
			INSERT INTO price_changes (item_id, requested_by, old_price_minor, new_price_minor, effective_from, reason,
				status, status_reason)
			SELECT u.item, u.by, u.old, u.new, u.ef, u.reason, u.status, u.why
			FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::bigint[], $5::date[], $6::text[], $7::text[], $8::text[])
				AS u(item, by, old, new, ef, reason, status, why)
			RETURNING id, item_id, new_price_minor, effective_from, status)
			INSERT INTO item_prices (item_id, price_minor, effective_from, price_change_id)
			SELECT item_id, new_price_minor, effective_from, id FROM pc WHERE status = 'applied'`,
			pq.Array(item), pq.Array(by), pq.GenericArray{A: nullableInt64s(old)}, pq.Array(newP), pq.Array(ef),
			pq.Array(reason), pq.Array(status), pq.Array(why))
		if err != nil {
			return postgres.Error(err, "price change")
		}
	}
	return nil
}

// nullableInt64s turns optional prices into a value pq.GenericArray encodes with NULLs.
func nullableInt64s(v []*int64) []sql.NullInt64 {
	out := make([]sql.NullInt64, len(v))
	for i, p := range v {
		if p != nil {
			out[i] = sql.NullInt64{Int64: *p, Valid: true}
		}
	}
	return out
}
