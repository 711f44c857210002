package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/avrop/avrop/internal/postgres"
)

// clientStats is what one client saw.
type clientStats struct {
	status      map[int]int // responses by status
	transport   int         // requests that got no response at all (retried)
	placed      []string    // ids of orders answered 201 (or replayed 200)
	rejected    int         // orders refused for the ceiling (422)
	stale       int         // follow-up reads after an own write that did not show it
	signedOut   int         // 401 answers
	bad5xx      []string    // 5xx other than 503
	orderLat    []time.Duration
	readLat     []time.Duration
	searchLat   []time.Duration
	reads       int
	searches    int
	unexpected4 []string
}

func (s *clientStats) add(o *clientStats) {
	for k, v := range o.status {
		s.status[k] += v
	}
	s.transport += o.transport
	s.placed = append(s.placed, o.placed...)
	s.rejected += o.rejected
	s.stale += o.stale
	s.signedOut += o.signedOut
	s.bad5xx = append(s.bad5xx, o.bad5xx...)
	s.orderLat = append(s.orderLat, o.orderLat...)
	s.readLat = append(s.readLat, o.readLat...)
	s.searchLat = append(s.searchLat, o.searchLat...)
	s.reads += o.reads
	s.searches += o.searches
	s.unexpected4 = append(s.unexpected4, o.unexpected4...)
}

type client struct {
	base  string
	http  *http.Client
	token string
	st    *clientStats
}

// do sends one request and records its status; it retries a request that got no response
// (a replica going away) up to a few times, and a 503 after its Retry-After.
func (c *client) do(ctx context.Context, method, path string, body any, headers map[string]string) (int, []byte, time.Duration) {
	var payload []byte
	if body != nil {
		payload, _ = json.Marshal(body)
	}
	start := time.Now()
	for attempt := 0; ; attempt++ {
		req, _ := http.NewRequestWithContext(context.WithoutCancel(ctx), method, c.base+path, bytes.NewReader(payload))
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		res, err := c.http.Do(req)
		if err != nil {
			c.st.transport++
			if attempt < 5 {
				time.Sleep(200 * time.Millisecond)
				continue
			}
			return 0, nil, time.Since(start)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		c.st.status[res.StatusCode]++
		switch {
		case res.StatusCode == http.StatusUnauthorized:
			c.st.signedOut++
		case res.StatusCode == http.StatusServiceUnavailable && attempt < 10:
			wait, _ := strconv.Atoi(res.Header.Get("Retry-After"))
			time.Sleep(time.Duration(max(wait, 1)) * 300 * time.Millisecond)
			continue
		case res.StatusCode >= 500 && res.StatusCode != http.StatusServiceUnavailable:
			c.st.bad5xx = append(c.st.bad5xx, fmt.Sprintf("%s %s → %d %s", method, path, res.StatusCode, truncate(b)))
		}
		return res.StatusCode, b, time.Since(start)
	}
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200])
	}
	return string(b)
}

// runClient signs in one orderer and loops until ctx ends: place an order with an
// Idempotency-Key (the same key on every retry), read the agreement's usage at once and check
// that its own organisation's committed amount shows every order it placed, search the
// catalogue, and now and then ask /me.
func runClient(ctx context.Context, base string, w *world, i int) *clientStats {
	st := &clientStats{status: map[int]int{}}
	jar, _ := cookiejar.New(nil)
	c := &client{base: base, http: &http.Client{Jar: jar, Timeout: 20 * time.Second}, st: st}
	status, b, _ := c.do(ctx, "POST", "/api/v1/auth/login", map[string]string{"email": w.emails[i], "password": password}, nil)
	var login struct {
		AccessToken string `json:"access_token"`
	}
	if status != http.StatusOK || json.Unmarshal(b, &login) != nil {
		st.signedOut++
		st.unexpected4 = append(st.unexpected4, fmt.Sprintf("login %d %s", status, truncate(b)))
		return st
	}
	c.token = login.AccessToken
	var own int64 // committed by this client's orders
	queries := []string{"dosett", "handske", "förband steril", "dos"}
	for n := 0; ctx.Err() == nil; n++ {
		key := fmt.Sprintf("ct-%d-%d-%s", i, n, tag())
		q := 1 + rand.IntN(3)
		order := map[string]any{"agreement_id": w.agr, "supplier_id": w.supplier,
			"lines":            []map[string]any{{"item_id": w.items[rand.IntN(len(w.items))], "quantity": q}},
			"delivery_address": "Hemtjänst Norr, Storgatan 1", "cost_center": "4410"}
		status, b, lat := c.do(ctx, "POST", "/api/v1/orders", order, map[string]string{"Idempotency-Key": key})
		switch status {
		case http.StatusCreated, http.StatusOK:
			var o struct {
				ID         string `json:"id"`
				TotalMinor int64  `json:"total_minor"`
			}
			json.Unmarshal(b, &o) //nolint:errcheck // checked through the id
			st.placed = append(st.placed, o.ID)
			own += o.TotalMinor
			st.orderLat = append(st.orderLat, lat)
		case http.StatusUnprocessableEntity:
			st.rejected++
		case 0, http.StatusServiceUnavailable, http.StatusUnauthorized:
		default:
			if status < 500 {
				st.unexpected4 = append(st.unexpected4, fmt.Sprintf("order %d %s", status, truncate(b)))
			}
		}

		status, b, lat = c.do(ctx, "GET", "/api/v1/agreements/"+w.agr+"/usage", nil, nil)
		if status == http.StatusOK {
			var u struct {
				Participants []struct {
					OrgID          string `json:"org_id"`
					CommittedMinor int64  `json:"committed_minor"`
				} `json:"participants"`
			}
			json.Unmarshal(b, &u) //nolint:errcheck // an empty answer is stale below
			seen := int64(-1)
			for _, p := range u.Participants {
				if p.OrgID == w.orgs[i] {
					seen = p.CommittedMinor
				}
			}
			if seen < own {
				st.stale++
			}
			st.reads++
			st.readLat = append(st.readLat, lat)
		}
		qs := queries[rand.IntN(len(queries))]
		status, _, lat = c.do(ctx, "GET", "/api/v1/catalog/items?q="+url.QueryEscape(qs), nil, nil)
		if status == http.StatusOK {
			st.searches++
			st.searchLat = append(st.searchLat, lat)
		}
		if n%10 == 0 {
			c.do(ctx, "GET", "/api/v1/me", nil, nil)
		}
	}
	return st
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// check compares what the clients saw with what PostgreSQL holds.
func check(ctx context.Context, dbURL string, w *world, s *clientStats) ([]string, error) {
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	f, err := readFigures(ctx, db, w.agr)
	if err != nil {
		return nil, err
	}
	var problems []string
	var lost int
	for _, id := range s.placed {
		var ok bool
		if err := db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM orders WHERE id = $1)`, id); err != nil || !ok {
			lost++
		}
	}
	distinct := map[string]bool{}
	for _, id := range s.placed {
		distinct[id] = true
	}
	fmt.Printf("orders: %d placed (201/replayed), %d refused at the ceiling, %d in PostgreSQL; committed %d of ceiling %d (orders sum %d)\n",
		len(distinct), s.rejected, f.orders, f.committed, w.ceiling, f.orderSum)
	if lost > 0 {
		problems = append(problems, fmt.Sprintf("%d lost orders (answered as placed, not in PostgreSQL)", lost))
	}
	if int64(len(distinct)) != f.orders {
		problems = append(problems, fmt.Sprintf("%d orders in PostgreSQL, %d known to clients (doubled or unanswered orders)", f.orders, len(distinct)))
	}
	if f.committed > w.ceiling || f.committed != f.orderSum {
		problems = append(problems, fmt.Sprintf("ceiling: committed %d, orders %d, ceiling %d", f.committed, f.orderSum, w.ceiling))
	}
	if s.stale > 0 {
		problems = append(problems, fmt.Sprintf("%d stale follow-up reads after a client's own write", s.stale))
	}
	if s.signedOut > 0 {
		problems = append(problems, fmt.Sprintf("%d answers 401: a client was signed out", s.signedOut))
	}
	if len(s.bad5xx) > 0 {
		problems = append(problems, fmt.Sprintf("%d 5xx answers other than 503, first: %s", len(s.bad5xx), s.bad5xx[0]))
	}
	if len(s.unexpected4) > 0 {
		problems = append(problems, fmt.Sprintf("%d unexpected answers, first: %s", len(s.unexpected4), s.unexpected4[0]))
	}
	if len(distinct) == 0 || s.reads == 0 || s.searches == 0 {
		problems = append(problems, "no load got through")
	}
	return problems, nil
}

func report(s *clientStats, elapsed time.Duration, problems []string) {
	var codes []int
	total := 0
	for k, v := range s.status {
		codes = append(codes, k)
		total += v
	}
	sort.Ints(codes)
	fmt.Printf("requests: %d in %.1fs (%.0f/s); by status:", total, elapsed.Seconds(), float64(total)/elapsed.Seconds())
	for _, k := range codes {
		fmt.Printf(" %d×%d", k, s.status[k])
	}
	fmt.Printf("; %d without an answer (retried)\n", s.transport)
	fmt.Printf("latency p50/p99: orders %v/%v, follow-up %v/%v, search %v/%v\n",
		percentile(s.orderLat, .5).Round(time.Millisecond), percentile(s.orderLat, .99).Round(time.Millisecond),
		percentile(s.readLat, .5).Round(time.Millisecond), percentile(s.readLat, .99).Round(time.Millisecond),
		percentile(s.searchLat, .5).Round(time.Millisecond), percentile(s.searchLat, .99).Round(time.Millisecond))
	fmt.Printf("checks: lost orders %s, ceiling overruns %s, stale reads after a write %d, 5xx other than 503 %d, 503 %d, sign-outs %d\n",
		okOr(problems, "lost"), okOr(problems, "ceiling"), s.stale, len(s.bad5xx), s.status[503], s.signedOut)
	for _, p := range problems {
		fmt.Println("FAIL:", p)
	}
	if len(problems) == 0 {
		fmt.Println("PASS")
	}
}

func okOr(problems []string, word string) string {
	for _, p := range problems {
		if bytes.Contains([]byte(p), []byte(word)) {
			return "FAILED"
		}
	}
	return "0"
}
