package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// TestAccessLineLikeSlog: the access line written by hand holds what slog's JSON handler
// writes for the same record — the same keys in the same order and the same values — also for
// text that needs escaping, and one line per request.
func TestAccessLineLikeSlog(t *testing.T) {
	at := time.Date(2026, 11, 26, 21, 3, 4, 5006007, time.UTC)
	for _, l := range []accessLine{
		{at: at, method: "GET", path: "/api/v1/catalog/items", route: "/api/v1/catalog/items", client: "127.0.0.1", status: 200,
			durationUS: 123, userID: "6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f", requestID: "4b2d2637ee6a80da"},
		{at: at.In(time.FixedZone("CET", 3600)), method: "POST", path: "/api/v1/ö\"\\\n\u2028<&>\xff", route: "unmatched", client: "::1", status: 404,
			durationUS: 0, requestID: "x"},
		{at: at, method: "GET", path: "/", route: "frontend", client: "", status: 503, durationUS: 12345500},
		{at: at, method: "GET", path: "/", route: "frontend", client: "", status: 200, durationUS: 4_000_000_123},
	} {
		var got bytes.Buffer
		writeAccessLine(&got, &l)
		var want bytes.Buffer
		attrs := []slog.Attr{slog.String("method", l.method), slog.String("path", l.path), slog.String("route", l.route),
			slog.Int("status", l.status), slog.Float64("duration_ms", float64(l.durationUS)/1000), slog.String("client", l.client)}
		if l.userID != "" {
			attrs = append(attrs, slog.String("user_id", l.userID))
		}
		if l.requestID != "" {
			attrs = append(attrs, slog.String("request_id", l.requestID))
		}
		r := slog.NewRecord(l.at, slog.LevelInfo, "request", 0)
		r.AddAttrs(attrs...)
		if err := slog.NewJSONHandler(&want, nil).Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if bytes.Count(got.Bytes(), []byte("\n")) != 1 || !bytes.HasSuffix(got.Bytes(), []byte("\n")) {
			t.Fatalf("not one line: %q", got.String())
		}
		if g, w := decodeOrdered(t, got.Bytes()), decodeOrdered(t, want.Bytes()); !reflect.DeepEqual(g, w) {
			t.Fatalf("access line\n got %s\nwant %s", got.String(), want.String())
		}
	}
}

// TestAppendMillisLikeStrconv: the duration is written as strconv writes float64(us)/1000,
// byte for byte (slog's JSON handler writes it so).
func TestAppendMillisLikeStrconv(t *testing.T) {
	check := func(us int64) {
		if got, want := appendMillis(nil, us), strconv.AppendFloat(nil, float64(us)/1000, 'g', -1, 64); !bytes.Equal(got, want) {
			t.Fatalf("appendMillis(%d) = %s, want %s", us, got, want)
		}
	}
	for us := int64(-5); us <= 300_000; us++ {
		check(us)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		check(rng.Int64N(2e9))
	}
	for _, us := range []int64{999_999_999, 1e9, 1e9 + 1, math.MaxInt64, math.MinInt64} {
		check(us)
	}
}

// TestAppendRFC3339NanoLikeTime: a line's time is written as time.RFC3339Nano writes it,
// byte for byte, in UTC and other zones (a DST change within the times), for instants with
// and without a fraction of a second, in and out of order.
func TestAppendRFC3339NanoLikeTime(t *testing.T) {
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2026, 3, 29, 0, 59, 58, 0, time.UTC) // 01:00 UTC: Stockholm moves to summer time
	for _, loc := range []*time.Location{time.UTC, stockholm, time.FixedZone("", -(3*3600 + 30*60)), time.Local} {
		for i := range 20_000 {
			at := start.Add(time.Duration(rng.Int64N(int64(4 * time.Second)))).In(loc)
			switch i % 4 {
			case 0:
				at = at.Truncate(time.Second) // no fraction
			case 1:
				at = at.Truncate(time.Millisecond)
			}
			if got, want := appendRFC3339Nano(nil, at), at.AppendFormat(nil, time.RFC3339Nano); !bytes.Equal(got, want) {
				t.Fatalf("appendRFC3339Nano(%v) = %s, want %s", at, got, want)
			}
		}
	}
}

// decodeOrdered is a JSON object's keys and values in order.
func decodeOrdered(t *testing.T, b []byte) []any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	var out []any
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if _, delim := tok.(json.Delim); !delim {
			out = append(out, tok)
		}
	}
	if len(out) == 0 || !json.Valid(bytes.TrimSpace(b)) {
		t.Fatalf("not a JSON object: %q", b)
	}
	return out
}

// TestAccessLogWriter: with Deps.AccessLog each logged request's line goes there (with its
// request id), not through the logger; without it, through the logger as before.
func TestAccessLogWriter(t *testing.T) {
	for _, direct := range []bool{true, false} {
		var logged, access bytes.Buffer
		d := Deps{Logger: slog.New(slog.NewJSONHandler(&logged, nil))}
		if direct {
			d.AccessLog = &access
		}
		r := newEngine(d)
		req := httptest.NewRequest("GET", "/api/v1/no-such-thing", nil)
		req.Header.Set("X-Request-ID", "req-123")
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Fatalf("status %d", rec.Code)
		}
		line, other := access.Bytes(), logged.Bytes()
		if !direct {
			line, other = other, line
		}
		var got map[string]any
		if err := json.Unmarshal(line, &got); err != nil || len(other) != 0 {
			t.Fatalf("direct %v: access line %q (%v), other output %q", direct, line, err, other)
		}
		if got["msg"] != "request" || got["route"] != "unmatched" || got["status"] != float64(404) || got["request_id"] != "req-123" ||
			got["path"] != "/api/v1/no-such-thing" {
			t.Fatalf("direct %v: access line %s", direct, line)
		}
	}
}
