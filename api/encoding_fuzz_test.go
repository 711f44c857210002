package api

import (
	"strings"
	"testing"
)

// FuzzAcceptsGzip: the Accept-Encoding parser takes any header without panicking, never
// accepts gzip from a header that names neither gzip nor "*", and a gzip item appended with
// q=0 after everything else never turns a refusal into an acceptance.
func FuzzAcceptsGzip(f *testing.F) {
	for _, s := range []string{"", "gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8, *;q=0.1", "*", "*;q=0", "gzip;q=0, *",
		"identity", "x-gzip", "GZIP;Q=0.000", "gzip;q=", ";;;,,,", "gzip;q=0.001", "deflate;q=0.5, *;q=0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		got := acceptsGzip([]string{h})
		lower := strings.ToLower(h)
		if got && !strings.Contains(lower, "gzip") && !strings.Contains(h, "*") {
			t.Fatalf("acceptsGzip(%q) = true without gzip or *", h)
		}
		if !got && acceptsGzip([]string{h + ", gzip;q=0"}) && !strings.Contains(lower, "gzip") {
			t.Fatalf("a refusal %q turned into acceptance by appending gzip;q=0", h)
		}
	})
}
