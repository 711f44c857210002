package orders

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
)

// QuantityLine names a quantity of one order line: shipped in one shipment, or received.
type QuantityLine struct {
	LineNo   int   `json:"line_no"`
	Quantity int64 `json:"quantity"`
}

// Ship records one shipment of an accepted order (SPEC §8 partial delivery): the named lines'
// quantities, or with no lines everything confirmed and not yet shipped. The order is shipped
// from the first shipment on, and shipments may follow until every confirmed quantity is
// shipped. Errors: Forbidden, NotFound, Invalid (a line unknown, or more than is left to ship),
// Conflict (invalid_transition: not accepted or shipped, or nothing left to ship).
func (s *Service) Ship(ctx context.Context, c auth.Caller, id string, lines []QuantityLine, note string) (Order, error) {
	return s.deliveryStep(ctx, c, id, lines, note, true)
}

// Deliver records the buyer's receipt of a shipped order: the named lines' received
// quantities (lines not named, and with no lines every line, are received as confirmed). The
// order becomes delivered, and each line received short of its confirmed quantity opens a
// deviation `missing` with the difference in its description and quantity_missing, in the same
// transaction. Errors: Forbidden, NotFound, Invalid, Conflict (invalid_transition).
func (s *Service) Deliver(ctx context.Context, c auth.Caller, id string, lines []QuantityLine, note string) (Order, error) {
	return s.deliveryStep(ctx, c, id, lines, note, false)
}

func (s *Service) deliveryStep(ctx context.Context, c auth.Caller, id string, in []QuantityLine, note string, ship bool) (Order, error) {
	m := moves[ActionDeliver]
	if ship {
		m = moves[ActionShip]
	}
	if !c.HasAny(m.roles...) {
		return Order{}, derr.Forbiddenf("Your role may not %s orders.", map[bool]string{true: "ship", false: "deliver"}[ship])
	}
	note = strings.TrimSpace(note)
	var v derr.Validator
	checkText(&v, note, "note", maxTextLen, false, true)
	v.Check(len(in) <= MaxLines, "lines", "range", fmt.Sprintf("at most %d lines", MaxLines))
	seen := map[int]bool{}
	for i, l := range in {
		f := fmt.Sprintf("lines[%d]", i)
		v.Check(l.LineNo >= 1 && !seen[l.LineNo], f+".line_no", "line_no", "must be a line number of the order, each at most once")
		v.Check(l.Quantity >= 0 && l.Quantity <= MaxQuantity && (l.Quantity > 0 || !ship), f+".quantity", "range", "must be a whole number within what is left")
		seen[l.LineNo] = true
	}
	if err := v.Err(); err != nil {
		return Order{}, err
	}
	if !auth.ValidUUID(id) {
		return Order{}, derr.NotFoundf("order not found")
	}
	side := auth.Caller{UserID: c.UserID, OrgID: c.OrgID, OrgKind: c.OrgKind, Roles: m.roles}
	var out Order
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		o, err := orderInScope(ctx, tx, side, id, true)
		if err != nil {
			return err
		}
		from := []Status{StatusShipped}
		if ship {
			from = []Status{StatusAccepted, StatusShipped}
		}
		if !containsStatus(from, o.Status) {
			return derr.Conflictf(CodeInvalidTransition, "An order that is %s cannot be %s.", o.Status, map[bool]string{true: "shipped", false: "delivered"}[ship])
		}
		if o.Lines, err = orderLines(ctx, tx, o.ID); err != nil {
			return fmt.Errorf("delivery: lines: %w", err)
		}
		byNo := map[int]int{}
		for i, l := range o.Lines {
			byNo[l.LineNo] = i
		}
		// qty is this step's quantity per line: shipped now, or received.
		qty := make([]int, len(o.Lines))
		named := map[int]bool{}
		var fields []derr.FieldError
		for i, l := range in {
			j, ok := byNo[l.LineNo]
			if !ok {
				fields = append(fields, derr.FieldError{Field: fmt.Sprintf("lines[%d].line_no", i), Code: "line_no", Message: "is not a line of this order"})
				continue
			}
			limit := o.Lines[j].confirmed()
			if ship {
				limit -= o.Lines[j].QuantityShipped
			}
			if l.Quantity > int64(limit) {
				fields = append(fields, derr.FieldError{Field: fmt.Sprintf("lines[%d].quantity", i), Code: "range",
					Message: fmt.Sprintf("must be at most %d", limit)})
				continue
			}
			qty[j], named[j] = int(l.Quantity), true
		}
		if len(fields) > 0 {
			return derr.Fields(fields)
		}
		total := 0
		for j, l := range o.Lines {
			if !named[j] && (len(in) == 0 || !ship) {
				qty[j] = l.confirmed()
				if ship {
					qty[j] -= l.QuantityShipped
				}
			}
			total += qty[j]
		}
		if ship && total == 0 {
			return derr.Conflictf(CodeInvalidTransition, "Everything confirmed on this order is already shipped.")
		}
		nos, q := make([]int64, len(o.Lines)), make([]int64, len(o.Lines))
		for j, l := range o.Lines {
			nos[j], q[j] = int64(l.LineNo), int64(qty[j])
		}
		col := "quantity_received = u.q"
		if ship {
			col = "quantity_shipped = l.quantity_shipped + u.q"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE order_lines l SET `+col+` FROM unnest($2::bigint[], $3::bigint[]) AS u(no, q)
			WHERE l.order_id = $1 AND l.line_no = u.no`, o.ID, pq.Array(nos), pq.Array(q)); err != nil {
			return fmt.Errorf("delivery: lines: %w", err)
		}
		to := StatusDelivered
		if ship {
			to = StatusShipped
		}
		if ship { // every shipment is news to the orderer
			if err := tell(ctx, tx, o, StatusShipped, note); err != nil {
				return err
			}
		}
		if o.Status != to {
			if err := updateStatus(ctx, tx, o.ID, o.Status, to, map[bool]Action{true: ActionShip, false: ActionDeliver}[ship], note); err != nil {
				return err
			}
		}
		event := note
		if len(in) > 0 {
			parts := make([]string, 0, len(in))
			for _, l := range in {
				parts = append(parts, fmt.Sprintf("line %d × %d", l.LineNo, l.Quantity))
			}
			event = strings.TrimSpace(map[bool]string{true: "shipment: ", false: "received: "}[ship] + strings.Join(parts, ", ") + ". " + note)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO order_events (order_id, actor_id, from_status, to_status, note) VALUES ($1, $2, $3, $4, $5)`,
			o.ID, c.UserID, string(o.Status), string(to), event); err != nil {
			return fmt.Errorf("order event: %w", err)
		}
		if !ship {
			for j, l := range o.Lines {
				if short := l.confirmed() - qty[j]; short > 0 {
					desc := fmt.Sprintf("Line %d (%s %s): %d of %d received, %d missing.", l.LineNo, l.SKU, l.Name, qty[j], l.confirmed(), short)
					if _, err := tx.ExecContext(ctx, `INSERT INTO deviations (order_id, kind, description, reported_by, line_no, quantity_missing)
						VALUES ($1, 'missing', $2, $3, $4, $5)`, o.ID, desc, c.UserID, l.LineNo, short); err != nil {
						return fmt.Errorf("delivery: missing deviation: %w", err)
					}
				}
			}
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

func containsStatus(list []Status, s Status) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
