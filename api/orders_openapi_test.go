package api

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/avrop/avrop/internal/testenv"
)

// Every order, deviation and usage route appears in the OpenAPI document with the same path
// and method (orderRoutes' own routes are described in openapi/orders.json).
func TestOrdersOpenAPIFragment(t *testing.T) {
	b, err := buildOpenAPI(openapiFS)
	testenv.Must(t, err)
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	testenv.Must(t, json.Unmarshal(b, &doc))
	param := regexp.MustCompile(`:([a-z_]+)`)
	n := 0
	for _, r := range newEngine(Deps{}).Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/orders") && !strings.HasPrefix(r.Path, "/api/v1/deviations") && r.Path != "/api/v1/agreements/:id/usage" {
			continue
		}
		n++
		p := param.ReplaceAllString(r.Path, "{$1}")
		if _, ok := doc.Paths[p][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s is missing from the OpenAPI document", r.Method, p)
		}
	}
	if n < 15 {
		t.Fatalf("found %d order routes, want at least 15", n)
	}
}
