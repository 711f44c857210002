package frontend

import (
	"net/http"
	"net/url"

	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/productimage"
)

// itemImage serves one size of an item's picture to whoever may see the item, with the
// same immutable caching as the API (productimage.Serve).
func (s *server) itemImage(q *req) error {
	v, err := s.Catalog.ItemImage(q.ctx(), *q.caller, q.r.PathValue("id"), q.r.PathValue("hash"), q.r.PathValue("size"))
	if err != nil {
		return err
	}
	productimage.Serve(q.w, q.r, v.Hash, v.Size, v.ContentType, v.Data)
	return nil
}

// ImageURL is the UI's URL of one size ("96", "480" or "full") of an item's picture, or ""
// when the item has none.
func (v *view) ImageURL(it catalog.Item, size string) string {
	if it.ImageHash == nil {
		return ""
	}
	return "/catalog/items/" + it.ID + "/image/" + *it.ImageHash + "/" + size
}

// FieldMessage is a field error in the reader's language, by its code.
func (v *view) FieldMessage(fe derr.FieldError) string { return fieldMessage(v.Lang, fe) }

// itemPage shows one catalogue item with its picture and an add-to-cart form.
func (s *server) itemPage(q *req) error {
	it, err := s.Catalog.GetItem(q.ctx(), *q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	return q.render(http.StatusOK, "item", "item.title", struct{ Item catalog.Item }{it})
}

// The catalogue's list views: detailed (with descriptions and larger pictures) or compact
// (more products per screen). A ?view= choice is remembered in a cookie for the next visits.
const (
	viewCompact  = "compact"
	viewDetailed = "detailed"
	cookieView   = "avrop_view"
)

// compactView reports whether the catalogue lists compactly for this request, and
// remembers an explicit choice.
func (s *server) compactView(q *req) bool {
	switch v := q.r.URL.Query().Get("view"); v {
	case viewCompact, viewDetailed:
		http.SetCookie(q.w, &http.Cookie{Name: cookieView, Value: v, Path: "/catalog", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
		return v == viewCompact
	}
	c, err := q.r.Cookie(cookieView)
	return err == nil && c.Value == viewCompact
}

// ViewURL is the catalogue's current search in the view named.
func (d catalogData) ViewURL(view string) string {
	v := url.Values{}
	for k, vals := range d.query {
		if k != "view" && k != "page" {
			v[k] = vals
		}
	}
	v.Set("view", view)
	return "/catalog?" + v.Encode()
}
