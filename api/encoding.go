package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/avrop/avrop/catalog"
)

// writeEncodedJSON answers 200 with a catalogue read's JSON, as its gzip form (made once per
// cached entry, for entries read from the cache) when the client accepts gzip. Every browser does, and the compressed page is a
// fifth of the bytes to write to the socket. Vary tells caches that the body depends on
// Accept-Encoding.
func writeEncodedJSON(c *gin.Context, e catalog.Encoded) {
	hdr := c.Writer.Header()
	if v := hdr["Vary"]; len(v) == 0 {
		hdr["Vary"] = varyAcceptEncoding
	} else {
		hdr["Vary"] = append(v[:len(v):len(v)], "Accept-Encoding")
	}
	hdr["Content-Type"] = jsonContentType
	body := e.JSON()
	if acceptsGzip(c.Request.Header["Accept-Encoding"]) {
		if gz := e.Gzip(); gz != nil {
			hdr["Content-Encoding"] = gzipEncoding
			body = gz
		}
	}
	hdr["Content-Length"] = e.ContentLength(body)
	c.Writer.WriteHeader(http.StatusOK)
	c.Writer.Write(body) //nolint:errcheck // the client has gone
}

// Header values shared by every response: never appended to in place (cap = len).
var (
	varyAcceptEncoding = []string{"Accept-Encoding"}
	jsonContentType    = []string{"application/json; charset=utf-8"}
	gzipEncoding       = []string{"gzip"}
)

// acceptsGzip reports whether Accept-Encoding values accept gzip (RFC 9110 §12.5.3): "gzip",
// "x-gzip" or "*" with a nonzero weight, an explicit gzip;q=0 refusing it even beside "*".
func acceptsGzip(values []string) bool {
	star := false
	for _, v := range values {
		for v != "" {
			var item string
			item, v, _ = strings.Cut(v, ",")
			coding, params, _ := strings.Cut(item, ";")
			coding = strings.TrimSpace(coding)
			ok := weightNonZero(params)
			switch {
			case strings.EqualFold(coding, "gzip"), strings.EqualFold(coding, "x-gzip"):
				return ok
			case coding == "*":
				star = ok
			}
		}
	}
	return star
}

// weightNonZero reports whether an Accept-Encoding item's parameters leave its weight above
// zero: q=0, q=0.0, q=0.00 and q=0.000 refuse the coding.
func weightNonZero(params string) bool {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		val = strings.TrimSpace(val)
		if val == "" || val[0] != '0' {
			return true
		}
		return strings.Trim(val[1:], ".0") != ""
	}
	return true
}
