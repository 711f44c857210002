package frontend_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
)

// TestSupplierPictureForm: a supplier gives an item a picture from the catalogue page, sees it
// there and in the buyers' shop, is told beside the field when the file is no picture (nothing
// changes), and removes it again; at 1366 and 360 px.
func TestSupplierPictureForm(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	dir := t.TempDir()
	pic, notPic := filepath.Join(dir, "handske.png"), filepath.Join(dir, "handske.png.txt")
	testenv.Must(t, os.WriteFile(pic, testenv.Picture(240, 180), 0o644))
	testenv.Must(t, os.WriteFile(notPic, []byte("ingen bild"), 0o644))
	b := newBrowser(t, s, "supplier-pictures")
	b.login(w.seller)
	id := w.gloveM.ID
	upload := func(file string) {
		b.t.Helper()
		b.visit("/supplier/catalog?agreement=" + w.agreement.ID + "&q=" + w.gloveM.SKU)
		b.do(chromedp.SetUploadFiles(chromedp.CSS("#picture-"+id), []string{file}))
		b.click(`form[action="/supplier/items/` + id + `/image"] button[type=submit]`)
	}

	hash := func() string {
		t.Helper()
		it, err := s.Catalog.GetItem(t.Context(), callerOf(w.seller, auth.KindSupplier), id)
		testenv.Must(t, err)
		if it.ImageHash == nil {
			return ""
		}
		return *it.ImageHash
	}
	before := hash()
	b.visit("/supplier/catalog?agreement=" + w.agreement.ID + "&q=" + w.gloveM.SKU)
	b.click(`form[action="/supplier/items/` + id + `/image"] button[type=submit]`)
	b.wantText("Välj en bildfil.")
	upload(notPic)
	b.wantText("Bilden måste vara PNG, JPEG eller WebP.")
	b.checkAt(1366, "picture refused")
	if got := hash(); got != before {
		t.Fatalf("a refused file changed the item's picture: %q, was %q", got, before)
	}

	upload(pic)
	b.wantText("Bilden är sparad")
	b.waitFor(`document.querySelector("#item-` + id + ` .thumb img") !== null && document.querySelector("#item-` + id + ` .thumb img").naturalWidth > 0`)
	b.checkAt(1366, "picture saved")
	b.checkAt(360, "picture saved")
	it, err := s.Catalog.GetItem(t.Context(), callerOf(w.orderer, auth.KindBuyer), id)
	testenv.Must(t, err)
	if it.ImageHash == nil || *it.ImageHash == before {
		t.Fatalf("the buyer's catalogue does not show the new picture: %v", it.ImageHash)
	}

	b.do(chromedp.EmulateViewport(1366, 900))
	b.click(`button[formaction="/supplier/items/` + id + `/image/delete"]`)
	b.wantText("Bilden är borttagen.")
	if got := hash(); got != "" {
		t.Fatalf("the picture is still there: %q", got)
	}
}

// TestSupplierPictureScope: another supplier's item answers 404 to the picture form, and an
// orderer may not use it at all; nothing changes.
func TestSupplierPictureScope(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	c := s.client()
	c.login(w.seller)
	post := func(path string) page {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		testenv.Must(t, mw.WriteField("csrf", c.csrf()))
		fw, err := mw.CreateFormFile("picture", "p.png")
		testenv.Must(t, err)
		_, err = fw.Write(testenv.Picture(240, 180))
		testenv.Must(t, err)
		testenv.Must(t, mw.Close())
		req, err := http.NewRequest(http.MethodPost, s.URL+path, &body)
		testenv.Must(t, err)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := c.hc.Do(req)
		testenv.Must(t, err)
		res.Body.Close()
		return page{Status: res.StatusCode}
	}
	// w.soap is the second supplier's.
	wantStatus(t, post("/supplier/items/"+w.soap.ID+"/image"), http.StatusNotFound)
	wantStatus(t, c.post("/supplier/items/"+w.soap.ID+"/image/delete", nil), http.StatusNotFound)
	if it, err := s.Catalog.GetItem(t.Context(), callerOf(w.seller2, auth.KindSupplier), w.soap.ID); err != nil || it.ImageHash != nil {
		t.Fatalf("another supplier's picture form changed the item: %v %v", it.ImageHash, err)
	}
	wantStatus(t, post("/supplier/items/"+w.gloveM.ID+"/image"), http.StatusSeeOther)
	o := s.client()
	o.login(w.orderer)
	if p := o.post("/supplier/items/"+w.gloveM.ID+"/image/delete", nil); p.Status != http.StatusForbidden && p.Status != http.StatusNotFound {
		t.Fatalf("an orderer removing a picture: %d", p.Status)
	}
}
