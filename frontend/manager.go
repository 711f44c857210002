package frontend

import (
	"net/http"
	"strings"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/orders"
)

type agreementRow struct {
	catalog.Agreement
	Usage *orders.Usage
}

func (s *server) agreements(q *req) error {
	list, total, err := s.Catalog.ListAgreements(q.ctx(), *q.caller, catalog.AgreementFilter{Page: auth.Page{PageSize: 100}})
	if err != nil {
		return err
	}
	rows := make([]agreementRow, len(list))
	for i, a := range list {
		rows[i].Agreement = a
		if u, err := s.Orders.Usage(q.ctx(), *q.caller, a.ID); err == nil {
			rows[i].Usage = &u
		}
	}
	return q.render(http.StatusOK, "agreements", "agreements.title", map[string]any{"Items": rows, "Total": total})
}

type agreementData struct {
	Agreement    catalog.Agreement
	Usage        *orders.Usage
	Participants map[string]orders.ParticipantUsage
	Pending      []catalog.PriceChange
	Cascade      []orders.Order
}

func (s *server) agreementPage(q *req) error {
	a, err := s.Catalog.GetAgreement(q.ctx(), *q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	d := agreementData{Agreement: a, Participants: map[string]orders.ParticipantUsage{}}
	if u, err := s.Orders.Usage(q.ctx(), *q.caller, a.ID); err == nil {
		d.Usage = &u
		for _, p := range u.Participants {
			d.Participants[p.OrgID] = p
		}
	} else {
		return err
	}
	d.Pending, _, err = s.Catalog.ListPriceChanges(q.ctx(), *q.caller, catalog.PriceChangeFilter{AgreementID: a.ID, Status: catalog.PricePending, Page: auth.Page{PageSize: 100}})
	if err != nil {
		return err
	}
	d.Cascade, _, err = s.Orders.ListOrders(q.ctx(), *q.caller, orders.OrderFilter{AgreementID: a.ID, Cascade: true, Page: auth.Page{PageSize: 20}})
	if err != nil {
		return err
	}
	return q.render(http.StatusOK, "agreement", "agreement.title", d)
}

func (s *server) priceChanges(q *req) error {
	list, total, err := s.Catalog.ListPriceChanges(q.ctx(), *q.caller, catalog.PriceChangeFilter{Status: catalog.PricePending, Page: auth.Page{PageSize: 100}})
	if err != nil {
		return err
	}
	return q.render(http.StatusOK, "price_changes", "price_changes.title", map[string]any{"Items": list, "Total": total})
}

func (s *server) decidePriceChange(q *req) error {
	decision := q.r.PathValue("decision")
	if decision != "approve" && decision != "reject" {
		return errNotFound
	}
	if _, err := s.Catalog.DecidePriceChange(q.ctx(), *q.caller, q.r.PathValue("id"), decision == "approve", strings.TrimSpace(q.r.PostFormValue("note"))); err != nil {
		return err
	}
	q.redirect("/manager/price-changes?msg=price_" + decision + "d")
	return nil
}

// agreementUsageCSV exports the participants' committed value against their ceilings. The
// columns are the API's field names and amounts are minor units, so that a spreadsheet or a
// script reads the file the same way in either language.
func (s *server) agreementUsageCSV(q *req) error {
	a, err := s.Catalog.GetAgreement(q.ctx(), *q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	u, err := s.Orders.Usage(q.ctx(), *q.caller, a.ID)
	if err != nil {
		return err
	}
	h := q.w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+csvSafe(a.Reference)+`-usage.csv"`)
	h.Set("Cache-Control", "no-store")
	// Explicitly: the API's router answers unknown routes with 404 unless the UI sets a status.
	q.w.WriteHeader(http.StatusOK)
	return orders.WriteUsageCSV(q.w, u)
}

func csvSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, s)
}
