package catalog

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/text"
	"github.com/avrop/avrop/notify"
)

// maxPriceMinor bounds prices so that the increase arithmetic (difference × 10,000) never
// overflows int64: 10^12 minor units is ten billion kronor.
const maxPriceMinor = 1_000_000_000_000

// addMonths adds n months to date d, clamping to the last day of a shorter month (31 January
// + 1 month = 28/29 February), as contracts count months.
func addMonths(d string, n int) string {
	t, err := time.Parse(dateLayout, d)
	if err != nil {
		return d
	}
	y, m, day := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if day > last {
		day = last
	}
	return time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, time.UTC).Format(dateLayout)
}

// priceTerms is the agreement's price-adjustment clause.
type priceTerms struct {
	MaxIncreaseBP  int
	IntervalMonths int
}

// ruleFor decides a price change by SPEC §2: no old price or a decrease (or no change) is
// applied at once; an increase is applied when it is within the clause's maximum and at least
// the clause's interval after the item's last increase (effective dates); any other increase
// waits for a manager, with the reason.
func ruleFor(old *int64, newPrice int64, effectiveFrom, lastIncrease string, t priceTerms) (status, reason string) {
	if old == nil || newPrice <= *old {
		return PriceApplied, ""
	}
	if (newPrice-*old)*10000 > *old*int64(t.MaxIncreaseBP) {
		return PricePending, ReasonExceedsMaxIncrease
	}
	if lastIncrease != "" && effectiveFrom < addMonths(lastIncrease, t.IntervalMonths) {
		return PricePending, ReasonWithinInterval
	}
	return PriceApplied, ""
}

func (r *PriceRequest) validate() error {
	var v derr.Validator
	v.Check(r.PriceMinor != nil && *r.PriceMinor >= 0 && *r.PriceMinor <= maxPriceMinor, "price_minor", "price_range", "is required, between 0 and 10^12")
	v.Check(r.EffectiveFrom == "" || validDate(r.EffectiveFrom), "effective_from", "date", "must be a date YYYY-MM-DD or empty for today")
	v.Check(len(r.Reason) <= 1000, "reason", "too_long", "is at most 1000 characters")
	text.CheckLines(&v, "reason", r.Reason)
	return v.Err()
}

// SetPrice changes the price of one of the calling supplier's items by SPEC §2's rules. The
// returned change's Status is "applied" (the price is in effect from EffectiveFrom) or
// "pending" (a manager of the agreement decides). Errors: Forbidden (not a supplier), NotFound
// (absent or another supplier's item), Invalid (validation, price_effective_in_past,
// agreement_not_active).
func (s *Service) SetPrice(ctx context.Context, c auth.Caller, itemID string, r PriceRequest) (PriceChange, error) {
	if !c.Has(auth.RoleSupplier) {
		return PriceChange{}, derr.Forbiddenf("Only the item's supplier changes its price.")
	}
	if !auth.ValidUUID(itemID) || !auth.ValidUUID(c.OrgID) {
		return PriceChange{}, derr.NotFoundf("item not found")
	}
	today := s.today()
	var pcID, status, submission string
	var first PriceChange
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		// The item row lock serialises price changes of one item, so two concurrent increases
		// cannot both pass the interval rule.
		it, err := itemForUpdate(ctx, tx, itemID)
		if derr.Is(err, derr.NotFound) || (err == nil && it.SupplierID != c.OrgID) {
			return derr.NotFoundf("item not found")
		}
		if err != nil {
			return err
		}
		if err := r.validate(); err != nil {
			return err
		}
		if r.EffectiveFrom == "" {
			r.EffectiveFrom = today
		}
		if r.EffectiveFrom < today {
			return &derr.Error{Kind: derr.Invalid, Code: "price_effective_in_past", Message: "effective_from may not be in the past.",
				Fields: []derr.FieldError{{Field: "effective_from", Code: "past_date", Message: "may not be before " + today}}}
		}
		a, err := agreementTermsForSupplier(ctx, tx, it.AgreementID, c.OrgID, true)
		if err != nil {
			return err
		}
		if a.Status != StatusActive {
			return derr.Invalidf("agreement_not_active", "The agreement is terminated.")
		}
		hist, err := priceHistories(ctx, tx, []string{itemID})
		if err != nil {
			return err
		}
		h := hist[itemID]
		if a.CatalogueApproval && len(h.prices) == 0 {
			// An item without any price gets its first one through acceptance (SPEC §6).
			submission, err = submit(ctx, tx, it.AgreementID, c.OrgID, c.UserID,
				[]proposedChange{firstPriceChange(itemID, r.PriceMinor, r.EffectiveFrom, nil)})
			first = PriceChange{ItemID: itemID, ItemSKU: it.SKU, ItemName: it.Name, AgreementID: it.AgreementID, SupplierID: it.SupplierID,
				Currency: a.Currency, RequestedBy: c.UserID, NewPriceMinor: *r.PriceMinor, EffectiveFrom: r.EffectiveFrom,
				Reason: strings.TrimSpace(r.Reason), Status: PricePending, StatusReason: ChangeFirstPrice, SubmissionID: submission}
			return err
		}
		old := h.priceAt(r.EffectiveFrom)
		var why string
		status, why = ruleFor(old, *r.PriceMinor, r.EffectiveFrom, h.lastIncrease,
			priceTerms{MaxIncreaseBP: a.MaxPriceIncreaseBP, IntervalMonths: a.PriceAdjustmentIntervalMonths})
		pcID, err = insertPriceChange(ctx, tx, priceChangeRow{ItemID: itemID, RequestedBy: c.UserID, Old: old,
			New: *r.PriceMinor, EffectiveFrom: r.EffectiveFrom, Reason: strings.TrimSpace(r.Reason), Status: status, StatusReason: why})
		if err != nil {
			return err
		}
		if status == PriceApplied {
			return insertPrice(ctx, tx, itemID, *r.PriceMinor, r.EffectiveFrom, pcID)
		}
		return tellManagers(ctx, tx, notify.PriceChangeAwaiting, it.AgreementID, c.OrgID, pcID, it.Name)
	})
	if err != nil {
		return PriceChange{}, err
	}
	if submission != "" {
		return first, nil
	}
	if status == PriceApplied {
		s.cache.bump(ctx)
	}
	return priceChangeByID(ctx, s.db, pcID)
}

// ListPriceChanges lists price changes in the caller's scope, newest first: suppliers their
// own items', managers their agreements', admins all. Errors: Forbidden (buyer roles),
// Invalid (bad filter).
func (s *Service) ListPriceChanges(ctx context.Context, c auth.Caller, f PriceChangeFilter) ([]PriceChange, int, error) {
	if !c.HasAny(auth.RoleAdmin, auth.RoleManager, auth.RoleSupplier) {
		return nil, 0, derr.Forbiddenf("Only suppliers, managers and admins see price changes.")
	}
	f.Page = f.Page.Normalize()
	var v derr.Validator
	v.Check(f.Status == "" || f.Status == PriceApplied || f.Status == PricePending || f.Status == PriceApproved || f.Status == PriceRejected,
		"status", "choice", "must be applied, pending, approved or rejected")
	v.Check(f.AgreementID == "" || auth.ValidUUID(f.AgreementID), "agreement_id", "invalid_id", "must be a UUID")
	v.Check(f.ItemID == "" || auth.ValidUUID(f.ItemID), "item_id", "invalid_id", "must be a UUID")
	v.Check(len(f.ItemIDs) <= 100 && !slices.ContainsFunc(f.ItemIDs, func(id string) bool { return !auth.ValidUUID(id) }),
		"item_ids", "range", "must be at most 100 UUIDs")
	if err := v.Err(); err != nil {
		return nil, 0, err
	}
	return listPriceChanges(ctx, s.db, scopeOf(c), f)
}

// GetPriceChange returns one price change in the caller's scope. Errors: Forbidden (buyer
// roles), NotFound.
func (s *Service) GetPriceChange(ctx context.Context, c auth.Caller, id string) (PriceChange, error) {
	if !c.HasAny(auth.RoleAdmin, auth.RoleManager, auth.RoleSupplier) {
		return PriceChange{}, derr.Forbiddenf("Only suppliers, managers and admins see price changes.")
	}
	if !auth.ValidUUID(id) {
		return PriceChange{}, derr.NotFoundf("price change not found")
	}
	list, _, err := listPriceChanges(ctx, s.db, scopeOf(c), PriceChangeFilter{ItemID: "", Page: auth.Page{Page: 1, PageSize: 1}, id: id})
	if err != nil {
		return PriceChange{}, err
	}
	if len(list) == 0 {
		return PriceChange{}, derr.NotFoundf("price change not found")
	}
	return list[0], nil
}

// DecidePriceChange approves or rejects a pending price change on an agreement of the calling
// manager's procurement body; admins may not (SPEC §1: managers decide price changes). An approved price takes effect on its requested
// date, or today when that has passed. Errors: Forbidden (not a manager), NotFound
// (absent or out of scope), Conflict (invalid_transition: already decided).
func (s *Service) DecidePriceChange(ctx context.Context, c auth.Caller, id string, approve bool, note string) (PriceChange, error) {
	if !c.Has(auth.RoleManager) {
		return PriceChange{}, derr.Forbiddenf("Only managers of the agreement decide price changes.")
	}
	if !auth.ValidUUID(id) {
		return PriceChange{}, derr.NotFoundf("price change not found")
	}
	if len(note) > 1000 {
		return PriceChange{}, derr.Fields([]derr.FieldError{{Field: "note", Code: "too_long", Message: "is at most 1000 characters"}})
	}
	if !text.Lines(note) {
		return PriceChange{}, derr.Fields([]derr.FieldError{{Field: "note", Code: text.Code, Message: text.LinesMessage}})
	}
	today := s.today()
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		pc, body, err := priceChangeForDecision(ctx, tx, id)
		if err != nil {
			return err
		}
		if body != c.OrgID {
			return derr.NotFoundf("price change not found")
		}
		if pc.Status != PricePending {
			return derr.Conflictf("invalid_transition", "The price change is already %s.", pc.Status)
		}
		if !approve {
			return decidePriceChange(ctx, tx, id, PriceRejected, c.UserID, strings.TrimSpace(note))
		}
		ef := pc.EffectiveFrom
		if ef < today {
			ef = today
			if _, err := tx.ExecContext(ctx, `UPDATE price_changes SET effective_from = $2 WHERE id = $1`, id, ef); err != nil {
				return postgres.Error(err, "price change")
			}
		}
		if err := decidePriceChange(ctx, tx, id, PriceApproved, c.UserID, strings.TrimSpace(note)); err != nil {
			return err
		}
		return insertPrice(ctx, tx, pc.ItemID, pc.NewPriceMinor, ef, id)
	})
	if err != nil {
		return PriceChange{}, err
	}
	if approve {
		s.cache.bump(ctx)
	}
	return priceChangeByID(ctx, s.db, id)
}
