package frontend

import (
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/derr"
)

// uploadItemImage gives one of the supplier's items a picture from the catalogue page's form,
// through the same intake as the API (catalog.SetItemImage: PNG, JPEG or WebP, checked by
// content, re-encoded). A refused file is named beside that item's picture field.
func (s *server) uploadItemImage(q *req) error {
	id := q.r.PathValue("id")
	v := q.r.PostForm
	// No file still goes to the catalogue, which answers for the item's scope first (404).
	data, _ := uploadedFile(q, "picture")
	it, err := s.Catalog.SetItemImage(q.ctx(), *q.caller, id, data)
	if err != nil {
		if f, ok := failedForm(q.lang, v, err); ok {
			if len(data) == 0 {
				f.Errs = map[string]string{"image": translate(q.lang, "supplier.picture_missing")}
			}
			return s.renderSupplierCatalogPicture(q, statusOf(err), v, id, f)
		}
		if derr.Is(err, derr.TooLarge) {
			return s.renderSupplierCatalogPicture(q, statusOf(err), v, id,
				&form{Values: v, General: translate(q.lang, "form.has_errors"), Errs: map[string]string{"image": translate(q.lang, "field.image_too_large")}})
		}
		return err
	}
	q.redirect(supplierCatalogBack(q, it, "image_saved"))
	return nil
}

// removeItemImage takes the picture off one of the supplier's items.
func (s *server) removeItemImage(q *req) error {
	it, err := s.Catalog.RemoveItemImage(q.ctx(), *q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	q.redirect(supplierCatalogBack(q, it, "image_removed"))
	return nil
}

// renderSupplierCatalogPicture shows the supplier's catalogue again with a picture form's error.
func (s *server) renderSupplierCatalogPicture(q *req, status int, v url.Values, itemID string, f *form) error {
	return s.renderSupplierCatalog(q, status, v.Get("agreement"), f, "picture:"+itemID)
}

// supplierCatalogBack is the supplier's catalogue page the item is on, with a flash message.
func supplierCatalogBack(q *req, it catalog.Item, msg string) string {
	back := url.Values{"agreement": {it.AgreementID}, "msg": {msg}}
	if p := listPage(q.r, supplierCatalogPageSize); p.Page > 1 {
		back.Set("page", strconv.Itoa(p.Page))
	}
	if search := strings.TrimSpace(q.r.PostFormValue("q")); search != "" {
		back.Set("q", search)
	}
	return "/supplier/catalog?" + back.Encode() + "#item-" + it.ID
}

// uploadedFile is the named file of a multipart form, read whole (the request body is capped
// by secureHeaders; the catalogue caps a picture's bytes).
func uploadedFile(q *req, field string) ([]byte, bool) {
	file, _, err := q.r.FormFile(field)
	if err != nil {
		return nil, false
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	return data, err == nil
}
