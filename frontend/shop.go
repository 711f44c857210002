package frontend

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
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
	// Favs are the shown items the user marked as favourites (the stars).
	Favs    map[string]bool
	ranking map[string]bool
}

// Ranked reports whether an agreement calls off by ranking, the only case where a supplier's
// rank means anything to the orderer.
func (d catalogData) Ranked(agreementID string) bool { return d.ranking[agreementID] }

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
	d.ranking = map[string]bool{}
	for _, a := range agreements {
		d.ranking[a.ID] = a.CallOffMethod == catalog.MethodRanking
	}
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
	ids := make([]string, len(res.Items))
	for i, it := range res.Items {
		ids[i] = it.ID
	}
	if d.Favs, err = s.Catalog.FavouriteIDs(q.ctx(), *q.caller, ids); err != nil {
		return err
	}
	d.Pager = newPager("/catalog", qs, page, res.Total)
	if q.r.Header.Get("HX-Request") == "true" && q.r.Header.Get("HX-Target") == "results" {
		return q.renderFragment(http.StatusOK, "catalog", "results", d)
	}
	return q.render(http.StatusOK, "catalog", "catalog.title", d)
}

func (s *server) catalogResults(q *req) error { return s.catalogPage(q) }

type checkoutData struct {
	Group          *cartGroup
	Agreement      catalog.Agreement
	NeedsCascade   bool
	CascadeReasons []string
	Form           *form
	MinDate        string
	IdemKey        string
	// Addresses and Costs are the organisation's saved delivery addresses and cost centres.
	Addresses, Costs []orders.SavedDetail
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
	// The first saved address and cost centre are chosen to begin with: one tap less.
	v := url.Values{}
	addresses, costs := s.checkoutChoices(q)
	if len(addresses) > 0 {
		v.Set("delivery_address_choice", addresses[0].ID)
	}
	if len(costs) > 0 {
		v.Set("cost_center_choice", costs[0].ID)
	}
	return s.renderCheckout(q, http.StatusOK, g, a, &form{Values: v})
}

func (s *server) renderCheckout(q *req, status int, g *cartGroup, a catalog.Agreement, f *form) error {
	d := checkoutData{Group: g, Agreement: a, Form: f, MinDate: s.Now().Format("2006-01-02"),
		NeedsCascade:   orders.NeedsCascadeReason(a.CallOffMethod, g.SupplierRank),
		CascadeReasons: []string{orders.CascadeHigherRankDeclined, orders.CascadeHigherRankNoReply, orders.CascadeHigherRankCannotDeliver},
		IdemKey:        f.Get("idem")}
	d.Addresses, d.Costs = s.checkoutChoices(q)
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
	addresses, costs := s.checkoutChoices(q)
	in := orders.OrderInput{AgreementID: g.AgreementID, SupplierID: g.SupplierID,
		DeliveryAddress: chosen(v, "delivery_address", addresses), CostCenter: chosen(v, "cost_center", costs),
		RequestedDeliveryDate: strings.TrimSpace(v.Get("requested_delivery_date")), Note: strings.TrimSpace(v.Get("note")),
		CascadeReason: v.Get("cascade_reason"), CascadeNote: strings.TrimSpace(v.Get("cascade_note")),
		DeclinedOrderID: strings.TrimSpace(v.Get("declined_order_id"))}
	for _, l := range g.Lines {
		in.Lines = append(in.Lines, orders.LineInput{ItemID: l.Item.ID, Quantity: int64(l.Quantity)})
	}
	o, err := s.createOrder(q, in, v.Get("idem"))
	if err != nil {
		if f, ok := failedForm(q.lang, v, err); ok {
			f.General += s.whatToDo(q, err, g)
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

// whatToDo completes a refusal with what the orderer can do about it: how much is missing to
// the minimum order, or how much room is left under the ceiling that was hit (from the orders'
// own usage figures).
func (s *server) whatToDo(q *req, err error, g *cartGroup) string {
	switch derr.CodeOf(err) {
	case orders.CodeBelowMinOrder:
		return " " + translate(q.lang, "checkout.short_of_min", formatMoney(q.lang, g.ShortMinor, g.Currency))
	case orders.CodeCeilingExceeded, orders.CodeParticipantCeiling:
		u, uerr := s.Orders.Usage(q.ctx(), *q.caller, g.AgreementID)
		if uerr != nil {
			return ""
		}
		room := u.RemainingMinor
		if derr.CodeOf(err) == orders.CodeParticipantCeiling {
			room = nil
			for _, p := range u.Participants {
				if p.OrgID == q.caller.OrgID {
					room = p.RemainingMinor
				}
			}
		}
		if room == nil {
			return ""
		}
		return " " + translate(q.lang, "checkout.room_left", formatMoney(q.lang, *room, g.Currency))
	}
	return ""
}
