package orders

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/text"
	"github.com/avrop/avrop/placements"
)

// Limits of an order's input.
const (
	MaxLines           = 200
	MaxQuantity        = 1_000_000
	MaxOrderTotalMinor = 100_000_000_000_000 // 10^14 minor units: no int64 overflow in VAT arithmetic
	maxTextLen         = 2000
	maxKeyLen          = 255
)

// Rule codes of order creation (SPEC §4), beside validation_failed for malformed fields.
const (
	CodeAgreementNotActive     = "agreement_not_active"
	CodeNotParticipant         = "not_participant"
	CodeSupplierNotInAgreement = "supplier_not_in_agreement"
	CodeItemNotInAgreement     = "item_not_in_agreement"
	CodeItemInactive           = "item_inactive"
	CodeNoCurrentPrice         = "no_current_price"
	CodeBelowMinOrder          = "below_min_order"
	CodeCeilingExceeded        = "ceiling_exceeded"
	CodeParticipantCeiling     = "participant_ceiling_exceeded"
	CodeCascadeReasonRequired  = "cascade_reason_required"
	CodeCascadeOrderInvalid    = "cascade_declined_order_invalid"
	CodeTotalTooLarge          = "total_too_large"
	CodeInvalidTransition      = "invalid_transition"
	CodeOwnOrder               = "own_order"
	CodeIdempotencyKeyReused   = "idempotency_key_reused"
	CodeIdempotencyKeyInFlight = "idempotency_key_in_flight"
	CodeInvalidIdempotencyKey  = "invalid_idempotency_key"
	CodeDeviationNotAllowed    = "deviation_not_allowed"
	CodeDeviationClosed        = "deviation_closed"
)

// NoteAutoApproved is the note of the event of an order approved on placement, below its
// organisation's approval threshold; a UI shows it as a system text in the reader's language.
const NoteAutoApproved = "approved automatically: below the organisation's approval threshold"

func (s *Service) today() time.Time {
	y, m, d := s.now().UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// checkText applies the one text rule (internal/text) with a length limit: a one-line text
// (a cost centre) refuses line breaks and tabs, a text of several lines (an address, a note)
// allows them; neither may hold NUL or another control character.
func checkText(v *derr.Validator, s, field string, max int, required, multiline bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Check(false, field, "required", "is required")
	case len(s) > max:
		v.Check(false, field, "too_long", fmt.Sprintf("must be at most %d bytes", max))
	case multiline:
		text.CheckLines(v, field, s)
	default:
		text.CheckLine(v, field, s)
	}
}

// validate checks the shape of the input (no database needed) and trims its text.
func (in *OrderInput) validate(today time.Time) error {
	in.DeliveryAddress = strings.TrimSpace(in.DeliveryAddress)
	in.CostCenter = strings.TrimSpace(in.CostCenter)
	in.Note = strings.TrimSpace(in.Note)
	in.CascadeNote = strings.TrimSpace(in.CascadeNote)
	in.RequestedDeliveryDate = strings.TrimSpace(in.RequestedDeliveryDate)
	var v derr.Validator
	v.Check(auth.ValidUUID(in.AgreementID), "agreement_id", "invalid_id", "must be the id of an agreement")
	v.Check(auth.ValidUUID(in.SupplierID), "supplier_id", "invalid_id", "must be the id of an awarded supplier")
	v.Check(len(in.Lines) >= 1 && len(in.Lines) <= MaxLines, "lines", "range", fmt.Sprintf("must hold 1 to %d lines", MaxLines))
	seen := map[string]bool{}
	for i, l := range in.Lines {
		if i >= MaxLines {
			break
		}
		f := fmt.Sprintf("lines[%d]", i)
		okID := auth.ValidUUID(l.ItemID)
		v.Check(okID, f+".item_id", "invalid_id", "must be the id of a catalogue item")
		v.Check(ValidQuantity(l.Quantity), f+".quantity", "range", fmt.Sprintf("must be a whole number from 1 to %d", MaxQuantity))
		if okID && !l.hasSubscriptionFields() { // a subscription item has a line per device
			id := strings.ToLower(l.ItemID)
			v.Check(!seen[id], f+".item_id", "line_duplicate", "is already on another line; raise that line's quantity instead")
			seen[id] = true
		}
	}
	checkText(&v, in.DeliveryAddress, "delivery_address", MaxDeliveryAddressLen, true, true)
	checkText(&v, in.CostCenter, "cost_center", MaxCostCenterLen, false, false)
	checkText(&v, in.Note, "note", maxTextLen, false, true)
	checkText(&v, in.CascadeNote, "cascade_note", maxTextLen, false, true)
	if in.RequestedDeliveryDate != "" {
		d, err := time.Parse(time.DateOnly, in.RequestedDeliveryDate)
		v.Check(err == nil, "requested_delivery_date", "date", "must be a date (YYYY-MM-DD)")
		if err == nil {
			v.Check(!d.Before(today), "requested_delivery_date", "past_date", "must not be in the past")
		}
	}
	switch in.CascadeReason {
	case "", CascadeHigherRankDeclined, CascadeHigherRankNoReply, CascadeHigherRankCannotDeliver:
	default:
		v.Check(false, "cascade_reason", "choice", "must be higher_rank_declined, higher_rank_no_reply or higher_rank_cannot_deliver")
	}
	v.Check(in.DeclinedOrderID == "" || auth.ValidUUID(in.DeclinedOrderID), "declined_order_id", "invalid_id", "must be the id of an order")
	v.Check(in.DeclinedOrderID == "" || in.CascadeReason == CascadeHigherRankDeclined || in.CascadeReason == CascadeHigherRankNoReply,
		"declined_order_id", "cascade_not_allowed", "is only given with cascade_reason higher_rank_declined or higher_rank_no_reply")
	return v.Err()
}

// fingerprint identifies a request body for its idempotency key: the decoded input
// re-encoded, so that formatting and key order do not matter.
func fingerprint(in OrderInput) []byte {
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	return sum[:]
}

// ValidIdempotencyKey reports whether key is acceptable: 1 to 255 printable ASCII characters.
func ValidIdempotencyKey(key string) bool {
	if key == "" || len(key) > maxKeyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

// CreateOrder places a call-off order for the caller's organisation under every rule of SPEC
// §2, debiting the agreement's and the participant's ceilings in the same transaction. With a
// non-empty idempotencyKey (scoped to the caller, kept 24 hours) a repeat of an earlier
// successful request returns that request's order again with replayed = true and creates
// nothing; a refused request stores nothing, so its retry is judged afresh.
//
// Errors: Forbidden (not an orderer or approver), BadRequest (invalid_idempotency_key),
// Invalid (validation_failed and the rule codes above; idempotency_key_reused for the same key
// with another body), Conflict (idempotency_key_in_flight while the first request runs).
func (s *Service) CreateOrder(ctx context.Context, c auth.Caller, in OrderInput, idempotencyKey string) (o Order, replayed bool, err error) {
	if !c.HasAny(auth.RoleOrderer, auth.RoleApprover) || (c.OrgKind != auth.KindBuyer && c.OrgKind != auth.KindProcurementBody) {
		return Order{}, false, derr.Forbiddenf("Only orderers and approvers of a buyer organisation place orders.")
	}
	if idempotencyKey != "" && !ValidIdempotencyKey(idempotencyKey) {
		return Order{}, false, &derr.Error{Kind: derr.BadRequest, Code: CodeInvalidIdempotencyKey,
			Message: "The Idempotency-Key must be 1 to 255 printable ASCII characters."}
	}
	fp := fingerprint(in)
	today := s.today()
	if err := in.validate(today); err != nil {
		return Order{}, false, err
	}
	if err := s.stmts.prepare(ctx); err != nil {
		return Order{}, false, err
	}
	// The first attempt debits one agreement slot. When that slot has no room it retries once
	// on the exact path (all slots locked in order); it cannot stay in the same transaction,
	// because the failed attempt may still hold the slot's row lock (PostgreSQL keeps the lock
	// an UPDATE took while re-checking a row that changed under it), and holding one slot while
	// locking all of them in order would deadlock with another order doing the same.
	for exact := false; ; exact = true {
		err = s.createOnce(ctx, c, in, idempotencyKey, fp, today, exact, &o, &replayed)
		if !errors.Is(err, errSlotFull) || exact {
			break
		}
	}
	if err != nil {
		return Order{}, false, err
	}
	return o, replayed, nil
}

// errSlotFull sends an order from the fast path to the exact one.
var errSlotFull = errors.New("usage slot full")

func (s *Service) createOnce(ctx context.Context, c auth.Caller, in OrderInput, idempotencyKey string, fp []byte, today time.Time,
	exact bool, out *Order, replayed *bool) error {
	return postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		// Placement's prepared statements look up rows by key, so one generic plan serves every
		// order; left to choose, PostgreSQL keeps re-planning them per execution (custom plans),
		// which cost a quarter of placement's throughput in bench/orders (0.34 → 0.43 of pgbench's
		// rate, with a key per order). The order's context statement sets it for the statements
		// after it, and claims the key (orderContextSQL).
		o, oc, err := s.place(ctx, tx, c, in, today, idempotencyKey, fp)
		var kc *keyClaim
		if errors.As(err, &kc) {
			switch kc.res {
			case claimInFlight:
				return derr.Conflictf(CodeIdempotencyKeyInFlight, "A request with this Idempotency-Key is still in progress.")
			case claimExisting:
				if string(kc.row.Fingerprint) != string(fp) {
					return derr.Invalidf(CodeIdempotencyKeyReused, "This Idempotency-Key was used with another request body.")
				}
				if err := json.Unmarshal(kc.row.Response, out); err != nil {
					return fmt.Errorf("idempotency replay: %w", err)
				}
				*replayed = true
				return nil
			}
		}
		if err != nil {
			return err
		}
		k := keyResponse{UserID: c.UserID, Key: idempotencyKey}
		if idempotencyKey != "" {
			if k.Response, err = json.Marshal(o); err != nil {
				return err
			}
		}
		if err := s.debitCeilings(ctx, tx, oc, &o, k, exact); err != nil {
			return err
		}
		if err := s.writePlacements(ctx, tx, &o); err != nil {
			return err
		}
		*out = o // its mail was queued with it (debitSQL)
		return nil
	})
}

// lineError is a rule broken by one line: the problem's code, the field, the message and,
// when the field's rule has a code of its own (a subscription line's "required"), that code.
type lineError struct {
	code, field, msg, fieldCode string
}

// keyClaim is place's answer when the order's idempotency key was not this request's to
// claim: another request holds it (claimInFlight) or committed it (claimExisting, its row).
type keyClaim struct {
	res claimResult
	row idempotencyRow
}

func (k *keyClaim) Error() string { return "idempotency key not claimed" }

// place claims the order's key (none when key is empty), checks the rules against the
// database and prepares the order, inside tx. A key it could not claim is a *keyClaim.
func (s *Service) place(ctx context.Context, tx *sqlx.Tx, c auth.Caller, in OrderInput, today time.Time, key string, fp []byte) (Order, orderContext, error) {
	ids := make([]string, len(in.Lines))
	for i, l := range in.Lines {
		ids[i] = strings.ToLower(l.ItemID)
	}
	oc, items, ok, err := s.loadOrderContext(ctx, tx, in.AgreementID, c.OrgID, in.SupplierID, today, c.UserID, ids, key, fp)
	if err != nil {
		return Order{}, oc, err
	}
	if !ok && key != "" {
		res, row, err := keyState(ctx, tx, c.UserID, key)
		if err != nil {
			return Order{}, oc, err
		}
		if res != claimed {
			return Order{}, oc, &keyClaim{res: res, row: row}
		}
	}
	if !ok {
		// An agreement that does not exist and one the organisation is not part of answer
		// alike, so the answer reveals nothing outside the caller's scope.
		return Order{}, oc, fieldRule(CodeNotParticipant, "agreement_id", "Your organisation does not take part in this agreement.")
	}
	if oc.Status != "active" || !oc.InValidity {
		return Order{}, oc, fieldRule(CodeAgreementNotActive, "agreement_id", "The agreement is not active today: it is terminated or outside its validity.")
	}
	if !oc.SupplierRank.Valid {
		return Order{}, oc, fieldRule(CodeSupplierNotInAgreement, "supplier_id", "The supplier is not awarded on this agreement.")
	}
	rank := int(oc.SupplierRank.Int64)
	o := Order{
		BuyerOrgID: c.OrgID, BuyerOrgName: oc.OrgName, OrderedBy: c.UserID, OrderedByName: oc.UserName,
		AgreementID: oc.AgreementID, AgreementReference: oc.Reference, SupplierID: strings.ToLower(in.SupplierID),
		SupplierName: oc.SupplierName.String, SupplierRank: rank, Currency: strings.TrimSpace(oc.Currency),
		DeliveryAddress: in.DeliveryAddress, CostCenter: in.CostCenter, Note: in.Note,
	}
	var lineErrs []lineError
	for i, l := range in.Lines {
		f := fmt.Sprintf("lines[%d].item_id", i)
		it, found := items[ids[i]]
		switch {
		case !found || it.AgreementID != oc.AgreementID || it.SupplierID != o.SupplierID:
			lineErrs = append(lineErrs, lineError{CodeItemNotInAgreement, f, "is not an item of this agreement and supplier", ""})
			continue
		case !it.Active:
			lineErrs = append(lineErrs, lineError{CodeItemInactive, f, "is no longer active", ""})
			continue
		case !it.PriceMinor.Valid:
			lineErrs = append(lineErrs, lineError{CodeNoCurrentPrice, f, "has no price in effect today", ""})
			continue
		}
		price := it.PriceMinor.Int64
		switch {
		case it.Kind == placements.KindSubscription:
			d, errs := subscriptionLine(i, l, it, oc, in.DeliveryAddress, today)
			if len(errs) > 0 {
				lineErrs = append(lineErrs, errs...)
				continue
			}
			o.drafts = append(o.drafts, d)
			price = d.Committed // the line commits the placement's value (subscriptions.go)
		case l.hasSubscriptionFields():
			lineErrs = append(lineErrs, lineError{"validation_failed", fmt.Sprintf("lines[%d].recipient_ref", i),
				"recipient_ref, start_date, end_date and address are given only for subscription items", "subscription_only"})
			continue
		}
		if price > 0 && l.Quantity > MaxOrderTotalMinor/price {
			return Order{}, oc, fieldRule(CodeTotalTooLarge, fmt.Sprintf("lines[%d].quantity", i), "The order's total is too large.")
		}
		total := price * l.Quantity
		vat := LineVAT(total, it.VATRateBP) // the line's own VAT, for information; the order's is per rate (SPEC §8)
		o.Lines = append(o.Lines, Line{LineNo: i + 1, ItemID: it.ID, SKU: it.SKU, Name: it.Name, Unit: it.Unit,
			Quantity: int(l.Quantity), UnitPriceMinor: price, VATRateBP: it.VATRateBP, LineTotalMinor: total, LineVATMinor: vat,
			EcoLabels: it.EcoLabels, PackSize: it.PackSize}) // the database snapshots the same values (order_line_snapshot)
		if n := len(o.drafts); n > 0 && o.drafts[n-1].LineNo == i+1 {
			o.Lines[len(o.Lines)-1].describePlacement(o.drafts[n-1])
		}
		o.TotalMinor += total
		if o.TotalMinor > MaxOrderTotalMinor {
			return Order{}, oc, fieldRule(CodeTotalTooLarge, "lines", "The order's total is too large.")
		}
	}
	if len(lineErrs) > 0 {
		e := &derr.Error{Kind: derr.Invalid, Code: lineErrs[0].code, Message: "A line breaks the agreement's rules."}
		for _, le := range lineErrs {
			e.Fields = append(e.Fields, derr.FieldError{Field: le.field, Code: cmp.Or(le.fieldCode, le.code), Message: le.msg})
		}
		switch e.Code {
		case CodeItemNotInAgreement:
			e.Message = "An item does not belong to this agreement and supplier."
		case CodeItemInactive:
			e.Message = "An item is no longer active."
		case CodeNoCurrentPrice:
			e.Message = "An item has no price in effect today."
		}
		return Order{}, oc, e
	}
	o.VATByRate = VATByRate(o.Lines)
	o.VATMinor = OrderVAT(o.Lines)
	o.finish()
	if ShortOfMinimum(o.TotalMinor, oc.MinOrderMinor) > 0 {
		return Order{}, oc, derr.Invalidf(CodeBelowMinOrder, "The order's total excluding VAT (%d) is below the agreement's minimum order value (%d %s minor units).",
			o.TotalMinor, oc.MinOrderMinor, o.Currency)
	}
	if err := s.checkCascade(ctx, tx, c, in, oc, &o); err != nil {
		return Order{}, oc, err
	}

	o.Status = StatusPendingApproval
	note, code := "", ""
	// Every order of an organisation with a threshold took the split window's lock with its
	// context (orderContextSQL), the large ones too: a small order racing a large one must
	// still count it.
	if !NeedsApproval(o.TotalMinor, oc.ApprovalThreshold) {
		split, err := s.splitSuspected(ctx, tx, c.OrgID, oc, &o)
		if err != nil {
			return Order{}, oc, err
		}
		if split {
			code = CodeSplitSuspected
			note = NoteSplitSuspected
		} else {
			o.Status = StatusApproved
			note = NoteAutoApproved
		}
	}
	if in.RequestedDeliveryDate != "" {
		o.RequestedDeliveryDate = &in.RequestedDeliveryDate
	}
	o.UsageSlot = rand.IntN(UsageSlots)
	// The order is written by the transaction's last statement (debitSQL); its id and times
	// are made here so that the idempotency key's response can be built before.
	now := s.now().UTC().Truncate(time.Microsecond)
	o.ID, o.CreatedAt, o.UpdatedAt = newID(), now, now
	if o.Status == StatusApproved {
		o.ApprovedAt = &now
	}
	o.Events = []Event{{ActorID: o.OrderedBy, ActorName: o.OrderedByName, To: o.Status, Note: note, Code: code, CreatedAt: now}}
	return o, oc, nil
}

// debitCeilings debits the order's value from the agreement's and the participant's ceilings,
// gives the order its number and stores the idempotency key's response.
// It is the transaction's last statement before COMMIT: the agreement's counter row is every
// order's hot spot, and its lock is held from here until the commit, so the less comes after
// it, the more orders per second the agreement takes.
func (s *Service) debitCeilings(ctx context.Context, tx *sqlx.Tx, oc orderContext, o *Order, k keyResponse, exact bool) error {
	agreementOK, participantOK, err := s.debit(ctx, tx, o, oc.CeilingMinor, oc.ParticipantCeiling, numberPrefix(oc.OrgName), s.today().Year(), k, exact)
	if err != nil {
		return err
	}
	if !agreementOK {
		return derr.Invalidf(CodeCeilingExceeded, "The order does not fit under the agreement's ceiling.")
	}
	if !participantOK {
		return derr.Invalidf(CodeParticipantCeiling, "The order does not fit under your organisation's ceiling on this agreement.")
	}
	return nil
}

func fieldRule(code, field, msg string) error {
	return &derr.Error{Kind: derr.Invalid, Code: code, Message: msg, Fields: []derr.FieldError{{Field: field, Code: code, Message: msg}}}
}

// checkCascade enforces the ranking: an order from a supplier below rank 1 on a ranking
// agreement carries a reason and a note, and higher_rank_declined names a declined order of
// the same buyer and agreement from a higher-ranked supplier. On direct agreements and for rank
// 1 no reason is taken.
func (s *Service) checkCascade(ctx context.Context, tx *sqlx.Tx, c auth.Caller, in OrderInput, oc orderContext, o *Order) error {
	skipping := NeedsCascadeReason(oc.CallOffMethod, o.SupplierRank)
	if !skipping {
		if in.CascadeReason != "" || in.CascadeNote != "" {
			return derr.Fields([]derr.FieldError{{Field: "cascade_reason", Code: "cascade_not_allowed", Message: "is only given when ordering from a supplier below rank 1 on a ranking agreement"}})
		}
		return nil
	}
	var fields []derr.FieldError
	if in.CascadeReason == "" {
		fields = append(fields, derr.FieldError{Field: "cascade_reason", Code: "required_below_rank_1", Message: "is required when the supplier is not rank 1"})
	}
	if in.CascadeNote == "" {
		fields = append(fields, derr.FieldError{Field: "cascade_note", Code: "required_below_rank_1", Message: "is required when the supplier is not rank 1"})
	}
	if in.CascadeReason == CascadeHigherRankDeclined && in.DeclinedOrderID == "" {
		fields = append(fields, derr.FieldError{Field: "declined_order_id", Code: "declined_order_required", Message: "must name the order the higher-ranked supplier declined"})
	}
	if in.CascadeReason == CascadeHigherRankNoReply && in.DeclinedOrderID == "" {
		fields = append(fields, derr.FieldError{Field: "declined_order_id", Code: "declined_order_required", Message: "must name the order the higher-ranked supplier did not answer"})
	}
	if len(fields) > 0 {
		return &derr.Error{Kind: derr.Invalid, Code: CodeCascadeReasonRequired,
			Message: fmt.Sprintf("This agreement uses ranking and the supplier is rank %d: say why a higher-ranked supplier is skipped.", o.SupplierRank),
			Fields:  fields}
	}
	if in.DeclinedOrderID != "" {
		if err := s.checkEarlierOrder(ctx, tx, c, in, oc, o); err != nil {
			return err
		}
		id := strings.ToLower(in.DeclinedOrderID)
		o.DeclinedOrderID = &id
	}
	reason := in.CascadeReason
	o.CascadeReason = &reason
	o.CascadeNote = in.CascadeNote
	return nil
}

// numberFold folds the Nordic letters of a buyer's name to ASCII, built once (building it
// took 1 % of the server's CPU in bench/orders when each order built its own).
var numberFold = strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "ø", "o", "æ", "ae", "Å", "A", "Ä", "A", "Ö", "O", "Ø", "O", "Æ", "AE", "é", "e", "ü", "u")

// numberPrefix makes an order number's prefix from the buyer's name: its first three letters
// in upper case, Nordic letters folded to ASCII ("Årjängs kommun" → "ARJ").
func numberPrefix(name string) string {
	var b strings.Builder
	for _, r := range numberFold.Replace(name) {
		if r < 128 && unicode.IsLetter(r) {
			b.WriteRune(unicode.ToUpper(r))
			if b.Len() == 3 {
				break
			}
		}
	}
	if b.Len() < 3 {
		return "ORD"
	}
	return b.String()
}

// GetOrder returns an order in the caller's scope with its lines and events. Errors: NotFound
// (absent or out of scope).
func (s *Service) GetOrder(ctx context.Context, c auth.Caller, id string) (Order, error) {
	if !hasOrders(c) {
		return Order{}, derr.Forbiddenf("Your role has no orders.")
	}
	if !auth.ValidUUID(id) {
		return Order{}, derr.NotFoundf("order not found")
	}
	o, err := orderInScope(ctx, s.db, c, id, false)
	if err != nil {
		return Order{}, err
	}
	if err := withDetails(ctx, s.db, &o); err != nil {
		return Order{}, err
	}
	return o, nil
}

// ListOrders lists the orders in the caller's scope, newest first: a buyer's (orderer,
// approver) organisation's orders, a supplier's inbox (orders addressed to it from approval
// on), a manager's orders on their procurement body's agreements. Lines and events are left
// out. Errors: Forbidden (a role without orders, such as admin), Invalid (bad filter).
func (s *Service) ListOrders(ctx context.Context, c auth.Caller, f OrderFilter) ([]Order, int, error) {
	if !hasOrders(c) {
		return nil, 0, derr.Forbiddenf("Your role has no orders.")
	}
	var v derr.Validator
	for _, st := range f.Status {
		v.Check(ValidStatus(st), "status", "choice", "must be one of pending_approval, approved, rejected, accepted, declined, shipped, delivered, cancelled")
	}
	v.Check(f.AgreementID == "" || auth.ValidUUID(f.AgreementID), "agreement_id", "invalid_id", "must be a UUID")
	v.Check(f.SupplierID == "" || auth.ValidUUID(f.SupplierID), "supplier_id", "invalid_id", "must be a UUID")
	v.Check(f.BuyerOrgID == "" || auth.ValidUUID(f.BuyerOrgID), "buyer_org_id", "invalid_id", "must be a UUID")
	if err := v.Err(); err != nil {
		return nil, 0, err
	}
	return listOrders(ctx, s.db, c, f, "")
}

// ApprovalQueue lists the orders of the approver's organisation that await approval and that
// the approver may decide: everyone's but their own. Errors: Forbidden (not an approver).
func (s *Service) ApprovalQueue(ctx context.Context, c auth.Caller, p auth.Page) ([]Order, int, error) {
	if !c.Has(auth.RoleApprover) {
		return nil, 0, derr.Forbiddenf("Only approvers have an approval queue.")
	}
	buyer := auth.Caller{UserID: c.UserID, OrgID: c.OrgID, OrgKind: c.OrgKind, Roles: []auth.Role{auth.RoleApprover}}
	f := OrderFilter{Status: []Status{StatusPendingApproval}, BuyerOrgID: c.OrgID, Page: p}
	return listOrders(ctx, s.db, buyer, f, fmt.Sprintf("o.ordered_by <> '%s'", mustUUID(c.UserID)))
}
