package frontend

import (
	"net/http"
	"strings"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/orders"
)

// Invoices and contract loyalty (SPEC §9). The invoice page shows each invoice line beside the
// order line it was matched to, with every difference marked in the cell where it is (and in
// words, not by colour alone), the findings with their amounts at stake, and the approver's
// accept or dispute. The loyalty page draws spend on and outside agreements as stacked bars
// with the figures beside them, and exports the same columns as the API's CSV.

// invoiceRoles may open the invoice pages; loyaltyRoles the contract-loyalty page.
var (
	invoiceRoles = []auth.Role{auth.RoleApprover, auth.RoleSupplier, auth.RoleManager}
	loyaltyRoles = []auth.Role{auth.RoleManager, auth.RoleApprover}
)

func (s *server) invoiceRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /invoices", s.authed(s.invoiceList, invoiceRoles...))
	mux.HandleFunc("GET /invoices/{id}", s.authed(s.invoicePage, invoiceRoles...))
	mux.HandleFunc("POST /invoices/{id}/{decision}", s.authed(s.invoiceDecide, auth.RoleApprover))
	mux.HandleFunc("GET /loyalty", s.authed(s.loyaltyPage, loyaltyRoles...))
	mux.HandleFunc("GET /loyalty.csv", s.authed(s.loyaltyCSV, loyaltyRoles...))
}

type invoiceListData struct {
	Items    []invoices.Invoice
	Total    int
	Status   string
	Statuses []invoices.Status
	Pager    pager
}

var invoiceStatuses = []invoices.Status{invoices.StatusDeviating, invoices.StatusMatched, invoices.StatusAccepted,
	invoices.StatusDisputed, invoices.StatusInvalid}

func (s *server) invoiceList(q *req) error {
	status := q.r.URL.Query().Get("status")
	if !invoices.ValidStatus(invoices.Status(status)) {
		status = ""
	}
	p := listPage(q.r, 50)
	list, total, err := s.Invoices.List(q.ctx(), *q.caller, invoices.Filter{Status: invoices.Status(status), Page: p})
	if err != nil {
		return err
	}
	d := invoiceListData{Items: list, Total: total, Status: status, Statuses: invoiceStatuses,
		Pager: newPager("/invoices", q.r.URL.Query(), p, total)}
	return q.render(http.StatusOK, "invoices", "invoices.title", d)
}

// invoiceRow is one invoice line beside its order line, with the differences control found.
type invoiceRow struct {
	Line      invoices.Line
	Order     *orders.Line
	Received  int
	Findings  []invoices.Finding
	PriceHigh bool // the invoiced unit price is above the order's
	QtyHigh   bool // more invoiced than received (on this line or with earlier invoices)
	VATDiff   bool
	NotOnOrd  bool
}

type invoicePageData struct {
	Invoice     invoices.Invoice
	Order       *orders.Order
	Rows        []invoiceRow
	DocFindings []invoices.Finding
	CanDecide   bool
	CanAccept   bool
	CanDispute  bool
	Form        *form
}

func (s *server) invoicePage(q *req) error {
	return s.renderInvoice(q, http.StatusOK, q.r.PathValue("id"), nil)
}

func (s *server) renderInvoice(q *req, status int, id string, f *form) error {
	inv, err := s.Invoices.Get(q.ctx(), *q.caller, id)
	if err != nil {
		return err
	}
	d := invoicePageData{Invoice: inv, Form: f}
	if inv.OrderID != nil {
		if o, err := s.Orders.GetOrder(q.ctx(), *q.caller, *inv.OrderID); err == nil {
			d.Order = &o
		} else if !derr.Is(err, derr.NotFound) {
			return err
		}
	}
	bySKU := map[string]*orders.Line{}
	if d.Order != nil {
		for i := range d.Order.Lines {
			l := &d.Order.Lines[i]
			if _, dup := bySKU[l.SKU]; !dup {
				bySKU[l.SKU] = l
			}
		}
	}
	for _, l := range inv.Lines {
		row := invoiceRow{Line: l, Order: bySKU[l.SKU]}
		if row.Order != nil && d.Order.Status == orders.StatusDelivered {
			row.Received = row.Order.Quantity
		}
		for _, fd := range inv.Findings {
			if fd.LineNo == nil || *fd.LineNo != l.LineNo {
				continue
			}
			row.Findings = append(row.Findings, fd)
			switch fd.Code {
			case invoices.FindingPriceAboveOrder:
				row.PriceHigh = true
			case invoices.FindingQuantityAboveReceived:
				row.QtyHigh = true
			case invoices.FindingVATMismatch:
				row.VATDiff = true
			case invoices.FindingNotOnOrder:
				row.NotOnOrd = true
			}
		}
		d.Rows = append(d.Rows, row)
	}
	for _, fd := range inv.Findings {
		if fd.LineNo == nil {
			d.DocFindings = append(d.DocFindings, fd)
		}
	}
	own := q.caller.Has(auth.RoleApprover) && inv.BuyerOrgID == q.caller.OrgID
	d.CanAccept = own && (inv.Status == invoices.StatusDeviating || inv.Status == invoices.StatusDisputed)
	d.CanDispute = own && inv.Status == invoices.StatusDeviating
	d.CanDecide = d.CanAccept || d.CanDispute
	return q.render(status, "invoice", "invoice.title", d)
}

func (s *server) invoiceDecide(q *req) error {
	id, decision := q.r.PathValue("id"), invoices.Decision(q.r.PathValue("decision"))
	if decision != invoices.DecisionAccept && decision != invoices.DecisionDispute {
		return errNotFound
	}
	if _, err := s.Invoices.Decide(q.ctx(), *q.caller, id, decision, q.r.PostFormValue("note")); err != nil {
		if f, ok := failedForm(q.lang, q.r.PostForm, err); ok {
			return s.renderInvoice(q, statusOf(err), id, f)
		}
		return err
	}
	q.redirect("/invoices/" + id + "?msg=invoice_" + string(decision))
	return nil
}

// loyaltyBar is a group with its label and the bar widths (0–100) of its spend on and outside
// agreements against the largest group's total.
type loyaltyBar struct {
	invoices.LoyaltyItem
	OnWidth, OutWidth int
}

type loyaltyData struct {
	GroupBy, From, To string
	Options           []groupOption
	Rows              []loyaltyBar
	Totals            []invoices.LoyaltyItem
	Errors            map[string]string
	General           string
	OwnOnly           bool
}

func loyaltyFilter(r *http.Request) invoices.LoyaltyFilter {
	qs := r.URL.Query()
	return invoices.LoyaltyFilter{GroupBy: invoices.LoyaltyGroup(qs.Get("group_by")), From: strings.TrimSpace(qs.Get("from")),
		To: strings.TrimSpace(qs.Get("to"))}
}

func (s *server) loyaltyPage(q *req) error {
	f := loyaltyFilter(q.r)
	if f.GroupBy == "" {
		f.GroupBy = invoices.ByOrganization
	}
	d := loyaltyData{GroupBy: string(f.GroupBy), From: f.From, To: f.To, OwnOnly: !q.caller.Has(auth.RoleManager)}
	for _, g := range []invoices.LoyaltyGroup{invoices.ByOrganization, invoices.ByCPV, invoices.ByMonth, invoices.BySupplier} {
		d.Options = append(d.Options, groupOption{Value: string(g), Label: translate(q.lang, "loyalty.by_"+string(g)), Selected: g == f.GroupBy})
	}
	status := http.StatusOK
	rep, err := s.Invoices.ContractLoyalty(q.ctx(), *q.caller, f)
	if err != nil {
		byField, general, ok := fieldErrors(q.lang, err)
		if !ok {
			return err
		}
		d.Errors, d.General, status = byField, general, http.StatusUnprocessableEntity
	} else {
		d.From, d.To, d.Totals = rep.From, rep.To, rep.Totals
		var top int64
		for _, it := range rep.Items {
			top = max(top, max(it.OnAgreementMinor, 0)+max(it.OutsideMinor, 0))
		}
		for _, it := range rep.Items {
			if f.GroupBy == invoices.ByCPV && it.Label == it.Group {
				it.Label = translate(q.lang, "loyalty.division", it.Group)
			}
			d.Rows = append(d.Rows, loyaltyBar{LoyaltyItem: it, OnWidth: orders.ShareBP(max(it.OnAgreementMinor, 0), top) / 100,
				OutWidth: orders.ShareBP(max(it.OutsideMinor, 0), top) / 100})
		}
	}
	return q.render(status, "loyalty", "loyalty.title", d)
}

func (s *server) loyaltyCSV(q *req) error {
	rep, err := s.Invoices.ContractLoyalty(q.ctx(), *q.caller, loyaltyFilter(q.r))
	if err != nil {
		return err
	}
	return writeFollowupCSV(q, "contract-loyalty-"+string(rep.GroupBy)+".csv", invoices.LoyaltyCSVHeader, rep.CSVRecords())
}
