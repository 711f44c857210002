package api

import (
	"archive/zip"
	"bytes"
	"context"
	"image"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/productimage"
)

// imageForm is a multipart/form-data body with data in a part named field, and its content
// type (a fixed boundary, so that a scope row can send the same body again).
func imageForm(field, filename string, data []byte) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.SetBoundary("avrop-picture-boundary"); err != nil {
		panic(err)
	}
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		panic(err)
	}
	fw.Write(data)
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// putImage uploads data as an item's picture.
func (a *testAPI) putImage(itemID, token string, data []byte) response {
	a.t.Helper()
	body, ct := imageForm("image", "picture.png", data)
	return a.do("PUT", "/api/v1/catalog/items/"+itemID+"/image", token, body, "Content-Type", ct)
}

func decodedSize(t *testing.T, b []byte) (string, int, int) {
	t.Helper()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("served bytes do not decode: %v", err)
	}
	return format, cfg.Width, cfg.Height
}

func TestItemImageUploadAndServe(t *testing.T) {
	w := newCatalogWorld(t)
	a := w.a
	item := w.addItem(t, w.supplier1, "IMG-1", "Nitrilhandske M")
	picture := testenv.Picture(1200, 800)

	res := a.putImage(item, w.supplier1, picture)
	wantStatus(t, res, http.StatusOK)
	hash, _ := res.JSON["image_hash"].(string)
	if len(hash) != 64 {
		t.Fatalf("image_hash = %v, want a SHA-256; body: %s", res.JSON["image_hash"], res.Body)
	}
	base := "/api/v1/catalog/items/" + item + "/image/" + hash + "/"

	t.Run("every size is served, scaled, re-encoded, with cache headers", func(t *testing.T) {
		for _, tc := range []struct {
			size         string
			wantW, wantH int
		}{{"96", 96, 64}, {"480", 480, 320}, {"full", 1200, 800}} {
			res := a.do("GET", base+tc.size, w.orderer, nil)
			wantStatus(t, res, http.StatusOK)
			if format, wd, ht := decodedSize(t, res.Body); format != "jpeg" || wd != tc.wantW || ht != tc.wantH {
				t.Errorf("%s: %s %d×%d, want jpeg %d×%d", tc.size, format, wd, ht, tc.wantW, tc.wantH)
			}
			if bytes.Equal(res.Body, picture) {
				t.Errorf("%s: the uploaded bytes are served as they were", tc.size)
			}
			h := res.Header
			if h.Get("Content-Type") != "image/jpeg" || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: Content-Type %q, X-Content-Type-Options %q", tc.size, h.Get("Content-Type"), h.Get("X-Content-Type-Options"))
			}
			if cc := h.Get("Cache-Control"); cc != "private, max-age=31536000, immutable" {
				t.Errorf("%s: Cache-Control %q", tc.size, cc)
			}
			etag := h.Get("ETag")
			if etag != productimage.ETag(hash, tc.size) {
				t.Errorf("%s: ETag %q", tc.size, etag)
			}
			notModified := a.do("GET", base+tc.size, w.orderer, nil, "If-None-Match", etag)
			if notModified.Status != http.StatusNotModified || len(notModified.Body) != 0 {
				t.Errorf("%s: If-None-Match answered %d with %d bytes, want 304 and none", tc.size, notModified.Status, len(notModified.Body))
			}
		}
	})
	t.Run("search results and the item carry the hash", func(t *testing.T) {
		got := a.do("GET", "/api/v1/catalog/items/"+item, w.orderer, nil)
		if got.JSON["image_hash"] != hash {
			t.Errorf("item image_hash = %v, want %s", got.JSON["image_hash"], hash)
		}
		list := a.do("GET", "/api/v1/catalog/items?q=Nitrilhandske", w.orderer, nil)
		items, _ := list.JSON["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["image_hash"] != hash {
			t.Errorf("search items = %s", list.Body)
		}
	})
	t.Run("unknown size, other hash, outsider: 404", func(t *testing.T) {
		wantProblem(t, a.do("GET", base+"2000", w.orderer, nil), http.StatusNotFound, "not_found")
		wantProblem(t, a.do("GET", "/api/v1/catalog/items/"+item+"/image/"+strings.Repeat("0", 64)+"/96", w.orderer, nil), http.StatusNotFound, "not_found")
		wantProblem(t, a.do("GET", base+"96", w.outsiderOrderer, nil), http.StatusNotFound, "not_found")
		wantProblem(t, a.do("GET", base+"96", w.supplier2, nil), http.StatusNotFound, "not_found")
		wantProblem(t, a.do("GET", base+"96", "", nil), http.StatusUnauthorized, "")
	})
	t.Run("WebP is taken too", func(t *testing.T) {
		webp, err := os.ReadFile("../productimage/testdata/blue-purple-pink.lossy.webp")
		if err != nil {
			t.Fatal(err)
		}
		res := a.putImage(w.addItem(t, w.supplier1, "IMG-WEBP", "Förkläde"), w.supplier1, webp)
		wantStatus(t, res, http.StatusOK)
	})
	t.Run("a new picture gets a new URL; the old one stops answering and is deleted", func(t *testing.T) {
		res := a.putImage(item, w.supplier1, testenv.Picture(300, 300))
		wantStatus(t, res, http.StatusOK)
		if res.JSON["image_hash"] == hash {
			t.Fatal("a different picture kept the hash")
		}
		wantProblem(t, a.do("GET", base+"96", w.orderer, nil), http.StatusNotFound, "not_found")
		var n int
		testenv.Must(t, testenv.DB(t).QueryRowContext(context.Background(), `SELECT count(*) FROM product_images WHERE hash = $1`, hash).Scan(&n))
		if n != 0 {
			t.Errorf("the replaced picture is still stored")
		}
		hash = res.JSON["image_hash"].(string)
	})
	t.Run("delete takes the picture off", func(t *testing.T) {
		res := a.do("DELETE", "/api/v1/catalog/items/"+item+"/image", w.supplier1, nil)
		wantStatus(t, res, http.StatusOK)
		if res.JSON["image_hash"] != nil {
			t.Errorf("image_hash = %v after delete", res.JSON["image_hash"])
		}
		wantProblem(t, a.do("GET", "/api/v1/catalog/items/"+item+"/image/"+hash+"/96", w.orderer, nil), http.StatusNotFound, "not_found")
	})
}

func TestItemImageRefusals(t *testing.T) {
	w := newCatalogWorld(t)
	a := w.a
	item := w.addItem(t, w.supplier1, "IMG-BAD", "Handsprit")
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	f, _ := zw.Create("picture.png")
	f.Write(testenv.Picture(4, 4))
	zw.Close()
	for _, tc := range []struct {
		name       string
		data       []byte
		wantStatus int
		wantField  string
	}{
		{"a PNG header with junk", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0xAB}, 500)...), 422, "image_invalid"},
		{"a zip", zipped.Bytes(), 422, "image_type"},
		{"an SVG", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>`), 422, "image_type"},
		{"a GIF", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), 422, "image_type"},
		{"over 5 MiB", append(testenv.Picture(16, 16), make([]byte, productimage.MaxBytes)...), 413, "image_too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := a.putImage(item, w.supplier1, tc.data)
			wantStatus(t, res, tc.wantStatus)
			errs, _ := res.JSON["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["code"] != tc.wantField || errs[0].(map[string]any)["field"] != "image" {
				t.Errorf("errors = %v, want one on image with code %s", res.JSON["errors"], tc.wantField)
			}
			if got := a.do("GET", "/api/v1/catalog/items/"+item, w.supplier1, nil); got.JSON["image_hash"] != nil {
				t.Errorf("a refused picture changed the item: %v", got.JSON["image_hash"])
			}
		})
	}
	t.Run("not multipart: 415", func(t *testing.T) {
		wantProblem(t, a.do("PUT", "/api/v1/catalog/items/"+item+"/image", w.supplier1, testenv.Picture(4, 4), "Content-Type", "image/png"),
			http.StatusUnsupportedMediaType, "unsupported_media_type")
	})
	t.Run("no image part: 422", func(t *testing.T) {
		body, ct := imageForm("picture", "a.png", testenv.Picture(4, 4))
		res := a.do("PUT", "/api/v1/catalog/items/"+item+"/image", w.supplier1, body, "Content-Type", ct)
		wantProblem(t, res, http.StatusUnprocessableEntity, "validation_failed")
	})
	t.Run("another supplier's item: 404; a buyer: 403", func(t *testing.T) {
		wantProblem(t, a.putImage(item, w.supplier2, testenv.Picture(8, 8)), http.StatusNotFound, "not_found")
		wantProblem(t, a.putImage(item, w.orderer, testenv.Picture(8, 8)), http.StatusForbidden, "")
		wantProblem(t, a.do("DELETE", "/api/v1/catalog/items/"+item+"/image", w.supplier2, nil), http.StatusNotFound, "not_found")
	})
}

// TestItemImageOfProposedItem: under catalogue approval a new item's picture is seen by its
// supplier and the agreement's managers, by no buyer until the item is accepted.
func TestItemImageOfProposedItem(t *testing.T) {
	w := newCatalogWorld(t)
	a := w.a
	wantStatus(t, a.do("PATCH", "/api/v1/agreements/"+w.agreementID, w.manager, map[string]any{"catalogue_approval": true}), http.StatusOK)
	res := a.do("POST", "/api/v1/agreements/"+w.agreementID+"/items", w.supplier1, map[string]any{"sku": "IMG-NEW",
		"name": "Ny blöja", "unit": "EA", "pack_size": 1, "cpv_code": "33190000", "vat_rate_bp": 2500, "price_minor": 1000})
	wantStatus(t, res, http.StatusAccepted)
	item, sub := res.JSON["id"].(string), res.JSON["submission_id"].(string)
	res = a.putImage(item, w.supplier1, testenv.Picture(200, 200))
	wantStatus(t, res, http.StatusOK)
	url := "/api/v1/catalog/items/" + item + "/image/" + res.JSON["image_hash"].(string) + "/480"
	wantStatus(t, a.do("GET", url, w.supplier1, nil), http.StatusOK)
	wantStatus(t, a.do("GET", url, w.manager, nil), http.StatusOK)
	wantProblem(t, a.do("GET", url, w.orderer, nil), http.StatusNotFound, "not_found")
	wantStatus(t, a.do("POST", "/api/v1/catalogue-submissions/"+sub+"/accept", w.manager, map[string]any{"note": "ok"}), http.StatusOK)
	wantStatus(t, a.do("GET", url, w.orderer, nil), http.StatusOK)
}
