package api

import (
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/gin-gonic/gin"
)

// queryRefs are raw queries whose parameters query must read exactly as url.ParseQuery does.
var queryRefs = []string{
	"", "q=handske", "q=handske&page=2&page_size=50", "page=1&page=2", "q=a+b", "q=%C3%B6l", "q=%zz&q=ok",
	"q", "q=", "=x&q=y", "&&q=1&", "q=1;page=2&page=3", "p%61ge=4", "q=%", "page_size=1&q=%2B%26%3D", "eco=svanen&eco=true",
	"q=x=y", "a=1&q=%E2%9C%93+ok",
}

func queryOf(raw, key string) string {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest("GET", "/", nil)
	c.Request.URL.RawQuery = raw
	return query(c, key)
}

func wantQuery(raw, key string) string {
	v, _ := url.ParseQuery(raw) // the pairs it can read, as gin's c.Query uses them
	return v.Get(key)
}

// TestQueryLikeParseQuery: query reads the first value of a parameter as gin's c.Query did
// (url.ParseQuery): unescaped keys and values, pairs with ';' or bad escapes skipped.
func TestQueryLikeParseQuery(t *testing.T) {
	for _, raw := range queryRefs {
		for _, key := range []string{"q", "page", "page_size", "eco", "", "a"} {
			if got, want := queryOf(raw, key), wantQuery(raw, key); got != want {
				t.Errorf("query(%q, %q) = %q, want %q", raw, key, got, want)
			}
		}
	}
}

// TestQueryValuesLikeQuery: reading several parameters in one pass gives each the value
// query gives it alone.
func TestQueryValuesLikeQuery(t *testing.T) {
	for _, raw := range append(queryRefs, "page=1&q=a&page=2&q=b", "cpv=1&eco=true&supplier_id=s&agreement_id=a&q=%zz&q=x") {
		wantQueryValues(t, raw, searchParams[:])
		wantQueryValues(t, raw, []string{"page", "q"})
	}
}

func wantQueryValues(t *testing.T, raw string, keys []string) {
	t.Helper()
	vals := make([]string, len(keys))
	queryValues(raw, keys, vals)
	for i, key := range keys {
		if want := wantQuery(raw, key); vals[i] != want {
			t.Errorf("queryValues(%q) gives %q = %q, want %q", raw, key, vals[i], want)
		}
	}
}

func FuzzQuery(f *testing.F) {
	for _, raw := range queryRefs {
		f.Add(raw, "q")
	}
	f.Fuzz(func(t *testing.T, raw, key string) {
		if got, want := queryOf(raw, key), wantQuery(raw, key); got != want {
			t.Fatalf("query(%q, %q) = %q, want %q", raw, key, got, want)
		}
		keys := []string{key, "q", "page"}
		if key == "q" || key == "page" {
			keys = keys[1:]
		}
		wantQueryValues(t, raw, keys)
	})
}
