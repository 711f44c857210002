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
