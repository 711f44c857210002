package frontend

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/orders"
)

// cartAdd puts an item in the cart (or adds to its quantity). An htmx request gets the
// confirmation next to the add button and the header's cart count, swapped out of band, so
// that the result shows where the person is looking without a reload.
func (s *server) cartAdd(q *req) error {
	itemID := q.r.PostFormValue("item_id")
	qty, err := strconv.Atoi(strings.TrimSpace(q.r.PostFormValue("quantity")))
	if err != nil || !orders.ValidQuantity(int64(qty)) {
		return s.cartAdded(q, http.StatusUnprocessableEntity, "alert-error", translate(q.lang, "form.bad_number"), 0)
	}
	it, err := s.Catalog.GetItem(q.ctx(), *q.caller, itemID)
	if err != nil {
		return err
	}
	c := readCart(q.r)
	c.add(it.ID, qty)
	if c.len() > maxCartLines {
		return s.cartAdded(q, http.StatusUnprocessableEntity, "alert-error", translate(q.lang, "cart.full"), 0)
	}
	s.writeCart(q.w, c)
	return s.cartAdded(q, http.StatusOK, "alert-ok", translate(q.lang, "cart.added", qty, it.Name), c.len())
}

// cartAdded answers an add: an htmx request gets the message and (when lines > 0) the new
// cart count; a plain request returns to the catalogue.
func (s *server) cartAdded(q *req, status int, class, msg string, lines int) error {
	if q.r.Header.Get("HX-Request") != "true" {
		q.redirect("/catalog")
		return nil
	}
	count := ""
	if lines > 0 {
		count = translate(q.lang, "nav.cart_count", lines)
	}
	return q.renderFragment(status, "catalog", "added", map[string]string{"Class": class, "Msg": msg, "Count": count})
}

// cartUpdate applies the quantities on screen (0 removes a line) and then, as the button
// asked, stays on the cart or goes to checkout with exactly those quantities. A quantity that
// is not a whole number in range changes nothing and is shown beside its field; a removed
// line can be put back (the cart page offers it).
func (s *server) cartUpdate(q *req) error {
	v := q.r.PostForm
	c := readCart(q.r)
	next := c.clone()
	bad := map[string]bool{}
	var removed []string
	for _, id := range c.ids() {
		old := c.qty[id]
		if !v.Has("qty_" + id) {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v.Get("qty_" + id)))
		switch {
		case err != nil || n < 0 || n > orders.MaxQuantity:
			bad[id] = true
		case n == 0:
			removed = append(removed, id+"~"+strconv.Itoa(old))
			next.remove(id)
		default:
			next.set(id, n)
		}
	}
	if id := v.Get("remove"); id != "" && !bad[id] {
		if next.has(id) {
			removed = append(removed, id+"~"+strconv.Itoa(c.qty[id]))
			next.remove(id)
		}
	}
	if len(bad) > 0 {
		return s.renderCart(q, http.StatusUnprocessableEntity, v, bad)
	}
	s.writeCart(q.w, next)
	if ck := v.Get("checkout"); ck != "" {
		agreement, supplier, _ := strings.Cut(ck, "/")
		q.redirect("/checkout?agreement=" + url.QueryEscape(agreement) + "&supplier=" + url.QueryEscape(supplier))
		return nil
	}
	target := "/cart?msg=cart_updated"
	if len(removed) > 0 {
		target = "/cart?removed=" + url.QueryEscape(strings.Join(removed, "."))
	}
	q.redirect(target)
	return nil
}

// cartRestore puts removed lines back (the undo of a removal).
func (s *server) cartRestore(q *req) error {
	c := readCart(q.r)
	back := parseCartLines(q.r.PostFormValue("items"))
	for _, id := range back.ids() {
		if _, err := s.Catalog.GetItem(q.ctx(), *q.caller, id); err != nil {
			continue
		}
		if !c.has(id) {
			c.put(id, back.qty[id])
		}
	}
	if c.len() > maxCartLines {
		return s.cartAdded(q, http.StatusUnprocessableEntity, "alert-error", translate(q.lang, "cart.full"), 0)
	}
	s.writeCart(q.w, c)
	q.redirect("/cart?msg=cart_restored")
	return nil
}

// reorder puts a previous order's lines in the cart again ("order again"): each item that is
// still in the caller's catalogue, with the order's quantity; the cart then shows them with
// today's prices, and checkout checks every rule again.
func (s *server) reorder(q *req) error {
	o, err := s.Orders.GetOrder(q.ctx(), *q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	c := readCart(q.r)
	for _, l := range o.Lines {
		it, err := s.Catalog.GetItem(q.ctx(), *q.caller, l.ItemID)
		if err != nil || !it.Active || it.PriceMinor == nil {
			continue
		}
		c.add(it.ID, l.Quantity)
	}
	if c.len() > maxCartLines {
		return s.cartAdded(q, http.StatusUnprocessableEntity, "alert-error", translate(q.lang, "cart.full"), 0)
	}
	s.writeCart(q.w, c)
	q.redirect("/cart?msg=reordered")
	return nil
}

// parseCartLines reads "id~qty.id~qty" (the cookie's and the undo's form), keeping valid lines.
func parseCartLines(v string) *cart {
	c := newCart()
	for _, part := range strings.Split(v, ".") {
		id, qty, ok := strings.Cut(part, "~")
		if !ok || !auth.ValidUUID(id) {
			continue
		}
		n, err := strconv.Atoi(qty)
		if err != nil || !orders.ValidQuantity(int64(n)) {
			continue
		}
		c.put(id, n)
		if c.len() >= maxCartLines {
			break
		}
	}
	return c
}

// cartGroup is the part of the cart that becomes one order: one agreement, one supplier.
type cartGroup struct {
	AgreementID, AgreementRef, AgreementTitle string
	SupplierID, SupplierName                  string
	SupplierRank                              int
	CallOffMethod                             string
	Currency                                  string
	Lines                                     []cartLine
	TotalMinor, VATMinor                      int64
	MinOrderMinor, ShortMinor                 int64
}

// Ranked reports whether the supplier's rank means something here (a ranking agreement).
func (g *cartGroup) Ranked() bool { return g.CallOffMethod == catalog.MethodRanking }

// TotalInclMinor is the group's total including VAT.
func (g *cartGroup) TotalInclMinor() int64 { return g.TotalMinor + g.VATMinor }

type cartLine struct {
	Item      catalog.Item
	Quantity  int
	LineMinor int64
	Typed     string // the quantity as typed, when the update was refused
	Err       string
}

// loadCart resolves the cart's items through the catalogue (in the caller's scope), groups
// them by agreement and supplier and totals each group with the orders' own rules. Items no
// longer visible are dropped.
func (s *server) loadCart(q *req) ([]*cartGroup, error) {
	c := readCart(q.r)
	groups := map[string]*cartGroup{}
	var keys []string
	priced := map[string][]orders.PricedLine{}
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
			a, err := s.Catalog.GetAgreement(q.ctx(), *q.caller, it.AgreementID)
			if err != nil {
				return nil, err
			}
			g = &cartGroup{AgreementID: it.AgreementID, AgreementRef: it.AgreementReference, AgreementTitle: it.AgreementTitle,
				SupplierID: it.SupplierID, SupplierName: it.SupplierName, SupplierRank: it.SupplierRank, Currency: it.Currency,
				CallOffMethod: a.CallOffMethod, MinOrderMinor: a.MinOrderMinor}
			groups[key] = g
			keys = append(keys, key)
		}
		l := cartLine{Item: it, Quantity: c.qty[id]}
		if it.PriceMinor != nil {
			pl := orders.PricedLine{UnitPriceMinor: *it.PriceMinor, Quantity: int64(l.Quantity), VATRateBP: it.VATRateBP}
			l.LineMinor, _ = orders.Totals([]orders.PricedLine{pl})
			priced[key] = append(priced[key], pl)
		}
		g.Lines = append(g.Lines, l)
	}
	out := make([]*cartGroup, 0, len(keys))
	for _, k := range keys {
		g := groups[k]
		g.TotalMinor, g.VATMinor = orders.Totals(priced[k])
		g.ShortMinor = orders.ShortOfMinimum(g.TotalMinor, g.MinOrderMinor)
		out = append(out, g)
	}
	return out, nil
}

type removedLine struct {
	Name     string
	Quantity int
}

type cartData struct {
	Groups  []*cartGroup
	Removed []removedLine
	Undo    string // the removed lines, for the undo form
	Invalid bool
}

func (s *server) cartPage(q *req) error { return s.renderCart(q, http.StatusOK, nil, nil) }

// renderCart shows the cart; typed and bad carry a refused update's values and its bad lines.
func (s *server) renderCart(q *req, status int, typed url.Values, bad map[string]bool) error {
	groups, err := s.loadCart(q)
	if err != nil {
		return err
	}
	d := cartData{Groups: groups, Invalid: len(bad) > 0}
	for _, g := range groups {
		for i := range g.Lines {
			l := &g.Lines[i]
			if bad[l.Item.ID] {
				l.Typed, l.Err = typed.Get("qty_"+l.Item.ID), translate(q.lang, "cart.bad_quantity", orders.MaxQuantity)
			}
		}
	}
	if removed := parseCartLines(q.r.URL.Query().Get("removed")); removed.len() > 0 {
		var undo []string
		for _, id := range removed.ids() {
			it, err := s.Catalog.GetItem(q.ctx(), *q.caller, id)
			if err != nil {
				continue
			}
			d.Removed = append(d.Removed, removedLine{Name: it.Name, Quantity: removed.qty[id]})
			undo = append(undo, id+"~"+strconv.Itoa(removed.qty[id]))
		}
		d.Undo = strings.Join(undo, ".")
	}
	return q.render(status, "cart", "cart.title", d)
}
