package frontend

import (
	"net/http"
	"net/url"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/orders"
)

// The manager's list of deviations on the body's agreements (SPEC §6 "Managers in the UI"),
// narrowed by agreement and status, and its CSV export with the API's columns. The orders
// service scopes it: a manager sees the deviations on orders under its own body's agreements.

type deviationsData struct {
	Items      []orders.Deviation
	Total      int
	Agreements []catalog.Agreement
	Agreement  string
	Status     string
	Statuses   []string
	CSV        string // the export's address with the same filter
	Pager      pager
}

var deviationStatuses = []string{"open", "responded", "closed"}

// deviationFilter reads the page's filter; an agreement that is not one of the body's answers
// 404 (the same as the agreement's own page), an unknown status is ignored.
func (s *server) deviationFilter(q *req) (orders.DeviationFilter, []catalog.Agreement, error) {
	qs := q.r.URL.Query()
	f := orders.DeviationFilter{AgreementID: qs.Get("agreement_id"), Status: qs.Get("status")}
	if f.Status != "" && f.Status != "open" && f.Status != "responded" && f.Status != "closed" {
		f.Status = ""
	}
	ags, _, err := s.Catalog.ListAgreements(q.ctx(), *q.caller, catalog.AgreementFilter{Page: auth.Page{Page: 1, PageSize: 100}})
	if err != nil {
		return f, nil, err
	}
	if f.AgreementID != "" {
		if _, err := s.Catalog.GetAgreement(q.ctx(), *q.caller, f.AgreementID); err != nil {
			return f, nil, err
		}
	}
	return f, ags, nil
}

func (s *server) deviationsPage(q *req) error {
	f, ags, err := s.deviationFilter(q)
	if err != nil {
		return err
	}
	f.Page = listPage(q.r, 50)
	list, total, err := s.Orders.ListDeviations(q.ctx(), *q.caller, f)
	if err != nil {
		return err
	}
	filter := url.Values{}
	if f.AgreementID != "" {
		filter.Set("agreement_id", f.AgreementID)
	}
	if f.Status != "" {
		filter.Set("status", f.Status)
	}
	csvURL := "/manager/deviations.csv"
	if len(filter) > 0 {
		csvURL += "?" + filter.Encode()
	}
	return q.render(http.StatusOK, "deviations", "deviations.title", deviationsData{Items: list, Total: total, Agreements: ags,
		Agreement: f.AgreementID, Status: f.Status, Statuses: deviationStatuses, CSV: csvURL,
		Pager: newPager("/manager/deviations", q.r.URL.Query(), f.Page, total)})
}

// deviationsCSV exports every deviation of the page's filter.
func (s *server) deviationsCSV(q *req) error {
	f, _, err := s.deviationFilter(q)
	if err != nil {
		return err
	}
	list, err := s.Orders.ListAllDeviations(q.ctx(), *q.caller, f)
	if err != nil {
		return err
	}
	return writeFollowupCSV(q, "deviations.csv", orders.DeviationCSVHeader, orders.DeviationCSVRecords(list))
}
