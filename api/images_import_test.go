package api

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/productimage"
)

// pictureServer serves a picture at /a.png (counting the fetches), a 404 elsewhere.
func pictureServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	picture := testenv.Picture(300, 200)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/a.png" {
			http.NotFound(w, r)
			return
		}
		hits.Add(1)
		w.Write(picture)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// failedPictures maps a report's failed pictures to "line field code".
func failedPictures(t *testing.T, res response) map[string]bool {
	t.Helper()
	imgs, _ := res.JSON["images"].(map[string]any)
	if imgs == nil {
		t.Fatalf("report has no images: %s", res.Body)
	}
	out := map[string]bool{}
	for _, f := range imgs["failed"].([]any) {
		m := f.(map[string]any)
		out[strings.Join([]string{ftoa(m["line"]), m["field"].(string), m["code"].(string)}, " ")] = true
	}
	return out
}

func ftoa(v any) string {
	f, _ := v.(float64)
	return strconv.Itoa(int(f))
}

// TestPriceListPictures: a CSV price list's image_url column fetches each picture through the
// guarded fetcher; a picture that cannot be had is reported by line and never fails the
// import; a URL an item's picture already came from is not fetched again.
func TestPriceListPictures(t *testing.T) {
	w := newCatalogWorld(t)
	a := w.a
	// The test server listens on loopback: the operator's allow-list opens 127.0.0.1 only,
	// so every other private address stays refused.
	a.Catalog.SetImageFetcher(productimage.NewFetcher(2*time.Second, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}))
	srv, hits := pictureServer(t)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	csv := "sku,name,description,unit,pack_size,cpv_code,gtin,eco_labels,vat_rate_bp,price_minor,effective_from,image_url\n" +
		"PIC-1,Blöja M,,EA,1,33190000,,,2500,1000,," + srv.URL + "/a.png\n" +
		"PIC-2,Blöja L,,EA,1,33190000,,,2500,1000,," + srv.URL + "/missing.png\n" +
		"PIC-3,Blöja S,,EA,1,33190000,,,2500,1000,,http://10.0.0.1/a.png\n" +
		"PIC-4,Blöja XS,,EA,1,33190000,,,2500,1000,,http://[::1]:" + port + "/a.png\n" +
		"PIC-5,Blöja XL,,EA,1,33190000,,,2500,1000,,\n" +
		"PIC-6,Blöja XXL,,EA,1,33190000,,,2500,1000,,ftp://example.com/a.png\n" +
		"PIC-7,Blöja 3XL,,EA,1,33190000,,,2500,1000,," + srv.URL + "/a.png\n"
	path := "/api/v1/agreements/" + w.agreementID + "/price-list"
	res := a.do("POST", path, w.supplier1, csv, "Content-Type", "text/csv")
	wantStatus(t, res, http.StatusOK)
	if res.JSON["created"] != 7.0 {
		t.Fatalf("report = %s", res.Body)
	}
	imgs := res.JSON["images"].(map[string]any)
	if imgs["stored"] != 2.0 || imgs["unchanged"] != 0.0 {
		t.Errorf("images = %v, want 2 stored", imgs)
	}
	want := map[string]bool{"3 image_url image_fetch": true, "4 image_url image_url_refused": true,
		"5 image_url image_url_refused": true, "7 image_url image_url": true}
	if got := failedPictures(t, res); len(got) != len(want) {
		t.Errorf("failed = %v, want %v", got, want)
	} else {
		for k := range want {
			if !got[k] {
				t.Errorf("failed = %v, want %v", got, want)
			}
		}
	}
	if hits.Load() != 1 {
		t.Errorf("the picture was fetched %d times, want once for both rows naming it", hits.Load())
	}
	search := a.do("GET", "/api/v1/catalog/items?q=Blöja&page_size=50", w.orderer, nil)
	withPicture := 0
	for _, it := range search.JSON["items"].([]any) {
		m := it.(map[string]any)
		if h, _ := m["image_hash"].(string); h != "" {
			withPicture++
			wantStatus(t, a.do("GET", "/api/v1/catalog/items/"+m["id"].(string)+"/image/"+h+"/96", w.orderer, nil), http.StatusOK)
		}
	}
	if withPicture != 2 {
		t.Errorf("%d items have a picture, want 2", withPicture)
	}

	t.Run("sending the list again fetches nothing already taken", func(t *testing.T) {
		res := a.do("POST", path, w.supplier1, csv, "Content-Type", "text/csv")
		wantStatus(t, res, http.StatusOK)
		imgs := res.JSON["images"].(map[string]any)
		if imgs["stored"] != 0.0 || imgs["unchanged"] != 2.0 || hits.Load() != 1 {
			t.Errorf("images = %v after %d fetches, want 2 unchanged and no new fetch", imgs, hits.Load())
		}
	})
	t.Run("a list that fails validation fetches nothing", func(t *testing.T) {
		bad := strings.Replace(csv, "PIC-1,Blöja M,,EA,1", "PIC-1,Blöja M,,EA,x", 1)
		bad = strings.ReplaceAll(bad, "/a.png", "/a.png?again")
		wantStatus(t, a.do("POST", path, w.supplier1, bad, "Content-Type", "text/csv"), http.StatusUnprocessableEntity)
		if hits.Load() != 1 {
			t.Errorf("an invalid list fetched pictures")
		}
	})
	t.Run("the default fetcher refuses loopback", func(t *testing.T) {
		a.Catalog.SetImageFetcher(productimage.NewFetcher(time.Second, nil))
		csv := "sku,name,description,unit,pack_size,cpv_code,gtin,eco_labels,vat_rate_bp,price_minor,effective_from,image_url\n" +
			"PIC-LO,Blöja lo,,EA,1,33190000,,,2500,1000,," + srv.URL + "/a.png\n" +
			"PIC-LH,Blöja lh,,EA,1,33190000,,,2500,1000,,http://localhost:" + port + "/a.png\n"
		res := a.do("POST", path, w.supplier1, csv, "Content-Type", "text/csv")
		wantStatus(t, res, http.StatusOK)
		if got := failedPictures(t, res); !got["2 image_url image_url_refused"] || !got["3 image_url image_url_refused"] {
			t.Errorf("failed = %v, want both refused", got)
		}
		if hits.Load() != 1 {
			t.Errorf("loopback was reached")
		}
	})
}

// TestPeppolCataloguePictures: an embedded image attachment is stored; junk in one (the
// PEPPOL example's own attachment is base64 of text) is reported and the line imported.
func TestPeppolCataloguePictures(t *testing.T) {
	w := newCatalogWorld(t)
	a := w.a
	res := a.do("GET", "/api/v1/agreements/"+w.agreementID, w.manager, nil)
	ref := res.JSON["reference"].(string)
	withAttachment := func(line, attachment string) string {
		return strings.Replace(line, "<cac:CommodityClassification>", `<cac:ItemSpecificationDocumentReference><cbc:ID>1</cbc:ID>
			<cac:Attachment>`+attachment+`</cac:Attachment></cac:ItemSpecificationDocumentReference><cac:CommodityClassification>`, 1)
	}
	good := base64.StdEncoding.EncodeToString(testenv.Picture(64, 64))
	doc := peppolCatalogue(ref,
		withAttachment(peppolCatalogueLine("PP-1", "10.00", "SEK", "25", "33190000", ""),
			`<cbc:EmbeddedDocumentBinaryObject mimeCode="image/png" filename="a.png">`+good[:40]+"\n  "+good[40:]+`</cbc:EmbeddedDocumentBinaryObject>`),
		withAttachment(peppolCatalogueLine("PP-2", "10.00", "SEK", "25", "33190000", ""),
			`<cbc:EmbeddedDocumentBinaryObject mimeCode="image/png" filename="image1.png">UjBsR09EbGhjZ0dTQUxNQUFBUUNBRU1tQ1p0dU1GUXhEUzhi</cbc:EmbeddedDocumentBinaryObject>`),
		withAttachment(peppolCatalogueLine("PP-3", "10.00", "SEK", "25", "33190000", ""),
			`<cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="sheet.pdf">JVBERi0xLjQK</cbc:EmbeddedDocumentBinaryObject>`),
		withAttachment(peppolCatalogueLine("PP-4", "10.00", "SEK", "25", "33190000", ""),
			`<cac:ExternalReference><cbc:URI>http://169.254.169.254/latest/meta-data/a.png</cbc:URI></cac:ExternalReference>`))
	res = a.do("POST", "/api/v1/agreements/"+w.agreementID+"/price-list", w.supplier1, doc, "Content-Type", "application/xml")
	wantStatus(t, res, http.StatusOK)
	if res.JSON["created"] != 4.0 {
		t.Fatalf("report = %s", res.Body)
	}
	if imgs := res.JSON["images"].(map[string]any); imgs["stored"] != 1.0 {
		t.Errorf("images = %v, want 1 stored", imgs)
	}
	got := failedPictures(t, res)
	if len(got) != 2 || !got["2 image image_type"] || !got["4 image_url image_url_refused"] {
		t.Errorf("failed = %v, want line 2 image_type and line 4 refused (line 3's data sheet is no picture)", got)
	}
}
