package frontend

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/derr"
)

type supplierCatalogData struct {
	Agreements []catalog.Agreement
	Agreement  *catalog.Agreement
	Items      []catalog.Item
	Total      int
	Q          string // the search in the supplier's items
	Pager      pager
	Changes    map[string]catalog.PriceChange
	Form       *form
	FormItem   string
	Today      string
}

func (s *server) supplierAgreements(q *req) ([]catalog.Agreement, error) {
	list, _, err := s.Catalog.ListAgreements(q.ctx(), *q.caller, catalog.AgreementFilter{Page: auth.Page{PageSize: 100}})
	return list, err
}

// supplierCatalogPageSize is how many items a page of the supplier's catalogue shows, each with
// its price form.
const supplierCatalogPageSize = 25

// supplierCatalog lists the supplier's items on one agreement with a price form per item and
// the latest price change of each (applied or pending, and why).
func (s *server) supplierCatalog(q *req) error {
	return s.renderSupplierCatalog(q, http.StatusOK, q.r.URL.Query().Get("agreement"), nil, "")
}

func (s *server) renderSupplierCatalog(q *req, status int, agreementID string, f *form, formItem string) error {
	list, err := s.supplierAgreements(q)
	if err != nil {
		return err
	}
	d := supplierCatalogData{Agreements: list, Form: f, FormItem: formItem, Changes: map[string]catalog.PriceChange{}, Today: s.Now().Format("2006-01-02")}
	if len(list) == 0 {
		return q.render(status, "supplier_catalog", "supplier.catalog.title", d)
	}
	a := list[0]
	for _, x := range list {
		if x.ID == agreementID {
			a = x
		}
	}
	d.Agreement = &a
	page := listPage(q.r, supplierCatalogPageSize)
	search := strings.TrimSpace(q.r.FormValue("q"))
	items, total, err := s.Catalog.ListAgreementItems(q.ctx(), *q.caller, a.ID, search, page)
	if derr.Is(err, derr.Invalid) { // a search no item can match: list them all instead
		search = ""
		items, total, err = s.Catalog.ListAgreementItems(q.ctx(), *q.caller, a.ID, "", page)
	}
	if err != nil {
		return err
	}
	d.Items, d.Total, d.Q = items, total, search
	keep := url.Values{"agreement": {a.ID}}
	if search != "" {
		keep.Set("q", search)
	}
	d.Pager = newPager("/supplier/catalog", keep, page, total)
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	changes, _, err := s.Catalog.ListPriceChanges(q.ctx(), *q.caller, catalog.PriceChangeFilter{AgreementID: a.ID, ItemIDs: ids,
		LatestPerItem: true, Page: auth.Page{PageSize: supplierCatalogPageSize}})
	if err != nil {
		return err
	}
	for _, c := range changes {
		d.Changes[c.ItemID] = c
	}
	return q.render(status, "supplier_catalog", "supplier.catalog.title", d)
}

func (s *server) changePrice(q *req) error {
	id := q.r.PathValue("id")
	v := q.r.PostForm
	agreementID := v.Get("agreement")
	minor, ok := parseMoney(v.Get("price"))
	if !ok {
		return s.renderSupplierCatalog(q, http.StatusUnprocessableEntity, agreementID,
			&form{Values: v, General: translate(q.lang, "form.has_errors"), Errs: map[string]string{"price_minor": translate(q.lang, "form.bad_amount")}}, id)
	}
	pc, err := s.Catalog.SetPrice(q.ctx(), *q.caller, id, catalog.PriceRequest{PriceMinor: &minor,
		EffectiveFrom: strings.TrimSpace(v.Get("effective_from")), Reason: strings.TrimSpace(v.Get("reason"))})
	if err != nil {
		if f, ok := failedForm(q.lang, v, err); ok {
			return s.renderSupplierCatalog(q, statusOf(err), agreementID, f, id)
		}
		return err
	}
	msg := "price_applied"
	if pc.Status == catalog.PricePending {
		msg = "price_pending"
	}
	back := url.Values{"agreement": {pc.AgreementID}, "msg": {msg}}
	if p := listPage(q.r, supplierCatalogPageSize); p.Page > 1 {
		back.Set("page", strconv.Itoa(p.Page))
	}
	if search := strings.TrimSpace(v.Get("q")); search != "" {
		back.Set("q", search)
	}
	q.redirect("/supplier/catalog?" + back.Encode() + "#item-" + id)
	return nil
}

type importData struct {
	Agreements []catalog.Agreement
	Selected   string
	Report     *catalog.ImportReport
	Errors     []derr.FieldError
	General    string
	Columns    string
	Jumps      []catalog.PriceJump // price changes over the limit, awaiting confirmation
	Carry      string              // the file, base64, for the confirmation's form
	Currency   string              // the selected agreement's
}

func (s *server) importPage(q *req) error {
	list, err := s.supplierAgreements(q)
	if err != nil {
		return err
	}
	return q.render(http.StatusOK, "supplier_import", "supplier.import.title", importData{Agreements: list, Columns: priceListColumns})
}

const priceListColumns = "sku,name,description,unit,pack_size,cpv_code,gtin,eco_labels,vat_rate_bp,price_minor,effective_from"

// importPriceList takes a CSV upload. An htmx request (the normal case: the form shows upload
// progress) gets only the report; a plain form post gets the whole page.
func (s *server) importPriceList(q *req) error {
	list, err := s.supplierAgreements(q)
	if err != nil {
		return err
	}
	d := importData{Agreements: list, Selected: q.r.FormValue("agreement"), Columns: priceListColumns}
	data, ok := uploadedPriceList(q)
	status := http.StatusOK
	if !ok {
		d.General = translate(q.lang, "import.no_file")
		status = http.StatusUnprocessableEntity
	} else {
		var jumps []catalog.PriceJump
		if q.r.PostFormValue("confirm") != "1" {
			jumps, err = s.priceJumps(q, &d, data)
		}
		var rep catalog.ImportReport
		if err == nil && len(jumps) == 0 {
			rep, err = s.Catalog.ImportPriceList(q.ctx(), *q.caller, d.Selected, bytes.NewReader(data))
		}
		var de *derr.Error
		switch {
		case err == nil && len(jumps) > 0:
			status = http.StatusConflict // nothing imported until the supplier confirms
		case err == nil:
			d.Report = &rep
		case asDerr(err, &de) && (de.Kind == derr.Invalid || de.Kind == derr.BadRequest):
			status = http.StatusUnprocessableEntity
			d.Errors = de.Fields
			d.General = translate(q.lang, problemKey(de.Code, "import.invalid"))
			for i := range d.Errors {
				d.Errors[i].Message = fieldMessage(q.lang, d.Errors[i])
			}
		default:
			return err
		}
	}
	if q.r.Header.Get("HX-Request") == "true" {
		return q.renderFragment(status, "supplier_import", "report", d)
	}
	return q.render(status, "supplier_import", "supplier.import.title", d)
}
