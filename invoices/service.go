package invoices

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/text"
	"github.com/avrop/avrop/orders"
)

const invoiceColumns = `i.id, i.kind, i.number, i.supplier_id, so.name AS supplier_name, i.buyer_org_id, bo.name AS buyer_org_name,
	i.order_id, o.number AS order_number, i.order_reference, i.billing_reference, to_char(i.issue_date, 'YYYY-MM-DD') AS issue_date,
	to_char(i.due_date, 'YYYY-MM-DD') AS due_date, to_char(i.period_start, 'YYYY-MM-DD') AS period_start,
	to_char(i.period_end, 'YYYY-MM-DD') AS period_end, i.currency, i.cpv_code, i.line_total_minor, i.tax_exclusive_minor,
	i.vat_minor, i.payable_minor, i.at_stake_minor, i.status, i.rule_ids AS rule_ids_raw, i.rule_messages AS rule_messages_raw,
	i.decision_note, i.decided_by, i.decided_at, i.received_by, i.created_at, i.updated_at`

const invoiceFrom = `invoices i
	JOIN organizations so ON so.id = i.supplier_id
	JOIN organizations bo ON bo.id = i.buyer_org_id
	LEFT JOIN orders o ON o.id = i.order_id
	LEFT JOIN agreements a ON a.id = o.agreement_id`

// scope is the SQL condition (on i and a) for the invoices a caller may see, with its
// arguments from $first: the supplier's own, the buyer organisation's (approvers and
// managers), and a manager's on orders of their body's agreements.
func scope(c auth.Caller, first int) (string, []any) {
	cond := fmt.Sprintf(`(($%d AND i.supplier_id = $%d) OR ($%d AND i.buyer_org_id = $%d) OR ($%d AND a.procurement_body_id = $%d))`,
		first, first+3, first+1, first+3, first+2, first+3)
	return cond, []any{c.Has(auth.RoleSupplier), c.HasAny(auth.RoleApprover, auth.RoleManager), c.Has(auth.RoleManager), c.OrgID}
}

type invoiceRow struct {
	Invoice
	RuleIDsRaw  pq.StringArray `db:"rule_ids_raw"`
	RuleMsgsRaw pq.StringArray `db:"rule_messages_raw"`
	Total       int            `db:"total_count"`
}

func (r invoiceRow) invoice() Invoice {
	inv := r.Invoice
	inv.RuleIDs = []string(r.RuleIDsRaw)
	if inv.RuleIDs == nil {
		inv.RuleIDs = []string{}
	}
	inv.RuleMessages = []string(r.RuleMsgsRaw)
	inv.Currency = strings.TrimSpace(inv.Currency)
	return inv
}

func mayRead(c auth.Caller) error {
	if !c.HasAny(auth.RoleSupplier, auth.RoleApprover, auth.RoleManager) {
		return derr.Forbiddenf("Your role may not see invoices.")
	}
	return nil
}

// Get returns an invoice in the caller's scope with its lines and findings.
// Errors: Forbidden (orderers, admins), NotFound (absent or out of scope).
func (s *Service) Get(ctx context.Context, c auth.Caller, id string) (Invoice, error) {
	if err := mayRead(c); err != nil {
		return Invoice{}, err
	}
	if !auth.ValidUUID(id) {
		return Invoice{}, derr.NotFoundf("invoice not found")
	}
	cond, args := scope(c, 2)
	var r invoiceRow
	if err := sqlx.GetContext(ctx, s.db, &r, `SELECT `+invoiceColumns+`, 0 AS total_count FROM `+invoiceFrom+
		` WHERE i.id = $1 AND `+cond, append([]any{id}, args...)...); err != nil {
		return Invoice{}, postgres.Error(err, "invoice")
	}
	inv := r.invoice()
	return inv, s.details(ctx, s.db, &inv)
}

// get reads an invoice without a scope check (after the caller's own write).
func (s *Service) get(ctx context.Context, db sqlx.QueryerContext, id string) (Invoice, error) {
	var r invoiceRow
	if err := sqlx.GetContext(ctx, db, &r, `SELECT `+invoiceColumns+`, 0 AS total_count FROM `+invoiceFrom+` WHERE i.id = $1`, id); err != nil {
		return Invoice{}, postgres.Error(err, "invoice")
	}
	inv := r.invoice()
	return inv, s.details(ctx, db, &inv)
}

func (s *Service) details(ctx context.Context, db sqlx.QueryerContext, inv *Invoice) error {
	if err := sqlx.SelectContext(ctx, db, &inv.Lines, `SELECT line_no, line_id, sku, name, unit, quantity_milli, unit_price_minor,
		amount_minor, vat_rate_bp, order_line_no FROM invoice_lines WHERE invoice_id = $1 ORDER BY line_no`, inv.ID); err != nil {
		return fmt.Errorf("invoice lines: %w", err)
	}
	if err := sqlx.SelectContext(ctx, db, &inv.Findings, `SELECT code, line_no, amount_minor, detail FROM invoice_findings
		WHERE invoice_id = $1 ORDER BY seq`, inv.ID); err != nil {
		return fmt.Errorf("invoice findings: %w", err)
	}
	if inv.Findings == nil {
		inv.Findings = []Finding{}
	}
	return nil
}

// Validate checks a filter's values (422 naming the field).
func (f Filter) Validate() error {
	var v derr.Validator
	v.Check(f.Status == "" || ValidStatus(f.Status), "status", "choice", "must be matched, deviating, accepted, disputed or invalid")
	v.Check(f.SupplierID == "" || auth.ValidUUID(f.SupplierID), "supplier_id", "invalid_id", "must be a UUID")
	v.Check(f.OrgID == "" || auth.ValidUUID(f.OrgID), "org_id", "invalid_id", "must be a UUID")
	v.Check(f.OrderID == "" || auth.ValidUUID(f.OrderID), "order_id", "invalid_id", "must be a UUID")
	return v.Err()
}

// List returns a page of the invoices in the caller's scope, newest first, with the total
// count; lines and findings are filled by Get only (Findings are listed here too, being few).
// Errors: Forbidden, Invalid (filter).
func (s *Service) List(ctx context.Context, c auth.Caller, f Filter) ([]Invoice, int, error) {
	if err := mayRead(c); err != nil {
		return nil, 0, err
	}
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	p := f.Page.Normalize()
	cond, args := scope(c, 1)
	where := []string{cond}
	add := func(format string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(format, len(args)))
	}
	if f.Status != "" {
		add("i.status = $%d", string(f.Status))
	}
	if f.SupplierID != "" {
		add("i.supplier_id = $%d", f.SupplierID)
	}
	if f.OrgID != "" {
		add("i.buyer_org_id = $%d", f.OrgID)
	}
	if f.OrderID != "" {
		add("i.order_id = $%d", f.OrderID)
	}
	args = append(args, p.PageSize, p.Offset())
	var rows []invoiceRow
	if err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT `+invoiceColumns+`, count(*) OVER () AS total_count FROM `+invoiceFrom+
		` WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(` ORDER BY i.issue_date DESC, i.created_at DESC, i.id LIMIT $%d OFFSET $%d`,
		len(args)-1, len(args)), args...); err != nil {
		return nil, 0, fmt.Errorf("list invoices: %w", err)
	}
	out := make([]Invoice, len(rows))
	total := 0
	for i, r := range rows {
		out[i] = r.invoice()
		out[i].Findings = []Finding{}
		total = r.Total
	}
	if err := s.findingsOf(ctx, out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

func (s *Service) findingsOf(ctx context.Context, invs []Invoice) error {
	if len(invs) == 0 {
		return nil
	}
	ids := make([]string, len(invs))
	at := map[string]int{}
	for i, inv := range invs {
		ids[i] = inv.ID
		at[inv.ID] = i
	}
	var rows []struct {
		InvoiceID string `db:"invoice_id"`
		Finding
	}
	if err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT invoice_id, code, line_no, amount_minor, detail FROM invoice_findings
		WHERE invoice_id = ANY($1::uuid[]) ORDER BY invoice_id, seq`, pq.Array(ids)); err != nil {
		return fmt.Errorf("invoice findings: %w", err)
	}
	for _, r := range rows {
		i := at[r.InvoiceID]
		invs[i].Findings = append(invs[i].Findings, r.Finding)
	}
	return nil
}

// Decision is an approver's verdict on a deviating invoice.
type Decision string

// The decisions of SPEC §9.
const (
	DecisionAccept  Decision = "accept"
	DecisionDispute Decision = "dispute"
)

// Decide records an approver's decision on an invoice their organisation received: a
// deviating invoice is accepted or disputed (a note is required to dispute, so the supplier
// learns why), and a disputed one may still be accepted once settled. The row is locked and
// moved with one conditional update. Errors: Forbidden (not an approver), NotFound (out of
// scope), Invalid (note), Conflict ("invalid_transition": matched, invalid or already decided).
func (s *Service) Decide(ctx context.Context, c auth.Caller, id string, d Decision, note string) (Invoice, error) {
	if !c.Has(auth.RoleApprover) {
		return Invoice{}, derr.Forbiddenf("Only approvers of the receiving organisation decide invoices.")
	}
	note = strings.TrimSpace(note)
	var v derr.Validator
	v.Check(len(note) <= 2000, "note", "too_long", "is at most 2000 characters")
	text.CheckLines(&v, "note", note)
	v.Check(d != DecisionDispute || note != "", "note", "required", "is required: say why the invoice is disputed")
	if err := v.Err(); err != nil {
		return Invoice{}, err
	}
	if !auth.ValidUUID(id) {
		return Invoice{}, derr.NotFoundf("invoice not found")
	}
	to, from := StatusAccepted, []string{string(StatusDeviating), string(StatusDisputed)}
	if d == DecisionDispute {
		to, from = StatusDisputed, []string{string(StatusDeviating)}
	}
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var status string
		if err := tx.GetContext(ctx, &status, `SELECT status FROM invoices WHERE id = $1 AND buyer_org_id = $2 FOR UPDATE`,
			id, c.OrgID); err != nil {
			return postgres.Error(err, "invoice")
		}
		res, err := tx.ExecContext(ctx, `UPDATE invoices SET status = $2, decision_note = $3, decided_by = $4, decided_at = now(),
			updated_at = now() WHERE id = $1 AND status = ANY($5::text[])`, id, string(to), note, c.UserID, pq.Array(from))
		if err != nil {
			return fmt.Errorf("decide invoice: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return derr.Conflictf("invalid_transition", "An invoice that is %s cannot be %s.", status, pastTense(d))
		}
		return nil
	})
	if err != nil {
		return Invoice{}, err
	}
	return s.get(ctx, s.db, id)
}

func pastTense(d Decision) string {
	if d == DecisionDispute {
		return "disputed"
	}
	return "accepted"
}

// InvoiceShare is the scorecard's invoice figure (SPEC §9): of a supplier's invoices in the
// caller's scope (credit notes aside), how many matched without any finding.
type InvoiceShare struct {
	Invoices       int `json:"invoices"`
	Matched        int `json:"invoices_matched"`
	MatchedShareBP int `json:"invoices_matched_share_bp"`
}

// MatchedShare counts a supplier's invoices in the caller's scope and those control matched
// without a finding (status matched: an invoice accepted after a finding does not count).
// Errors: Forbidden for roles that see no invoices.
func (s *Service) MatchedShare(ctx context.Context, c auth.Caller, supplierID string) (InvoiceShare, error) {
	if err := mayRead(c); err != nil {
		return InvoiceShare{}, err
	}
	if !auth.ValidUUID(supplierID) {
		return InvoiceShare{}, nil
	}
	cond, args := scope(c, 2)
	var sh InvoiceShare
	if err := sqlx.GetContext(ctx, s.db, &sh.Invoices, `SELECT count(*) FROM `+invoiceFrom+` WHERE i.supplier_id = $1 AND i.kind = 'invoice' AND `+
		cond, append([]any{supplierID}, args...)...); err != nil {
		return sh, fmt.Errorf("invoice share: %w", err)
	}
	if err := sqlx.GetContext(ctx, s.db, &sh.Matched, `SELECT count(*) FROM `+invoiceFrom+` WHERE i.supplier_id = $1 AND i.kind = 'invoice'
		AND i.status = 'matched' AND `+cond, append([]any{supplierID}, args...)...); err != nil {
		return sh, fmt.Errorf("invoice share: %w", err)
	}
	sh.MatchedShareBP = orders.ShareBP(int64(sh.Matched), int64(sh.Invoices))
	return sh, nil
}
