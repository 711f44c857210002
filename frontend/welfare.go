package frontend

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/orders"
	"github.com/avrop/avrop/placements"
)

// Welfare technology as a service (SPEC §7) in the UI: the buyer orders a device for a care
// recipient and gives notice on it ("Hjälpmedel i hemmet" / "Devices"), the supplier books and
// confirms installations and returns, and the manager follows the rollout — the installed base
// per month drawn as an SVG chart with its table for screen readers — and the month's charges.

func (s *server) welfareRoutes(mux *http.ServeMux) {
	buyer := []auth.Role{auth.RoleOrderer, auth.RoleApprover}
	mux.HandleFunc("GET /devices", s.authed(s.devicesPage, buyer...))
	mux.HandleFunc("POST /devices", s.authed(s.orderDevice, buyer...))
	mux.HandleFunc("POST /devices/{id}/end", s.authed(s.endDevice, buyer...))
	mux.HandleFunc("GET /devices/{id}", s.authed(s.devicePage, buyer...))
	mux.HandleFunc("POST /devices/{id}/move", s.authed(s.moveDevice, buyer...))
	mux.HandleFunc("POST /devices/{id}/outage", s.authed(s.reportOutage, buyer...))
	mux.HandleFunc("GET /supplier/installations", s.authed(s.installationsPage, auth.RoleSupplier))
	mux.HandleFunc("POST /supplier/installations/{id}/{move}", s.authed(s.installationMove, auth.RoleSupplier))
	mux.HandleFunc("GET /rollout", s.authed(s.rolloutPage, auth.RoleManager, auth.RoleApprover))
	mux.HandleFunc("GET /rollout/charges.csv", s.authed(s.rolloutChargesCSV, auth.RoleManager, auth.RoleApprover))
}

// deviceOffer is a subscription item the buyer may order without a cascade reason: on a
// direct agreement, or from the rank-1 supplier of a ranking one.
type deviceOffer struct {
	Value string // agreement/supplier/item
	Item  catalog.Item
}

type devicesData struct {
	Offers     []deviceOffer
	Placements []placements.Placement
	Total      int
	Pager      pager
	Form       *form  // the order form after a refusal
	NoticeFor  string // the placement whose notice form was refused
	Notice     *form
	Today      string
	DefaultDay string // a week from today: the usual start of a new device
}

func (s *server) deviceOffers(q *req) ([]deviceOffer, error) {
	ags, _, err := s.Catalog.ListAgreements(q.ctx(), *q.caller, catalog.AgreementFilter{Status: catalog.StatusActive, Page: auth.Page{PageSize: 100}})
	if err != nil {
		return nil, err
	}
	var out []deviceOffer
	for _, a := range ags {
		items, _, err := s.Catalog.ListAgreementItems(q.ctx(), *q.caller, a.ID, "", auth.Page{Page: 1, PageSize: 100})
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if it.Kind != catalog.KindSubscription || !it.Active || it.PriceMinor == nil ||
				orders.NeedsCascadeReason(a.CallOffMethod, it.SupplierRank) {
				continue
			}
			out = append(out, deviceOffer{Value: a.ID + "/" + it.SupplierID + "/" + it.ID, Item: it})
		}
	}
	return out, nil
}

func (s *server) devicesPage(q *req) error { return s.renderDevices(q, http.StatusOK, nil, "", nil) }

func (s *server) renderDevices(q *req, status int, order *form, noticeFor string, notice *form) error {
	offers, err := s.deviceOffers(q)
	if err != nil {
		return err
	}
	page := listPage(q.r, 25)
	list, total, err := s.Orders.Placements().List(q.ctx(), *q.caller, placements.Filter{OrgID: q.caller.OrgID, Page: page})
	if err != nil {
		return err
	}
	today := s.Now().UTC()
	if order == nil {
		order = &form{}
	}
	if notice == nil {
		notice = &form{}
	}
	d := devicesData{Offers: offers, Placements: list, Total: total, Pager: newPager("/devices", url.Values{}, page, total),
		Form: order, NoticeFor: noticeFor, Notice: notice, Today: today.Format(time.DateOnly), DefaultDay: today.AddDate(0, 0, 7).Format(time.DateOnly)}
	return q.render(status, "devices", "devices.title", d)
}

// orderDevice places an order of one device for one recipient.
func (s *server) orderDevice(q *req) error {
	f := q.r.PostForm
	parts := strings.Split(f.Get("item"), "/")
	in := orders.OrderInput{DeliveryAddress: strings.TrimSpace(f.Get("address")), CostCenter: strings.TrimSpace(f.Get("cost_center"))}
	line := orders.LineInput{Quantity: 1, RecipientRef: strings.TrimSpace(f.Get("recipient_ref")), StartDate: strings.TrimSpace(f.Get("start_date")),
		EndDate: strings.TrimSpace(f.Get("end_date"))}
	if len(parts) == 3 {
		in.AgreementID, in.SupplierID, line.ItemID = parts[0], parts[1], parts[2]
	}
	in.Lines = []orders.LineInput{line}
	o, _, err := s.Orders.CreateOrder(q.ctx(), *q.caller, in, "")
	if err != nil {
		fm, ok := failedForm(q.lang, f, err)
		if !ok {
			return err
		}
		// The order's field names, as the form names them.
		for from, to := range map[string]string{"lines[0].recipient_ref": "recipient_ref", "lines[0].start_date": "start_date",
			"lines[0].end_date": "end_date", "lines[0].item_id": "item", "delivery_address": "address", "agreement_id": "item",
			"supplier_id": "item", "lines[0].address": "address"} {
			if m, ok := fm.Errs[from]; ok {
				fm.Errs[to] = m
			}
		}
		return s.renderDevices(q, statusOf(err), fm, "", nil)
	}
	q.redirect("/devices?msg=device_ordered&order=" + url.QueryEscape(o.Number) + "#placements")
	return nil
}

// endDevice gives notice on a placement.
func (s *server) endDevice(q *req) error {
	id := q.r.PathValue("id")
	_, err := s.Orders.EndPlacement(q.ctx(), *q.caller, id, placements.EndInput{EndDate: strings.TrimSpace(q.r.PostFormValue("end_date"))})
	if err != nil {
		if fm, ok := failedForm(q.lang, q.r.PostForm, err); ok {
			return s.renderDevices(q, statusOf(err), nil, id, fm)
		}
		return err
	}
	q.redirect("/devices?msg=notice_given#placement-" + id)
	return nil
}

type installationsData struct {
	ToInstall, ToReturn []placements.Placement
	Today               string
	FormFor             string
	Form                *form
}

// installationsPage is the supplier's inbox of devices to install (ordered placements of
// approved orders) and to take back (ended placements).
func (s *server) installationsPage(q *req) error {
	return s.renderInstallations(q, http.StatusOK, "", nil)
}

func (s *server) renderInstallations(q *req, status int, formFor string, f *form) error {
	ps := s.Orders.Placements()
	toInstall, _, err := ps.List(q.ctx(), *q.caller, placements.Filter{Status: []placements.Status{placements.StatusOrdered}, Page: auth.Page{PageSize: 100}})
	if err != nil {
		return err
	}
	toReturn, _, err := ps.List(q.ctx(), *q.caller, placements.Filter{Status: []placements.Status{placements.StatusEnded}, Page: auth.Page{PageSize: 100}})
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{}
	}
	d := installationsData{ToInstall: toInstall, ToReturn: toReturn, Today: s.Now().UTC().Format(time.DateOnly), FormFor: formFor, Form: f}
	return q.render(status, "installations", "installations.title", d)
}

func (s *server) installationMove(q *req) error {
	id, move := q.r.PathValue("id"), q.r.PathValue("move")
	var err error
	switch move {
	case "install":
		_, err = s.Orders.Placements().Install(q.ctx(), *q.caller, id, placements.InstallInput{InstalledOn: strings.TrimSpace(q.r.PostFormValue("installed_on"))})
	case "return":
		_, err = s.Orders.Placements().Return(q.ctx(), *q.caller, id)
	default:
		return errNotFound
	}
	if err != nil {
		if fm, ok := failedForm(q.lang, q.r.PostForm, err); ok {
			return s.renderInstallations(q, statusOf(err), id, fm)
		}
		return err
	}
	q.redirect("/supplier/installations?msg=placement_" + move + "ed")
	return nil
}

// rolloutBar is one month of the installed-base chart: the active devices and their cost,
// with the bar's height and position in the SVG's coordinates.
type rolloutBar struct {
	Month       string
	Active      int
	ChargeMinor int64
	X, Y, H     int
	Label       bool // the month is labelled under the axis (every third, and the last)
	Last        bool // the last month, labelled flush right so that it stays inside the chart
}

type rolloutData struct {
	Agreements      []catalog.Agreement
	AgreementID     string
	Currency        string
	From, To, Month string
	Bars            []rolloutBar
	Top             int
	ChartW, BarW    int
	Orgs            []placements.BaseMonth // the last month, by organisation
	Charges         placements.Charges
	Errors          map[string]string
	General         string
}

// Chart geometry: bars in a 640 × 200 box above the axis labels.
const (
	chartW, chartH = 640, 200
)

// rolloutPage shows the installed base per month as a bar chart and table, the last month by
// organisation, and a month's charges per supplier and organisation.
func (s *server) rolloutPage(q *req) error {
	qs := q.r.URL.Query()
	now := s.Now().UTC()
	d := rolloutData{AgreementID: qs.Get("agreement"), From: qs.Get("from"), To: qs.Get("to"), Month: qs.Get("month"), Currency: "SEK",
		ChartW: chartW}
	if d.To == "" {
		d.To = now.Format("2006-01")
	}
	if d.From == "" {
		d.From = now.AddDate(0, -23, 0).Format("2006-01")
	}
	if d.Month == "" {
		d.Month = d.To
	}
	ags, _, err := s.Catalog.ListAgreements(q.ctx(), *q.caller, catalog.AgreementFilter{Page: auth.Page{PageSize: 100}})
	if err != nil {
		return err
	}
	d.Agreements = ags
	for _, a := range ags {
		if a.ID == d.AgreementID {
			d.Currency = a.Currency
		}
	}
	status := http.StatusOK
	base, err := s.Orders.Placements().InstalledBase(q.ctx(), *q.caller, placements.BaseFilter{AgreementID: d.AgreementID, From: d.From, To: d.To})
	if err == nil {
		d.Charges, err = s.Orders.Placements().Charges(q.ctx(), *q.caller, placements.ChargeFilter{Month: d.Month, AgreementID: d.AgreementID})
	}
	if err != nil {
		byField, general, ok := fieldErrors(q.lang, err)
		if !ok {
			return err
		}
		d.Errors, d.General, status = byField, general, http.StatusUnprocessableEntity
		return q.render(status, "rollout", "rollout.title", d)
	}
	d.Bars, d.Top, d.BarW = rolloutBars(base, d.From, d.To)
	for _, b := range base {
		if b.Month == d.To {
			d.Orgs = append(d.Orgs, b)
		}
	}
	return q.render(status, "rollout", "rollout.title", d)
}

// rolloutBars sums the installed base per month and lays the months out as bars.
func rolloutBars(base []placements.BaseMonth, from, to string) (bars []rolloutBar, top, barW int) {
	f, _ := placements.ParseMonth(from)
	t, _ := placements.ParseMonth(to)
	idx := map[string]int{}
	for m := f; !m.First.After(t.First); m = m.Next() {
		idx[m.String()] = len(bars)
		bars = append(bars, rolloutBar{Month: m.String()})
	}
	for _, b := range base {
		if i, ok := idx[b.Month]; ok {
			bars[i].Active += b.Active
			bars[i].ChargeMinor += b.ChargeMinor
		}
	}
	for _, b := range bars {
		top = max(top, b.Active)
	}
	if len(bars) == 0 {
		return nil, 0, 0
	}
	step := chartW / len(bars)
	barW = max(2, step*3/4)
	for i := range bars {
		h := 0
		if top > 0 {
			h = bars[i].Active * chartH / top
		}
		bars[i].X, bars[i].H, bars[i].Y = i*step+(step-barW)/2, h, chartH-h
		// Every third month is labelled, and the last; a label too close to the last one is left out.
		bars[i].Label = i%3 == 0 && i < len(bars)-3
		bars[i].Last = i == len(bars)-1
	}
	return bars, top, barW
}

// rolloutChargesCSV exports a month's charges in the API's columns.
func (s *server) rolloutChargesCSV(q *req) error {
	qs := q.r.URL.Query()
	ch, err := s.Orders.Placements().Charges(q.ctx(), *q.caller, placements.ChargeFilter{Month: qs.Get("month"), AgreementID: qs.Get("agreement")})
	if err != nil {
		return err
	}
	return writeFollowupCSV(q, fmt.Sprintf("charges-%s.csv", ch.Month), placements.ChargesCSVHeader, ch.CSVRecords())
}
