package frontend

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/orders"
	"github.com/avrop/avrop/peppol"
)

// The order conversation in the UI (SPEC §8): the supplier answers an order line by line
// (a lower quantity, 0 for a line it cannot deliver, a promised date, a note), ships part of
// it, and the orderer receives part of it. The forms call the same domain functions as the
// API (orders.Respond, orders.Ship, orders.Deliver); a quantity field is named after its
// order line ("confirm-3", "qty-3") so an error comes back beside the right input.

// respondOrder is the supplier's answer from the order page: every line's confirmed quantity,
// a promised delivery date and a note. A line confirmed below what was ordered makes the
// answer "changed" (accepted with changes, CA); with every line as ordered it is "accepted".
func (s *server) respondOrder(q *req) error {
	id := q.r.PathValue("id")
	o, err := s.Orders.GetOrder(q.ctx(), *q.caller, id)
	if err != nil {
		return err
	}
	v := q.r.PostForm
	in := orders.ResponseInput{Decision: orders.DecisionAccepted, Reason: v.Get("answer_note"), PromisedDeliveryDate: v.Get("promised_delivery_date")}
	errs := map[string]string{}
	var lineOf []int // the order line of each of in.Lines, to put an error beside its input
	for _, l := range o.Lines {
		n, ok := formQuantity(v, fmt.Sprintf("confirm-%d", l.LineNo), int64(l.Quantity))
		if !ok || n > int64(l.Quantity) {
			errs[fmt.Sprintf("confirm-%d", l.LineNo)] = translate(q.lang, "conversation.bad_quantity", l.Quantity)
			continue
		}
		if n < int64(l.Quantity) {
			in.Lines = append(in.Lines, orders.ResponseLineInput{LineNo: l.LineNo, Quantity: n})
			lineOf = append(lineOf, l.LineNo)
		}
	}
	if len(in.Lines) > 0 {
		in.Decision = orders.DecisionChanged
	}
	if len(errs) == 0 {
		if _, err = s.Orders.Respond(q.ctx(), *q.caller, id, in); err == nil {
			msg := "order_accept"
			if in.Decision == orders.DecisionChanged {
				msg = "order_changed"
			}
			q.redirect("/orders/" + id + "?msg=" + msg)
			return nil
		}
	}
	f := &form{Values: v, Errs: errs, General: translate(q.lang, "form.has_errors")}
	if err != nil {
		ff, ok := failedForm(q.lang, v, err)
		if !ok {
			return err
		}
		f = ff
		lineFieldErrors(f, "confirm", lineOf)
		if msg, ok := f.Errs["reason"]; ok { // the answer's note, not the decline form's reason
			f.Errs["answer_note"] = msg
			delete(f.Errs, "reason")
		}
	}
	f.Errs["move"] = "respond"
	return s.renderOrder(q, statusOf(err), id, f, f.General)
}

// quantityMove is a shipment or a receipt with a quantity per line, from the order page's
// form (fields qty-<line>); ok is false when the form names no quantities (the inbox's one-
// click "everything left").
func (s *server) quantityMove(q *req, id string, action orders.Action) (handled bool, err error) {
	ship := action == orders.ActionShip
	if (ship && !q.caller.Has(auth.RoleSupplier)) || (!ship && !q.caller.HasAny(auth.RoleOrderer, auth.RoleApprover)) {
		return false, nil // the move refuses the role (403) before it looks for the order
	}
	o, err := s.Orders.GetOrder(q.ctx(), *q.caller, id)
	if err != nil {
		return true, err
	}
	v := q.r.PostForm
	var lines []orders.QuantityLine
	var lineOf []int
	errs := map[string]string{}
	named := false
	for _, l := range o.Lines {
		field := fmt.Sprintf("qty-%d", l.LineNo)
		if !v.Has(field) {
			continue
		}
		named = true
		limit := lineConfirmed(l) // what may be received; of a shipment, what is left
		if ship {
			limit = lineLeft(l)
		}
		n, ok := formQuantity(v, field, 0)
		if !ok || n > int64(limit) {
			errs[field] = translate(q.lang, "conversation.bad_quantity", limit)
			continue
		}
		if ship && n == 0 {
			continue // nothing of this line in this shipment
		}
		lines = append(lines, orders.QuantityLine{LineNo: l.LineNo, Quantity: n})
		lineOf = append(lineOf, l.LineNo)
	}
	if !named {
		return false, nil
	}
	if ship && len(lines) == 0 && len(errs) == 0 {
		errs["ship"] = translate(q.lang, "conversation.nothing_to_ship")
	}
	if len(errs) == 0 {
		note := strings.TrimSpace(v.Get("note"))
		if ship {
			_, err = s.Orders.Ship(q.ctx(), *q.caller, id, lines, note)
		} else {
			_, err = s.Orders.Deliver(q.ctx(), *q.caller, id, lines, note)
		}
		if err == nil {
			q.redirect("/orders/" + id + "?msg=order_" + string(action))
			return true, nil
		}
	}
	f := &form{Values: v, Errs: errs, General: translate(q.lang, "form.has_errors")}
	if err != nil {
		ff, ok := failedForm(q.lang, v, err)
		if !ok {
			return true, err
		}
		f = ff
		lineFieldErrors(f, "qty", lineOf)
	}
	f.Errs["move"] = string(action)
	return true, s.renderOrder(q, statusOf(err), id, f, f.General)
}

// formQuantity reads a whole number of 0 or more from field; an absent or empty field is def.
func formQuantity(v url.Values, field string, def int64) (int64, bool) {
	s := strings.TrimSpace(v.Get(field))
	if s == "" {
		return def, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0 && n <= orders.MaxQuantity
}

var linesField = regexp.MustCompile(`^lines\[(\d+)\]\.`)

// lineFieldErrors moves the domain's errors on lines[i] to the input of the order line they
// name (prefix-<line_no>).
func lineFieldErrors(f *form, prefix string, lineOf []int) {
	for field, msg := range f.Errs {
		m := linesField.FindStringSubmatch(field)
		if m == nil {
			continue
		}
		if i, _ := strconv.Atoi(m[1]); i < len(lineOf) {
			f.Errs[fmt.Sprintf("%s-%d", prefix, lineOf[i])] = msg
		}
	}
}

// answerData is what the order page shows of the supplier's answer, in the reader's language.
type answerData struct {
	Decision string // the text key of the decision
	Changes  []string
}

// supplierAnswer describes the supplier's answer to o (nil before one): the decision and each
// line it changed ("Nitrilhandskar M: 6 of 10 boxes", "… cannot be delivered").
func (v *view) SupplierAnswer(o orders.Order) *answerData {
	if o.ResponseCode == nil {
		return nil
	}
	a := &answerData{Decision: "conversation.decision_" + *o.ResponseCode}
	if *o.ResponseCode != peppol.ResponseChanged {
		return a
	}
	for _, l := range o.Lines {
		if l.QuantityConfirmed == nil || *l.QuantityConfirmed == l.Quantity {
			continue
		}
		if *l.QuantityConfirmed == 0 {
			a.Changes = append(a.Changes, v.T("conversation.line_refused", l.Name))
		} else {
			a.Changes = append(a.Changes, v.T("conversation.line_reduced", l.Name, *l.QuantityConfirmed, l.Quantity, v.Unit(l.Unit)))
		}
	}
	return a
}

// Left is what is still to ship of a line: its confirmed quantity less what has shipped.
func (v *view) Left(l orders.Line) int { return lineLeft(l) }

// Confirmed is the quantity the supplier is to deliver of a line.
func (v *view) Confirmed(l orders.Line) int { return lineConfirmed(l) }

// Int is the value of an optional whole number (0 when absent).
func (v *view) Int(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func lineLeft(l orders.Line) int {
	if left := lineConfirmed(l) - l.QuantityShipped; left > 0 {
		return left
	}
	return 0
}

func lineConfirmed(l orders.Line) int {
	if l.QuantityConfirmed != nil {
		return *l.QuantityConfirmed
	}
	return l.Quantity
}

// orderLeftToShip tells whether any line of o has something confirmed and not yet shipped.
func orderLeftToShip(o orders.Order) bool {
	for _, l := range o.Lines {
		if lineLeft(l) > 0 {
			return true
		}
	}
	return false
}

// DeviationText is a deviation's description in the reader's language: a short receipt's
// `missing` deviation is written from its line and quantity, a person's report as written.
func (v *view) DeviationText(d orders.Deviation, o orders.Order) string {
	if d.Kind != orders.DeviationMissing || d.LineNo == nil || d.QuantityMissing == nil {
		return d.Description
	}
	for _, l := range o.Lines {
		if l.LineNo == *d.LineNo {
			c := lineConfirmed(l)
			return v.T("conversation.missing_text", l.Name, c-*d.QuantityMissing, c, *d.QuantityMissing, v.Unit(l.Unit))
		}
	}
	return d.Description
}

// The notes the domain writes on the conversation's events (orders.Respond, Ship, Deliver).
var (
	changedNote  = regexp.MustCompile(`^accepted with changes\.\s*(.*)$`)
	quantityNote = regexp.MustCompile(`^(shipment|received): ((?:line \d+ × \d+(?:, )?)+)\.\s*(.*)$`)
	lineQuantity = regexp.MustCompile(`line (\d+) × (\d+)`)
)

// conversationNote turns a note the domain wrote on a response, shipment or receipt into the
// reader's language, keeping the person's own words that follow it; ok is false for any other
// note.
func (v *view) conversationNote(note string) (string, bool) {
	if note == orders.NoteNothingDeliverable {
		return v.T("conversation.nothing_deliverable"), true
	}
	if m := changedNote.FindStringSubmatch(note); m != nil {
		return strings.TrimSpace(v.T("conversation.note_changed") + " " + m[1]), true
	}
	m := quantityNote.FindStringSubmatch(note)
	if m == nil {
		return "", false
	}
	var parts []string
	for _, lq := range lineQuantity.FindAllStringSubmatch(m[2], -1) {
		parts = append(parts, v.T("conversation.line_quantity", lq[1], lq[2]))
	}
	key := "conversation.note_shipment"
	if m[1] == "received" {
		key = "conversation.note_received"
	}
	return strings.TrimSpace(v.T(key, strings.Join(parts, ", ")) + " " + m[3]), true
}
