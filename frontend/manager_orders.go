package frontend

import (
	"net/http"
	"net/url"

	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/orders"
)

// The manager's list of call-off orders across the body's agreements (SPEC §6 "Managers in
// the UI"): one list, narrowed by agreement, status and cascade orders (a lower-ranked supplier
// with its reason), with its CSV export. The orders service scopes it: a manager sees the orders
// under its own body's agreements.

type managerOrdersData struct {
	Items      []orders.Order
	Total      int
	Agreements []catalog.Agreement
	Agreement  string
	Status     string
	Statuses   []orders.Status
	Cascade    bool
	CSV        string // the export's address with the same filter
	Pager      pager
}

// managerOrderFilter reads the page's filter: an agreement that is not one of the body's
// answers 404 (deviationFilter's rule), an unknown status is ignored.
func (s *server) managerOrderFilter(q *req) (orders.OrderFilter, []catalog.Agreement, url.Values, error) {
	qs := q.r.URL.Query()
	df, ags, err := s.deviationFilter(q)
	if err != nil {
		return orders.OrderFilter{}, nil, nil, err
	}
	f := orders.OrderFilter{AgreementID: df.AgreementID, Cascade: qs.Get("cascade") == "true"}
	if st := orders.Status(qs.Get("status")); orders.ValidStatus(st) {
		f.Status = []orders.Status{st}
	}
	keep := url.Values{}
	if f.AgreementID != "" {
		keep.Set("agreement_id", f.AgreementID)
	}
	if len(f.Status) == 1 {
		keep.Set("status", string(f.Status[0]))
	}
	if f.Cascade {
		keep.Set("cascade", "true")
	}
	return f, ags, keep, nil
}

func (s *server) managerOrdersPage(q *req) error {
	f, ags, keep, err := s.managerOrderFilter(q)
	if err != nil {
		return err
	}
	f.Page = listPage(q.r, 50)
	list, total, err := s.Orders.ListOrders(q.ctx(), *q.caller, f)
	if err != nil {
		return err
	}
	d := managerOrdersData{Items: list, Total: total, Agreements: ags, Agreement: f.AgreementID, Statuses: allStatuses,
		Cascade: f.Cascade, CSV: "/manager/orders.csv", Pager: newPager("/manager/orders", keep, f.Page, total)}
	if len(f.Status) == 1 {
		d.Status = string(f.Status[0])
	}
	if len(keep) > 0 {
		d.CSV += "?" + keep.Encode()
	}
	return q.render(http.StatusOK, "manager_orders", "manager_orders.title", d)
}

// managerOrdersCSV exports every order of the page's filter, with the API's columns.
func (s *server) managerOrdersCSV(q *req) error {
	f, _, _, err := s.managerOrderFilter(q)
	if err != nil {
		return err
	}
	list, err := s.Orders.ListAllOrders(q.ctx(), *q.caller, f)
	if err != nil {
		return err
	}
	name := "orders.csv"
	if f.Cascade {
		name = "cascade-orders.csv"
	}
	return writeFollowupCSV(q, name, orders.OrderCSVHeader, orders.OrderCSVRecords(list))
}
