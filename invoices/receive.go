package invoices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/peppol"
)

// received is a billing document converted to the values control and storage use.
type received struct {
	kind        string
	number      string
	issueDate   string
	dueDate     *string
	periodStart *string
	periodEnd   *string
	currency    string
	orderRef    string
	billingRef  string
	cpv         string
	lines       []receivedLine
	totals      ControlTotals
}

type receivedLine struct {
	ControlLine
	lineID    string
	name      string
	unit      string
	unitPrice *int64
}

// convert reads the document's values. Identity fields (number, dates, currency) that are
// missing or malformed are field errors, because without them the document cannot even be
// stored to be sent back; a malformed amount is one too unless the rules have already found
// the document invalid (broken is then true and the amount stays 0).
func convert(pi peppol.Invoice, lenient bool) (received, []derr.FieldError) {
	var v derr.Validator
	r := received{kind: string(pi.Kind), number: pi.ID, issueDate: pi.IssueDate, currency: pi.Currency,
		orderRef: pi.OrderReference}
	if len(pi.BillingReferences) > 0 {
		r.billingRef = pi.BillingReferences[0]
	}
	v.Check(r.number != "" && len(r.number) <= 200, "number", "required", "cbc:ID (the invoice number) is required, at most 200 characters")
	v.Check(isDate(r.issueDate), "issue_date", "date", "cbc:IssueDate must be a date YYYY-MM-DD")
	v.Check(isCurrency(r.currency), "currency", "currency", "cbc:DocumentCurrencyCode must be an ISO 4217 code")
	v.Check(len(r.orderRef) <= 200 && len(r.billingRef) <= 200, "order_reference", "too_long", "references are at most 200 characters")
	optDate := func(s, field string) *string {
		if s == "" {
			return nil
		}
		v.Check(isDate(s), field, "date", "must be a date YYYY-MM-DD")
		if !isDate(s) {
			return nil
		}
		return &s
	}
	r.dueDate = optDate(pi.DueDate, "due_date")
	r.periodStart = optDate(pi.PeriodStart, "period_start")
	r.periodEnd = optDate(pi.PeriodEnd, "period_end")

	amount := func(s, field string, required bool) int64 {
		if s == "" && !required {
			return 0
		}
		n, ok := parseScaled(s, 2)
		if !ok && !lenient {
			v.Check(false, field, "amount_format", fmt.Sprintf("must be an amount with at most two decimals (got %q)", clip(s, 30)))
		}
		return n
	}
	t := pi.Totals
	r.totals = ControlTotals{
		LineExtensionMinor: amount(t.LineExtension, "line_extension_amount", true),
		AllowanceMinor:     amount(t.AllowanceTotal, "allowance_total_amount", false),
		ChargeMinor:        amount(t.ChargeTotal, "charge_total_amount", false),
		TaxExclusiveMinor:  amount(t.TaxExclusive, "tax_exclusive_amount", true),
		TaxMinor:           amount(pi.TaxTotal, "tax_amount", true),
		TaxInclusiveMinor:  amount(t.TaxInclusive, "tax_inclusive_amount", true),
		PrepaidMinor:       amount(t.Prepaid, "prepaid_amount", false),
		RoundingMinor:      amount(t.Rounding, "payable_rounding_amount", false),
		PayableMinor:       amount(t.Payable, "payable_amount", true),
	}
	for i, st := range pi.TaxSubtotals {
		f := "tax_subtotal[" + strconv.Itoa(i+1) + "]"
		rate, ok := parseScaled(st.Percent, 2)
		if st.Percent == "" {
			rate, ok = 0, true
		}
		if (!ok || rate < 0 || rate > 10000) && !lenient {
			v.Check(false, f, "range", "cbc:Percent must be a percentage between 0 and 100")
		}
		r.totals.Subtotals = append(r.totals.Subtotals, VATSubtotal{RateBP: int(rate),
			TaxableMinor: amount(st.TaxableAmount, f, true), TaxMinor: amount(st.TaxAmount, f, true)})
	}
	if len(pi.Lines) == 0 && !lenient {
		v.Check(false, "lines", "required", "the document has no lines")
	}
	for i, l := range pi.Lines {
		f := "line[" + strconv.Itoa(i+1) + "]"
		q, ok := parseScaled(l.Quantity, 3)
		if !ok && !lenient {
			v.Check(false, f+".quantity", "quantity_format", "must be a quantity with at most three decimals")
		}
		rate, ok := parseScaled(l.VATPercent, 2)
		if l.VATPercent == "" {
			rate, ok = 0, true
		}
		if (!ok || rate < 0 || rate > 10000) && !lenient {
			v.Check(false, f+".vat_percent", "range", "cbc:Percent must be a percentage between 0 and 100")
		}
		if rate < 0 || rate > 10000 {
			rate = 0
		}
		rl := receivedLine{ControlLine: ControlLine{LineNo: i + 1, SKU: clip(l.SellersItemID, 200), Quantity: Qty(q),
			AmountMinor: amount(l.LineExtension, f+".amount", true), VATRateBP: int(rate)},
			lineID: clip(l.ID, 200), name: clip(l.Name, 500), unit: clip(l.UnitCode, 10)}
		if p, ok := parseScaled(l.PriceAmount, 2); ok && p >= 0 {
			if base, ok := parseScaled(l.BaseQuantity, 3); ok && base > 0 && base != 1000 {
				p = roundHalfUp(p*1000, base)
			}
			rl.unitPrice = &p
		}
		if r.cpv == "" {
			for _, c := range l.Classifications {
				if validCPV(c) {
					r.cpv = c
					break
				}
			}
		}
		r.lines = append(r.lines, rl)
	}
	return r, v.Errors
}

func isDate(s string) bool {
	d, err := time.Parse(time.DateOnly, s)
	return err == nil && d.Year() >= 1990 && d.Year() <= 2200
}

// Receive takes a PEPPOL BIS Billing 3 Invoice or Credit Note from the supplier that issued
// it, or from an approver or manager of the buyer organisation that received it, checks it
// against the rules (a fatal rule: stored as invalid with the rule ids), matches it to its
// order and stores it with control's findings. The seller and the buyer are found by their
// organisation numbers (EndpointID, PartyLegalEntity/CompanyID or PartyIdentification/ID).
// A credit note that names an earlier invoice (BillingReference) belongs to that invoice's
// order. Errors: Forbidden (other roles), Invalid ("invalid_invoice": unreadable;
// "unknown_party": seller or buyer not known; "party_mismatch": the caller is neither),
// Conflict ("duplicate_invoice": the supplier's number was received before).
func (s *Service) Receive(ctx context.Context, c auth.Caller, doc []byte) (Invoice, error) {
	if !c.HasAny(auth.RoleSupplier, auth.RoleApprover, auth.RoleManager) {
		return Invoice{}, derr.Forbiddenf("Only suppliers, approvers and managers send invoices.")
	}
	pi, err := peppol.ParseInvoice(doc)
	if err != nil {
		return Invoice{}, &derr.Error{Kind: derr.Invalid, Code: "invalid_invoice", Message: "The document could not be read.",
			Fields: []derr.FieldError{{Field: "document", Code: "peppol_malformed", Message: err.Error()}}}
	}
	var failures []RuleFailure
	if s.validator != nil {
		if failures, err = s.validator(doc); err != nil {
			return Invoice{}, fmt.Errorf("validate invoice: %w", err)
		}
	}
	r, ferrs := convert(pi, len(failures) > 0)
	if len(ferrs) > 0 {
		return Invoice{}, &derr.Error{Kind: derr.Invalid, Code: "invalid_invoice", Message: "The document has errors.", Fields: ferrs}
	}
	supplierID, buyerID, err := s.parties(ctx, pi)
	if err != nil {
		return Invoice{}, err
	}
	switch {
	case c.Has(auth.RoleSupplier) && c.OrgID == supplierID:
	case c.HasAny(auth.RoleApprover, auth.RoleManager) && c.OrgID == buyerID:
	default:
		return Invoice{}, &derr.Error{Kind: derr.Invalid, Code: "party_mismatch",
			Message: "Send an invoice your organisation issued (as its supplier) or received (as its buyer).",
			Fields:  []derr.FieldError{{Field: "document", Code: "party_mismatch", Message: "names neither your organisation as seller nor as buyer"}}}
	}
	var id string
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		id, err = s.store(ctx, tx, c, r, failures, supplierID, buyerID, string(doc))
		return err
	})
	if postgres.IsUniqueViolation(err, "invoices_number_key") {
		return Invoice{}, derr.Conflictf("duplicate_invoice", "This supplier's %s %s has been received already.",
			kindWord(r.kind), r.number)
	}
	if err != nil {
		return Invoice{}, err
	}
	return s.get(ctx, s.db, id)
}

func kindWord(kind string) string {
	if kind == string(peppol.KindCreditNote) {
		return "credit note"
	}
	return "invoice"
}

// parties finds the seller (a supplier organisation) and the buyer (a buyer organisation or
// a procurement body that buys) by any of the document's identifiers of each.
func (s *Service) parties(ctx context.Context, pi peppol.Invoice) (supplierID, buyerID string, err error) {
	find := func(p peppol.InvoiceParty, kinds []string) (string, error) {
		keys := []string{}
		for _, id := range append([]peppol.SchemedID{{Value: p.EndpointID}, {Value: p.LegalCompanyID}}, p.Identifications...) {
			if k := OrgKey(id.Value); k != "" {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			return "", nil
		}
		var id string
		err := sqlx.GetContext(ctx, s.db, &id, `SELECT id FROM organizations
			WHERE kind = ANY($2::text[]) AND upper(regexp_replace(org_number, '[^0-9A-Za-z]', '', 'g')) = ANY($1::text[])
			ORDER BY created_at LIMIT 1`, pq.Array(keys), pq.Array(kinds))
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return id, err
	}
	if supplierID, err = find(pi.Supplier, []string{string(auth.KindSupplier)}); err != nil {
		return "", "", fmt.Errorf("invoice seller: %w", err)
	}
	if buyerID, err = find(pi.Customer, []string{string(auth.KindBuyer), string(auth.KindProcurementBody)}); err != nil {
		return "", "", fmt.Errorf("invoice buyer: %w", err)
	}
	var fields []derr.FieldError
	if supplierID == "" {
		fields = append(fields, derr.FieldError{Field: "supplier", Code: "unknown_party", Message: "AccountingSupplierParty names no supplier known here by its organisation number"})
	}
	if buyerID == "" {
		fields = append(fields, derr.FieldError{Field: "customer", Code: "unknown_party", Message: "AccountingCustomerParty names no buyer known here by its organisation number"})
	}
	if len(fields) > 0 {
		return "", "", &derr.Error{Kind: derr.Invalid, Code: "unknown_party", Message: "The invoice's parties are not known.", Fields: fields}
	}
	return supplierID, buyerID, nil
}

// orderFacts is the matched order as control reads it.
type orderFacts struct {
	ID     string `db:"id"`
	Status string `db:"status"`
	CPV    string `db:"cpv_code"`
}

// store runs control and writes the invoice, its lines and findings in tx. Invoices on one
// order are serialised by a transaction-scoped advisory lock on the order, so that each sees
// the quantities of every invoice committed before it.
func (s *Service) store(ctx context.Context, tx *sqlx.Tx, c auth.Caller, r received, failures []RuleFailure,
	supplierID, buyerID, doc string) (string, error) {
	status := StatusMatched
	var findings []Finding
	var order *orderFacts
	ref := r.orderRef
	if r.kind == string(peppol.KindCreditNote) && ref == "" && r.billingRef != "" {
		// A credit note usually names the invoice it corrects, not the order.
		var orderID sql.NullString
		err := tx.GetContext(ctx, &orderID, `SELECT order_id FROM invoices WHERE supplier_id = $1 AND buyer_org_id = $2
			AND kind = 'invoice' AND number = $3`, supplierID, buyerID, r.billingRef)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("credited invoice: %w", err)
		}
		if orderID.Valid {
			order = &orderFacts{}
			if err := tx.GetContext(ctx, order, `SELECT o.id, o.status, a.cpv_code FROM orders o JOIN agreements a ON a.id = o.agreement_id
				WHERE o.id = $1`, orderID.String); err != nil {
				return "", fmt.Errorf("credited order: %w", err)
			}
		}
	} else if ref != "" {
		order = &orderFacts{}
		err := tx.GetContext(ctx, order, `SELECT o.id, o.status, a.cpv_code FROM orders o JOIN agreements a ON a.id = o.agreement_id
			WHERE o.buyer_org_id = $1 AND o.supplier_id = $2 AND o.number = $3`, buyerID, supplierID, ref)
		if errors.Is(err, sql.ErrNoRows) {
			order = nil
		} else if err != nil {
			return "", fmt.Errorf("invoiced order: %w", err)
		}
	}
	var orderLines []orderLineRow
	if order != nil {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('invoice-order:' || $1, 0))`, order.ID); err != nil {
			return "", fmt.Errorf("lock order: %w", err)
		}
		if err := tx.SelectContext(ctx, &orderLines, `SELECT line_no, sku, quantity,
				CASE WHEN $2 = 'delivered' THEN quantity ELSE 0 END AS received, unit_price_minor, vat_rate_bp
			FROM order_lines WHERE order_id = $1 ORDER BY line_no`, order.ID, order.Status); err != nil {
			return "", fmt.Errorf("order lines: %w", err)
		}
		if r.cpv == "" || order.CPV != "" {
			r.cpv = order.CPV
		}
	}
	if len(failures) > 0 {
		status = StatusInvalid
	} else {
		in := ControlInput{CreditNote: r.kind == string(peppol.KindCreditNote), Totals: r.totals, OrderReference: ref,
			OrderFound: order != nil}
		for _, l := range r.lines {
			in.Lines = append(in.Lines, l.ControlLine)
		}
		orderID := ""
		if order != nil {
			orderID = order.ID
		}
		if !in.CreditNote {
			var err error
			if in.Subscription, err = s.subscriptionFacts(ctx, tx, r, orderID, supplierID, buyerID); err != nil {
				return "", err
			}
		}
		if order != nil && in.Subscription == nil {
			var err error
			if in.Earlier, err = invoicedBefore(ctx, tx, order.ID); err != nil {
				return "", err
			}
			for _, ol := range orderLines {
				in.OrderLines = append(in.OrderLines, ol.OrderLineFacts)
			}
		}
		findings = Control(in)
		if len(findings) > 0 {
			status = StatusDeviating
		}
	}
	var atStake int64
	for _, f := range findings {
		atStake += f.AmountMinor
	}
	ruleIDs, ruleMsgs := make([]string, len(failures)), make([]string, len(failures))
	for i, f := range failures {
		ruleIDs[i], ruleMsgs[i] = f.ID, clip(f.Message, 1000)
	}
	var orderID *string
	if order != nil {
		orderID = &order.ID
	}
	var id string
	err := tx.GetContext(ctx, &id, `INSERT INTO invoices (kind, number, supplier_id, buyer_org_id, order_id, order_reference,
		billing_reference, issue_date, due_date, period_start, period_end, currency, cpv_code, line_total_minor,
		tax_exclusive_minor, vat_minor, payable_minor, at_stake_minor, status, rule_ids, rule_messages, received_by, document)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
		RETURNING id`,
		r.kind, r.number, supplierID, buyerID, orderID, ref, r.billingRef, r.issueDate, r.dueDate, r.periodStart, r.periodEnd,
		r.currency, r.cpv, r.totals.LineExtensionMinor, r.totals.TaxExclusiveMinor, r.totals.TaxMinor, r.totals.PayableMinor,
		atStake, status, pq.Array(ruleIDs), pq.Array(ruleMsgs), c.UserID, doc)
	if err != nil {
		return "", err
	}
	skuLine := map[string]int{}
	for _, ol := range orderLines {
		if _, ok := skuLine[ol.SKU]; !ok {
			skuLine[ol.SKU] = ol.LineNo
		}
	}
	for _, l := range r.lines {
		var olNo *int
		if n, ok := skuLine[l.SKU]; ok {
			olNo = &n
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO invoice_lines (invoice_id, line_no, line_id, sku, name, unit, quantity_milli,
			unit_price_minor, amount_minor, vat_rate_bp, order_line_no) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			id, l.LineNo, l.lineID, l.SKU, l.name, l.unit, int64(l.Quantity), l.unitPrice, l.AmountMinor, l.VATRateBP, olNo); err != nil {
			return "", fmt.Errorf("invoice line: %w", err)
		}
	}
	for i, f := range findings {
		if _, err := tx.ExecContext(ctx, `INSERT INTO invoice_findings (invoice_id, seq, code, line_no, amount_minor, detail)
			VALUES ($1, $2, $3, $4, $5, $6)`, id, i+1, f.Code, f.LineNo, f.AmountMinor, clip(f.Detail, 500)); err != nil {
			return "", fmt.Errorf("invoice finding: %w", err)
		}
	}
	return id, nil
}

// orderLineRow is an order line with its line number, as store reads it.
type orderLineRow struct {
	LineNo int `db:"line_no"`
	OrderLineFacts
}

// invoicedBefore is the quantity per sku invoiced on an order so far: invoices less credit
// notes, every document except invalid ones.
func invoicedBefore(ctx context.Context, tx *sqlx.Tx, orderID string) (map[string]Qty, error) {
	var rows []struct {
		SKU string `db:"sku"`
		Qty int64  `db:"qty"`
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT l.sku, sum(CASE WHEN i.kind = 'credit_note' THEN -l.quantity_milli ELSE l.quantity_milli END)::bigint AS qty
		FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
		WHERE i.order_id = $1 AND i.status <> 'invalid' GROUP BY l.sku`, orderID); err != nil {
		return nil, fmt.Errorf("invoiced before: %w", err)
	}
	m := make(map[string]Qty, len(rows))
	for _, r := range rows {
		m[r.SKU] = Qty(r.Qty)
	}
	return m, nil
}
