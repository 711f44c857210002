package api

import (
	"fmt"
	"net/http"
	"testing"
)

// FuzzCreateOrderBody sends arbitrary bodies and Idempotency-Keys to POST /orders: the answer
// is always a 201 or a 4xx problem document, never a 500, and a replayed key never makes a
// second order.
func FuzzCreateOrderBody(f *testing.F) {
	w := newOrderWorld(f, nil)
	valid := fmt.Sprintf(`{"agreement_id":%q,"supplier_id":%q,"lines":[{"item_id":%q,"quantity":1}],"delivery_address":"Storgatan 1"}`,
		w.agr, w.sup1.ID, w.items[0])
	f.Add([]byte(valid), "")
	f.Add([]byte(valid), "fuzz-key")
	f.Add([]byte(valid[:len(valid)-1]+`,"note":"\u0000"}`), "fuzz-key")
	f.Add([]byte(`{"agreement_id":"x"}`), "")
	f.Add([]byte(`{}`), "k1")
	f.Add([]byte(`{"lines":[{"item_id":"00000000-0000-0000-0000-000000000000","quantity":-1}]}`), "k2")
	f.Add([]byte(`{"note":"\u0000"}`), "k\x00")
	f.Add([]byte(`[]`), "")
	f.Add([]byte(`null`), "")
	f.Add([]byte(`{"lines":[{"quantity":9223372036854775807}]}`), "")
	f.Add([]byte(`{"lines":[{"quantity":1e400}]}`), "")
	f.Add([]byte(`{"requested_delivery_date":"2026-02-30","cascade_reason":"x"}`), "same")
	f.Add([]byte("\xff\xfe{"), "åäö")
	f.Fuzz(func(t *testing.T, body []byte, key string) {
		a := *w.a
		a.t = t
		var headers []string
		if key != "" {
			headers = []string{"Idempotency-Key", key}
		}
		res := a.do("POST", "/api/v1/orders", w.orderer, body, headers...)
		switch {
		case res.Status == http.StatusCreated:
			if res.JSON["id"] == nil {
				t.Fatalf("201 without an order: %s", res.Body)
			}
		case res.Status >= 400 && res.Status < 500:
			if res.Header.Get("Content-Type") != "application/problem+json" || res.JSON["code"] == nil {
				t.Fatalf("status %d without a problem document: %s", res.Status, res.Body)
			}
		default:
			t.Fatalf("status %d: %s", res.Status, res.Body)
		}
	})
}
