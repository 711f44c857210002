package frontend

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/orders"
)

type catalogData struct {
	Q, AgreementID, SupplierID, CPV string
	Eco                             bool
	EcoLabel                        string
	EcoLabels                       []string
	Agreements                      []catalog.Agreement
	Suppliers                       []catalog.AwardedSupplier
	Result                          catalog.ItemPage
	Pager                           pager
	Error                           string
	Searched                        bool
}

// ecoLabels are the eco-labels offered as filters (SPEC §2 names these three).
var ecoLabels = []string{"svanen", "eu_ecolabel", "bra_miljoval"}

// catalogPage is the search page; an htmx request gets only the results, so that typing in the
// search box (debounced) and changing a filter update the list in place.
func (s *server) catalogPage(q *req) error {
	qs := q.r.URL.Query()
	d := catalogData{Q: strings.TrimSpace(qs.Get("q")), AgreementID: qs.Get("agreement"), SupplierID: qs.Get("supplier"),
		CPV: strings.TrimSpace(qs.Get("cpv")), Searched: true, EcoLabels: ecoLabels}
	switch eco := qs.Get("eco"); {
	case eco == "1" || eco == "on" || eco == "true":
		d.Eco = true
	case slices.Contains(ecoLabels, eco):
		d.EcoLabel = eco
	}
	agreements, _, err := s.Catalog.ListAgreements(q.ctx(), *q.caller, catalog.AgreementFilter{Status: catalog.StatusActive, Page: auth.Page{PageSize: 100}})
	if err != nil {
		return err
	}
	d.Agreements = agreements
	seen := map[string]bool{}
	for _, a := range agreements {
		for _, sup := range a.Suppliers {
			if !seen[sup.OrgID] {
				seen[sup.OrgID] = true
				d.Suppliers = append(d.Suppliers, sup)
			}
		}
	}
	sort.Slice(d.Suppliers, func(i, j int) bool { return d.Suppliers[i].Name < d.Suppliers[j].Name })
	page := listPage(q.r, 20)
	f := catalog.SearchFilter{Q: d.Q, AgreementID: d.AgreementID, SupplierID: d.SupplierID, CPV: d.CPV, Eco: d.Eco, EcoLabel: d.EcoLabel, Page: page}
	if f.AgreementID != "" && !auth.ValidUUID(f.AgreementID) {
		f.AgreementID = ""
	}
	if f.SupplierID != "" && !auth.ValidUUID(f.SupplierID) {
		f.SupplierID = ""
	}
	res, err := s.Catalog.SearchItems(q.ctx(), *q.caller, f)
	switch {
	case derr.Is(err, derr.Invalid):
		d.Error = translate(q.lang, "catalog.bad_filter")
	case err != nil:
		return err
	}
	d.Result = res
	d.Pager = newPager("/catalog", qs, page, res.Total)
	if q.r.Header.Get("HX-Request") == "true" && q.r.Header.Get("HX-Target") == "results" {
		return q.renderFragment(http.StatusOK, "catalog", "results", d)
	}
	return q.render(http.StatusOK, "catalog", "catalog.title", d)
}

func (s *server) catalogResults(q *req) error { return s.catalogPage(q) }

// cartAdd puts an item in the cart (or adds to its quantity).
func (s *server) cartAdd(q *req) error {
	itemID := q.r.PostFormValue("item_id")
	qty, err := strconv.Atoi(strings.TrimSpace(q.r.PostFormValue("quantity")))
	if err != nil || qty < 1 || qty > 100000 {
		return q.statusMessage(http.StatusUnprocessableEntity, "alert-error", translate(q.lang, "form.bad_number"), "/catalog")
	}
	it, err := s.Catalog.GetItem(q.ctx(), *q.caller, itemID)
	if err != nil {
		return err
	}
	c := readCart(q.r)
	c.add(it.ID, qty)
	if len(c) > maxCartLines {
		return q.statusMessage(http.StatusUnprocessableEntity, "alert-error", translate(q.lang, "cart.full"), "/catalog")
	}
	s.writeCart(q.w, c)
	return q.statusMessage(http.StatusOK, "alert-ok", translate(q.lang, "cart.added", qty, it.Name), "/cart")
}

// statusMessage answers an htmx request with a message for the live region, and a plain
// request with a redirect to back.
func (q *req) statusMessage(status int, class, msg, back string) error {
	if q.r.Header.Get("HX-Request") != "true" {
		q.redirect(back)
		return nil
	}
	return q.renderFragment(status, "catalog", "status-message", map[string]string{"Class": class, "Msg": msg})
}

// cartUpdate changes the quantities of the cart from the cart page (0 removes a line).
func (s *server) cartUpdate(q *req) error {
	c := readCart(q.r)
	for id := range c {
		if v := q.r.PostForm.Get("qty_" + id); v != "" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 || n > 100000 {
				continue
			}
			c.set(id, n)
		}
	}
	if id := q.r.PostFormValue("remove"); id != "" {
		c.set(id, 0)
	}
	s.writeCart(q.w, c)
	q.redirect("/cart?msg=cart_updated")
	return nil
}

// cartGroup is the part of the cart that becomes one order: one agreement, one supplier.
type cartGroup struct {
	AgreementID, AgreementRef, AgreementTitle string
	SupplierID, SupplierName                  string
	SupplierRank                              int
	Currency                                  string
	Lines                                     []cartLine
	TotalMinor, VATMinor                      int64
	Problem                                   string
}

type cartLine struct {
	Item      catalog.Item
	Quantity  int
	LineMinor int64
}

// loadCart resolves the cart's items through the catalogue (in the caller's scope) and groups
// them by agreement and supplier. Items no longer visible are dropped.
func (s *server) loadCart(q *req) ([]*cartGroup, error) {
	c := readCart(q.r)
	groups := map[string]*cartGroup{}
	var order []string
	for _, id := range c.ids() {
		it, err := s.Catalog.GetItem(q.ctx(), *q.caller, id)
		if derr.Is(err, derr.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		key := it.AgreementID + "/" + it.SupplierID
		g, ok := groups[key]
		if !ok {
			g = &cartGroup{AgreementID: it.AgreementID, AgreementRef: it.AgreementReference, AgreementTitle: it.AgreementTitle,
				SupplierID: it.SupplierID, SupplierName: it.SupplierName, SupplierRank: it.SupplierRank, Currency: it.Currency}
			groups[key] = g
			order = append(order, key)
		}
		l := cartLine{Item: it, Quantity: c[id]}
		if it.PriceMinor != nil {
			l.LineMinor = *it.PriceMinor * int64(l.Quantity)
		}
		g.TotalMinor += l.LineMinor
		g.Lines = append(g.Lines, l)
	}
	out := make([]*cartGroup, 0, len(order))
	for _, k := range order {
		g := groups[k]
		g.VATMinor = cartVAT(g.Lines)
		out = append(out, g)
	}
	return out, nil
}

func (s *server) cartPage(q *req) error {
	groups, err := s.loadCart(q)
	if err != nil {
		return err
	}
	return q.render(http.StatusOK, "cart", "cart.title", map[string]any{"Groups": groups})
}

type checkoutData struct {
	Group          *cartGroup
	Agreement      catalog.Agreement
	NeedsCascade   bool
	CascadeReasons []string
	Form           *form
	MinDate        string
	IdemKey        string
}

func (s *server) checkoutGroup(q *req, agreementID, supplierID string) (*cartGroup, catalog.Agreement, error) {
	groups, err := s.loadCart(q)
	if err != nil {
		return nil, catalog.Agreement{}, err
	}
	for _, g := range groups {
		if g.AgreementID == agreementID && g.SupplierID == supplierID {
			a, err := s.Catalog.GetAgreement(q.ctx(), *q.caller, agreementID)
			return g, a, err
		}
	}
	return nil, catalog.Agreement{}, errNotFound
}

func (s *server) checkoutPage(q *req) error {
	qs := q.r.URL.Query()
	g, a, err := s.checkoutGroup(q, qs.Get("agreement"), qs.Get("supplier"))
	if err != nil {
		return err
	}
	return s.renderCheckout(q, http.StatusOK, g, a, &form{Values: url.Values{}})
}

func (s *server) renderCheckout(q *req, status int, g *cartGroup, a catalog.Agreement, f *form) error {
	d := checkoutData{Group: g, Agreement: a, Form: f, MinDate: s.Now().Format("2006-01-02"),
		NeedsCascade:   a.CallOffMethod == catalog.MethodRanking && g.SupplierRank > 1,
		CascadeReasons: []string{orders.CascadeHigherRankDeclined, orders.CascadeHigherRankNoReply, orders.CascadeHigherRankCannotDeliver},
		IdemKey:        f.Get("idem")}
	if d.IdemKey == "" {
		d.IdemKey = randomToken()
	}
	return q.render(status, "checkout", "checkout.title", d)
}

func (s *server) checkout(q *req) error {
	v := q.r.PostForm
	g, a, err := s.checkoutGroup(q, v.Get("agreement"), v.Get("supplier"))
	if err != nil {
		return err
	}
	in := orders.OrderInput{AgreementID: g.AgreementID, SupplierID: g.SupplierID,
		DeliveryAddress: strings.TrimSpace(v.Get("delivery_address")), CostCenter: strings.TrimSpace(v.Get("cost_center")),
		RequestedDeliveryDate: strings.TrimSpace(v.Get("requested_delivery_date")), Note: strings.TrimSpace(v.Get("note")),
		CascadeReason: v.Get("cascade_reason"), CascadeNote: strings.TrimSpace(v.Get("cascade_note")),
		DeclinedOrderID: strings.TrimSpace(v.Get("declined_order_id"))}
	for _, l := range g.Lines {
		in.Lines = append(in.Lines, orders.LineInput{ItemID: l.Item.ID, Quantity: int64(l.Quantity)})
	}
	o, err := s.createOrder(q, in, v.Get("idem"))
	if err != nil {
		if f, ok := failedForm(q.lang, v, err); ok {
			return s.renderCheckout(q, http.StatusUnprocessableEntity, g, a, f)
		}
		return err
	}
	c := readCart(q.r)
	for _, l := range g.Lines {
		c.set(l.Item.ID, 0)
	}
	s.writeCart(q.w, c)
	q.redirect("/orders/" + o.ID + "?msg=order_created")
	return nil
}

// cartVAT is a cart group's VAT as its order will compute it: per rate, rounded once per rate
// (orders.OrderVAT), so the cart shows the figure the order and the invoice will.
func cartVAT(lines []cartLine) int64 {
	ls := make([]orders.Line, len(lines))
	for i, l := range lines {
		ls[i] = orders.Line{VATRateBP: l.Item.VATRateBP, LineTotalMinor: l.LineMinor}
	}
	return orders.OrderVAT(ls)
}
