package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

// hostileChars are control characters no stored text may hold: NUL (which PostgreSQL refuses
// with SQLSTATE 22021, a 500 before), other C0 characters, DEL and C1 characters. (Invalid
// UTF-8 cannot arrive in JSON, whose decoder replaces it; internal/text tests it.)
var hostileChars = []string{"\x00", "\x01", "\x1b[2J", "\x7f", "\u0085", "\u009b"}

// TestTextRule sends every stored text of the API with each control character: every one
// answers 422 naming its field (never 500), and one-line texts refuse line breaks as well.
func TestTextRule(t *testing.T) {
	a := newTestAPI(t)
	w := newScopeWorld(t, a, "T")
	_, adminTok := a.user(a.org(auth.KindPlatform), auth.RoleAdmin)
	csvHead := "sku,name,description,unit,pack_size,cpv_code,gtin,eco_labels,vat_rate_bp,price_minor,effective_from\n"
	agreement := func(change func(map[string]any)) map[string]any {
		b := map[string]any{"reference": "RA-TXT-" + testenv.Unique(), "title": "Texter", "cpv_code": "33190000",
			"currency": "SEK", "valid_from": "2023-10-01", "valid_to": "2099-09-30", "duration_justification": "test world", "catalogue_approval": false, "call_off_method": "direct",
			"participants": []map[string]any{{"org_id": w.buyer.ID}}, "suppliers": []map[string]any{{"org_id": w.sup.ID, "rank": 1}}}
		change(b)
		return b
	}
	order := func(field, v string) map[string]any {
		b := map[string]any{"agreement_id": w.agreement, "supplier_id": w.sup.ID, "lines": []map[string]any{{"item_id": w.items[1], "quantity": 1}},
			"delivery_address": "Storgatan 1", "cost_center": "4410"}
		b[field] = v
		return b
	}
	type textCase struct {
		name, method, path, tok string
		field                   string // as named in the problem's errors
		multiline               bool
		body                    func(v string) any
		csv                     bool
	}
	cases := []textCase{
		{name: "organisation name", method: "POST", path: "/api/v1/organizations", tok: adminTok, field: "name",
			body: func(v string) any {
				return map[string]any{"name": "Kommun" + v, "org_number": "2120001876", "kind": "buyer", "country": "SE"}
			}},
		{name: "organisation number", method: "POST", path: "/api/v1/organizations", tok: adminTok, field: "org_number",
			body: func(v string) any {
				return map[string]any{"name": "Kommun", "org_number": "212000" + v, "kind": "buyer", "country": "SE"}
			}},
		{name: "organisation rename", method: "PATCH", path: "/api/v1/organizations/" + w.buyer.ID, tok: adminTok, field: "name",
			body: func(v string) any { return map[string]any{"name": "Kommun" + v} }},
		{name: "user name", method: "POST", path: "/api/v1/users", tok: adminTok, field: "name",
			body: func(v string) any {
				return map[string]any{"email": "txt@example.se", "name": "Anna" + v, "password": testPassword, "org_id": w.buyer.ID, "roles": []string{"orderer"}}
			}},
		{name: "user email", method: "POST", path: "/api/v1/users", tok: adminTok, field: "email",
			body: func(v string) any {
				return map[string]any{"email": "txt" + v + "@example.se", "name": "Anna", "password": testPassword, "org_id": w.buyer.ID, "roles": []string{"orderer"}}
			}},
		{name: "user rename", method: "PATCH", path: "/api/v1/users/" + w.orderer.ID, tok: adminTok, field: "name",
			body: func(v string) any { return map[string]any{"name": "Anna" + v} }},
		{name: "login email", method: "POST", path: "/api/v1/auth/login", field: "email",
			body: func(v string) any { return map[string]any{"email": "x" + v + "@example.se", "password": testPassword} }},
		{name: "agreement reference", method: "POST", path: "/api/v1/agreements", tok: w.manager.tok, field: "reference",
			body: func(v string) any { return agreement(func(b map[string]any) { b["reference"] = "RA" + v }) }},
		{name: "agreement title", method: "POST", path: "/api/v1/agreements", tok: w.manager.tok, field: "title",
			body: func(v string) any { return agreement(func(b map[string]any) { b["title"] = "Titel" + v }) }},
		{name: "agreement description", method: "POST", path: "/api/v1/agreements", tok: w.manager.tok, field: "description", multiline: true,
			body: func(v string) any { return agreement(func(b map[string]any) { b["description"] = "Text" + v }) }},
		{name: "agreement retitled", method: "PATCH", path: "/api/v1/agreements/" + w.agreement, tok: w.manager.tok, field: "title",
			body: func(v string) any { return map[string]any{"title": "Titel" + v} }},
		{name: "agreement redescribed", method: "PATCH", path: "/api/v1/agreements/" + w.agreement, tok: w.manager.tok, field: "description", multiline: true,
			body: func(v string) any { return map[string]any{"description": "Text" + v} }},
		{name: "item sku", method: "POST", path: "/api/v1/agreements/" + w.agreement + "/items", tok: w.supplier.tok, field: "sku",
			body: func(v string) any {
				return map[string]any{"sku": "TX" + v, "name": "Handske", "unit": "EA", "cpv_code": "33190000", "vat_rate_bp": 2500, "price_minor": 100}
			}},
		{name: "item name", method: "POST", path: "/api/v1/agreements/" + w.agreement + "/items", tok: w.supplier.tok, field: "name",
			body: func(v string) any {
				return map[string]any{"sku": "TX-1", "name": "Handske" + v, "unit": "EA", "cpv_code": "33190000", "vat_rate_bp": 2500, "price_minor": 100}
			}},
		{name: "item description", method: "POST", path: "/api/v1/agreements/" + w.agreement + "/items", tok: w.supplier.tok, field: "description", multiline: true,
			body: func(v string) any {
				return map[string]any{"sku": "TX-1", "name": "Handske", "description": "Text" + v, "unit": "EA", "cpv_code": "33190000", "vat_rate_bp": 2500, "price_minor": 100}
			}},
		{name: "item renamed", method: "PATCH", path: "/api/v1/catalog/items/" + w.items[0], tok: w.supplier.tok, field: "name",
			body: func(v string) any { return map[string]any{"name": "Handske" + v} }},
		{name: "item redescribed", method: "PATCH", path: "/api/v1/catalog/items/" + w.items[0], tok: w.supplier.tok, field: "description", multiline: true,
			body: func(v string) any { return map[string]any{"description": "Text" + v} }},
		{name: "price change reason", method: "PUT", path: "/api/v1/catalog/items/" + w.items[1] + "/price", tok: w.supplier.tok, field: "reason", multiline: true,
			body: func(v string) any { return map[string]any{"price_minor": 8000, "reason": "KPI" + v} }},
		{name: "price decision note", method: "POST", path: "/api/v1/price-changes/" + w.pendingPC + "/reject", tok: w.manager.tok, field: "note", multiline: true,
			body: func(v string) any { return map[string]any{"note": "Nej" + v} }},
		{name: "price list sku", method: "POST", path: "/api/v1/agreements/" + w.agreement + "/price-list", tok: w.supplier.tok, field: "sku", csv: true,
			body: func(v string) any { return csvHead + "\"TX" + v + "\",Handske,,EA,1,33190000,,,2500,100,\n" }},
		{name: "price list name", method: "POST", path: "/api/v1/agreements/" + w.agreement + "/price-list", tok: w.supplier.tok, field: "name", csv: true,
			body: func(v string) any { return csvHead + "TX-2,\"Handske" + v + "\",,EA,1,33190000,,,2500,100,\n" }},
		{name: "price list description", method: "POST", path: "/api/v1/agreements/" + w.agreement + "/price-list", tok: w.supplier.tok, field: "description", csv: true, multiline: true,
			body: func(v string) any { return csvHead + "TX-2,Handske,\"Text" + v + "\",EA,1,33190000,,,2500,100,\n" }},
		{name: "order delivery address", method: "POST", path: "/api/v1/orders", tok: w.orderer.tok, field: "delivery_address", multiline: true,
			body: func(v string) any { return order("delivery_address", "Storgatan 1"+v) }},
		{name: "order cost centre", method: "POST", path: "/api/v1/orders", tok: w.orderer.tok, field: "cost_center",
			body: func(v string) any { return order("cost_center", "44"+v) }},
		{name: "order note", method: "POST", path: "/api/v1/orders", tok: w.orderer.tok, field: "note", multiline: true,
			body: func(v string) any { return order("note", "Ring"+v) }},
		{name: "decline reason", method: "POST", path: "/api/v1/orders/" + w.orders[orders.StatusApproved] + "/decline", tok: w.supplier.tok, field: "reason", multiline: true,
			body: func(v string) any { return map[string]any{"reason": "Slut" + v} }},
		{name: "deviation description", method: "POST", path: "/api/v1/orders/" + w.orders[orders.StatusDelivered] + "/deviations", tok: w.orderer.tok, field: "description", multiline: true,
			body: func(v string) any { return map[string]any{"kind": "late", "description": "Sent" + v} }},
		{name: "deviation response", method: "POST", path: "/api/v1/orders/" + w.orders[orders.StatusDelivered] + "/deviations/" + w.deviation + "/respond", tok: w.supplier.tok, field: "response", multiline: true,
			body: func(v string) any { return map[string]any{"response": "Ny" + v} }},
		{name: "deviation closing note", method: "POST", path: "/api/v1/orders/" + w.orders[orders.StatusShipped] + "/deviations/" + w.respondedDeviation + "/close", tok: w.manager.tok, field: "note", multiline: true,
			body: func(v string) any { return map[string]any{"note": "Klart" + v} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			chars := hostileChars
			if !tc.multiline {
				chars = append(chars, "\n", "\r", "\t")
			}
			for _, c := range chars {
				var res response
				if tc.csv {
					res = a.do(tc.method, tc.path, tc.tok, []byte(tc.body(c+"z").(string)), "Content-Type", "text/csv")
				} else {
					res = a.do(tc.method, tc.path, tc.tok, tc.body(c+"z")) // inside the text, where trimming cannot remove it
				}
				if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), `"field":"`+tc.field+`"`) {
					t.Errorf("%q: status %d, want 422 naming %s; body %s", c, res.Status, tc.field, res.Body)
				}
			}
			if tc.multiline {
				var res response
				if tc.csv {
					res = a.do(tc.method, tc.path, tc.tok, []byte(tc.body("\nrad två\tmed tabb").(string)), "Content-Type", "text/csv")
				} else {
					res = a.do(tc.method, tc.path, tc.tok, tc.body("\nrad två\tmed tabb"))
				}
				if strings.Contains(string(res.Body), `"field":"`+tc.field+`"`) || res.Status >= 500 {
					t.Errorf("line breaks and tabs refused in a text of several lines: %d %s", res.Status, res.Body)
				}
			}
		})
	}
}
