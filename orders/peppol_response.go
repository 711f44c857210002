package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/peppol"
)

// Codes of the order conversation in PEPPOL.
const (
	CodeOrderNotAnswered     = "order_not_answered"
	CodeInvalidOrderResponse = "invalid_order_response"
	// MaxPeppolResponseBytes caps an Order Response document.
	MaxPeppolResponseBytes = 4 << 20
)

// PeppolResponse renders the supplier's answer to an order as a PEPPOL BIS Order Response
// (T76): AP accepted, RE declined, CA accepted with changes (every line with its status and
// confirmed quantity), the reason as Note and the promised date. An answer given by the
// accept and decline moves renders too. The scope is GetOrder's. Errors: NotFound, Conflict
// (order_not_answered).
func (s *Service) PeppolResponse(ctx context.Context, c auth.Caller, id string) (PeppolDocument, error) {
	o, err := s.GetOrder(ctx, c, id)
	if err != nil {
		return PeppolDocument{}, err
	}
	code := ""
	switch {
	case o.ResponseCode != nil:
		code = *o.ResponseCode
	case o.Status == StatusAccepted || o.Status == StatusShipped || o.Status == StatusDelivered:
		code = peppol.ResponseAccepted
	case o.Status == StatusDeclined:
		code = peppol.ResponseRejected
	default:
		return PeppolDocument{}, derr.Conflictf(CodeOrderNotAnswered, "Order %s is %s: the supplier has not answered it.", o.Number, o.Status)
	}
	p, err := peppolParties(ctx, s.db, o.ID)
	if err != nil {
		return PeppolDocument{}, err
	}
	when := o.UpdatedAt
	if o.RespondedAt != nil {
		when = *o.RespondedAt
	} else if o.AcceptedAt != nil {
		when = *o.AcceptedAt
	}
	r := peppol.OrderResponse{ID: o.Number + "-R", IssueDate: when.UTC().Format("2006-01-02"), Code: code, Note: o.ResponseReason,
		Currency: o.Currency, OrderNumber: o.Number,
		Seller: peppol.Organisation{Name: o.SupplierName, Number: p.SupplierOrgNumber, Country: p.SupplierCountry},
		Buyer:  peppol.Organisation{Name: o.BuyerOrgName, Number: p.BuyerOrgNumber, Country: p.BuyerCountry}}
	if r.Note == "" && code == peppol.ResponseRejected {
		r.Note = o.DeclineReason
	}
	if o.PromisedDeliveryDate != nil {
		r.PromisedByDate = *o.PromisedDeliveryDate
	}
	for _, l := range o.Lines {
		q, status := l.Quantity, peppol.LineAccepted
		if l.QuantityConfirmed != nil && *l.QuantityConfirmed != l.Quantity {
			q, status = *l.QuantityConfirmed, peppol.LineChanged
			if q == 0 {
				status = peppol.LineNotAccepted
			}
		}
		r.Lines = append(r.Lines, peppol.ResponseLine{LineNo: l.LineNo, Status: status, Quantity: strconv.Itoa(q), Unit: l.Unit,
			Name: l.Name, SellersItemID: l.SKU})
	}
	b, err := peppol.EncodeOrderResponse(r)
	if err != nil {
		return PeppolDocument{}, err
	}
	return PeppolDocument{OrderNumber: o.Number, XML: b}, nil
}

// RespondByPeppol records a supplier's answer sent as a PEPPOL BIS Order Response (T76)
// exactly as Respond does: OrderResponseCode AP accepts, RE declines (its Note is the
// reason), CA changes the lines it lists (LineStatusCode 7 or quantity 0: not delivered; the
// quantity otherwise, a whole number); the promised delivery period's end is the promised
// date. The order is found by its number (cac:OrderReference/cbc:ID) among the caller's.
// Errors: Forbidden, NotFound (no such order of the caller's), Invalid
// (invalid_order_response: a document that cannot be read, by field; Respond's), Conflict.
func (s *Service) RespondByPeppol(ctx context.Context, c auth.Caller, body io.Reader) (Order, error) {
	if !c.Has(auth.RoleSupplier) {
		return Order{}, derr.Forbiddenf("Only the order's supplier answers it.")
	}
	doc, err := peppol.ParseOrderResponse(body, MaxPeppolResponseBytes, MaxLines)
	if err != nil {
		msg := "could not be read"
		var de *peppol.DocumentError
		if errors.As(err, &de) {
			msg = de.Problem
		}
		return Order{}, invalidResponse("document", msg)
	}
	in := ResponseInput{Reason: doc.Note, PromisedDeliveryDate: doc.PromisedByDate}
	switch doc.Code {
	case peppol.ResponseAccepted:
		in.Decision = DecisionAccepted
	case peppol.ResponseRejected:
		in.Decision = DecisionDeclined
		if in.Reason == "" {
			in.Reason = "declined by PEPPOL order response"
		}
	case peppol.ResponseChanged:
		in.Decision = DecisionChanged
		for i, l := range doc.Lines {
			q, ok := peppol.ParseHundredths(l.Quantity)
			switch {
			case l.Status == peppol.LineNotAccepted:
				q, ok = 0, true
			case l.Status == peppol.LineAccepted && l.Quantity == "":
				continue // confirmed as ordered
			}
			if l.LineNo < 1 || !ok || q%100 != 0 {
				return Order{}, invalidResponse(fmt.Sprintf("lines[%d]", i), "needs an OrderLineReference/LineID of the order and a whole Quantity")
			}
			in.Lines = append(in.Lines, ResponseLineInput{LineNo: l.LineNo, Quantity: q / 100})
		}
		if len(in.Lines) == 0 && in.PromisedDeliveryDate != "" {
			in.Decision = DecisionAccepted
		}
	default:
		return Order{}, invalidResponse("order_response_code", fmt.Sprintf("%q is not AP, RE or CA", truncate(doc.Code, 8)))
	}
	id, err := supplierOrderByNumber(ctx, s.db, c.OrgID, doc.OrderNumber)
	if err != nil {
		return Order{}, err
	}
	return s.Respond(ctx, c, id, in)
}

func invalidResponse(field, msg string) error {
	return &derr.Error{Kind: derr.Invalid, Code: CodeInvalidOrderResponse, Message: "The order response cannot be recorded.",
		Fields: []derr.FieldError{{Field: field, Code: CodeInvalidOrderResponse, Message: msg}}}
}

// supplierOrderByNumber is the id of the supplier's order with this number, from approval on
// (the supplier's inbox); another supplier's order does not exist.
func supplierOrderByNumber(ctx context.Context, db sqlx.QueryerContext, supplierID, number string) (string, error) {
	var id string
	err := sqlx.GetContext(ctx, db, &id, `SELECT id FROM orders WHERE number = $1 AND supplier_id = $2 AND approved_at IS NOT NULL`,
		number, mustUUID(supplierID))
	if errors.Is(err, sql.ErrNoRows) {
		return "", derr.NotFoundf("no order %q of yours awaits an answer", truncate(number, 40))
	}
	if err != nil {
		return "", fmt.Errorf("order by number: %w", err)
	}
	return id, nil
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
