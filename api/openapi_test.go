package api

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

var ginParam = regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)`)

// TestOpenAPIMatchesRoutes compares the engine's routes with the OpenAPI document in both
// directions: a route missing from the document fails, and so does a documented operation
// without a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	a := newTestAPI(t)
	engine := newEngine(a.Deps)
	routes := map[string]bool{}
	for _, r := range engine.Routes() {
		routes[strings.ToLower(r.Method)+" "+ginParam.ReplaceAllString(r.Path, "{$1}")] = true
	}

	raw, err := openapiDoc()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	methods := map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}
	for path, item := range doc.Paths {
		for m := range item {
			if methods[m] {
				documented[m+" "+path] = true
			}
		}
	}

	var missing, extra []string
	for r := range routes {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for d := range documented {
		if !routes[d] {
			extra = append(extra, d)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, r := range missing {
		t.Errorf("route %s is not in the OpenAPI document", r)
	}
	for _, d := range extra {
		t.Errorf("the OpenAPI document names %s, which has no route", d)
	}
	if len(routes) == 0 {
		t.Fatal("the engine has no routes")
	}
}

// TestOpenAPIValid loads the served document with kin-openapi and validates it as OpenAPI 3.
func TestOpenAPIValid(t *testing.T) {
	a := newTestAPI(t)
	res := a.do("GET", "/api/openapi.json", "", nil)
	wantStatus(t, res, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type = %q", ct)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(res.Body)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	if doc.Components == nil || doc.Components.Schemas["Problem"] == nil {
		t.Fatal("the document lacks the Problem schema")
	}
}

// TestOpenAPIFragments checks every fragment is valid JSON with only paths and
// components.schemas, and that no two fragments define one operation or one schema.
func TestOpenAPIFragments(t *testing.T) {
	names, err := openapiFS.ReadDir("openapi")
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]string{}
	schemas := map[string]string{}
	for _, n := range names {
		b, err := openapiFS.ReadFile("openapi/" + n.Name())
		if err != nil {
			t.Fatal(err)
		}
		var part struct {
			Paths      map[string]map[string]json.RawMessage `json:"paths"`
			Components struct {
				Schemas map[string]json.RawMessage `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(b, &part); err != nil {
			t.Errorf("%s: %v", n.Name(), err)
			continue
		}
		for path, item := range part.Paths {
			for m := range item {
				key := m + " " + path
				if prev, ok := ops[key]; ok && m != "parameters" {
					t.Errorf("%s is defined in both %s and %s", key, prev, n.Name())
				}
				ops[key] = n.Name()
			}
		}
		for s := range part.Components.Schemas {
			if prev, ok := schemas[s]; ok {
				t.Errorf("schema %s is defined in both %s and %s", s, prev, n.Name())
			}
			schemas[s] = n.Name()
		}
	}
}
