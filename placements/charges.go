package placements

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
)

// ChargeLine is what one placement costs in a month.
type ChargeLine struct {
	PlacementID  string `json:"placement_id"`
	OrgID        string `json:"org_id"`
	OrgName      string `json:"org_name"`
	SupplierID   string `json:"supplier_id"`
	SupplierName string `json:"supplier_name"`
	RecipientRef string `json:"recipient_ref"`
	ItemName     string `json:"item_name"`
	InstalledOn  string `json:"installed_on"`
	EndDate      string `json:"end_date,omitempty"`
	ActiveDays   int    `json:"active_days"`
	SetupMinor   int64  `json:"setup_minor"`
	ChargeMinor  int64  `json:"charge_minor"`
}

// ChargeTotal is a month's charges of one supplier to one organisation: what the supplier's
// invoice for that month must come to (SPEC §9 matches invoices against it).
type ChargeTotal struct {
	SupplierID   string `json:"supplier_id"`
	SupplierName string `json:"supplier_name"`
	OrgID        string `json:"org_id"`
	OrgName      string `json:"org_name"`
	Placements   int    `json:"placements"`
	ChargeMinor  int64  `json:"charge_minor"`
}

// Charges is one month's charges (GET /placements/charges).
type Charges struct {
	Month      string        `json:"month"`
	Lines      []ChargeLine  `json:"lines"`
	Totals     []ChargeTotal `json:"totals"`
	TotalMinor int64         `json:"total_minor"`
}

// ChargeFilter narrows a month's charges.
type ChargeFilter struct {
	Month       string // "YYYY-MM", required
	AgreementID string
	SupplierID  string
	OrgID       string
}

func (f ChargeFilter) validate() (Month, error) {
	var v derr.Validator
	m, ok := ParseMonth(f.Month)
	v.Check(ok, "month", "month", "is required, a month YYYY-MM")
	v.Check(f.AgreementID == "" || auth.ValidUUID(f.AgreementID), "agreement_id", "invalid_id", "must be a UUID")
	v.Check(f.SupplierID == "" || auth.ValidUUID(f.SupplierID), "supplier_id", "invalid_id", "must be a UUID")
	v.Check(f.OrgID == "" || auth.ValidUUID(f.OrgID), "org_id", "invalid_id", "must be a UUID")
	return m, v.Err()
}

// Charges answers what each placement in the caller's scope costs in a month, with totals per
// supplier and organisation: the agreement's managers see their agreements', buyers their
// organisation's, suppliers their own. Errors: Forbidden, Invalid (bad filter).
func (s *Service) Charges(ctx context.Context, c auth.Caller, f ChargeFilter) (Charges, error) {
	if !hasPlacements(c) {
		return Charges{}, derr.Forbiddenf("Your role has no placements.")
	}
	m, err := f.validate()
	if err != nil {
		return Charges{}, err
	}
	cond, args := scope(c, 1)
	return monthCharges(ctx, s.db, cond, args, m, f)
}

// MonthCharges is a month's charges of every placement of one supplier (and, when orgID is
// not empty, one organisation), outside any caller's scope: the expected invoice that invoice
// control matches a supplier's invoice against. Callers must have checked the scope.
// Errors: Invalid (bad month or ids).
func (s *Service) MonthCharges(ctx context.Context, db sqlx.QueryerContext, month, supplierID, orgID string) (Charges, error) {
	f := ChargeFilter{Month: month, SupplierID: supplierID, OrgID: orgID}
	m, err := f.validate()
	if err != nil {
		return Charges{}, err
	}
	if db == nil {
		db = s.db
	}
	return monthCharges(ctx, db, "true", nil, m, f)
}

func monthCharges(ctx context.Context, db sqlx.QueryerContext, cond string, args []any, m Month, f ChargeFilter) (Charges, error) {
	rows, err := installedBetween(ctx, db, cond, args, m.First, m.Last(), f.AgreementID, f.SupplierID, f.OrgID)
	if err != nil {
		return Charges{}, err
	}
	out := Charges{Month: m.String(), Lines: []ChargeLine{}, Totals: []ChargeTotal{}}
	idx := map[[2]string]int{}
	for _, r := range rows {
		l := chargeOf(r, m)
		out.Lines = append(out.Lines, l)
		out.TotalMinor += l.ChargeMinor
		k := [2]string{r.SupplierID, r.OrgID}
		i, ok := idx[k]
		if !ok {
			i = len(out.Totals)
			idx[k] = i
			out.Totals = append(out.Totals, ChargeTotal{SupplierID: r.SupplierID, SupplierName: r.SupplierName, OrgID: r.OrgID, OrgName: r.OrgName})
		}
		out.Totals[i].Placements++
		out.Totals[i].ChargeMinor += l.ChargeMinor
	}
	return out, nil
}

func chargeOf(r chargeRow, m Month) ChargeLine {
	installed, _ := Date(r.InstalledOn)
	var end *time.Time
	l := ChargeLine{PlacementID: r.ID, OrgID: r.OrgID, OrgName: r.OrgName, SupplierID: r.SupplierID, SupplierName: r.SupplierName,
		RecipientRef: r.RecipientRef, ItemName: r.ItemName, InstalledOn: r.InstalledOn}
	if r.EndDate != nil {
		e, _ := Date(*r.EndDate)
		end = &e
		l.EndDate = *r.EndDate
	}
	t := Terms{MonthlyPriceMinor: r.MonthlyPriceMinor, SetupPriceMinor: r.SetupPriceMinor}
	l.ActiveDays, l.ChargeMinor = Charge(t, m, installed, end)
	if !installed.Before(m.First) && !installed.After(m.Last()) {
		l.SetupMinor = r.SetupPriceMinor
	}
	return l
}

// BaseMonth is one organisation's installed base in one month: placements active on at least
// one day of it and what they cost that month.
type BaseMonth struct {
	Month       string `json:"month"`
	OrgID       string `json:"org_id"`
	OrgName     string `json:"org_name"`
	Active      int    `json:"active"`
	ChargeMinor int64  `json:"charge_minor"`
}

// BaseFilter is an installed-base query: months From through To ("YYYY-MM"), at most
// MaxBaseMonths of them.
type BaseFilter struct {
	AgreementID string
	From, To    string
}

// MaxBaseMonths bounds an installed-base query (ten years).
const MaxBaseMonths = 120

// InstalledBase answers active placements per organisation per month with their cost — the
// pilot-to-scale curve — in the caller's scope, ordered by month and organisation name.
// Errors: Forbidden, Invalid.
func (s *Service) InstalledBase(ctx context.Context, c auth.Caller, f BaseFilter) ([]BaseMonth, error) {
	if !hasPlacements(c) {
		return nil, derr.Forbiddenf("Your role has no placements.")
	}
	var v derr.Validator
	from, okFrom := ParseMonth(f.From)
	to, okTo := ParseMonth(f.To)
	v.Check(okFrom, "from", "month", "is required, a month YYYY-MM")
	v.Check(okTo, "to", "month", "is required, a month YYYY-MM")
	v.Check(f.AgreementID == "" || auth.ValidUUID(f.AgreementID), "agreement_id", "invalid_id", "must be a UUID")
	if okFrom && okTo {
		v.Check(!to.First.Before(from.First), "to", "date_order", "may not be before from")
		v.Check(Months(from.First, to.Last()) <= MaxBaseMonths, "to", "range", "at most 120 months after from")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	cond, args := scope(c, 1)
	rows, err := installedBetween(ctx, s.db, cond, args, from.First, to.Last(), f.AgreementID, "", "")
	if err != nil {
		return nil, err
	}
	out := []BaseMonth{}
	for m := from; !m.First.After(to.First); m = m.Next() {
		byOrg := map[string]*BaseMonth{}
		for _, r := range rows {
			l := chargeOf(r, m)
			if l.ActiveDays == 0 {
				continue
			}
			b := byOrg[r.OrgID]
			if b == nil {
				b = &BaseMonth{Month: m.String(), OrgID: r.OrgID, OrgName: r.OrgName}
				byOrg[r.OrgID] = b
			}
			b.Active++
			b.ChargeMinor += l.ChargeMinor
		}
		month := make([]BaseMonth, 0, len(byOrg))
		for _, b := range byOrg {
			month = append(month, *b)
		}
		sort.Slice(month, func(i, j int) bool { return month[i].OrgName < month[j].OrgName })
		out = append(out, month...)
	}
	return out, nil
}

// ChargesCSVHeader is the header row of the charges CSV export.
var ChargesCSVHeader = []string{"month", "placement_id", "supplier_id", "supplier", "org_id", "organization", "recipient_ref",
	"item", "installed_on", "end_date", "active_days", "setup_minor", "charge_minor"}

// CSVRecords are the month's lines as CSV rows, text cells defused against formulas (csvText).
func (ch Charges) CSVRecords() [][]string {
	out := make([][]string, 0, len(ch.Lines))
	for _, l := range ch.Lines {
		out = append(out, []string{ch.Month, l.PlacementID, l.SupplierID, csvText(l.SupplierName), l.OrgID, csvText(l.OrgName),
			csvText(l.RecipientRef), csvText(l.ItemName), l.InstalledOn, l.EndDate, strconv.Itoa(l.ActiveDays),
			strconv.FormatInt(l.SetupMinor, 10), strconv.FormatInt(l.ChargeMinor, 10)})
	}
	return out
}

// csvText defuses a text cell that a spreadsheet would read as a formula (CSV injection).
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
