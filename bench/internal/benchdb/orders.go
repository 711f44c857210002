package benchdb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Orderer is one concurrent client of PlaceOrders: a signed-in orderer's access token and the
// agreement, supplier and (at least three) items it orders from.
type Orderer struct {
	Token, Agreement, Supplier string
	Items                      []string
}

// Placed is what PlaceOrders measured: the orders answered 201, their latencies (sorted), the
// requests that failed and the first failure.
type Placed struct {
	N, Failed int
	Elapsed   time.Duration
	Lat       []time.Duration
	FirstErr  error
}

// PlaceOrders has every orderer POST three-line orders to base's API, one after the other,
// until d has passed or ctx ends, all orderers at once: the order-placement load of the
// benches. keyTag "" sends no Idempotency-Key; otherwise each order has its own key, made
// unique by keyTag.
func PlaceOrders(ctx context.Context, client *http.Client, base string, orderers []Orderer, d time.Duration, keyTag string) Placed {
	var mu sync.Mutex
	var out Placed
	fail := func(err error) {
		mu.Lock()
		out.Failed++
		if out.FirstErr == nil {
			out.FirstErr = err
		}
		mu.Unlock()
	}
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for k, o := range orderers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				body, _ := json.Marshal(map[string]any{"agreement_id": o.Agreement, "supplier_id": o.Supplier,
					"lines": []map[string]any{{"item_id": o.Items[0], "quantity": 1 + i%3}, {"item_id": o.Items[1], "quantity": 2},
						{"item_id": o.Items[2], "quantity": 1}},
					"delivery_address": "Hemtjänst Norr, Storgatan 1", "cost_center": "4410"})
				req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/orders", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+o.Token)
				if keyTag != "" {
					req.Header.Set("Idempotency-Key", fmt.Sprintf("%s-%d-%d", keyTag, k, i))
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					fail(err)
					continue
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				el := time.Since(t0)
				if res.StatusCode != http.StatusCreated {
					fail(fmt.Errorf("status %d: %.200s", res.StatusCode, b))
					continue
				}
				mine = append(mine, el)
			}
			mu.Lock()
			out.Lat = append(out.Lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.Elapsed = time.Since(start)
	out.N = len(out.Lat)
	slices.Sort(out.Lat)
	return out
}
