package catalog

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/notify"
)

// Item approval states (Item.Approval).
const (
	ApprovalProposed = "proposed"
	ApprovalAccepted = "accepted"
	ApprovalRejected = "rejected"
)

// Kinds of a catalogue change.
const (
	ChangeNewItem    = "new_item"
	ChangeTerms      = "terms"
	ChangeFirstPrice = "first_price"
	ChangeWithdrawal = "withdrawal"
)

// Statuses of a catalogue submission and of its changes.
const (
	SubmissionPending        = "pending"
	SubmissionAccepted       = "accepted"
	SubmissionRejected       = "rejected"
	SubmissionPartlyAccepted = "partly_accepted"
)

// CatalogueSubmission is one supplier request (a single item, a PATCH, a CSV or PEPPOL price
// list) whose new items and contract-term changes wait for the agreement's managers.
type CatalogueSubmission struct {
	ID                 string            `db:"id" json:"id"`
	AgreementID        string            `db:"agreement_id" json:"agreement_id"`
	AgreementReference string            `db:"agreement_reference" json:"agreement_reference"`
	SupplierID         string            `db:"supplier_id" json:"supplier_id"`
	SupplierName       string            `db:"supplier_name" json:"supplier_name"`
	SubmittedBy        string            `db:"submitted_by" json:"submitted_by"`
	Status             string            `db:"status" json:"status"`
	Changes            int               `db:"changes" json:"change_count"`
	PendingChanges     int               `db:"pending_changes" json:"pending_count"`
	CreatedAt          time.Time         `db:"created_at" json:"created_at"`
	DecidedAt          *time.Time        `db:"decided_at" json:"decided_at"`
	Items              []CatalogueChange `db:"-" json:"changes,omitempty"`
}

// CatalogueChange is one change of a submission: a new item (after: the item as proposed, with
// its first price), or a change of an item's contract terms (before and after: the terms that
// change), with its decision. A rejected change carries the manager's reason in DecisionNote.
type CatalogueChange struct {
	ID           string          `db:"id" json:"id"`
	ItemID       string          `db:"item_id" json:"item_id"`
	SKU          string          `db:"sku" json:"sku"`
	Name         string          `db:"name" json:"name"`
	Kind         string          `db:"kind" json:"kind"`
	Before       json.RawMessage `db:"before" json:"before"`
	After        json.RawMessage `db:"after" json:"after"`
	Status       string          `db:"status" json:"status"`
	DecisionNote string          `db:"decision_note" json:"decision_note"`
	DecidedBy    *string         `db:"decided_by" json:"decided_by"`
	DecidedAt    *time.Time      `db:"decided_at" json:"decided_at"`
}

// SubmissionFilter narrows a list of submissions.
type SubmissionFilter struct {
	AgreementID string
	Status      string
	Page        auth.Page
}

// SubmissionDecision accepts or rejects a submission's pending changes: those named by
// ChangeIDs, or all when it is empty. Reject requires Reason; Note is accept's optional note.
type SubmissionDecision struct {
	Note      string   `json:"note"`
	Reason    string   `json:"reason"`
	ChangeIDs []string `json:"change_ids"`
}

// itemTerms are an item's contract terms: the fields whose change waits for acceptance. A
// subscription's kind, minimum term and notice period (SPEC §7) are contract terms too; a
// change recorded before they were (no kind) leaves them as they are.
type itemTerms struct {
	Unit          string   `json:"unit"`
	PackSize      float64  `json:"pack_size"`
	VATRateBP     int      `json:"vat_rate_bp"`
	EcoLabels     []string `json:"eco_labels"`
	CPVCode       string   `json:"cpv_code"`
	Kind          string   `json:"kind"`
	MinTermMonths int      `json:"min_term_months"`
	NoticeMonths  int      `json:"notice_months"`
}

func termsOf(it itemRow) itemTerms {
	return itemTerms{Unit: it.Unit, PackSize: it.PackSize, VATRateBP: it.VATRateBP, EcoLabels: normaliseLabels(it.EcoLabels), CPVCode: it.CPVCode,
		Kind: cmp.Or(it.Kind, KindGoods), MinTermMonths: it.MinTerm, NoticeMonths: it.Notice}
}

func termsOfInput(in ItemInput) itemTerms {
	return itemTerms{Unit: in.Unit, PackSize: in.PackSize, VATRateBP: *in.VATRateBP, EcoLabels: normaliseLabels(in.EcoLabels), CPVCode: in.CPVCode,
		Kind: cmp.Or(in.Kind, KindGoods), MinTermMonths: in.MinTermMonths, NoticeMonths: in.NoticeMonths}
}

// proposedChange is a change to record in a submission.
type proposedChange struct {
	itemID, kind  string
	before, after any
}

// holdTerms is the catalogue-approval hook of every write of an existing item: when the
// agreement takes approval and the item is accepted, a change of its contract terms is kept
// back (in is reset to the item's current terms, so the write changes only the other fields)
// and returned as a change to submit. Items not yet accepted change directly: they are still
// a proposal nobody can order.
func holdTerms(approval bool, it itemRow, in *ItemInput) (proposedChange, bool) {
	if !approval || it.Approval != ApprovalAccepted {
		return proposedChange{}, false
	}
	before, after := termsOf(it), termsOfInput(*in)
	if sameJSON(before, after) {
		return proposedChange{}, false
	}
	in.Unit, in.PackSize, in.VATRateBP, in.EcoLabels, in.CPVCode = it.Unit, it.PackSize, &it.VATRateBP, normaliseLabels(it.EcoLabels), it.CPVCode
	in.Kind, in.MinTermMonths, in.NoticeMonths = before.Kind, it.MinTerm, it.Notice
	return proposedChange{itemID: it.ID, kind: ChangeTerms, before: before, after: after}, true
}

// newItemChanges are the changes proposing a new item: the item as given (new_item), and its
// first price (first_price), which each take effect when accepted.
func newItemChanges(id string, in ItemInput) []proposedChange {
	after := struct {
		itemTerms
		SKU         string `json:"sku"`
		Name        string `json:"name"`
		Description string `json:"description"`
		GTIN        string `json:"gtin,omitempty"`
	}{termsOfInput(in), in.SKU, in.Name, in.Description, in.GTIN}
	return []proposedChange{{itemID: id, kind: ChangeNewItem, after: after}, firstPriceChange(id, in.PriceMinor, in.EffectiveFrom, in.SetupPriceMinor)}
}

// firstPrice is a first_price change's after: the price (with a subscription's setup price)
// from its date.
type firstPrice struct {
	PriceMinor      int64  `json:"price_minor"`
	EffectiveFrom   string `json:"effective_from"`
	SetupPriceMinor *int64 `json:"setup_price_minor,omitempty"`
}

// firstPriceChange proposes the first price of an item that has none.
func firstPriceChange(id string, price *int64, effectiveFrom string, setup *int64) proposedChange {
	return proposedChange{itemID: id, kind: ChangeFirstPrice, after: firstPrice{PriceMinor: *price, EffectiveFrom: effectiveFrom, SetupPriceMinor: setup}}
}

// submit records changes as one submission of supplier on agreement, inside the writing
// transaction, and marks newly proposed items proposed. It returns "" when there is nothing
// to submit.
func submit(ctx context.Context, tx *sqlx.Tx, agreementID, supplierID, userID string, changes []proposedChange) (string, error) {
	if len(changes) == 0 {
		return "", nil
	}
	var id string
	if err := tx.GetContext(ctx, &id, `INSERT INTO catalogue_submissions (agreement_id, supplier_id, submitted_by)
		VALUES ($1, $2, $3) RETURNING id`, agreementID, supplierID, userID); err != nil {
		return "", fmt.Errorf("submission: %w", err)
	}
	items, kinds, befores, afters := make([]string, len(changes)), make([]string, len(changes)), make([]*string, len(changes)), make([]string, len(changes))
	var proposed []string
	for i, ch := range changes {
		items[i], kinds[i] = ch.itemID, ch.kind
		if ch.before != nil {
			b, _ := json.Marshal(ch.before)
			s := string(b)
			befores[i] = &s
		}
		a, _ := json.Marshal(ch.after)
		afters[i] = string(a)
		if ch.kind == ChangeNewItem {
			proposed = append(proposed, ch.itemID)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO catalogue_changes (submission_id, item_id, kind, before, after)
		SELECT $1, u.item, u.kind, u.before::jsonb, u.after::jsonb
		FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS u(item, kind, before, after, n) ORDER BY u.n`,
		id, pq.Array(items), pq.Array(kinds), pq.Array(befores), pq.Array(afters)); err != nil {
		return "", fmt.Errorf("submission changes: %w", err)
	}
	if len(proposed) > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE items SET approval = 'proposed', updated_at = now() WHERE id = ANY($1::uuid[])`,
			pq.Array(proposed)); err != nil {
			return "", fmt.Errorf("propose items: %w", err)
		}
	}
	if err := tellManagers(ctx, tx, notify.SubmissionAwaiting, agreementID, supplierID, id, ""); err != nil {
		return "", err
	}
	return id, nil
}

const submissionSelect = `SELECT cs.id, cs.agreement_id, a.reference AS agreement_reference, cs.supplier_id,
	o.name AS supplier_name, cs.submitted_by, cs.status, cs.created_at, cs.decided_at,
	(SELECT count(*) FROM catalogue_changes cc WHERE cc.submission_id = cs.id) AS changes,
	(SELECT count(*) FROM catalogue_changes cc WHERE cc.submission_id = cs.id AND cc.status = 'pending') AS pending_changes
	FROM catalogue_submissions cs JOIN agreements a ON a.id = cs.agreement_id JOIN organizations o ON o.id = cs.supplier_id`

// submissionScope is the predicate of the submissions a caller sees ($1: the organisation):
// its own as a supplier, its agreements' as a manager, all as an admin.
func submissionScope(sc scope) (string, bool) {
	switch {
	case sc.all:
		return `($1::uuid IS NULL OR true)`, true
	case sc.manager && sc.supplier:
		return `(a.procurement_body_id = $1 OR cs.supplier_id = $1)`, true
	case sc.manager:
		return `a.procurement_body_id = $1`, true
	case sc.supplier:
		return `cs.supplier_id = $1`, true
	}
	return "", false
}

// ListSubmissions lists the catalogue submissions in the caller's scope, newest first.
// Errors: Forbidden (buyers), Invalid (bad filter).
func (s *Service) ListSubmissions(ctx context.Context, c auth.Caller, f SubmissionFilter) ([]CatalogueSubmission, int, error) {
	sc := scopeOf(c)
	where, ok := submissionScope(sc)
	if !ok {
		return nil, 0, derr.Forbiddenf("Only suppliers and managers have catalogue submissions.")
	}
	f.Page = f.Page.Normalize()
	var v derr.Validator
	v.Check(f.AgreementID == "" || auth.ValidUUID(f.AgreementID), "agreement_id", "invalid_id", "must be a UUID")
	v.Check(f.Status == "" || slices.Contains([]string{SubmissionPending, SubmissionAccepted, SubmissionRejected, SubmissionPartlyAccepted}, f.Status),
		"status", "choice", "must be pending, accepted, rejected or partly_accepted")
	if err := v.Err(); err != nil {
		return nil, 0, err
	}
	where = ` WHERE ` + where + ` AND ($2 = '' OR cs.agreement_id::text = $2) AND ($3 = '' OR cs.status = $3)`
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT count(*) FROM catalogue_submissions cs JOIN agreements a ON a.id = cs.agreement_id`+where,
		sc.orgArg(), f.AgreementID, f.Status); err != nil {
		return nil, 0, fmt.Errorf("count submissions: %w", err)
	}
	list := []CatalogueSubmission{}
	if err := s.db.SelectContext(ctx, &list, submissionSelect+where+` ORDER BY cs.created_at DESC, cs.id LIMIT $4 OFFSET $5`,
		sc.orgArg(), f.AgreementID, f.Status, f.Page.PageSize, f.Page.Offset()); err != nil {
		return nil, 0, fmt.Errorf("list submissions: %w", err)
	}
	return list, total, nil
}

// GetSubmission returns a submission in the caller's scope with its changes.
// Errors: Forbidden (buyers), NotFound.
func (s *Service) GetSubmission(ctx context.Context, c auth.Caller, id string) (CatalogueSubmission, error) {
	sc := scopeOf(c)
	where, ok := submissionScope(sc)
	if !ok {
		return CatalogueSubmission{}, derr.Forbiddenf("Only suppliers and managers have catalogue submissions.")
	}
	if !auth.ValidUUID(id) {
		return CatalogueSubmission{}, derr.NotFoundf("submission not found")
	}
	return s.getSubmission(ctx, s.db, where, sc.orgArg(), id)
}

func (s *Service) getSubmission(ctx context.Context, db sqlx.QueryerContext, where string, org any, id string) (CatalogueSubmission, error) {
	var sub CatalogueSubmission
	if err := sqlx.GetContext(ctx, db, &sub, submissionSelect+` WHERE `+where+` AND cs.id = $2`, org, id); err != nil {
		return sub, postgres.Error(err, "submission")
	}
	sub.Items = []CatalogueChange{}
	if err := sqlx.SelectContext(ctx, db, &sub.Items, `SELECT cc.id, cc.item_id, i.sku, i.name, cc.kind,
		COALESCE(cc.before, 'null'::jsonb) AS before, cc.after, cc.status, cc.decision_note, cc.decided_by, cc.decided_at
		FROM catalogue_changes cc JOIN items i ON i.id = cc.item_id WHERE cc.submission_id = $1
		ORDER BY i.sku, CASE cc.kind WHEN 'new_item' THEN 0 WHEN 'terms' THEN 1 ELSE 2 END, cc.id`, id); err != nil {
		return sub, fmt.Errorf("submission changes: %w", err)
	}
	return sub, nil
}

// DecideSubmission accepts (accept true) or rejects a submission's pending changes, all or
// those named, with a note (a reason, required, when rejecting). Accepting a new item makes
// it visible and orderable; accepting a terms change writes the new terms into the item;
// rejecting leaves the item as it was (a rejected new item stays invisible). Only managers of
// the agreement's body (and admins) decide; a supplier never decides its own submission.
// Errors: Forbidden (not a manager), NotFound (out of scope), Invalid (reason missing, a named
// change not in the submission), Conflict (nothing pending, a named change already decided).
func (s *Service) DecideSubmission(ctx context.Context, c auth.Caller, id string, accept bool, d SubmissionDecision) (CatalogueSubmission, error) {
	if !c.HasAny(auth.RoleManager, auth.RoleAdmin) {
		return CatalogueSubmission{}, derr.Forbiddenf("Only the agreement's managers decide catalogue submissions.")
	}
	note := strings.TrimSpace(d.Note)
	if !accept {
		note = strings.TrimSpace(d.Reason)
	}
	var v derr.Validator
	if !accept {
		v.Check(note != "", "reason", "required", "is required: tell the supplier why")
	}
	v.Check(len(note) <= 2000, "note", "too_long", "is at most 2000 characters")
	v.Check(len(d.ChangeIDs) <= 100000, "change_ids", "range", "too many")
	for i, cid := range d.ChangeIDs {
		v.Check(auth.ValidUUID(cid), fmt.Sprintf("change_ids[%d]", i), "invalid_id", "must be a UUID")
	}
	if err := v.Err(); err != nil {
		return CatalogueSubmission{}, err
	}
	if !auth.ValidUUID(id) {
		return CatalogueSubmission{}, derr.NotFoundf("submission not found")
	}
	// A manager decides as a manager only: the scope of another role (a manager that also
	// supplies) does not reach its own submissions' decisions.
	sc := scopeOf(auth.Caller{UserID: c.UserID, OrgID: c.OrgID, OrgKind: c.OrgKind, Roles: []auth.Role{auth.RoleManager}})
	if c.Has(auth.RoleAdmin) {
		sc = scope{all: true}
	}
	where, _ := submissionScope(sc)
	var out CatalogueSubmission
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var locked string
		if err := tx.GetContext(ctx, &locked, `SELECT cs.id FROM catalogue_submissions cs JOIN agreements a ON a.id = cs.agreement_id
			WHERE `+where+` AND cs.id = $2 FOR UPDATE OF cs`, sc.orgArg(), id); err != nil {
			return postgres.Error(err, "submission")
		}
		sub, err := s.getSubmission(ctx, tx, where, sc.orgArg(), id)
		if err != nil {
			return err
		}
		var chosen []CatalogueChange
		if len(d.ChangeIDs) == 0 {
			for _, ch := range sub.Items {
				if ch.Status == SubmissionPending {
					chosen = append(chosen, ch)
				}
			}
			if len(chosen) == 0 {
				return derr.Conflictf("submission_decided", "Every change of this submission is already decided.")
			}
		} else {
			for i, cid := range d.ChangeIDs {
				j := slices.IndexFunc(sub.Items, func(ch CatalogueChange) bool { return ch.ID == strings.ToLower(cid) })
				if j < 0 {
					return derr.Fields([]derr.FieldError{{Field: fmt.Sprintf("change_ids[%d]", i), Code: "invalid_id", Message: "is not a change of this submission"}})
				}
				if sub.Items[j].Status != SubmissionPending {
					return derr.Conflictf("change_decided", "A named change is already %s.", sub.Items[j].Status)
				}
				chosen = append(chosen, sub.Items[j])
			}
		}
		status := SubmissionRejected
		if accept {
			status = SubmissionAccepted
		}
		// A rejected new item takes its pending first price with it: no price without its item.
		if !accept {
			for _, ch := range chosen {
				if ch.Kind != ChangeNewItem {
					continue
				}
				for _, other := range sub.Items {
					if other.Kind == ChangeFirstPrice && other.ItemID == ch.ItemID && other.Status == SubmissionPending &&
						!slices.ContainsFunc(chosen, func(c CatalogueChange) bool { return c.ID == other.ID }) {
						chosen = append(chosen, other)
					}
				}
			}
		}
		for _, ch := range chosen {
			if err := applyDecision(ctx, tx, ch, accept, sub.SubmittedBy); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE catalogue_changes SET status = $2, decision_note = $3, decided_by = $4,
				decided_at = now() WHERE id = $1`, ch.ID, status, note, c.UserID); err != nil {
				return fmt.Errorf("decide change: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE catalogue_submissions cs SET
			status = CASE
				WHEN EXISTS (SELECT 1 FROM catalogue_changes c WHERE c.submission_id = cs.id AND c.status = 'pending') THEN 'pending'
				WHEN NOT EXISTS (SELECT 1 FROM catalogue_changes c WHERE c.submission_id = cs.id AND c.status <> 'accepted') THEN 'accepted'
				WHEN NOT EXISTS (SELECT 1 FROM catalogue_changes c WHERE c.submission_id = cs.id AND c.status <> 'rejected') THEN 'rejected'
				ELSE 'partly_accepted' END,
			decided_at = now() WHERE cs.id = $1`, id); err != nil {
			return fmt.Errorf("decide submission: %w", err)
		}
		out, err = s.getSubmission(ctx, tx, where, sc.orgArg(), id)
		return err
	})
	if err != nil {
		return CatalogueSubmission{}, err
	}
	s.cache.bump(ctx)
	return out, nil
}

// applyDecision makes one change's decision take effect on its item; an accepted first price
// is recorded as an applied price change of the supplier's user who submitted it.
func applyDecision(ctx context.Context, tx *sqlx.Tx, ch CatalogueChange, accept bool, submittedBy string) error {
	switch {
	case ch.Kind == ChangeNewItem:
		approval := ApprovalRejected
		if accept {
			approval = ApprovalAccepted
		}
		_, err := tx.ExecContext(ctx, `UPDATE items SET approval = $2, updated_at = now() WHERE id = $1 AND approval = 'proposed'`, ch.ItemID, approval)
		return postgres.Error(err, "item")
	case ch.Kind == ChangeTerms && accept:
		var t itemTerms
		if err := json.Unmarshal(ch.After, &t); err != nil {
			return fmt.Errorf("terms change: %w", err)
		}
		_, err := tx.ExecContext(ctx, `UPDATE items SET unit = $2, pack_size = $3, vat_rate_bp = $4, eco_labels = $5, cpv_code = $6,
			kind = COALESCE(NULLIF($7, ''), kind),
			min_term_months = CASE WHEN $7 = '' THEN min_term_months ELSE $8 END,
			notice_months = CASE WHEN $7 = '' THEN notice_months ELSE $9 END,
			updated_at = now() WHERE id = $1`, ch.ItemID, t.Unit, t.PackSize, t.VATRateBP, pq.Array(t.EcoLabels), t.CPVCode,
			t.Kind, t.MinTermMonths, t.NoticeMonths)
		return postgres.Error(err, "item")
	case ch.Kind == ChangeWithdrawal && accept:
		_, err := tx.ExecContext(ctx, `UPDATE items SET active = false, updated_at = now() WHERE id = $1`, ch.ItemID)
		return postgres.Error(err, "item")
	case ch.Kind == ChangeFirstPrice && accept:
		var p firstPrice
		if err := json.Unmarshal(ch.After, &p); err != nil {
			return fmt.Errorf("first price change: %w", err)
		}
		pcID, err := insertPriceChange(ctx, tx, priceChangeRow{ItemID: ch.ItemID, RequestedBy: submittedBy, New: p.PriceMinor,
			EffectiveFrom: p.EffectiveFrom, Reason: "first price", Status: PriceApplied})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO item_prices (item_id, price_minor, effective_from, price_change_id, setup_price_minor)
			VALUES ($1, $2, $3, $4, $5)`, ch.ItemID, p.PriceMinor, p.EffectiveFrom, pcID, cmp.Or(p.SetupPriceMinor, new(int64)))
		return postgres.Error(err, "price")
	}
	return nil
}
