package orders

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/peppol"
)

// The supplier's decisions on an order (SPEC §8 "Order response").
const (
	DecisionAccepted = "accepted"
	DecisionDeclined = "declined"
	DecisionChanged  = "changed"
)

// NoteNothingDeliverable is the reason of a change that keeps no line: it is a decline.
const NoteNothingDeliverable = "no line can be delivered"

// ResponseInput is the supplier's answer: a decision, a reason (required to decline), a
// promised delivery date, and with "changed" the lines it changes — a lower quantity, or 0 for
// a line it cannot deliver; lines not named are confirmed as ordered.
type ResponseInput struct {
	Decision             string              `json:"decision"`
	Reason               string              `json:"reason"`
	PromisedDeliveryDate string              `json:"promised_delivery_date"`
	Lines                []ResponseLineInput `json:"lines"`
}

// ResponseLineInput confirms a quantity of one order line.
type ResponseLineInput struct {
	LineNo   int   `json:"line_no"`
	Quantity int64 `json:"quantity"`
}

func (in *ResponseInput) validate(today time.Time) error {
	in.Reason = strings.TrimSpace(in.Reason)
	in.PromisedDeliveryDate = strings.TrimSpace(in.PromisedDeliveryDate)
	var v derr.Validator
	switch in.Decision {
	case DecisionAccepted, DecisionDeclined:
		v.Check(len(in.Lines) == 0, "lines", "lines_not_allowed", "are given only with decision changed")
	case DecisionChanged:
		v.Check(len(in.Lines) >= 1 && len(in.Lines) <= MaxLines, "lines", "required", fmt.Sprintf("must name 1 to %d changed lines", MaxLines))
	default:
		v.Check(false, "decision", "choice", "must be accepted, declined or changed")
	}
	checkText(&v, in.Reason, "reason", maxTextLen, in.Decision == DecisionDeclined, true)
	if in.PromisedDeliveryDate != "" {
		d, err := time.Parse(time.DateOnly, in.PromisedDeliveryDate)
		v.Check(err == nil, "promised_delivery_date", "date", "must be a date (YYYY-MM-DD)")
		if err == nil {
			v.Check(!d.Before(today), "promised_delivery_date", "past", "must not be in the past")
		}
		v.Check(in.Decision != DecisionDeclined, "promised_delivery_date", "not_allowed", "is not given when declining")
	}
	seen := map[int]bool{}
	for i, l := range in.Lines {
		if i >= MaxLines {
			break
		}
		f := fmt.Sprintf("lines[%d]", i)
		v.Check(l.LineNo >= 1 && !seen[l.LineNo], f+".line_no", "line_no", "must be a line number of the order, each at most once")
		v.Check(l.Quantity >= 0 && l.Quantity <= MaxQuantity, f+".quantity", "range", "must be a whole number from 0 (cannot deliver) to the ordered quantity")
		seen[l.LineNo] = true
	}
	return v.Err()
}

// Respond records the supplier's answer to an approved order in one transaction: accepted
// confirms every line as ordered; declined gives the order's value back to the ceilings;
// changed confirms the named lines' lower quantities (0: not delivered), recomputes the
// lines, the total and the VAT per rate, and gives the reduced value back to the ceilings in
// the same transaction. The order's row is locked, so of two answers at once one wins and the
// other finds the order answered (Conflict). A change that keeps nothing is a decline.
//
// Errors: Forbidden (not a supplier), NotFound (absent or not the caller's order), Invalid
// (validation; quantity above the ordered one; unknown line), Conflict (invalid_transition:
// the order is not approved, or was answered meanwhile).
func (s *Service) Respond(ctx context.Context, c auth.Caller, id string, in ResponseInput) (Order, error) {
	if !c.Has(auth.RoleSupplier) {
		return Order{}, derr.Forbiddenf("Only the order's supplier answers it.")
	}
	if err := in.validate(s.today()); err != nil {
		return Order{}, err
	}
	if !auth.ValidUUID(id) {
		return Order{}, derr.NotFoundf("order not found")
	}
	side := auth.Caller{UserID: c.UserID, OrgID: c.OrgID, OrgKind: c.OrgKind, Roles: []auth.Role{auth.RoleSupplier}}
	var out Order
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		o, err := orderInScope(ctx, tx, side, id, true)
		if err != nil {
			return err
		}
		if o.Status != StatusApproved {
			return derr.Conflictf(CodeInvalidTransition, "An order that is %s cannot be answered: only approved orders await the supplier.", o.Status)
		}
		if o.Lines, err = orderLines(ctx, tx, o.ID); err != nil {
			return fmt.Errorf("respond: lines: %w", err)
		}
		if err := s.applyResponse(ctx, tx, c, o, in); err != nil {
			return err
		}
		if out, err = orderInScope(ctx, tx, side, id, false); err != nil {
			return err
		}
		return withDetails(ctx, tx, &out)
	})
	if err != nil {
		return Order{}, err
	}
	return out, nil
}

// applyResponse writes the answer to order o, locked in tx.
func (s *Service) applyResponse(ctx context.Context, tx *sqlx.Tx, c auth.Caller, o Order, in ResponseInput) error {
	confirmed := make([]int, len(o.Lines))
	for i, l := range o.Lines {
		confirmed[i] = l.Quantity
	}
	if in.Decision == DecisionChanged {
		byNo := map[int]int{}
		for i, l := range o.Lines {
			byNo[l.LineNo] = i
		}
		var fields []derr.FieldError
		for i, l := range in.Lines {
			j, ok := byNo[l.LineNo]
			switch {
			case !ok:
				fields = append(fields, derr.FieldError{Field: fmt.Sprintf("lines[%d].line_no", i), Code: "line_no", Message: "is not a line of this order"})
			case l.Quantity > int64(o.Lines[j].Quantity):
				fields = append(fields, derr.FieldError{Field: fmt.Sprintf("lines[%d].quantity", i), Code: "range",
					Message: fmt.Sprintf("must not exceed the ordered quantity %d", o.Lines[j].Quantity)})
			default:
				confirmed[j] = int(l.Quantity)
			}
		}
		if len(fields) > 0 {
			return derr.Fields(fields)
		}
	}
	lines := make([]Line, len(o.Lines))
	var total int64
	for i, l := range o.Lines {
		l.LineTotalMinor = l.UnitPriceMinor * int64(confirmed[i])
		l.LineVATMinor = LineVAT(l.LineTotalMinor, l.VATRateBP)
		lines[i] = l
		total += l.LineTotalMinor
	}
	decision, code, to := in.Decision, peppol.ResponseAccepted, StatusAccepted
	if decision == DecisionChanged {
		code = peppol.ResponseChanged
		if total == 0 {
			decision = DecisionDeclined // nothing left to deliver
			if in.Reason == "" {
				in.Reason = NoteNothingDeliverable
			}
		}
	}
	if decision == DecisionDeclined {
		code, to, total = peppol.ResponseRejected, StatusDeclined, 0
	}
	vat := int64(0)
	if to != StatusDeclined {
		vat = OrderVAT(lines)
	}
	set := `status = $2, response_code = $3, response_reason = $4, promised_delivery_date = NULLIF($5, '')::date,
		responded_at = now(), updated_at = now()`
	if to == StatusAccepted {
		set += `, accepted_at = now(), total_minor = $6, vat_minor = $7`
	} else {
		set += `, decline_reason = $4`
	}
	args := []any{o.ID, string(to), code, in.Reason, in.PromisedDeliveryDate}
	if to == StatusAccepted {
		args = append(args, total, vat)
	}
	res, err := tx.ExecContext(ctx, `UPDATE orders SET `+set+` WHERE id = $1 AND status = 'approved'`, args...)
	if err != nil {
		return fmt.Errorf("respond: order: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return derr.Conflictf(CodeInvalidTransition, "The order changed status meanwhile.")
	}
	if to == StatusAccepted {
		nos, qty, tot, lvat := make([]int64, len(lines)), make([]int64, len(lines)), make([]int64, len(lines)), make([]int64, len(lines))
		for i, l := range lines {
			nos[i], qty[i], tot[i], lvat[i] = int64(l.LineNo), int64(confirmed[i]), l.LineTotalMinor, l.LineVATMinor
		}
		if _, err := tx.ExecContext(ctx, `UPDATE order_lines l SET quantity_confirmed = u.qty, line_total_minor = u.total, line_vat_minor = u.vat
			FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS u(no, qty, total, vat)
			WHERE l.order_id = $1 AND l.line_no = u.no`, o.ID, pq.Array(nos), pq.Array(qty), pq.Array(tot), pq.Array(lvat)); err != nil {
			return fmt.Errorf("respond: lines: %w", err)
		}
	}
	note := in.Reason
	if code == peppol.ResponseChanged {
		note = strings.TrimSpace("accepted with changes. " + in.Reason)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO order_events (order_id, actor_id, from_status, to_status, note) VALUES ($1, $2, $3, $4, $5)`,
		o.ID, c.UserID, string(o.Status), string(to), note); err != nil {
		return fmt.Errorf("respond: event: %w", err)
	}
	tellErr := error(nil)
	switch {
	case to == StatusDeclined:
		tellErr = tell(ctx, tx, o, to, in.Reason)
	case code == peppol.ResponseChanged:
		tellErr = tellChanged(ctx, tx, o, in.Reason)
	}
	if tellErr != nil {
		return tellErr
	}
	// What the supplier will not deliver no longer counts against the ceilings.
	if released := o.TotalMinor - total; released > 0 {
		if err := credit(ctx, tx, o.AgreementID, o.BuyerOrgID, o.UsageSlot, released); err != nil {
			return err
		}
	}
	return nil
}
