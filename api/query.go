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
	keys, vals := [1]string{key}, [1]string{}
	queryValues(c.Request.URL.RawQuery, keys[:], vals[:])
	return vals[0]
}

// queryValues sets vals[i] to the first value of keys[i] (distinct keys, at most 64) in the raw
// query, as url.ParseQuery reads it, reading the query once: a search reads seven parameters,
// and reading the query seven times was a seventh of the API's own work for a cached search
// page (BenchmarkServe's profile).
func queryValues(raw string, keys, vals []string) {
	var found uint64
	all := uint64(1)<<len(keys) - 1
	for raw != "" && found != all {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.IndexByte(pair, ';') >= 0 {
			continue // url.ParseQuery skips these too
		}
		k, v, _ := strings.Cut(pair, "=")
		k, ok := unescapeQuery(k)
		if !ok {
			continue
		}
		for i, key := range keys {
			if k != key || found&(1<<i) != 0 {
				continue
			}
			if v, ok := unescapeQuery(v); ok {
				vals[i] = v
				found |= 1 << i
			}
			break
		}
	}
}

// unescapeQuery is url.QueryUnescape, without a copy when there is nothing to unescape.
func unescapeQuery(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
}
