// Package placements holds welfare technology bought as a service (SPEC §7): subscription
// order lines placed at a care recipient's home — medication dispensers, digital supervision,
// alarms — with their committed value, lifecycle, moves between addresses, monthly charges
// and the installed base per organisation and month (the pilot-to-scale curve).
//
// The orders package creates placements inside the order's own transaction (so a placement
// exists exactly when its order line does) and owns the ceilings: ending a placement releases
// value through orders, which calls End here in its transaction and credits the difference.
// Imports go orders → placements → catalog; this package never touches the orders' tables
// except to read them in joins.
//
// Months are calendar months: a period from a date to the day before the same date n months
// later is n months (AddMonths clips to the month's last day, so 31 January + 1 month is the
// last of February). A started month counts as a whole one in committed value, which is a
// maximum that must never be understated against a ceiling; charges, which are what is
// actually owed, are per day.
package placements

import (
	"encoding/json"
	"time"
)

// Kinds of catalogue item.
const (
	KindGoods        = "goods"
	KindSubscription = "subscription"
)

// Status is where a placement is in its lifecycle.
type Status string

// The statuses of a placement:
//
//	ordered ─> installed ─> ended ─> returned
//	   └─> cancelled (with its order, before installation)
const (
	StatusOrdered   Status = "ordered"
	StatusInstalled Status = "installed"
	StatusEnded     Status = "ended"
	StatusReturned  Status = "returned"
	StatusCancelled Status = "cancelled"
)

// ValidStatus reports whether s is a known status.
func ValidStatus(s Status) bool {
	switch s {
	case StatusOrdered, StatusInstalled, StatusEnded, StatusReturned, StatusCancelled:
		return true
	}
	return false
}

// Rule codes of placements (SPEC §4 problem documents).
const (
	CodePersonalData      = "personal_data_not_allowed"
	CodeStartInPast       = "start_date_in_past"
	CodeEndBeforeMinTerm  = "end_before_min_term"
	CodeNoticeTooShort    = "notice_too_short"
	CodeEndAfterAgreement = "end_after_agreement"
	CodeInvalidTransition = "invalid_transition"
	CodePlacementActive   = "placement_installed"
)

// Terms are what a subscription item's placement is bought on, copied from the catalogue when
// the order is placed.
type Terms struct {
	MonthlyPriceMinor int64
	SetupPriceMinor   int64
	MinTermMonths     int
	NoticeMonths      int
}

// Placement is a subscription placed at a care recipient. Dates are "YYYY-MM-DD"; EndDate is
// nil while the placement is open-ended.
type Placement struct {
	ID                string  `db:"id" json:"id"`
	OrderID           string  `db:"order_id" json:"order_id"`
	OrderNumber       string  `db:"order_number" json:"order_number"`
	LineNo            int     `db:"line_no" json:"line_no"`
	AgreementID       string  `db:"agreement_id" json:"agreement_id"`
	ItemID            string  `db:"item_id" json:"item_id"`
	ItemName          string  `db:"item_name" json:"item_name"`
	OrgID             string  `db:"org_id" json:"org_id"`
	OrgName           string  `db:"org_name" json:"org_name"`
	SupplierID        string  `db:"supplier_id" json:"supplier_id"`
	SupplierName      string  `db:"supplier_name" json:"supplier_name"`
	RecipientRef      string  `db:"recipient_ref" json:"recipient_ref"`
	Address           string  `db:"address" json:"address"`
	StartDate         string  `db:"start_date" json:"start_date"`
	EndDate           *string `db:"end_date" json:"end_date"`
	InstalledOn       *string `db:"installed_on" json:"installed_on"`
	ReturnedOn        *string `db:"returned_on" json:"returned_on"`
	Status            Status  `db:"status" json:"status"`
	Currency          string  `db:"currency" json:"currency"`
	MonthlyPriceMinor int64   `db:"monthly_price_minor" json:"monthly_price_minor"`
	SetupPriceMinor   int64   `db:"setup_price_minor" json:"setup_price_minor"`
	MinTermMonths     int     `db:"min_term_months" json:"min_term_months"`
	NoticeMonths      int     `db:"notice_months" json:"notice_months"`
	CommittedMinor    int64   `db:"committed_minor" json:"committed_minor"`
	ReleasedMinor     int64   `db:"released_minor" json:"released_minor"`
	// EarliestEndDate is the first end_date notice given today may name (notice and minimum
	// term), for ordered and installed placements; filled by Get and List.
	EarliestEndDate *string   `db:"-" json:"earliest_end_date,omitempty"`
	CreatedAt       time.Time `db:"created_at" json:"created_at"`
	UpdatedAt       time.Time `db:"updated_at" json:"updated_at"`
	Events          []Event   `db:"-" json:"events,omitempty"`
}

// Event is one recorded move of a placement. Detail holds what the move changed (installed_on,
// end_date, address, recipient_ref, released_minor).
type Event struct {
	ID        int64           `db:"id" json:"id"`
	ActorID   string          `db:"actor_id" json:"actor_id"`
	ActorName string          `db:"actor_name" json:"actor_name"`
	Action    string          `db:"action" json:"action"`
	From      *Status         `db:"from_status" json:"from"`
	To        Status          `db:"to_status" json:"to"`
	Detail    json.RawMessage `db:"detail" json:"detail"`
	CreatedAt time.Time       `db:"created_at" json:"created_at"`
}

// Draft is a placement an order is about to create, with its committed value worked out.
type Draft struct {
	ID           string // made by the order, so its response can name the placement
	LineNo       int
	ItemID       string
	RecipientRef string
	Address      string
	StartDate    time.Time
	EndDate      *time.Time
	Terms        Terms
	Committed    int64
}

// Date parses a "YYYY-MM-DD" date (UTC midnight).
func Date(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

// AddMonths returns d moved n calendar months, clipped to the last day of the target month
// (31 January + 1 month = 28 or 29 February).
func AddMonths(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	if last := DaysIn(first); day > last {
		day = last
	}
	return time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, time.UTC)
}

// DaysIn is the number of days in the month of d.
func DaysIn(d time.Time) int {
	return time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Months is how many calendar months the period from start through end (both included)
// spans, a started month counting as a whole one: 1 March–31 March is 1, 1 March–1 April is
// 2, 15 January–14 March is 2. An end before start is 0.
func Months(start, end time.Time) int {
	if end.Before(start) {
		return 0
	}
	n := (end.Year()-start.Year())*12 + int(end.Month()-start.Month())
	if n < 0 {
		n = 0
	}
	// The period of n months ends the day before AddMonths(start, n); widen until it covers end.
	for !AddMonths(start, n).After(end) {
		n++
	}
	for n > 0 && AddMonths(start, n-1).After(end) {
		n--
	}
	return n
}

// TermEnd is the last day of a period of n months from start: the day before the same date n
// months later (n ≥ 1), or the day before start for n = 0.
func TermEnd(start time.Time, n int) time.Time {
	return AddMonths(start, n).AddDate(0, 0, -1)
}

// CommittedValue is what a placement commits against the ceilings (SPEC §7): setup + monthly
// price × months from start to end, or when end is nil to the agreement's validTo, and at
// least the minimum term.
func CommittedValue(t Terms, start time.Time, end *time.Time, validTo time.Time) int64 {
	last := validTo
	if end != nil {
		last = *end
	}
	n := Months(start, last)
	if n < t.MinTermMonths {
		n = t.MinTermMonths
	}
	return t.SetupPriceMinor + t.MonthlyPriceMinor*int64(n)
}

// EarliestEnd is the first end date notice given on noticeDay may name: at least the notice
// period after noticeDay and not before the minimum term has run from start.
func EarliestEnd(t Terms, start, noticeDay time.Time) time.Time {
	byNotice := TermEnd(noticeDay, t.NoticeMonths)
	if t.NoticeMonths == 0 {
		byNotice = noticeDay
	}
	byTerm := TermEnd(start, t.MinTermMonths)
	if byTerm.After(byNotice) {
		return byTerm
	}
	return byNotice
}

// Month is a calendar month, "YYYY-MM".
type Month struct{ First time.Time }

// ParseMonth parses "YYYY-MM".
func ParseMonth(s string) (Month, bool) {
	t, err := time.Parse("2006-01", s)
	if err != nil || t.Year() < 2000 || t.Year() > 2200 {
		return Month{}, false
	}
	return Month{First: t}, true
}

// String is the month as "YYYY-MM".
func (m Month) String() string { return m.First.Format("2006-01") }

// Last is the month's last day.
func (m Month) Last() time.Time { return m.First.AddDate(0, 1, -1) }

// Next is the following month.
func (m Month) Next() Month { return Month{First: m.First.AddDate(0, 1, 0)} }

// ActiveDays is the number of days of month m on which a placement installed on installedOn
// and ended on end (nil: open) is active; both ends are included.
func ActiveDays(m Month, installedOn time.Time, end *time.Time) int {
	from, to := installedOn, m.Last()
	if from.Before(m.First) {
		from = m.First
	}
	if end != nil && end.Before(to) {
		to = *end
	}
	if to.Before(from) {
		return 0
	}
	return int(to.Sub(from).Hours()/24) + 1
}

// Charge is what a placement costs in month m (SPEC §7): the monthly price × active days /
// days in the month, rounded half up to the minor unit, plus the setup price when it was
// installed in m. A placement never installed costs nothing.
func Charge(t Terms, m Month, installedOn time.Time, end *time.Time) (activeDays int, chargeMinor int64) {
	activeDays = ActiveDays(m, installedOn, end)
	dim := int64(DaysIn(m.First))
	chargeMinor = (2*t.MonthlyPriceMinor*int64(activeDays) + dim) / (2 * dim)
	if !installedOn.Before(m.First) && !installedOn.After(m.Last()) {
		chargeMinor += t.SetupPriceMinor
	}
	return activeDays, chargeMinor
}
