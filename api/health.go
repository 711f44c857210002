package api

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

func (h *handler) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers 200 while PostgreSQL answers: "ready", or "degraded" when Redis does not
// (the service then serves from PostgreSQL). Without PostgreSQL it answers 503 with a problem
// document that still reports both dependencies.
func (h *handler) readyz(c *gin.Context) {
	// Each dependency gets its own deadline, so that a hanging PostgreSQL does not make Redis
	// look down too.
	ping := func(f func(context.Context) error) bool {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 1500*time.Millisecond)
		defer cancel()
		return f(ctx) == nil
	}
	pg, rd := "ok", "ok"
	if !ping(h.DB.PingContext) {
		pg = "unavailable"
	}
	if h.Redis == nil {
		rd = "not configured"
	} else if !ping(func(ctx context.Context) error { return h.Redis.Ping(ctx).Err() }) {
		rd = "unavailable"
	}
	c.Header("Cache-Control", "no-store")
	if pg != "ok" {
		c.Header("Content-Type", "application/problem+json")
		c.JSON(http.StatusServiceUnavailable, readinessProblem{
			Problem:  Problem{Type: problemType("not_ready"), Title: "Service Unavailable", Status: http.StatusServiceUnavailable, Detail: "PostgreSQL is unreachable.", Instance: c.Request.URL.Path, Code: "not_ready", RequestID: RequestID(c.Request.Context())},
			Postgres: pg, Redis: rd,
		})
		return
	}
	status := "ready"
	if rd == "unavailable" {
		status = "degraded"
	}
	c.JSON(http.StatusOK, gin.H{"status": status, "postgres": pg, "redis": rd})
}

// readinessProblem is the 503 answer of /readyz: a problem document that names the state of
// each dependency.
type readinessProblem struct {
	Problem
	Postgres string `json:"postgres"`
	Redis    string `json:"redis"`
}

// The OpenAPI document is kept as one JSON fragment per domain in openapi/, merged at first
// use: base.json holds the header and shared components.
//
//go:embed openapi/*.json
var openapiFS embed.FS

var openapiDoc = sync.OnceValues(func() ([]byte, error) { return buildOpenAPI(openapiFS) })

func buildOpenAPI(fsys fs.FS) ([]byte, error) {
	names, err := fs.Glob(fsys, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var doc map[string]any
	paths := map[string]any{}
	schemas := map[string]any{}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var part map[string]any
		if err := json.Unmarshal(b, &part); err != nil {
			return nil, fmt.Errorf("openapi: %s: %w", name, err)
		}
		if name == "openapi/base.json" {
			doc = part
		}
		if p, ok := part["paths"].(map[string]any); ok {
			for path, item := range p {
				if existing, ok := paths[path].(map[string]any); ok {
					maps.Copy(existing, item.(map[string]any))
					continue
				}
				paths[path] = item
			}
		}
		if comp, ok := part["components"].(map[string]any); ok {
			if s, ok := comp["schemas"].(map[string]any); ok {
				maps.Copy(schemas, s)
			}
		}
	}
	if doc == nil {
		return nil, fmt.Errorf("openapi: base.json missing")
	}
	doc["paths"] = paths
	comp, _ := doc["components"].(map[string]any)
	if comp == nil {
		comp = map[string]any{}
		doc["components"] = comp
	}
	comp["schemas"] = schemas
	return json.Marshal(doc)
}

func (h *handler) openapi(c *gin.Context) {
	b, err := openapiDoc()
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.Data(http.StatusOK, "application/json", b)
}
