package api

import (
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// query is c.Query(key) — the first value of key in the URL's query, as url.ParseQuery reads
// it — without parsing the whole query into a map: gin's parse made five to eight
// allocations of every search and list request, a tenth of a cached search's. A value that
// needs no unescaping is a substring of the raw query and costs nothing.
func query(c *gin.Context, key string) string {
	raw := c.Request.URL.RawQuery
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.IndexByte(pair, ';') >= 0 {
			continue // url.ParseQuery skips these too
		}
		k, v, _ := strings.Cut(pair, "=")
		k, ok := unescapeQuery(k)
		if !ok || k != key {
			continue
		}
		if v, ok := unescapeQuery(v); ok {
			return v
		}
	}
	return ""
}

// unescapeQuery is url.QueryUnescape, without a copy when there is nothing to unescape.
func unescapeQuery(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
}
