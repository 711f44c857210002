package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
)

func TestPeppolOrderAPI(t *testing.T) {
	w := newOrderWorld(t, nil)
	a := w.a
	id := w.create(t, w.orderer, 2) // pending approval: the buyers' approval threshold is 0 (approved below)
	_, admin := a.user(a.org(auth.KindPlatform), auth.RoleAdmin)
	path := "/api/v1/orders/" + id + "/peppol"

	t.Run("not exportable before approval", func(t *testing.T) {
		wantProblem(t, a.do("GET", path, w.orderer, nil), http.StatusConflict, "order_not_exportable")
		wantProblem(t, a.do("GET", path, w.s1, nil), http.StatusNotFound, "") // not in the supplier's inbox yet
	})
	wantStatus(t, w.move(w.approver, id, "approve", nil), http.StatusOK)

	t.Run("buyer gets the document", func(t *testing.T) {
		res := a.do("GET", path, w.orderer, nil)
		wantStatus(t, res, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
			t.Fatalf("content type = %q, want application/xml", ct)
		}
		body := string(res.Body)
		for _, want := range []string{
			`<?xml version="1.0" encoding="UTF-8"?>`,
			"<cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:order:3</cbc:CustomizationID>",
			"<cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:ordering:3</cbc:ProfileID>",
			"<cbc:OrderTypeCode>226</cbc:OrderTypeCode>",
			"<cbc:AccountingCost>4410</cbc:AccountingCost>",
			`<cbc:LineExtensionAmount currencyID="SEK">600.00</cbc:LineExtensionAmount>`, // 2 × (100 + 200)
			`<cbc:TaxInclusiveAmount currencyID="SEK">698.00</cbc:TaxInclusiveAmount>`,   // + 50 + 48 VAT
		} {
			if !strings.Contains(body, want) {
				t.Errorf("document lacks %s:\n%s", want, body)
			}
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `inline; filename="`) || !strings.HasSuffix(cd, `.xml"`) {
			t.Errorf("Content-Disposition = %q", cd)
		}
		testenv.ValidateUBL(t, res.Body, "UBL-Order-2.1.xsd")
	})

	tests := []struct {
		name   string
		token  string
		path   string
		status int
	}{
		{"approver of the buyer", w.approver, path, http.StatusOK},
		{"another orderer of the buyer", w.orderer2, path, http.StatusOK},
		{"manager of the agreement", w.manager, path, http.StatusOK},
		{"another organisation's buyer", w.othBuyer, path, http.StatusNotFound},
		{"another supplier", w.s2, path, http.StatusNotFound},
		{"admin", admin, path, http.StatusForbidden},
		{"unknown order", w.orderer, "/api/v1/orders/7b0e5d2c-3f4a-4b7e-9c1d-2a3b4c5d6e7f/peppol", http.StatusNotFound},
		{"not a UUID", w.orderer, "/api/v1/orders/nope/peppol", http.StatusNotFound},
		{"unauthenticated", "", path, http.StatusUnauthorized},
		{"bad token", "not-a-token", path, http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := a.do("GET", tc.path, tc.token, nil)
			if tc.status == http.StatusOK {
				wantStatus(t, res, http.StatusOK)
				if !strings.Contains(string(res.Body), "<cbc:OrderTypeCode>226</cbc:OrderTypeCode>") {
					t.Errorf("not a call-off order document:\n%s", res.Body)
				}
				return
			}
			wantProblem(t, res, tc.status, "")
			if strings.Contains(string(res.Body), "OrderTypeCode") {
				t.Errorf("refused answer carries the document: %s", res.Body)
			}
		})
	}

	t.Run("supplier after approval", func(t *testing.T) {
		res := a.do("GET", path, w.s1, nil)
		wantStatus(t, res, http.StatusOK)
		testenv.ValidateUBL(t, res.Body, "UBL-Order-2.1.xsd")
	})
}

// TestOrderConversationAPI drives the supplier's answer through the API: JSON and T76, the
// rendered T76, and every refusal as a problem document.
func TestOrderConversationAPI(t *testing.T) {
	w := newOrderWorld(t, nil)
	a := w.a
	id := w.create(t, w.orderer, 2)
	respond := "/api/v1/orders/" + id + "/respond"
	changed := map[string]any{"decision": "changed", "reason": "Restnoterat", "lines": []map[string]any{{"line_no": 1, "quantity": 1}}}

	wantProblem(t, a.do("POST", respond, w.s1, changed), http.StatusNotFound, "") // not approved: not in the inbox
	wantStatus(t, w.move(w.approver, id, "approve", nil), http.StatusOK)
	wantProblem(t, a.do("GET", "/api/v1/orders/"+id+"/peppol-response", w.orderer, nil), http.StatusConflict, "order_not_answered")
	wantProblem(t, a.do("POST", respond, w.s2, changed), http.StatusNotFound, "")
	wantProblem(t, a.do("POST", respond, w.orderer, changed), http.StatusForbidden, "")
	wantProblem(t, a.do("POST", respond, w.s1, map[string]any{"decision": "maybe"}), http.StatusUnprocessableEntity, "validation_failed")
	wantProblem(t, a.do("POST", respond, w.s1, map[string]any{"decision": "changed", "lines": []map[string]any{{"line_no": 1, "quantity": 9}}}),
		http.StatusUnprocessableEntity, "validation_failed")

	res := a.do("POST", respond, w.s1, changed)
	wantStatus(t, res, http.StatusOK)
	if res.JSON["response_code"] != "CA" || res.JSON["total_minor"] != float64(10000+40000) {
		t.Fatalf("answered = %s", res.Body)
	}
	lines := res.JSON["lines"].([]any)
	if l := lines[0].(map[string]any); l["quantity"] != 2.0 || l["quantity_confirmed"] != 1.0 {
		t.Fatalf("line = %v", l)
	}
	wantProblem(t, a.do("POST", respond, w.s1, changed), http.StatusConflict, "invalid_transition")
	res = a.do("GET", "/api/v1/orders/"+id+"/peppol-response", w.orderer, nil)
	wantStatus(t, res, http.StatusOK)
	testenv.ValidateUBL(t, res.Body, "UBL-OrderResponse-2.1.xsd")
	if !strings.Contains(string(res.Body), "<cbc:OrderResponseCode>CA</cbc:OrderResponseCode>") {
		t.Fatalf("T76 = %s", res.Body)
	}
	wantProblem(t, a.do("GET", "/api/v1/orders/"+id+"/peppol-response", w.othBuyer, nil), http.StatusNotFound, "")

	t.Run("a T76 document", func(t *testing.T) {
		id2 := w.create(t, w.orderer, 1)
		wantStatus(t, w.move(w.approver, id2, "approve", nil), http.StatusOK)
		number := a.do("GET", "/api/v1/orders/"+id2, w.orderer, nil).JSON["number"].(string)
		doc := `<OrderResponse xmlns="urn:oasis:names:specification:ubl:schema:xsd:OrderResponse-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:ID>R1</cbc:ID><cbc:IssueDate>2026-11-26</cbc:IssueDate><cbc:OrderResponseCode>RE</cbc:OrderResponseCode>
 <cbc:Note>Slut i lager</cbc:Note><cac:OrderReference><cbc:ID>` + number + `</cbc:ID></cac:OrderReference></OrderResponse>`
		path := "/api/v1/peppol/order-responses"
		wantProblem(t, a.do("POST", path, w.s1, doc, "Content-Type", "text/plain"), http.StatusUnsupportedMediaType, "")
		wantProblem(t, a.do("POST", path, w.s1, `<!DOCTYPE x [<!ENTITY e "e">]>`+doc, "Content-Type", "application/xml"),
			http.StatusUnprocessableEntity, "invalid_order_response")
		wantProblem(t, a.do("POST", path, w.s2, doc, "Content-Type", "application/xml"), http.StatusNotFound, "")
		res := a.do("POST", path, w.s1, doc, "Content-Type", "application/xml")
		wantStatus(t, res, http.StatusOK)
		if res.JSON["status"] != "declined" || res.JSON["decline_reason"] != "Slut i lager" || res.JSON["response_code"] != "RE" {
			t.Fatalf("declined by T76 = %s", res.Body)
		}
	})
}
