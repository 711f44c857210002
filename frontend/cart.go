package frontend

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/avrop/avrop/orders"
)

// The cart lives in a cookie ("itemID:qty,itemID:qty"), not on the server: it holds nothing
// secret or binding — prices, scope and every rule are checked again by the catalogue and the
// orders service at checkout — so a cookie spares a table and survives restarts. It is
// HttpOnly like the session cookies, cleared at sign-out, and capped at maxCartLines lines
// (about 2.3 kB, well under the 4 kB cookie limit).
type cart map[string]int

const maxCartLines = 60

func readCart(r *http.Request) cart {
	ck, err := r.Cookie(cookieCart)
	if err != nil {
		return cart{}
	}
	return parseCartLines(ck.Value)
}

// add puts n more of an item in the cart; the line holds at most what one order line may.
func (c cart) add(id string, n int) {
	c[id] += n
	if c[id] > orders.MaxQuantity {
		c[id] = orders.MaxQuantity
	}
}

func (c cart) set(id string, n int) {
	if n <= 0 {
		delete(c, id)
		return
	}
	if _, ok := c[id]; ok {
		c[id] = n
	}
}

func (c cart) ids() []string {
	ids := make([]string, 0, len(c))
	for id := range c {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func (s *server) writeCart(w http.ResponseWriter, c cart) {
	parts := make([]string, 0, len(c))
	for _, id := range c.ids() {
		parts = append(parts, id+"~"+strconv.Itoa(c[id]))
	}
	if len(parts) == 0 {
		http.SetCookie(w, &http.Cookie{Name: cookieCart, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
		return
	}
	s.setCookie(w, cookieCart, strings.Join(parts, "."), sessionMaxAge)
}
