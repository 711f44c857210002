package catalog

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
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
			if err := upsertAwardedSupplier(ctx, tx, id, sp); err != nil {
				return err
			}
		}
		created, err := s.getAgreement(ctx, tx, id)
		if err != nil {
			return err
		}
		return recordEvents(ctx, tx, id, c.UserID, in.Note, []termChange{{TermCreated, nil, createdSnapshot(created)}})
	})
	if err != nil {
		return Agreement{}, err
	}
	s.cache.bump(ctx)
	return s.getAgreement(ctx, s.db, id)
}

// UpdateAgreement changes an agreement of the caller's procurement body (admins: any). The
// agreement as it will be is checked by the same validate as a create (four-year rule,
// participant cap, ranks); no ceiling may go below what is already committed, and the check
// is exact because orders hold the agreement's row share-locked while they debit and this
// update holds it exclusively. Every changed term is recorded in the history in the same
// transaction. Terminating is final.
// Errors: Forbidden (other roles), NotFound (absent or out of scope), Invalid
// (validation_failed, agreement_too_long, ceiling_below_committed,
// participant_ceiling_below_committed), Conflict (terminated agreements cannot change).
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
		before, err := s.getAgreement(ctx, tx, id)
		if err != nil {
			return err
		}
		in := inputOf(before)
		terminate, added, addedSup, err := p.apply(&in)
		if err != nil {
			return err
		}
		if err := in.validate(); err != nil {
			return err
		}
		if err := checkOrgKinds(ctx, tx, added, addedSup); err != nil {
			return err
		}
		if err := checkCeilingsCommitted(ctx, tx, before, in); err != nil {
			return err
		}
		if err := updateAgreement(ctx, tx, in, id, terminate); err != nil {
			return postgres.Error(err, "agreement")
		}
		for _, pp := range in.Participants {
			if err := upsertParticipant(ctx, tx, id, pp); err != nil {
				return err
			}
		}
		for _, sp := range in.Suppliers {
			if err := upsertAwardedSupplier(ctx, tx, id, sp); err != nil {
				return err
			}
		}
		if in.ValidTo != before.ValidTo && s.validToHook != nil {
			if err := s.validToHook(ctx, tx, id, c.UserID, in.ValidTo); err != nil {
				return err
			}
		}
		after, err := s.getAgreement(ctx, tx, id)
		if err != nil {
			return err
		}
		return recordEvents(ctx, tx, id, c.UserID, in.Note, termChanges(before, after))
	})
	if err != nil {
		return Agreement{}, err
	}
	s.cache.bump(ctx)
	return s.getAgreement(ctx, s.db, id)
}

// checkCeilingsCommitted refuses a ceiling (the agreement's or a participant's) set below
// what is committed under it. The caller holds the agreement's row exclusively, so no order
// debits meanwhile; releases may only lower the committed value.
func checkCeilingsCommitted(ctx context.Context, tx *sqlx.Tx, before Agreement, in AgreementInput) error {
	if in.CeilingMinor != nil && !sameJSON(before.CeilingMinor, in.CeilingMinor) {
		var committed int64
		if err := tx.GetContext(ctx, &committed, `SELECT COALESCE(sum(committed_minor), 0)::bigint FROM agreement_usage
			WHERE agreement_id = $1`, before.ID); err != nil {
			return fmt.Errorf("committed: %w", err)
		}
		if *in.CeilingMinor < committed {
			return &derr.Error{Kind: derr.Invalid, Code: CodeCeilingBelowCommitted,
				Message: fmt.Sprintf("The ceiling may not be set below what is already committed (%d).", committed),
				Fields:  []derr.FieldError{{Field: "ceiling_minor", Code: "below_committed", Message: fmt.Sprintf("must be at least %d", committed)}}}
		}
	}
	old := map[string]*int64{}
	for _, p := range before.Participants {
		old[p.OrgID] = p.CeilingMinor
	}
	for i, p := range in.Participants {
		if prev, ok := old[p.OrgID]; p.CeilingMinor == nil || (ok && sameJSON(prev, p.CeilingMinor)) {
			continue
		}
		var committed int64
		if err := tx.GetContext(ctx, &committed, `SELECT COALESCE(sum(committed_minor), 0)::bigint FROM participant_usage
			WHERE agreement_id = $1 AND org_id = $2`, before.ID, p.OrgID); err != nil {
			return fmt.Errorf("participant committed: %w", err)
		}
		if *p.CeilingMinor < committed {
			return &derr.Error{Kind: derr.Invalid, Code: CodeParticipantCeilingBelowCommitted,
				Message: fmt.Sprintf("A participant's ceiling may not be set below what it has already committed (%d).", committed),
				Fields:  []derr.FieldError{{Field: fmt.Sprintf("participants[%d].ceiling_minor", i), Code: "below_committed", Message: fmt.Sprintf("must be at least %d", committed)}}}
		}
	}
	return nil
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
