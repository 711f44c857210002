package frontend

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/avrop/avrop/orders"
)

// The cart lives in a cookie ("itemID:qty,itemID:qty"), not on the server: it holds nothing
// secret or binding — prices, scope and every rule are checked again by the catalogue and the
// orders service at checkout — so a cookie spares a table and survives restarts. It is
// HttpOnly like the session cookies, cleared at sign-out, and capped at maxCartLines lines
// (about 2.3 kB, well under the 4 kB cookie limit).
type cart struct {
	order []string       // item ids in the order they were put in, as the cart lists them
	qty   map[string]int // quantity by item id
}

const maxCartLines = 60

func newCart() *cart { return &cart{qty: map[string]int{}} }

func readCart(r *http.Request) *cart {
	ck, err := r.Cookie(cookieCart)
	if err != nil {
		return newCart()
	}
	return parseCartLines(ck.Value)
}

// len is the number of lines.
func (c *cart) len() int { return len(c.order) }

func (c *cart) has(id string) bool { _, ok := c.qty[id]; return ok }

// put sets an item's quantity, a new item last.
func (c *cart) put(id string, n int) {
	if !c.has(id) {
		c.order = append(c.order, id)
	}
	c.qty[id] = n
}

// add puts n more of an item in the cart; the line holds at most what one order line may.
func (c *cart) add(id string, n int) {
	c.put(id, min(c.qty[id]+n, orders.MaxQuantity))
}

// set changes the quantity of a line already in the cart; 0 or less removes it.
func (c *cart) set(id string, n int) {
	if n <= 0 {
		c.remove(id)
		return
	}
	if c.has(id) {
		c.qty[id] = n
	}
}

func (c *cart) remove(id string) {
	if !c.has(id) {
		return
	}
	delete(c.qty, id)
	c.order = slices.DeleteFunc(c.order, func(x string) bool { return x == id })
}

// clone is a copy to change while c is read.
func (c *cart) clone() *cart {
	return &cart{order: slices.Clone(c.order), qty: maps.Clone(c.qty)}
}

// ids are the cart's items in the order they were put in.
func (c *cart) ids() []string { return slices.Clone(c.order) }

func (s *server) writeCart(w http.ResponseWriter, c *cart) {
	parts := make([]string, 0, c.len())
	for _, id := range c.order {
		parts = append(parts, id+"~"+strconv.Itoa(c.qty[id]))
	}
	if len(parts) == 0 {
		http.SetCookie(w, &http.Cookie{Name: cookieCart, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
		return
	}
	s.setCookie(w, cookieCart, strings.Join(parts, "."), sessionMaxAge)
}
