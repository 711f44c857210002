// Package catalog holds framework agreements, their participants and awarded suppliers,
// catalogue items, effective-dated prices, price changes, price-list import and the
// catalogue cache.
//
// Scope is data (SPEC §1): buyers see the agreements their organisation participates in,
// suppliers the agreements they are awarded and only their own items, managers the agreements
// of their procurement body, admins everything. Anything outside scope is NotFound.
//
// "Today" is the UTC date of the service clock: a price whose effective_from has come is
// current from 00:00 UTC.
package catalog

import (
	"encoding/json"
	"time"

	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
)

// Agreement statuses.
const (
	StatusActive     = "active"
	StatusTerminated = "terminated"
)

// Call-off methods: ranking (cascade, rank 1 first) or direct (any awarded supplier).
const (
	MethodRanking = "ranking"
	MethodDirect  = "direct"
)

// Price-change statuses: applied at once by the rules, pending a manager's decision, or
// decided.
const (
	PriceApplied  = "applied"
	PricePending  = "pending"
	PriceApproved = "approved"
	PriceRejected = "rejected"
)

// Reasons a price increase waits for a manager (PriceChange.StatusReason).
const (
	ReasonExceedsMaxIncrease = "exceeds_max_increase"
	ReasonWithinInterval     = "within_adjustment_interval"
)

// ReasonPriceListImport is the supplier's reason on a price change written by a price-list
// import; a UI shows it as a system text in the reader's language.
const ReasonPriceListImport = "price list import"

// Agreement is a framework agreement run by a procurement body. Dates are "YYYY-MM-DD" and
// inclusive.
type Agreement struct {
	ID                  string `db:"id" json:"id"`
	ProcurementBodyID   string `db:"procurement_body_id" json:"procurement_body_id"`
	ProcurementBodyName string `db:"procurement_body_name" json:"procurement_body_name"`
	// Country is the procurement body's: its VAT rates are the agreement's (SPEC §8).
	Country                       string            `db:"country" json:"country"`
	Reference                     string            `db:"reference" json:"reference"`
	Title                         string            `db:"title" json:"title"`
	Description                   string            `db:"description" json:"description"`
	CPVCode                       string            `db:"cpv_code" json:"cpv_code"`
	Currency                      string            `db:"currency" json:"currency"`
	ValidFrom                     string            `db:"valid_from" json:"valid_from"`
	ValidTo                       string            `db:"valid_to" json:"valid_to"`
	Status                        string            `db:"status" json:"status"`
	TerminatedAt                  *time.Time        `db:"terminated_at" json:"terminated_at"`
	CeilingMinor                  *int64            `db:"ceiling_minor" json:"ceiling_minor"`
	CallOffMethod                 string            `db:"call_off_method" json:"call_off_method"`
	MinOrderMinor                 int64             `db:"min_order_minor" json:"min_order_minor"`
	MaxPriceIncreaseBP            int               `db:"max_price_increase_bp" json:"max_price_increase_bp"`
	PriceAdjustmentIntervalMonths int               `db:"price_adjustment_interval_months" json:"price_adjustment_interval_months"`
	LeadTimeDays                  int               `db:"lead_time_days" json:"lead_time_days"`
	ResponseTimeHours             int               `db:"response_time_hours" json:"response_time_hours"`
	DurationJustification         string            `db:"duration_justification" json:"duration_justification"`
	CatalogueApproval             bool              `db:"catalogue_approval" json:"catalogue_approval"`
	CreatedAt                     time.Time         `db:"created_at" json:"created_at"`
	UpdatedAt                     time.Time         `db:"updated_at" json:"updated_at"`
	Participants                  []Participant     `db:"-" json:"participants"`
	Suppliers                     []AwardedSupplier `db:"-" json:"suppliers"`
}

// Participant is a buyer organisation (or a procurement body that also buys) taking part in an
// agreement, with an optional own ceiling.
type Participant struct {
	AgreementID  string       `db:"agreement_id" json:"-"`
	OrgID        string       `db:"org_id" json:"org_id"`
	Name         string       `db:"name" json:"name"`
	Kind         auth.OrgKind `db:"kind" json:"kind"`
	CeilingMinor *int64       `db:"ceiling_minor" json:"ceiling_minor"`
	EndsOn       *string      `db:"ends_on" json:"ends_on"`
}

// AwardedSupplier is a supplier organisation awarded an agreement, with its rank (1 = first).
type AwardedSupplier struct {
	AgreementID string  `db:"agreement_id" json:"-"`
	OrgID       string  `db:"org_id" json:"org_id"`
	Name        string  `db:"name" json:"name"`
	Rank        int     `db:"rank" json:"rank"`
	EndsOn      *string `db:"ends_on" json:"ends_on"`
}

// ParticipantInput names a participant and its optional own ceiling (null: none).
type ParticipantInput struct {
	OrgID        string `json:"org_id"`
	CeilingMinor *int64 `json:"ceiling_minor"`
	// EndsOn is the participant's last day of ordering ("YYYY-MM-DD"), or nil.
	EndsOn *string `json:"ends_on"`
}

// SupplierInput names an awarded supplier and its rank. When every rank is 0 the suppliers are
// ranked in the order given.
type SupplierInput struct {
	OrgID string `json:"org_id"`
	Rank  int    `json:"rank"`
	// EndsOn is the last day the supplier may be ordered from ("YYYY-MM-DD"), or nil.
	EndsOn *string `json:"ends_on"`
}

// AgreementInput creates an agreement. ProcurementBodyID is the caller's own organisation for
// managers (it may be omitted) and required for admins.
type AgreementInput struct {
	ProcurementBodyID             string `json:"procurement_body_id"`
	Reference                     string `json:"reference"`
	Title                         string `json:"title"`
	Description                   string `json:"description"`
	CPVCode                       string `json:"cpv_code"`
	Currency                      string `json:"currency"`
	ValidFrom                     string `json:"valid_from"`
	ValidTo                       string `json:"valid_to"`
	CeilingMinor                  *int64 `json:"ceiling_minor"`
	CallOffMethod                 string `json:"call_off_method"`
	MinOrderMinor                 int64  `json:"min_order_minor"`
	MaxPriceIncreaseBP            int    `json:"max_price_increase_bp"`
	PriceAdjustmentIntervalMonths *int   `json:"price_adjustment_interval_months"`
	LeadTimeDays                  int    `json:"lead_time_days"`
	// ResponseTimeHours is how long a supplier has to answer an order before the buyer may
	// cascade past it (nil: 48).
	ResponseTimeHours *int `json:"response_time_hours"`
	// DurationJustification records why the agreement runs longer than four years (SPEC §6).
	DurationJustification string `json:"duration_justification"`
	// CatalogueApproval (nil: true) makes new items and term changes wait for a manager.
	CatalogueApproval *bool              `json:"catalogue_approval"`
	Participants      []ParticipantInput `json:"participants"`
	Suppliers         []SupplierInput    `json:"suppliers"`
	// Note is kept with the agreement's creation event.
	Note string `json:"note"`
}

// Optional is a JSON field that distinguishes "absent" (Set false) from null (Set true,
// Value nil), so that a patch can remove a ceiling or an end date.
type Optional[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSON records that the field was present.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.Value = &v
	return nil
}

// OptionalInt64 is an optional amount (a ceiling).
type OptionalInt64 = Optional[int64]

// OptionalString is an optional text (a date).
type OptionalString = Optional[string]

// ParticipantPatch adds a participant or changes one: its ceiling (null removes it) and the
// day it ends (null: it does not end). Absent fields are left alone.
type ParticipantPatch struct {
	OrgID        string         `json:"org_id"`
	CeilingMinor OptionalInt64  `json:"ceiling_minor"`
	EndsOn       OptionalString `json:"ends_on"`
}

// SupplierPatch awards a supplier (Rank required) or changes one: its rank, the day it ends.
type SupplierPatch struct {
	OrgID  string         `json:"org_id"`
	Rank   *int           `json:"rank"`
	EndsOn OptionalString `json:"ends_on"`
}

// AgreementPatch updates an agreement: extend (or correct) its validity (past four years
// only with a duration_justification), change the ceiling (null removes it; never below what
// is committed), add participants and suppliers or change their ceilings, ranks and end
// dates, change the clause, terminate with status "terminated". Absent fields are left alone.
// Note is kept with every history event the patch makes.
type AgreementPatch struct {
	Title                         *string            `json:"title"`
	Description                   *string            `json:"description"`
	ValidTo                       *string            `json:"valid_to"`
	CeilingMinor                  OptionalInt64      `json:"ceiling_minor"`
	MinOrderMinor                 *int64             `json:"min_order_minor"`
	MaxPriceIncreaseBP            *int               `json:"max_price_increase_bp"`
	PriceAdjustmentIntervalMonths *int               `json:"price_adjustment_interval_months"`
	LeadTimeDays                  *int               `json:"lead_time_days"`
	Status                        *string            `json:"status"`
	ValidFrom                     *string            `json:"valid_from"`
	ResponseTimeHours             *int               `json:"response_time_hours"`
	DurationJustification         *string            `json:"duration_justification"`
	CatalogueApproval             *bool              `json:"catalogue_approval"`
	Participants                  []ParticipantPatch `json:"participants"`
	Suppliers                     []SupplierPatch    `json:"suppliers"`
	Note                          string             `json:"note"`
}

// AgreementFilter narrows a list of agreements.
type AgreementFilter struct {
	Status string // "", "active" or "terminated"
	Page   auth.Page
}

// Item is a catalogue item of one agreement and one awarded supplier, with its current price
// and, when one is scheduled, the next price beside it. PriceMinor is nil while no price is in
// effect yet.
type Item struct {
	ID                 string         `db:"id" json:"id"`
	AgreementID        string         `db:"agreement_id" json:"agreement_id"`
	AgreementReference string         `db:"agreement_reference" json:"agreement_reference"`
	AgreementTitle     string         `db:"agreement_title" json:"agreement_title"`
	SupplierID         string         `db:"supplier_id" json:"supplier_id"`
	SupplierName       string         `db:"supplier_name" json:"supplier_name"`
	SupplierRank       int            `db:"supplier_rank" json:"supplier_rank"`
	SKU                string         `db:"sku" json:"sku"`
	GTIN               *string        `db:"gtin" json:"gtin"`
	Name               string         `db:"name" json:"name"`
	Description        string         `db:"description" json:"description"`
	Unit               string         `db:"unit" json:"unit"`
	PackSize           float64        `db:"pack_size" json:"pack_size"`
	CPVCode            string         `db:"cpv_code" json:"cpv_code"`
	EcoLabels          pq.StringArray `db:"eco_labels" json:"eco_labels"`
	VATRateBP          int            `db:"vat_rate_bp" json:"vat_rate_bp"`
	Active             bool           `db:"active" json:"active"`
	// Approval is proposed (waiting for the agreement's managers; seen by no buyer), accepted
	// or rejected (SPEC §6 catalogue approval).
	Approval string `db:"approval" json:"approval"`
	// ImageHash names the item's picture (nil: none); its sizes are served at
	// /api/v1/catalog/items/{id}/image/{hash}/{96|480|full}.
	ImageHash *string `db:"image_hash" json:"image_hash"`
	// SubmissionID names the catalogue submission a write of this item made, if any, and
	// SubmissionStatus is its status then (pending): the 202 answer of SPEC §6.
	SubmissionID           string    `db:"-" json:"submission_id,omitempty"`
	SubmissionStatus       string    `db:"-" json:"status,omitempty"`
	Currency               string    `db:"currency" json:"currency"`
	PriceMinor             *int64    `db:"price_minor" json:"price_minor"`
	PriceEffectiveFrom     *string   `db:"price_effective_from" json:"price_effective_from"`
	NextPriceMinor         *int64    `db:"next_price_minor" json:"next_price_minor"`
	NextPriceEffectiveFrom *string   `db:"next_price_effective_from" json:"next_price_effective_from"`
	Kind                   string    `db:"kind" json:"kind"`
	SetupPriceMinor        *int64    `db:"setup_price_minor" json:"setup_price_minor"`
	MinTermMonths          int       `db:"min_term_months" json:"min_term_months"`
	NoticeMonths           int       `db:"notice_months" json:"notice_months"`
	CreatedAt              time.Time `db:"created_at" json:"created_at"`
	UpdatedAt              time.Time `db:"updated_at" json:"updated_at"`
}

// ItemInput adds an item with its first price. EffectiveFrom is "YYYY-MM-DD" or empty for
// today; PackSize 0 means 1.
type ItemInput struct {
	SKU           string   `json:"sku"`
	GTIN          string   `json:"gtin"`
	Name          string   `json:"name"`
	Description   string   `json:"description"`
	Unit          string   `json:"unit"`
	PackSize      float64  `json:"pack_size"`
	CPVCode       string   `json:"cpv_code"`
	EcoLabels     []string `json:"eco_labels"`
	VATRateBP     *int     `json:"vat_rate_bp"`
	PriceMinor    *int64   `json:"price_minor"`
	EffectiveFrom string   `json:"effective_from"`
	// Kind is goods (default) or subscription (SPEC §7); a subscription's unit is MON and it
	// may carry a setup price (effective with the price), a minimum term and a notice period.
	Kind            string `json:"kind,omitempty"`
	SetupPriceMinor *int64 `json:"setup_price_minor,omitempty"`
	MinTermMonths   int    `json:"min_term_months,omitempty"`
	NoticeMonths    int    `json:"notice_months,omitempty"`
}

// ItemPatch changes an item's description fields or takes it in or out of the catalogue
// (active). Prices change only through SetPrice. Absent fields are left alone.
type ItemPatch struct {
	GTIN        *string   `json:"gtin"`
	Name        *string   `json:"name"`
	Description *string   `json:"description"`
	Unit        *string   `json:"unit"`
	PackSize    *float64  `json:"pack_size"`
	CPVCode     *string   `json:"cpv_code"`
	EcoLabels   *[]string `json:"eco_labels"`
	VATRateBP   *int      `json:"vat_rate_bp"`
	Active      *bool     `json:"active"`
}

// SearchFilter is a catalogue search: free text Q (may be empty), filters and a page.
type SearchFilter struct {
	Q           string
	AgreementID string
	SupplierID  string
	CPV         string // a CPV code prefix: digits only, e.g. "3314"
	Eco         bool   // only items carrying at least one eco-label
	EcoLabel    string // only items carrying this eco-label, e.g. "svanen"
	Page        auth.Page
}

// ItemPage is one page of search results in the shape of every list (SPEC §4). A search
// with more matches than it ranks (search_rank.go) reports PostgreSQL's estimate of the total
// and says so in Estimated.
type ItemPage struct {
	Items     []Item `json:"items"`
	Total     int    `json:"total"`
	Estimated bool   `json:"total_estimated,omitempty"`
	Page      int    `json:"page"`
	PageSize  int    `json:"page_size"`
}

// PriceRequest is a supplier's price change: the new price, from when ("" = today; never in
// the past) and why.
type PriceRequest struct {
	PriceMinor    *int64 `json:"price_minor"`
	EffectiveFrom string `json:"effective_from"`
	Reason        string `json:"reason"`
}

// PriceChange is a kept record of a price change: who asked, when, old and new price, and the
// decision (by the rules, or by a manager).
type PriceChange struct {
	ID            string     `db:"id" json:"id"`
	ItemID        string     `db:"item_id" json:"item_id"`
	ItemSKU       string     `db:"item_sku" json:"item_sku"`
	ItemName      string     `db:"item_name" json:"item_name"`
	AgreementID   string     `db:"agreement_id" json:"agreement_id"`
	SupplierID    string     `db:"supplier_id" json:"supplier_id"`
	SupplierName  string     `db:"supplier_name" json:"supplier_name"`
	Currency      string     `db:"currency" json:"currency"`
	RequestedBy   string     `db:"requested_by" json:"requested_by"`
	OldPriceMinor *int64     `db:"old_price_minor" json:"old_price_minor"`
	NewPriceMinor int64      `db:"new_price_minor" json:"new_price_minor"`
	EffectiveFrom string     `db:"effective_from" json:"effective_from"`
	Reason        string     `db:"reason" json:"reason"`
	Status        string     `db:"status" json:"status"`
	StatusReason  string     `db:"status_reason" json:"status_reason"`
	DecidedBy     *string    `db:"decided_by" json:"decided_by"`
	DecidedAt     *time.Time `db:"decided_at" json:"decided_at"`
	DecisionNote  string     `db:"decision_note" json:"decision_note"`
	CreatedAt     time.Time  `db:"created_at" json:"created_at"`
	// SubmissionID is set instead of ID when the item had no price at all: its first price
	// waits in this catalogue submission (status pending, status_reason first_price).
	SubmissionID string `db:"-" json:"submission_id,omitempty"`
}

// PriceChangeFilter narrows a list of price changes.
type PriceChangeFilter struct {
	Status      string
	AgreementID string
	ItemID      string
	ItemIDs     []string // several items at once (a page of a supplier's catalogue)
	// LatestPerItem keeps only each item's newest change: what a catalogue page shows beside
	// each item, however many changes the items have had.
	LatestPerItem bool
	Page          auth.Page
	id            string // one change by id (GetPriceChange)
}

// ImportReport is what a valid price list did. Unchanged counts rows that matched an item
// and changed nothing.
type ImportReport struct {
	Rows          int `json:"rows"`
	Created       int `json:"created"`
	Updated       int `json:"updated"`
	Unchanged     int `json:"unchanged"`
	PricesApplied int `json:"prices_applied"`
	PricesPending int `json:"prices_pending"`
	// Pending counts the changes waiting in SubmissionID for the agreement's managers: new
	// items and changes of items' contract terms (SPEC §6 catalogue approval).
	Pending      int    `json:"pending"`
	SubmissionID string `json:"submission_id,omitempty"`
	// Images is what the list's pictures did (absent when it names none): a picture that
	// could not be taken is reported here and never fails the import.
	Images *ImageReport `json:"images,omitempty"`
	// Withdrawn counts the items a PEPPOL catalogue's Delete lines or Replace took out of the
	// catalogue at once; a withdrawal waiting for approval counts in Pending.
	Withdrawn int `json:"withdrawn"`
	// Reactivated counts items withdrawn earlier (by a catalogue or by the supplier) that
	// this list names again: they are on sale again at once, with the list's terms and price
	// (under catalogue approval a changed term or price still waits, as for any item).
	Reactivated int `json:"reactivated"`
}
