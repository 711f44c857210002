// Package orders holds call-off orders: creation under the agreement's rules, ceilings,
// approvals, the lifecycle and its events, deviations and follow-up.
//
// Every rule that must hold under concurrency is enforced inside one PostgreSQL transaction:
//
//   - Ceilings. The agreement's committed value lives in UsageSlots counter rows per agreement
//     (agreement_usage); an order debits one slot against that slot's allowance, its share of
//     the remaining ceiling, with one conditional UPDATE; when the slot has no room the order is
//     retried on the exact path, which locks every slot in order, checks the sum against the
//     ceiling and shares the remainder out again. The participant's ceiling is one conditional
//     upsert of participant_usage. Both are the transaction's last statement before COMMIT, so
//     the hot rows are locked only briefly, and CHECK constraints are the backstop. The ceilings
//     are read from the catalogue's rows under a share lock taken at the start of the order, so
//     a manager's change of a ceiling waits for orders in flight and orders after it see the
//     new value (a changed ceiling sends the next order down the exact path).
//   - Lifecycle moves lock the order's row; every move writes an order_events row, which a
//     trigger refuses to update or delete.
//   - Idempotency keys (per user, 24 hours) are claimed in the order's own transaction under a
//     transaction-scoped advisory lock, which tells a request racing one in flight (409) from
//     a repeat (the stored first response) or a reuse with another body (422). A refused
//     request stores nothing.
//
// Money: line total = unit price × quantity; the order's VAT is computed per VAT rate over the
// sum of the lines at that rate, rounded half up once per rate (BR-CO-17, VATByRate); each line
// keeps its own rounded VAT for information; totals are integer minor units.
//
// Scope: a buyer's orderers and approvers see their organisation's orders, a supplier the
// orders addressed to it from approval on (its inbox), a manager the orders on their
// procurement body's agreements; anything else is NotFound. The package never imports
// net/http; it takes an auth.Caller and returns values and *derr.Error for expected failures.
package orders

import (
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/placements"
)

// Status is where an order is in its lifecycle (SPEC §2).
type Status string

// The statuses of the lifecycle.
const (
	StatusPendingApproval Status = "pending_approval"
	StatusApproved        Status = "approved"
	StatusRejected        Status = "rejected"
	StatusAccepted        Status = "accepted"
	StatusDeclined        Status = "declined"
	StatusShipped         Status = "shipped"
	StatusDelivered       Status = "delivered"
	StatusCancelled       Status = "cancelled"
)

// Committed reports whether an order in status s counts against the ceilings.
func (s Status) Committed() bool {
	switch s {
	case StatusPendingApproval, StatusApproved, StatusAccepted, StatusShipped, StatusDelivered:
		return true
	}
	return false
}

// ValidStatus reports whether s is a known status.
func ValidStatus(s Status) bool {
	return s.Committed() || s == StatusRejected || s == StatusDeclined || s == StatusCancelled
}

// Cascade reasons: why an order on a ranking agreement skips a higher-ranked supplier.
const (
	CascadeHigherRankDeclined      = "higher_rank_declined"
	CascadeHigherRankNoReply       = "higher_rank_no_reply"
	CascadeHigherRankCannotDeliver = "higher_rank_cannot_deliver"
)

// Order is a call-off order with its snapshotted lines and its events. Money is in minor
// units of Currency: TotalMinor excludes VAT, VATMinor is the VAT per rate (VATByRate), and
// TotalInclVATMinor is their sum.
type Order struct {
	ID                 string `db:"id" json:"id"`
	Number             string `db:"number" json:"number"`
	BuyerOrgID         string `db:"buyer_org_id" json:"buyer_org_id"`
	BuyerOrgName       string `db:"buyer_org_name" json:"buyer_org_name"`
	OrderedBy          string `db:"ordered_by" json:"ordered_by"`
	OrderedByName      string `db:"ordered_by_name" json:"ordered_by_name"`
	AgreementID        string `db:"agreement_id" json:"agreement_id"`
	AgreementReference string `db:"agreement_reference" json:"agreement_reference"`
	SupplierID         string `db:"supplier_id" json:"supplier_id"`
	SupplierName       string `db:"supplier_name" json:"supplier_name"`
	SupplierRank       int    `db:"supplier_rank" json:"supplier_rank"`
	Status             Status `db:"status" json:"status"`
	Currency           string `db:"currency" json:"currency"`
	TotalMinor         int64  `db:"total_minor" json:"total_minor"`
	VATMinor           int64  `db:"vat_minor" json:"vat_minor"`
	TotalInclVATMinor  int64  `db:"-" json:"total_incl_vat_minor"`
	// VATByRate breaks VATMinor down per rate (filled with the lines, by GetOrder).
	VATByRate             []RateVAT  `db:"-" json:"vat_by_rate,omitempty"`
	DeliveryAddress       string     `db:"delivery_address" json:"delivery_address"`
	CostCenter            string     `db:"cost_center" json:"cost_center"`
	RequestedDeliveryDate *string    `db:"requested_delivery_date" json:"requested_delivery_date"`
	Note                  string     `db:"note" json:"note"`
	CascadeReason         *string    `db:"cascade_reason" json:"cascade_reason"`
	CascadeNote           string     `db:"cascade_note" json:"cascade_note"`
	DeclinedOrderID       *string    `db:"declined_order_id" json:"declined_order_id"`
	DeclineReason         string     `db:"decline_reason" json:"decline_reason"`
	UsageSlot             int        `db:"usage_slot" json:"-"` // the agreement usage slot its value was debited from
	ApprovedAt            *time.Time `db:"approved_at" json:"approved_at"`
	AcceptedAt            *time.Time `db:"accepted_at" json:"accepted_at"`
	ShippedAt             *time.Time `db:"shipped_at" json:"shipped_at"`
	DeliveredAt           *time.Time `db:"delivered_at" json:"delivered_at"`
	CreatedAt             time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt             time.Time  `db:"updated_at" json:"updated_at"`
	// The supplier's answer (SPEC §8): AP accepted, RE declined, CA accepted with changes (nil
	// before an answer), its reason, the promised delivery date and when it came.
	ResponseCode         *string    `db:"response_code" json:"response_code"`
	ResponseReason       string     `db:"response_reason" json:"response_reason"`
	PromisedDeliveryDate *string    `db:"promised_delivery_date" json:"promised_delivery_date"`
	RespondedAt          *time.Time `db:"responded_at" json:"responded_at"`
	// Lines and Events are filled by GetOrder and CreateOrder, not by lists.
	Lines  []Line  `db:"-" json:"lines,omitempty"`
	Events []Event `db:"-" json:"events,omitempty"`
	// drafts are the placements of the order's subscription lines, written after the order.
	drafts []placements.Draft
}

// Line is one line of an order as it was when the order was created.
type Line struct {
	LineNo         int    `db:"line_no" json:"line_no"`
	ItemID         string `db:"item_id" json:"item_id"`
	SKU            string `db:"sku" json:"sku"`
	Name           string `db:"name" json:"name"`
	Unit           string `db:"unit" json:"unit"`
	Quantity       int    `db:"quantity" json:"quantity"`
	UnitPriceMinor int64  `db:"unit_price_minor" json:"unit_price_minor"`
	VATRateBP      int    `db:"vat_rate_bp" json:"vat_rate_bp"`
	LineTotalMinor int64  `db:"line_total_minor" json:"line_total_minor"`
	LineVATMinor   int64  `db:"line_vat_minor" json:"line_vat_minor"`
	// EcoLabels and PackSize are the item's as they were when the order was placed (the
	// database snapshots them as the line is written), so follow-up never rewrites history.
	EcoLabels pq.StringArray `db:"eco_labels" json:"eco_labels"`
	PackSize  float64        `db:"pack_size" json:"pack_size"`
	// A subscription line's placement (SPEC §7); absent on goods lines.
	PlacementID  *string `db:"placement_id" json:"placement_id,omitempty"`
	RecipientRef *string `db:"recipient_ref" json:"recipient_ref,omitempty"`
	StartDate    *string `db:"start_date" json:"start_date,omitempty"`
	EndDate      *string `db:"end_date" json:"end_date,omitempty"`
	// QuantityConfirmed is what the supplier confirmed of Quantity (nil before its answer);
	// LineTotalMinor and LineVATMinor then follow the confirmed quantity.
	QuantityConfirmed *int `db:"quantity_confirmed" json:"quantity_confirmed"`
	// QuantityShipped is what the supplier has shipped so far; QuantityReceived what the buyer
	// received (nil before the delivery is confirmed).
	QuantityShipped  int  `db:"quantity_shipped" json:"quantity_shipped"`
	QuantityReceived *int `db:"quantity_received" json:"quantity_received"`
}

// confirmed is the quantity the supplier is to deliver: its confirmation, else as ordered.
func (l Line) confirmed() int {
	if l.QuantityConfirmed != nil {
		return *l.QuantityConfirmed
	}
	return l.Quantity
}

// Event is one recorded move of an order; From is nil for the creation.
type Event struct {
	ID        int64   `db:"id" json:"id"`
	ActorID   string  `db:"actor_id" json:"actor_id"`
	ActorName string  `db:"actor_name" json:"actor_name"`
	From      *Status `db:"from_status" json:"from"`
	To        Status  `db:"to_status" json:"to"`
	Note      string  `db:"note" json:"note"`
	// Code is a rule the event records, shown to people in their language: split_suspected
	// on a creation event, no_reply on a cancellation by a cascade order.
	Code      string    `db:"code" json:"code,omitempty"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// OrderInput is the body of POST /orders (SPEC §4 wire example). Quantities are positive
// integers; RequestedDeliveryDate is a date (YYYY-MM-DD) or empty. CascadeReason and
// CascadeNote are required when ordering from a supplier below rank 1 on a ranking agreement;
// DeclinedOrderID names the declined order when CascadeReason is higher_rank_declined.
type OrderInput struct {
	AgreementID           string      `json:"agreement_id"`
	SupplierID            string      `json:"supplier_id"`
	Lines                 []LineInput `json:"lines"`
	DeliveryAddress       string      `json:"delivery_address"`
	CostCenter            string      `json:"cost_center"`
	RequestedDeliveryDate string      `json:"requested_delivery_date"`
	Note                  string      `json:"note"`
	CascadeReason         string      `json:"cascade_reason"`
	CascadeNote           string      `json:"cascade_note"`
	DeclinedOrderID       string      `json:"declined_order_id"`
}

// LineInput is one requested line: an item of the agreement and supplier, and a quantity.
type LineInput struct {
	ItemID   string `json:"item_id"`
	Quantity int64  `json:"quantity"`
	// A subscription item's line (SPEC §7): quantity 1, the recipient's pseudonymous
	// reference, start and optional end (YYYY-MM-DD), and the address when it is not the
	// order's delivery address. Goods lines leave them empty.
	RecipientRef string `json:"recipient_ref,omitempty"`
	StartDate    string `json:"start_date,omitempty"`
	EndDate      string `json:"end_date,omitempty"`
	Address      string `json:"address,omitempty"`
}

// Action is a lifecycle move (SPEC §2).
type Action string

// The lifecycle moves, each a POST /orders/{id}/<action>.
const (
	ActionApprove Action = "approve"
	ActionReject  Action = "reject"
	ActionCancel  Action = "cancel"
	ActionAccept  Action = "accept"
	ActionDecline Action = "decline"
	ActionShip    Action = "ship"
	ActionDeliver Action = "deliver"
)

// Actions lists every move, in lifecycle order.
var Actions = []Action{ActionApprove, ActionReject, ActionCancel, ActionAccept, ActionDecline, ActionShip, ActionDeliver}

// OrderFilter narrows a list of orders. Empty fields do not filter. Mine keeps the orders the
// caller placed; Cascade keeps orders that skipped the ranking (with a cascade reason).
type OrderFilter struct {
	Status      []Status
	AgreementID string
	SupplierID  string
	BuyerOrgID  string
	Mine        bool
	Cascade     bool
	Page        auth.Page
}

// DeviationKind is what went wrong with a delivery.
type DeviationKind string

// The deviation kinds of SPEC §2.
const (
	DeviationLate      DeviationKind = "late"
	DeviationWrongItem DeviationKind = "wrong_item"
	DeviationDamaged   DeviationKind = "damaged"
	DeviationMissing   DeviationKind = "missing"
	DeviationQuality   DeviationKind = "quality"
	DeviationOther     DeviationKind = "other"
	// DeviationServiceOutage is a placed device out of service (SPEC §7), reported on the
	// placement with ReportOutage and answered against the agreement's service_response_hours.
	DeviationServiceOutage DeviationKind = "service_outage"
)

// ValidDeviationKind reports whether k is a known kind.
func ValidDeviationKind(k DeviationKind) bool {
	switch k {
	case DeviationLate, DeviationWrongItem, DeviationDamaged, DeviationMissing, DeviationQuality, DeviationOther:
		return true
	}
	return false
}

// Deviation is a buyer's report of a problem with an order, the supplier's response and the
// manager's closing.
type Deviation struct {
	ID          string `db:"id" json:"id"`
	OrderID     string `db:"order_id" json:"order_id"`
	OrderNumber string `db:"order_number" json:"order_number"`
	AgreementID string `db:"agreement_id" json:"agreement_id"`
	// AgreementReference, SupplierName and BuyerOrgName name the parties for lists and exports.
	AgreementReference string        `db:"agreement_reference" json:"agreement_reference"`
	SupplierID         string        `db:"supplier_id" json:"supplier_id"`
	SupplierName       string        `db:"supplier_name" json:"supplier_name"`
	BuyerOrgID         string        `db:"buyer_org_id" json:"buyer_org_id"`
	BuyerOrgName       string        `db:"buyer_org_name" json:"buyer_org_name"`
	Kind               DeviationKind `db:"kind" json:"kind"`
	Description        string        `db:"description" json:"description"`
	PlacementID        *string       `db:"placement_id" json:"placement_id,omitempty"` // a service outage's placement
	Status             string        `db:"status" json:"status"`                       // open, responded, closed
	ReportedBy         string        `db:"reported_by" json:"reported_by"`
	Response           string        `db:"response" json:"response"`
	RespondedBy        *string       `db:"responded_by" json:"responded_by"`
	RespondedAt        *time.Time    `db:"responded_at" json:"responded_at"`
	CloseNote          string        `db:"close_note" json:"close_note"`
	ClosedBy           *string       `db:"closed_by" json:"closed_by"`
	ClosedAt           *time.Time    `db:"closed_at" json:"closed_at"`
	CreatedAt          time.Time     `db:"created_at" json:"created_at"`
	UpdatedAt          time.Time     `db:"updated_at" json:"updated_at"`
	// LineNo and QuantityMissing are set on a `missing` deviation opened by a short receipt.
	LineNo          *int `db:"line_no" json:"line_no"`
	QuantityMissing *int `db:"quantity_missing" json:"quantity_missing"`
}

// DeviationInput is a buyer's report.
type DeviationInput struct {
	Kind        DeviationKind `json:"kind"`
	Description string        `json:"description"`
}

// DeviationFilter narrows the per-supplier list of deviations.
type DeviationFilter struct {
	SupplierID  string
	AgreementID string
	Status      string
	Page        auth.Page
}

// Usage is an agreement's committed value against its ceilings (SPEC §2 Follow-up).
// CeilingMinor, RemainingMinor and PercentUsed are nil when the agreement has no ceiling;
// ForecastExhaustionDate is the date the ceiling will be reached at the pace of the last 90
// days' committed orders, nil without a ceiling or without orders in that window.
type Usage struct {
	AgreementID            string   `json:"agreement_id"`
	Currency               string   `json:"currency"`
	CeilingMinor           *int64   `json:"ceiling_minor"`
	CommittedMinor         int64    `json:"committed_minor"`
	RemainingMinor         *int64   `json:"remaining_minor"`
	PercentUsed            *float64 `json:"percent_used"`
	PaceMinorPerDay        int64    `json:"pace_minor_per_day"`
	ForecastExhaustionDate *string  `json:"forecast_exhaustion_date"`
	// ValidTo is the agreement's last day; ProjectedAtEndMinor the committed value on that day
	// at the pace of the last 90 days (SPEC §6 "Forecast to the end").
	ValidTo             string             `json:"valid_to"`
	ProjectedAtEndMinor int64              `json:"projected_at_end_minor"`
	Participants        []ParticipantUsage `json:"participants"`
	Warnings            []UsageWarning     `json:"warnings"`
}

// ParticipantUsage is one participant's committed value against its own ceiling.
type ParticipantUsage struct {
	OrgID          string   `db:"org_id" json:"org_id"`
	OrgName        string   `db:"org_name" json:"org_name"`
	CommittedMinor int64    `db:"committed_minor" json:"committed_minor"`
	CeilingMinor   *int64   `db:"ceiling_minor" json:"ceiling_minor"`
	RemainingMinor *int64   `db:"-" json:"remaining_minor"`
	PercentUsed    *float64 `db:"-" json:"percent_used"`
}

// UsageWarning says that committed value has passed 80 % or 95 % of a ceiling: the
// agreement's (OrgID empty) or a participant's.
type UsageWarning struct {
	Scope       string  `json:"scope"` // "agreement" or "participant"
	OrgID       string  `json:"org_id,omitempty"`
	Level       int     `json:"level"` // 80 or 95
	PercentUsed float64 `json:"percent_used"`
	Message     string  `json:"message"`
}

// Service is the orders entry point. It reads the catalogue's tables in its own SQL (an
// order's checks must see them inside the order's transaction) and writes only its own.
type Service struct {
	db         *sqlx.DB
	catalog    *catalog.Service
	placements *placements.Service
	now        func() time.Time
	stmts      *statements
	reads      *postgres.Reads // follow-up's reads: the replica when it may serve them (SetReads)
}

// NewService returns the orders service.
func NewService(db *sqlx.DB, cat *catalog.Service) *Service {
	s := &Service{db: db, catalog: cat, placements: placements.NewService(db), now: func() time.Time { return time.Now().UTC() },
		stmts: newStatements(db)}
	if cat != nil {
		cat.SetValidToHook(s.revalueOpenPlacements)
	}
	return s
}

// SetClock replaces the service's clock (for tests of dates and forecasts) and its
// placements'.
func (s *Service) SetClock(now func() time.Time) {
	s.now = now
	s.placements.SetClock(now)
}
