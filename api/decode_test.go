package api

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
)

// fuzzTarget has fields of the shapes handlers decode.
type fuzzTarget struct {
	Name     string            `json:"name"`
	Amount   int64             `json:"amount"`
	Optional *int64            `json:"optional"`
	Flag     *bool             `json:"flag"`
	Roles    []auth.Role       `json:"roles"`
	Lines    []fuzzLine        `json:"lines"`
	Labels   map[string]string `json:"labels"`
}

type fuzzLine struct {
	ItemID   string `json:"item_id"`
	Quantity int    `json:"quantity"`
}

func testContext(method, target string, body []byte, contentType string) *gin.Context {
	rec := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(rec)
	c.Request = httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		c.Request.Header.Set("Content-Type", contentType)
	}
	return c
}

// clientKinds are the only kinds a malformed request may produce: anything else would answer
// 500 for the client's mistake.
var clientKinds = map[derr.Kind]bool{derr.BadRequest: true, derr.TooLarge: true, derr.UnsupportedMedia: true}

// FuzzDecodeJSON: the strict decoder never panics, and whatever it is given it either decodes
// or refuses with a client error (never Internal, so never a 500).
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"name":"x","amount":1}`, `{"name":"x","unknown":1}`, `{"amount":"1"}`, `{"amount":1e400}`,
		`{"amount":99999999999999999999}`, `{"optional":null,"flag":true}`, `{"roles":["orderer"],"lines":[{"item_id":"a","quantity":2}]}`,
		`{"lines":[{"quantity":-1,"x":1}]}`, `{"labels":{"a":"b"}}`, `{"labels":[]}`, `null`, `[]`, `"s"`, `1`, ``, ` `, `{`, `}`,
		`{}{}`, `{} x`, `{"name":"\ud800"}`, "{\"name\":\"\xff\"}", `{"name":"a"`, strings.Repeat(`[`, 20000),
		`{"lines":` + strings.Repeat(`[`, 10001) + `}`, "\ufeff{}", `{"NAME":"case"}`, `{"name":"x","name":"y"}`,
	} {
		f.Add([]byte(seed), "application/json")
	}
	f.Add([]byte(`{}`), "text/plain")
	f.Add([]byte(`{}`), "application/merge-patch+json")
	f.Add([]byte(`{}`), ";;;")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		for _, optional := range []bool{false, true} {
			c := testContext("POST", "/", body, contentType)
			var v fuzzTarget
			var err error
			if optional {
				err = decodeOptionalJSON(c, &v)
			} else {
				err = decodeJSON(c, &v)
			}
			if err == nil {
				continue
			}
			var e *derr.Error
			if !errors.As(err, &e) || !clientKinds[e.Kind] {
				t.Fatalf("decode(%q, %q) = %v: not a client error", body, contentType, err)
			}
			if e.Message == "" || e.Code == "" {
				t.Fatalf("error without message or code: %#v", e)
			}
		}
	})
}

// TestDecodeJSONBodyLimit: a body over the limit is refused without reading it all, and one
// just under it decodes.
func TestDecodeJSONBodyLimit(t *testing.T) {
	under := []byte(`{"name":"` + strings.Repeat("a", maxJSONBody-20) + `"}`)
	var v fuzzTarget
	if err := decodeJSON(testContext("POST", "/", under, "application/json"), &v); err != nil {
		t.Fatalf("body of %d bytes: %v", len(under), err)
	}
	over := []byte(`{"name":"` + strings.Repeat("a", maxJSONBody) + `"}`)
	err := decodeJSON(testContext("POST", "/", over, "application/json"), &v)
	if derr.KindOf(err) != derr.TooLarge || derr.CodeOf(err) != "body_too_large" {
		t.Fatalf("body of %d bytes: %v, want body_too_large", len(over), err)
	}
}

func TestDecodeOptionalJSON(t *testing.T) {
	tests := []struct {
		name, body, contentType string
		wantErr                 bool
		wantName                string
	}{
		{"empty", "", "", false, ""},
		{"whitespace", " \n", "application/json", false, ""},
		{"empty with another type", "", "text/plain", false, ""},
		{"object", `{"name":"n"}`, "application/json", false, "n"},
		{"object with another type", `{"name":"n"}`, "text/plain", true, ""},
		{"unknown field", `{"nope":1}`, "", true, ""},
		{"null", `null`, "", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v fuzzTarget
			err := decodeOptionalJSON(testContext("POST", "/", []byte(tt.body), tt.contentType), &v)
			if (err != nil) != tt.wantErr || v.Name != tt.wantName {
				t.Fatalf("err = %v, name = %q; want error %v, name %q", err, v.Name, tt.wantErr, tt.wantName)
			}
		})
	}
}

// FuzzQueryPage: page parsing never panics; it answers a page within SPEC §4's bounds or a
// 400 invalid_query.
func FuzzQueryPage(f *testing.F) {
	for _, seed := range []string{"", "page=1", "page=0", "page=-1", "page_size=100", "page_size=101", "page=abc",
		"page=9223372036854775807&page_size=100", "page=99999999999999999999", "page=1e3", "page= 2", "page=2&page=3",
		"page_size=0", "page=%00", "page=1000000", "page=1000001", "page=0x10", "page=+5"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return // the server would not get that far with an unparsable query either
		}
		c := testContext("GET", "/?"+q.Encode(), nil, "")
		p, err := queryPage(c)
		if err != nil {
			if derr.KindOf(err) != derr.BadRequest || derr.CodeOf(err) != "invalid_query" {
				t.Fatalf("queryPage(%q) = %v, want invalid_query", rawQuery, err)
			}
			return
		}
		if p.Page < 1 || p.Page > auth.MaxPage || p.PageSize < 1 || p.PageSize > 100 || p.Offset() < 0 {
			t.Fatalf("queryPage(%q) = %+v, out of bounds", rawQuery, p)
		}
	})
}

// FuzzLoginBody sends arbitrary bodies to the login endpoint of an engine without a database
// behind it: decoding and validation answer before any query, and never with a 500.
func FuzzLoginBody(f *testing.F) {
	for _, seed := range []string{`{}`, `{"email":""}`, `{"password":1}`, `{"x":1}`, `null`, `{`, ``} {
		f.Add([]byte(seed))
	}
	engine := newEngine(Deps{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	f.Fuzz(func(t *testing.T, body []byte) {
		var probe loginRequest
		if decodeJSONBytes(body, &probe) == nil && probe.Email != "" && probe.Password != "" {
			return // a well-formed login needs the database; the API tests cover it
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/api/v1/auth/login", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		engine.ServeHTTP(rec, req)
		if rec.Code >= 500 || rec.Code < 400 {
			t.Fatalf("login with %q: status %d, want a 4xx problem", body, rec.Code)
		}
		if ct := rec.Result().Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("content type %q", ct)
		}
	})
}
