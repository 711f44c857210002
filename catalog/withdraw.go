package catalog

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/internal/derr"
)

// withdrawRef names an item a PEPPOL catalogue's Delete line withdraws: by the supplier's
// article number, else (a line with only a GTIN, as suppliers send them) by its GTIN.
type withdrawRef struct {
	Line      int
	SKU, GTIN string
}

// keepVATRates gives each row without a VAT rate (KeepVAT) its existing item's rate; a new item
// without one is refused by line, since its rate cannot be known (SPEC §8). The error rolls back
// the import's transaction: nothing changes.
func keepVATRates(rows []priceListRow, bySKU map[string]itemRow) error {
	var errs importErrors
	for i := range rows {
		if !rows[i].KeepVAT {
			continue
		}
		it, ok := bySKU[rows[i].SKU]
		if !ok {
			errs.add(rows[i].Line, "vat_rate_bp", "required", "is required for a new item: cac:Item/cac:ClassifiedTaxCategory/cbc:Percent "+
				"(a line without it keeps an existing item's rate)")
			continue
		}
		rate := it.VATRateBP
		rows[i].VATRateBP = &rate
	}
	if len(errs) > 0 {
		return &derr.Error{Kind: derr.Invalid, Code: "invalid_price_list",
			Message: fmt.Sprintf("The price list has %d error(s); nothing was imported.", len(errs)), Fields: errs}
	}
	return nil
}

// withdrawItems takes the items file withdraws out of the catalogue, inside the import's
// transaction: the items its Delete lines name, and with Replace every active item of the
// supplier on the agreement whose sku the file does not hold. On an agreement with catalogue
// approval an accepted item's withdrawal is returned as a change for the managers (SPEC §6);
// any other is made at once and counted in rep.Withdrawn. A Delete line naming no item of the
// supplier changes nothing.
func withdrawItems(ctx context.Context, tx *sqlx.Tx, a Agreement, supplierID string, file priceListFile, rep *ImportReport) ([]proposedChange, error) {
	if len(file.withdraw) == 0 && !file.replace {
		return nil, nil
	}
	var skus, gtins, keep []string
	for _, w := range file.withdraw {
		if w.SKU != "" {
			skus = append(skus, w.SKU)
		} else if w.GTIN != "" {
			gtins = append(gtins, w.GTIN)
		}
	}
	for _, r := range file.rows {
		keep = append(keep, r.SKU)
	}
	var items []itemRow
	if err := sqlx.SelectContext(ctx, tx, &items, `SELECT `+itemRowColumns+` FROM items
		WHERE agreement_id = $1 AND supplier_id = $2 AND active
		  AND (sku = ANY($3::text[]) OR gtin = ANY($4::text[]) OR ($5 AND NOT sku = ANY($6::text[])))
		ORDER BY sku FOR UPDATE`,
		a.ID, supplierID, pq.Array(skus), pq.Array(gtins), file.replace, pq.Array(keep)); err != nil {
		return nil, fmt.Errorf("import: items to withdraw: %w", err)
	}
	var now []string
	var held []proposedChange
	for _, it := range items {
		if a.CatalogueApproval && it.Approval == ApprovalAccepted {
			held = append(held, proposedChange{itemID: it.ID, kind: ChangeWithdrawal,
				before: map[string]bool{"active": true}, after: map[string]bool{"active": false}})
			continue
		}
		now = append(now, it.ID)
	}
	if len(now) > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE items SET active = false, updated_at = now() WHERE id = ANY($1::uuid[])`, pq.Array(now)); err != nil {
			return nil, fmt.Errorf("import: withdraw: %w", err)
		}
	}
	rep.Withdrawn = len(now)
	return held, nil
}
