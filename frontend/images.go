package frontend

import (
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
