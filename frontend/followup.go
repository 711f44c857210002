package frontend

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/orders"
)

// Follow-up ("Uppföljning", SPEC §5): spend grouped by a chosen dimension with a bar chart
// drawn as inline SVG (the figures stand as text beside every bar, so the chart is decoration
// for sighted users and the table is the data for everyone), the eco-labelled share, the
// supplier scorecards and CSV exports with the same columns as the API's. Managers see their
// procurement body's agreements; approvers their own organisation's orders (the orders
// service decides the scope).

// followupRoles may open the follow-up pages.
var followupRoles = []auth.Role{auth.RoleManager, auth.RoleApprover}

type groupOption struct {
	Value, Label string
	Selected     bool
}

// spendBar is a spend row with its label for the page and the bar widths (0–100) of its
// total against the largest group and of its eco-labelled part.
type spendBar struct {
	orders.SpendRow
	Name            string
	Width, EcoWidth int
}

type followupData struct {
	GroupBy, From, To string
	GroupLabel        string
	Options           []groupOption
	Rows              []spendBar
	Groups            int
	Totals            []orders.SpendTotal
	Cards             []scorecardRow
	InvoiceColumn     bool // the caller's roles see invoices: the matched share is shown
	OwnOnly           bool
	Errors            map[string]string
	General           string
}

// followupFilter reads the selection from the query: group_by (default organization), from,
// to. The orders service validates it.
func followupFilter(r *http.Request) orders.SpendFilter {
	qs := r.URL.Query()
	f := orders.SpendFilter{GroupBy: orders.SpendGroup(qs.Get("group_by")), From: strings.TrimSpace(qs.Get("from")), To: strings.TrimSpace(qs.Get("to")),
		Page: auth.Page{Page: 1, PageSize: 100}}
	if !qs.Has("group_by") {
		f.GroupBy = orders.GroupOrganization
	}
	return f
}

func groupLabels(lang string) map[orders.SpendGroup]string {
	return map[orders.SpendGroup]string{
		orders.GroupOrganization: translate(lang, "followup.by_organization"),
		orders.GroupSupplier:     translate(lang, "followup.by_supplier"),
		orders.GroupAgreement:    translate(lang, "followup.by_agreement"),
		orders.GroupCPV:          translate(lang, "followup.by_cpv"),
		orders.GroupCostCenter:   translate(lang, "followup.by_cost_center"),
		orders.GroupOrderer:      translate(lang, "followup.by_orderer"),
		orders.GroupMonth:        translate(lang, "followup.by_month"),
	}
}

func (s *server) followupPage(q *req) error {
	f := followupFilter(q.r)
	labels := groupLabels(q.lang)
	d := followupData{GroupBy: string(f.GroupBy), From: f.From, To: f.To, GroupLabel: labels[f.GroupBy], Totals: []orders.SpendTotal{},
		OwnOnly: !q.caller.Has(auth.RoleManager)}
	for _, g := range orders.SpendGroups {
		d.Options = append(d.Options, groupOption{Value: string(g), Label: labels[g], Selected: g == f.GroupBy})
	}
	status := http.StatusOK
	sp, err := s.Orders.Spend(q.ctx(), *q.caller, f)
	if err != nil {
		byField, general, ok := fieldErrors(q.lang, err)
		if !ok {
			return err
		}
		d.Errors, d.General, status = byField, general, http.StatusUnprocessableEntity
	} else {
		d.Groups, d.Totals = sp.Groups, sp.Totals
		var top int64
		for _, r := range sp.Rows {
			top = max(top, r.TotalMinor)
		}
		for _, r := range sp.Rows {
			name := r.Label
			if name == "" && f.GroupBy == orders.GroupCostCenter {
				name = translate(q.lang, "followup.no_cost_center")
			}
			d.Rows = append(d.Rows, spendBar{SpendRow: r, Name: name,
				Width: orders.ShareBP(r.TotalMinor, top) / 100, EcoWidth: orders.ShareBP(r.EcoMinor, top) / 100})
		}
	}
	cards, err := s.Orders.Scorecards(q.ctx(), *q.caller, "")
	if err != nil {
		return err
	}
	d.InvoiceColumn = s.Invoices != nil && q.caller.HasAny(auth.RoleSupplier, auth.RoleApprover, auth.RoleManager)
	for _, c := range cards {
		row := scorecardRow{Scorecard: c}
		if d.InvoiceColumn {
			// SPEC §9: the share of the supplier's invoices (in the caller's scope) matched
			// without finding, as the API's scorecard adds it.
			sh, err := s.Invoices.MatchedShare(q.ctx(), *q.caller, c.SupplierID)
			if err != nil {
				return err
			}
			row.Invoices = &sh
		}
		d.Cards = append(d.Cards, row)
	}
	return q.render(status, "followup", "followup.title", d)
}

// scorecardRow is a supplier's scorecard with its invoice figure (nil when not shown).
type scorecardRow struct {
	orders.Scorecard
	Invoices *invoices.InvoiceShare
}

// followupSpendCSV exports every group of the selection, in the API's columns.
func (s *server) followupSpendCSV(q *req) error {
	f := followupFilter(q.r)
	f.All = true
	sp, err := s.Orders.Spend(q.ctx(), *q.caller, f)
	if err != nil {
		return err
	}
	return writeFollowupCSV(q, "spend-"+string(f.GroupBy)+".csv", orders.SpendCSVHeader, sp.CSVRecords())
}

// followupScorecardsCSV exports every scorecard in the caller's scope, in the API's columns.
func (s *server) followupScorecardsCSV(q *req) error {
	cards, err := s.Orders.Scorecards(q.ctx(), *q.caller, "")
	if err != nil {
		return err
	}
	return writeFollowupCSV(q, "scorecards.csv", orders.ScorecardCSVHeader, orders.ScorecardCSVRecords(cards))
}

func writeFollowupCSV(q *req, filename string, header []string, records [][]string) error {
	h := q.w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	h.Set("Cache-Control", "no-store")
	q.w.WriteHeader(http.StatusOK)
	w := csv.NewWriter(q.w)
	if err := w.Write(header); err != nil {
		return err
	}
	return w.WriteAll(records)
}

// Hundredths formats hundredths with two decimals in the page's language: 250 → "2,50" / "2.50".
func (v *view) Hundredths(n int) string {
	s := strconv.Itoa(n/100) + "." + strconv.Itoa(n%100/10) + strconv.Itoa(n%10)
	if decimalComma(v.Lang) {
		return strings.Replace(s, ".", ",", 1)
	}
	return s
}
