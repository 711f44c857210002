package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/text"
)

// CreateAgreement creates an agreement with its participants and awarded suppliers. Managers
// create agreements of their own procurement body; a platform admin runs organisations and
// users, never agreements (SPEC §1). Errors: Forbidden (other roles), Invalid (validation,
// wrong organisation kinds), Conflict (reference taken).
func (s *Service) CreateAgreement(ctx context.Context, c auth.Caller, in AgreementInput) (Agreement, error) {
	switch {
	case c.Has(auth.RoleManager) && c.OrgKind == auth.KindProcurementBody:
		if in.ProcurementBodyID == "" {
			in.ProcurementBodyID = c.OrgID
		}
		if in.ProcurementBodyID != c.OrgID {
			return Agreement{}, derr.Fields([]derr.FieldError{{Field: "procurement_body_id", Code: "org_kind", Message: "must be your own procurement body"}})
		}
	default:
		return Agreement{}, derr.Forbiddenf("Only managers of a procurement body create agreements.")
	}
	if err := in.validate(); err != nil {
		return Agreement{}, err
	}
	var id string
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		kinds, err := orgKinds(ctx, tx, []string{in.ProcurementBodyID})
		if err != nil {
			return err
		}
		if kinds[in.ProcurementBodyID] != auth.KindProcurementBody {
			return derr.Fields([]derr.FieldError{{Field: "procurement_body_id", Code: "org_kind", Message: "must be a procurement body"}})
		}
		if err := checkOrgKinds(ctx, tx, in.Participants, in.Suppliers); err != nil {
			return err
		}
		id, err = insertAgreement(ctx, tx, in)
		if err != nil {
			return postgres.Error(err, "agreement with this reference")
		}
		for _, p := range in.Participants {
			if err := upsertParticipant(ctx, tx, id, p); err != nil {
				return err
			}
		}
		for _, sp := range in.Suppliers {
			if err := insertAwardedSupplier(ctx, tx, id, sp); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Agreement{}, err
	}
	s.cache.bump(ctx)
	return s.getAgreement(ctx, s.db, id)
}

// UpdateAgreement changes an agreement of the calling manager's procurement body; admins may
// not (SPEC §1). Terminating is final. Errors: Forbidden (other roles), NotFound (absent or out of scope),
// Invalid, Conflict (terminated agreements cannot change).
func (s *Service) UpdateAgreement(ctx context.Context, c auth.Caller, id string, p AgreementPatch) (Agreement, error) {
	if !c.Has(auth.RoleManager) {
		return Agreement{}, derr.Forbiddenf("Only managers of the agreement's procurement body change it.")
	}
	if !auth.ValidUUID(id) {
		return Agreement{}, derr.NotFoundf("agreement not found")
	}
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		a, err := agreementForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if a.ProcurementBodyID != c.OrgID {
			return derr.NotFoundf("agreement not found")
		}
		if a.Status == StatusTerminated {
			return derr.Conflictf("agreement_terminated", "A terminated agreement cannot change.")
		}
		var v derr.Validator
		if p.Title != nil {
			v.Check(strings.TrimSpace(*p.Title) != "" && len(*p.Title) <= 200, "title", "length", "is required (at most 200 characters)")
			text.CheckLine(&v, "title", *p.Title)
			a.Title = *p.Title
		}
		if p.Description != nil {
			v.Check(len(*p.Description) <= 10000, "description", "too_long", "is at most 10000 characters")
			text.CheckLines(&v, "description", *p.Description)
			a.Description = *p.Description
		}
		if p.ValidTo != nil {
			v.Check(validDate(*p.ValidTo), "valid_to", "date", "must be a date YYYY-MM-DD")
			v.Check(*p.ValidTo > a.ValidFrom, "valid_to", "date_order", "must be after valid_from")
			a.ValidTo = *p.ValidTo
		}
		if p.CeilingMinor.Set {
			v.Check(p.CeilingMinor.Value == nil || *p.CeilingMinor.Value > 0, "ceiling_minor", "positive", "must be positive or null")
			a.CeilingMinor = p.CeilingMinor.Value
		}
		if p.MinOrderMinor != nil {
			v.Check(*p.MinOrderMinor >= 0, "min_order_minor", "negative", "must not be negative")
			a.MinOrderMinor = *p.MinOrderMinor
		}
		if p.MaxPriceIncreaseBP != nil {
			v.Check(*p.MaxPriceIncreaseBP >= 0 && *p.MaxPriceIncreaseBP <= 10000, "max_price_increase_bp", "range", "must be between 0 and 10000")
			a.MaxPriceIncreaseBP = *p.MaxPriceIncreaseBP
		}
		if p.PriceAdjustmentIntervalMonths != nil {
			v.Check(*p.PriceAdjustmentIntervalMonths >= 0 && *p.PriceAdjustmentIntervalMonths <= 120, "price_adjustment_interval_months", "range", "must be between 0 and 120")
			a.PriceAdjustmentIntervalMonths = *p.PriceAdjustmentIntervalMonths
		}
		if p.LeadTimeDays != nil {
			v.Check(*p.LeadTimeDays >= 0 && *p.LeadTimeDays <= 365, "lead_time_days", "range", "must be between 0 and 365")
			a.LeadTimeDays = *p.LeadTimeDays
		}
		terminate := false
		if p.Status != nil {
			v.Check(*p.Status == StatusTerminated || *p.Status == StatusActive, "status", "choice", "must be terminated (or active, unchanged)")
			terminate = *p.Status == StatusTerminated
		}
		seen := map[string]bool{}
		for i, pp := range p.Participants {
			f := fmt.Sprintf("participants[%d]", i)
			v.Check(auth.ValidUUID(pp.OrgID), f+".org_id", "invalid_id", "must be a UUID")
			v.Check(!seen[pp.OrgID], f+".org_id", "duplicate", "is listed twice")
			seen[pp.OrgID] = true
			v.Check(pp.CeilingMinor == nil || *pp.CeilingMinor > 0, f+".ceiling_minor", "positive", "must be positive or null")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := checkOrgKinds(ctx, tx, p.Participants, nil); err != nil {
			return err
		}
		if err := updateAgreement(ctx, tx, a, terminate); err != nil {
			return postgres.Error(err, "agreement")
		}
		for _, pp := range p.Participants {
			if err := upsertParticipant(ctx, tx, id, pp); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Agreement{}, err
	}
	s.cache.bump(ctx)
	return s.getAgreement(ctx, s.db, id)
}

// GetAgreement returns an agreement in the caller's scope with its participants and awarded
// suppliers. Errors: NotFound (absent or out of scope).
func (s *Service) GetAgreement(ctx context.Context, c auth.Caller, id string) (Agreement, error) {
	sc := scopeOf(c)
	if !auth.ValidUUID(id) || sc.none() {
		return Agreement{}, derr.NotFoundf("agreement not found")
	}
	ok, err := agreementInScope(ctx, s.db, sc, id)
	if err != nil {
		return Agreement{}, err
	}
	if !ok {
		return Agreement{}, derr.NotFoundf("agreement not found")
	}
	return s.getAgreement(ctx, s.db, id)
}

func (s *Service) getAgreement(ctx context.Context, db sqlx.QueryerContext, id string) (Agreement, error) {
	list, err := agreementsByID(ctx, db, []string{id})
	if err != nil {
		return Agreement{}, err
	}
	if len(list) == 0 {
		return Agreement{}, derr.NotFoundf("agreement not found")
	}
	return list[0], nil
}

// ListAgreements lists the agreements in the caller's scope, newest validity first, each with
// its participants and suppliers.
func (s *Service) ListAgreements(ctx context.Context, c auth.Caller, f AgreementFilter) ([]Agreement, int, error) {
	sc := scopeOf(c)
	f.Page = f.Page.Normalize()
	if f.Status != "" && f.Status != StatusActive && f.Status != StatusTerminated {
		return nil, 0, derr.Fields([]derr.FieldError{{Field: "status", Code: "choice", Message: "must be active or terminated"}})
	}
	if sc.none() {
		return []Agreement{}, 0, nil
	}
	ids, total, err := listAgreementIDs(ctx, s.db, sc, f)
	if err != nil {
		return nil, 0, err
	}
	list, err := agreementsByID(ctx, s.db, ids)
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}
