package catalog

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/text"
)

func validateItemFields(v *derr.Validator, prefix string, in *ItemInput) {
	in.SKU = strings.TrimSpace(in.SKU)
	in.GTIN = strings.TrimSpace(in.GTIN)
	in.Name = strings.TrimSpace(in.Name)
	in.Unit = strings.TrimSpace(in.Unit)
	in.CPVCode = strings.TrimSpace(in.CPVCode)
	if in.PackSize == 0 {
		in.PackSize = 1
	}
	v.Check(in.SKU != "" && len(in.SKU) <= 64, prefix+"sku", "length", "is required (at most 64 characters)")
	text.CheckLine(v, prefix+"sku", in.SKU)
	text.CheckLine(v, prefix+"name", in.Name)
	text.CheckLines(v, prefix+"description", in.Description)
	v.Check(in.GTIN == "" || validGTIN(in.GTIN), prefix+"gtin", "gtin", "must be a GTIN-8, -12, -13 or -14 with a valid check digit")
	v.Check(in.Name != "" && len(in.Name) <= 300, prefix+"name", "length", "is required (at most 300 characters)")
	v.Check(len(in.Description) <= 10000, prefix+"description", "too_long", "is at most 10000 characters")
	if msg := unitProblem(in.Unit); msg != "" {
		v.Check(false, prefix+"unit", "unit", msg)
	}
	v.Check(validPackSize(in.PackSize), prefix+"pack_size", "range", "must be more than 0 and at most 1000000, with at most three decimals")
	v.Check(cpvRe.MatchString(in.CPVCode), prefix+"cpv_code", "cpv", "must be a CPV code such as 33190000 or 33190000-8")
	v.Check(len(in.EcoLabels) <= 20, prefix+"eco_labels", "range", "at most 20")
	for _, l := range in.EcoLabels {
		if l = strings.TrimSpace(l); l != "" && !ValidEcoLabel(l) {
			v.Check(false, prefix+"eco_labels", "eco_label", fmt.Sprintf("%q is not a known eco-label; use one of %s", truncate(l, 40), strings.Join(EcoLabels, ", ")))
			break
		}
	}
	v.Check(in.VATRateBP != nil && *in.VATRateBP >= 0 && *in.VATRateBP <= 10000, prefix+"vat_rate_bp", "vat_rate_range", "is required, between 0 and 10000")
	v.Check(in.PriceMinor != nil && *in.PriceMinor >= 0 && *in.PriceMinor <= maxPriceMinor, prefix+"price_minor", "price_range", "is required, 0 or more")
	v.Check(in.EffectiveFrom == "" || validDate(in.EffectiveFrom), prefix+"effective_from", "date", "must be a date YYYY-MM-DD or empty for today")
	validateSubscriptionTerms(v, prefix, in)
}

// normaliseLabels sorts and deduplicates eco-labels.
func normaliseLabels(l []string) []string {
	out := make([]string, 0, len(l))
	for _, x := range l {
		x = strings.TrimSpace(x)
		if x != "" {
			out = append(out, x)
		}
	}
	sort.Strings(out)
	out = compactStrings(out)
	return out
}

func compactStrings(s []string) []string {
	if len(s) < 2 {
		return s
	}
	j := 1
	for i := 1; i < len(s); i++ {
		if s[i] != s[j-1] {
			s[j] = s[i]
			j++
		}
	}
	return s[:j]
}

// supplierAgreement checks that the caller is a supplier awarded agreement id and returns its
// terms. Errors: Forbidden (not a supplier), NotFound (not awarded or absent).
func (s *Service) supplierAgreement(ctx context.Context, db sqlx.QueryerContext, c auth.Caller, id string, lock bool) (Agreement, error) {
	if !c.Has(auth.RoleSupplier) {
		return Agreement{}, derr.Forbiddenf("Only suppliers maintain catalogue items.")
	}
	if !auth.ValidUUID(id) || !auth.ValidUUID(c.OrgID) {
		return Agreement{}, derr.NotFoundf("agreement not found")
	}
	a, err := agreementTermsForSupplier(ctx, db, id, c.OrgID, lock)
	if err != nil {
		return Agreement{}, err
	}
	return a, nil
}

// AddItem adds an item with its first price to an agreement the calling supplier is awarded.
// Errors: Forbidden (not a supplier), NotFound (agreement out of scope), Invalid (validation,
// agreement_not_active, price_effective_in_past), Conflict (sku taken).
func (s *Service) AddItem(ctx context.Context, c auth.Caller, agreementID string, in ItemInput) (Item, error) {
	var v derr.Validator
	validateItemFields(&v, "", &in)
	if err := v.Err(); err != nil {
		if _, err2 := s.supplierAgreement(ctx, s.db, c, agreementID, false); err2 != nil {
			return Item{}, err2
		}
		return Item{}, err
	}
	in.EcoLabels = normaliseLabels(in.EcoLabels)
	today := s.today()
	if in.EffectiveFrom == "" {
		in.EffectiveFrom = today
	}
	if in.EffectiveFrom < today {
		return Item{}, derr.Invalidf("price_effective_in_past", "effective_from may not be in the past.")
	}
	var id, submission string
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		a, err := s.supplierAgreement(ctx, tx, c, agreementID, true)
		if err != nil {
			return err
		}
		if a.Status != StatusActive {
			return derr.Invalidf("agreement_not_active", "The agreement is terminated.")
		}
		if err := checkVATRate(in, a.Country); err != nil {
			return err
		}
		// A sku whose proposal was rejected may be proposed again: the item is rewritten.
		var rejected string
		err = tx.GetContext(ctx, &rejected, `UPDATE items SET gtin = NULLIF($4, ''), name = $5, description = $6, unit = $7,
			pack_size = $8, cpv_code = $9, eco_labels = $10, vat_rate_bp = $11, active = true, updated_at = now()
			WHERE agreement_id = $1 AND supplier_id = $2 AND sku = $3 AND approval = 'rejected' RETURNING id`,
			agreementID, c.OrgID, in.SKU, in.GTIN, in.Name, in.Description, in.Unit, in.PackSize, in.CPVCode,
			pq.Array(in.EcoLabels), *in.VATRateBP)
		switch {
		case err == nil:
			id = rejected
		case isNoRows(err):
			if id, err = insertItem(ctx, tx, agreementID, c.OrgID, in); err != nil {
				return postgres.Error(err, "item with this sku")
			}
		default:
			return fmt.Errorf("add item: %w", err)
		}
		if a.CatalogueApproval || rejected != "" {
			// The item and its first price wait for the agreement's managers (SPEC §6).
			if err := applySubscriptionTerms(ctx, tx, agreementID, c.OrgID, []ItemInput{in}); err != nil {
				return err
			}
			submission, err = submit(ctx, tx, agreementID, c.OrgID, c.UserID, newItemChanges(id, in))
			return err
		}
		pcID, err := insertPriceChange(ctx, tx, priceChangeRow{ItemID: id, RequestedBy: c.UserID, New: *in.PriceMinor,
			EffectiveFrom: in.EffectiveFrom, Reason: "first price", Status: PriceApplied})
		if err != nil {
			return err
		}
		if err := insertPrice(ctx, tx, id, *in.PriceMinor, in.EffectiveFrom, pcID); err != nil {
			return err
		}
		return applySubscriptionTerms(ctx, tx, agreementID, c.OrgID, []ItemInput{in})
	})
	if err != nil {
		return Item{}, err
	}
	s.cache.bump(ctx)
	it, err := itemByID(ctx, s.db, id, today)
	it.SubmissionID = submission
	if submission != "" {
		it.SubmissionStatus = SubmissionPending
	}
	return it, err
}

// UpdateItem changes an item of the calling supplier. Errors: Forbidden (not a supplier),
// NotFound (absent or another supplier's), Invalid.
func (s *Service) UpdateItem(ctx context.Context, c auth.Caller, id string, p ItemPatch) (Item, error) {
	if !c.Has(auth.RoleSupplier) {
		return Item{}, derr.Forbiddenf("Only suppliers maintain catalogue items.")
	}
	if !auth.ValidUUID(id) {
		return Item{}, derr.NotFoundf("item not found")
	}
	today := s.today()
	var submission string
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		it, err := itemForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if it.SupplierID != c.OrgID {
			return derr.NotFoundf("item not found")
		}
		in := ItemInput{SKU: it.SKU, Name: it.Name, Description: it.Description, Unit: it.Unit, PackSize: it.PackSize,
			CPVCode: it.CPVCode, EcoLabels: it.EcoLabels, VATRateBP: &it.VATRateBP, PriceMinor: new(int64),
			Kind: it.Kind, MinTermMonths: it.MinTerm, NoticeMonths: it.Notice}
		if it.GTIN != nil {
			in.GTIN = *it.GTIN
		}
		if p.GTIN != nil {
			in.GTIN = *p.GTIN
		}
		if p.Name != nil {
			in.Name = *p.Name
		}
		if p.Description != nil {
			in.Description = *p.Description
		}
		if p.Unit != nil {
			in.Unit = *p.Unit
		}
		if p.PackSize != nil {
			in.PackSize = *p.PackSize
			if in.PackSize == 0 {
				in.PackSize = -1 // refuse 0 explicitly given
			}
		}
		if p.CPVCode != nil {
			in.CPVCode = *p.CPVCode
		}
		if p.EcoLabels != nil {
			in.EcoLabels = *p.EcoLabels
		}
		if p.VATRateBP != nil {
			in.VATRateBP = p.VATRateBP
		}
		var v derr.Validator
		validateItemFields(&v, "", &in)
		if err := v.Err(); err != nil {
			return err
		}
		if p.VATRateBP != nil {
			country, err := agreementCountry(ctx, tx, it.AgreementID)
			if err != nil {
				return err
			}
			if err := checkVATRate(in, country); err != nil {
				return err
			}
		}
		in.EcoLabels = normaliseLabels(in.EcoLabels)
		active := it.Active
		if p.Active != nil {
			active = *p.Active
		}
		approval, err := agreementApproval(ctx, tx, it.AgreementID)
		if err != nil {
			return err
		}
		if ch, held := holdTerms(approval, it, &in); held {
			if submission, err = submit(ctx, tx, it.AgreementID, it.SupplierID, c.UserID, []proposedChange{ch}); err != nil {
				return err
			}
		}
		return updateItemFields(ctx, tx, id, in, active)
	})
	if err != nil {
		return Item{}, err
	}
	s.cache.bump(ctx)
	item, err := itemByID(ctx, s.db, id, today)
	item.SubmissionID = submission
	if submission != "" {
		item.SubmissionStatus = SubmissionPending
	}
	return item, err
}

// agreementApproval reports whether an agreement's new items and term changes wait for
// acceptance; it share-locks the agreement so a change of the setting waits for the write.
func agreementApproval(ctx context.Context, tx *sqlx.Tx, agreementID string) (bool, error) {
	var approval bool
	err := tx.GetContext(ctx, &approval, `SELECT catalogue_approval FROM agreements WHERE id = $1 FOR SHARE`, agreementID)
	return approval, postgres.Error(err, "agreement")
}

// ListAgreementItems lists the items of an agreement in the caller's scope, by name: suppliers
// see their own items (active or not), managers and admins all, buyers the active ones. A
// non-empty q keeps the items whose name holds it or whose sku starts with it.
// Errors: NotFound (agreement absent or out of scope).
func (s *Service) ListAgreementItems(ctx context.Context, c auth.Caller, agreementID, q string, page auth.Page) ([]Item, int, error) {
	sc := scopeOf(c)
	page = page.Normalize()
	if !auth.ValidUUID(agreementID) || sc.none() {
		return nil, 0, derr.NotFoundf("agreement not found")
	}
	q, err := auth.ListSearch(q)
	if err != nil {
		return nil, 0, err
	}
	ok, err := agreementInScope(ctx, s.db, sc, agreementID)
	if err != nil {
		return nil, 0, err
	}
	if !ok {
		return nil, 0, derr.NotFoundf("agreement not found")
	}
	supplier := ""
	if sc.supplier && !sc.all {
		supplier = sc.org
	}
	onlyActive := !sc.all && !sc.manager && !sc.supplier
	return listItems(ctx, s.db, agreementID, supplier, onlyActive, q, s.today(), page)
}

// packSizeRe is a pack size as files write it: a number with at most three decimals, a point
// or a comma before them ("100", "5.2", "0,75").
var packSizeRe = regexp.MustCompile(`^[0-9]{1,7}(?:[.,][0-9]{1,3})?$`)

// parsePackSize reads a pack size from a file (CSV column, PEPPOL ContentUnitQuantity).
func parsePackSize(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if !packSizeRe.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	return f, err == nil && validPackSize(f)
}

// validPackSize: a pack holds more than 0 and at most a million of its content unit, to three
// decimals (the database's numeric(12, 3)).
func validPackSize(f float64) bool {
	return f > 0 && f <= 1_000_000 && math.Abs(f*1000-math.Round(f*1000)) < 1e-6
}
