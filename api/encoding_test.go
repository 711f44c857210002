package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
)

func TestAcceptsGzip(t *testing.T) {
	for _, c := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"gzip, deflate, br, zstd", true}, // a browser's
		{"br,GZIP", true},
		{"x-gzip", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"gzip;q=0.5", true},
		{"gzip;q=1.0", true},
		{"identity", false},
		{"br, deflate", false},
		{"*", true},
		{"*;q=0", false},
		{"*, gzip;q=0", false},
		{"gzip;q=0, *", false},
		{"identity;q=1, *;q=0.1", true},
	} {
		var values []string
		if c.header != "" {
			values = []string{c.header}
		}
		if got := acceptsGzip(values); got != c.want {
			t.Errorf("Accept-Encoding %q: accepts gzip = %v, want %v", c.header, got, c.want)
		}
	}
	if !acceptsGzip([]string{"br", "gzip"}) {
		t.Error("gzip in a second Accept-Encoding header line is not seen")
	}
}

// searchBodies fetches a search page twice, without and with Accept-Encoding: gzip, checks
// the headers of both and returns the plain body and the decompressed one.
func searchBodies(t *testing.T, a *testAPI, path, token string) (plain, unzipped []byte) {
	t.Helper()
	res := a.do("GET", path, token, nil)
	wantStatus(t, res, http.StatusOK)
	if enc := res.Header.Get("Content-Encoding"); enc != "" {
		t.Fatalf("a client without Accept-Encoding got Content-Encoding %q", enc)
	}
	if v := res.Header.Values("Vary"); len(v) != 1 || v[0] != "Accept-Encoding" {
		t.Fatalf("Vary = %q, want Accept-Encoding", v)
	}
	if !json.Valid(res.Body) || res.Header.Get("Content-Length") != strconv.Itoa(len(res.Body)) {
		t.Fatalf("plain body: valid JSON %v, Content-Length %q for %d bytes", json.Valid(res.Body), res.Header.Get("Content-Length"), len(res.Body))
	}
	gz := a.do("GET", path, token, nil, "Accept-Encoding", "gzip, deflate, br")
	wantStatus(t, gz, http.StatusOK)
	if gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("Vary") != "Accept-Encoding" ||
		gz.Header.Get("Content-Type") != "application/json; charset=utf-8" || gz.Header.Get("Content-Length") != strconv.Itoa(len(gz.Body)) {
		t.Fatalf("gzip response headers = %v for %d bytes", gz.Header, len(gz.Body))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz.Body))
	if err != nil {
		t.Fatalf("gzip body: %v", err)
	}
	unzipped, err = io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gzip body: %v", err)
	}
	if len(gz.Body) >= len(unzipped) {
		t.Fatalf("compressed %d bytes into %d", len(unzipped), len(gz.Body))
	}
	return res.Body, unzipped
}

// A search page goes out gzipped to a client that accepts gzip and as plain JSON to one that
// does not, both the same JSON, from the cache; refused or unknown encodings get plain JSON.
func TestSearchGzip(t *testing.T) {
	w := newCatalogWorld(t)
	for i := range 6 {
		w.addItem(t, w.supplier1, fmt.Sprintf("GZ-%d", i), fmt.Sprintf("Undersökningshandske nitril storlek %d", i))
	}
	path := "/api/v1/catalog/items?q=handske"
	plain, unzipped := searchBodies(t, w.a, path, w.orderer)
	if !bytes.Equal(plain, unzipped) {
		t.Fatalf("gzip body differs from the plain one:\n%s\n%s", unzipped, plain)
	}
	for _, ae := range []string{"identity", "gzip;q=0", "br", "*;q=0"} {
		res := w.a.do("GET", path, w.orderer, nil, "Accept-Encoding", ae)
		if res.Header.Get("Content-Encoding") != "" || !bytes.Equal(res.Body, plain) {
			t.Fatalf("Accept-Encoding %q: Content-Encoding %q, body plain JSON %v", ae, res.Header.Get("Content-Encoding"), bytes.Equal(res.Body, plain))
		}
	}
	// A page too small to gain from compression goes out plain even to a gzip client.
	res := w.a.do("GET", "/api/v1/catalog/items?q=zzzzzz", w.orderer, nil, "Accept-Encoding", "gzip")
	wantStatus(t, res, http.StatusOK)
	if res.Header.Get("Content-Encoding") != "" || !json.Valid(res.Body) {
		t.Fatalf("small page: Content-Encoding %q, body %s", res.Header.Get("Content-Encoding"), res.Body)
	}
}

// A price change shows at once in the gzipped page, also on another instance of the service
// that shares Redis (another replica) and had the old page compressed in its memory.
func TestSearchGzipNeverStale(t *testing.T) {
	w := newCatalogWorld(t)
	other := newTestAPI(t) // another replica: its own catalogue service and memory, the same Redis
	var item string
	for i := range 6 {
		id := w.addItem(t, w.supplier1, fmt.Sprintf("GS-%d", i), fmt.Sprintf("Dosett vecka modell %d", i))
		if i == 0 {
			item = id
		}
	}
	path := "/api/v1/catalog/items?q=dosett&page_size=50"
	priceIn := func(body []byte) float64 {
		var p struct {
			Items []struct {
				ID    string  `json:"id"`
				Price float64 `json:"price_minor"`
			} `json:"items"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			if it.ID == item {
				return it.Price
			}
		}
		t.Fatalf("item not in page %s", body)
		return 0
	}
	for _, a := range []*testAPI{w.a, other} {
		_, z := searchBodies(t, a, path, w.orderer)
		_, z = searchBodies(t, a, path, w.orderer) // from memory now
		if got := priceIn(z); got != 2490000 {
			t.Fatalf("price before = %v", got)
		}
	}
	for i, price := range []int{2400000, 2300000, 2200000} {
		res := w.a.do("PUT", "/api/v1/catalog/items/"+item+"/price", w.supplier1, map[string]any{"price_minor": price, "reason": "kampanj"})
		wantStatus(t, res, http.StatusOK)
		for _, a := range []*testAPI{other, w.a} {
			plain, z := searchBodies(t, a, path, w.orderer)
			if priceIn(z) != float64(price) || priceIn(plain) != float64(price) {
				t.Fatalf("change %d: gzip page %v, plain page %v, want %d", i, priceIn(z), priceIn(plain), price)
			}
		}
	}
}
