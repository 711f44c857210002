// Package invoices holds what comes after delivery (SPEC §9): supplier invoices and credit
// notes received as PEPPOL BIS Billing 3 documents, invoice control against the order, the
// receipt and the agreement, ledger rows of spend outside the platform, and contract loyalty
// (avtalstrohet): how much of an organisation's spend goes through its agreements.
//
// Control runs on plain values (Control) so that every finding is tested without a database;
// the service gathers the facts inside one transaction that holds a lock per order, so that two
// invoices on one order arriving at once still see each other's quantities.
//
// Scope: a supplier sees the invoices it issued; approvers and managers of a buyer organisation
// see the invoices it received; a manager also sees the invoices on orders of their procurement
// body's agreements. Anything else is NotFound. The package never imports net/http.
package invoices

import (
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/peppol"
	"github.com/avrop/avrop/placements"
)

// Status is where an invoice stands after control.
type Status string

// The statuses of SPEC §9: matched (no finding) and deviating are control's verdicts;
// accepted and disputed are the approver's decision on a deviating invoice; invalid is a
// document that breaks a fatal rule of EN 16931 or PEPPOL BIS Billing 3.
const (
	StatusMatched   Status = "matched"
	StatusDeviating Status = "deviating"
	StatusAccepted  Status = "accepted"
	StatusDisputed  Status = "disputed"
	StatusInvalid   Status = "invalid"
)

// ValidStatus reports whether s is a known status.
func ValidStatus(s Status) bool {
	switch s {
	case StatusMatched, StatusDeviating, StatusAccepted, StatusDisputed, StatusInvalid:
		return true
	}
	return false
}

// Invoice is a received invoice or credit note with its lines and findings. Amounts are minor
// units of Currency as the document states them (a credit note's positive).
type Invoice struct {
	ID                string     `db:"id" json:"id"`
	Kind              string     `db:"kind" json:"kind"` // invoice, credit_note
	Number            string     `db:"number" json:"number"`
	SupplierID        string     `db:"supplier_id" json:"supplier_id"`
	SupplierName      string     `db:"supplier_name" json:"supplier_name"`
	BuyerOrgID        string     `db:"buyer_org_id" json:"org_id"`
	BuyerOrgName      string     `db:"buyer_org_name" json:"org_name"`
	OrderID           *string    `db:"order_id" json:"order_id"`
	OrderNumber       *string    `db:"order_number" json:"order_number"`
	OrderReference    string     `db:"order_reference" json:"order_reference"`
	BillingReference  string     `db:"billing_reference" json:"billing_reference"`
	IssueDate         string     `db:"issue_date" json:"issue_date"`
	DueDate           *string    `db:"due_date" json:"due_date"`
	PeriodStart       *string    `db:"period_start" json:"period_start"`
	PeriodEnd         *string    `db:"period_end" json:"period_end"`
	Currency          string     `db:"currency" json:"currency"`
	CPVCode           string     `db:"cpv_code" json:"cpv_code"`
	LineTotalMinor    int64      `db:"line_total_minor" json:"line_total_minor"`
	TaxExclusiveMinor int64      `db:"tax_exclusive_minor" json:"tax_exclusive_minor"`
	VATMinor          int64      `db:"vat_minor" json:"vat_minor"`
	PayableMinor      int64      `db:"payable_minor" json:"payable_minor"`
	AtStakeMinor      int64      `db:"at_stake_minor" json:"at_stake_minor"`
	Status            Status     `db:"status" json:"status"`
	RuleIDs           []string   `db:"-" json:"rule_ids"`
	RuleMessages      []string   `db:"-" json:"rule_messages,omitempty"`
	DecisionNote      string     `db:"decision_note" json:"decision_note"`
	DecidedBy         *string    `db:"decided_by" json:"decided_by"`
	DecidedAt         *time.Time `db:"decided_at" json:"decided_at"`
	ReceivedBy        string     `db:"received_by" json:"received_by"`
	CreatedAt         time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt         time.Time  `db:"updated_at" json:"updated_at"`
	Lines             []Line     `db:"-" json:"lines,omitempty"`
	Findings          []Finding  `db:"-" json:"findings"`
}

// Line is one invoice line as received, with the order line it was matched to.
type Line struct {
	LineNo         int    `db:"line_no" json:"line_no"`
	LineID         string `db:"line_id" json:"line_id"`
	SKU            string `db:"sku" json:"sku"`
	Name           string `db:"name" json:"name"`
	Unit           string `db:"unit" json:"unit"`
	Quantity       Qty    `db:"quantity_milli" json:"quantity"`
	UnitPriceMinor *int64 `db:"unit_price_minor" json:"unit_price_minor"`
	AmountMinor    int64  `db:"amount_minor" json:"amount_minor"`
	VATRateBP      int    `db:"vat_rate_bp" json:"vat_rate_bp"`
	OrderLineNo    *int   `db:"order_line_no" json:"order_line_no"`
}

// Filter narrows a list of invoices; empty fields do not filter.
type Filter struct {
	Status     Status
	SupplierID string
	OrgID      string
	OrderID    string
	Page       auth.Page
}

// Service is the invoices entry point. It reads orders, agreements and organisations in its
// own SQL (control must see them inside its transaction) and writes only its own tables.
type Service struct {
	db         *sqlx.DB
	validator  Validator
	placements *placements.Service
	now        func() time.Time
	// loyaltyFromBase computes contract loyalty from the base tables instead of the rollups
	// (tests only: the rollups must give the same answer).
	loyaltyFromBase bool
	// loyaltyCandidates is how many suppliers per organisation the report by organisation
	// computes exactly before summing an organisation whole (0: defaultLoyaltyCandidates;
	// tests set few, so that both ways are taken).
	loyaltyCandidates int
	// loyaltySubtractAll subtracts whatever the scope (tests: loyaltySubtractFrom is more
	// buyers than they have).
	loyaltySubtractAll bool
}

// Validator checks a billing document against the UBL 2.1 schema and the EN 16931 and PEPPOL
// BIS Billing 3 rules, returning the fatal rules it breaks (none: valid). A nil Validator
// skips the check (tests of control that build documents by hand).
type Validator func(doc []byte) ([]RuleFailure, error)

// RuleFailure is one fatal assertion of the rules: its id (BR-CO-15, PEPPOL-EN16931-R001, …)
// and its text (peppol.BillingRules.Check returns them).
type RuleFailure = peppol.RuleFailure

// NewService returns the invoices service; validate may be nil (see Validator).
func NewService(db *sqlx.DB, validate Validator) *Service {
	return &Service{db: db, validator: validate, placements: placements.NewService(db), now: func() time.Time { return time.Now().UTC() }}
}

// SetClock replaces the service's clock (for tests of dates).
func (s *Service) SetClock(now func() time.Time) { s.now = now }
