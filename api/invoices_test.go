package api

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/orders"
)

// TestInvoiceJourney drives SPEC §9 over HTTP: a supplier sends an invoice, the buyer's
// approver sees its findings and disputes it, a duplicate is refused, the ledger is loaded and
// contract loyalty answers in JSON and CSV.
func TestInvoiceJourney(t *testing.T) {
	a := newTestAPI(t)
	w := newScopeWorld(t, a, "I")
	xml := "Content-Type"

	var number string
	testenv.Must(t, testenv.DB(t).Get(&number, `SELECT number FROM orders WHERE id = $1`, w.orders[orders.StatusDelivered]))
	draft := invoices.Draft{Number: "F-" + testenv.Unique(), IssueDate: "2026-11-21", Currency: "SEK", OrderNumber: number,
		Supplier: invoices.DraftParty{OrgNumber: w.sup.OrgNumber, Name: w.sup.Name, Country: "SE"},
		Buyer:    invoices.DraftParty{OrgNumber: w.buyer.OrgNumber, Name: w.buyer.Name, Country: "SE"},
		Lines:    []invoices.DraftLine{{SKU: "SC-1", Name: "Scopehandske", Unit: "EA", Quantity: 1, UnitPriceMinor: 9000, VATRateBP: 2500}}}

	res := a.do("POST", "/api/v1/invoices", w.supplier.tok, draft.Document(), xml, "application/xml")
	wantStatus(t, res, http.StatusCreated)
	if res.JSON["status"] != "matched" || res.Header.Get("Location") == "" {
		t.Fatalf("got %s, want a matched invoice with a Location", res.Body)
	}
	wantProblem(t, a.do("POST", "/api/v1/invoices", w.approver.tok, draft.Document(), xml, "application/xml"), http.StatusConflict, "duplicate_invoice")
	wantProblem(t, a.do("POST", "/api/v1/invoices", w.supplier.tok, draft.Document(), xml, "application/json"), http.StatusUnsupportedMediaType, "unsupported_media_type")
	wantProblem(t, a.do("POST", "/api/v1/invoices", w.supplier.tok, `<Invoice><x>`, xml, "application/xml"), http.StatusUnprocessableEntity, "invalid_invoice")
	wantProblem(t, a.do("POST", "/api/v1/invoices", w.orderer.tok, draft.Document(), xml, "application/xml"), http.StatusForbidden, "forbidden")
	wantProblem(t, a.do("POST", "/api/v1/invoices", w.supplier2.tok, draft.Document(), xml, "application/xml"), http.StatusUnprocessableEntity, "party_mismatch")

	// The world's own deviating invoice: 2 × 120.00 against 100.00 ordered.
	res = a.do("GET", "/api/v1/invoices/"+w.invoice, w.approver.tok, nil)
	wantStatus(t, res, http.StatusOK)
	fs, _ := res.JSON["findings"].([]any)
	if res.JSON["status"] != "deviating" || len(fs) != 1 || fs[0].(map[string]any)["code"] != "price_above_order" ||
		fs[0].(map[string]any)["amount_minor"] != float64(4000) {
		t.Fatalf("got %s, want deviating with price_above_order 4000", res.Body)
	}
	wantProblem(t, a.do("POST", "/api/v1/invoices/"+w.invoice+"/dispute", w.approver.tok, map[string]any{}), http.StatusUnprocessableEntity, "validation_failed")
	wantProblem(t, a.do("POST", "/api/v1/invoices/"+w.invoice+"/dispute", w.approver.tok, map[string]any{"note": "x", "status": "accepted"}),
		http.StatusBadRequest, "")
	res = a.do("POST", "/api/v1/invoices/"+w.invoice+"/dispute", w.approver.tok, map[string]any{"note": "Fel pris"})
	wantStatus(t, res, http.StatusOK)
	if res.JSON["status"] != "disputed" {
		t.Errorf("got %s, want disputed", res.Body)
	}

	res = a.do("GET", "/api/v1/invoices?status=disputed", w.supplier.tok, nil)
	wantStatus(t, res, http.StatusOK)
	if res.JSON["total"] != float64(1) {
		t.Errorf("the supplier's disputed invoices: got %s, want 1", res.Body)
	}
	wantProblem(t, a.do("GET", "/api/v1/invoices?status=paid", w.supplier.tok, nil), http.StatusUnprocessableEntity, "validation_failed")
	wantProblem(t, a.do("GET", "/api/v1/invoices", w.orderer.tok, nil), http.StatusForbidden, "forbidden")

	// The scorecard adds the share of the supplier's invoices matched without a finding: of the
	// world's deviating invoice and the matched one, half.
	res = a.do("GET", "/api/v1/suppliers/"+w.sup.ID+"/scorecard", w.manager.tok, nil)
	wantStatus(t, res, http.StatusOK)
	if res.JSON["invoices"] != float64(2) || res.JSON["invoices_matched"] != float64(1) || res.JSON["invoices_matched_share_bp"] != float64(5000) ||
		res.JSON["orders_received"] == nil {
		t.Errorf("scorecard: got %s, want 2 invoices, 1 matched, 5000 bp beside the order figures", res.Body)
	}
	res = a.do("GET", "/api/v1/suppliers/"+w.sup.ID+"/scorecard", w.orderer.tok, nil)
	if _, has := res.JSON["invoices"]; has || res.Status != http.StatusOK {
		t.Errorf("an orderer's scorecard: got %d %s, want it without invoice figures", res.Status, res.Body)
	}

	ledger := "org_number,supplier_org_number,supplier_name,invoice_number,invoice_date,amount_minor,currency,cpv_code\n" +
		w.buyer.OrgNumber + ",556677-8899,Annan leverantör AB,A-1,2026-11-02,30000,SEK,33190000\n"
	res = a.do("POST", "/api/v1/spend-records", w.approver.tok, ledger, xml, "text/csv")
	wantStatus(t, res, http.StatusCreated)
	if res.JSON["created"] != float64(1) {
		t.Errorf("got %s, want 1 created", res.Body)
	}
	res = a.do("POST", "/api/v1/spend-records", w.approver.tok, ledger+"x,y\n", xml, "text/csv")
	wantProblem(t, res, http.StatusUnprocessableEntity, "invalid_spend_records")
	if errs, _ := res.JSON["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["line"] != float64(3) {
		t.Errorf("got %s, want one error on line 3", res.Body)
	}
	wantProblem(t, a.do("POST", "/api/v1/spend-records", w.approver.tok, ledger, xml, "application/json"), http.StatusUnsupportedMediaType, "")
	wantProblem(t, a.do("POST", "/api/v1/spend-records", w.supplier.tok, ledger, xml, "text/csv"), http.StatusForbidden, "forbidden")

	res = a.do("GET", "/api/v1/analytics/contract-loyalty?group_by=supplier&from=2026-11&to=2026-11", w.approver.tok, nil)
	wantStatus(t, res, http.StatusOK)
	items, _ := res.JSON["items"].([]any)
	outside := map[string]float64{}
	for _, it := range items {
		m := it.(map[string]any)
		outside[m["label"].(string)] = m["outside_minor"].(float64)
	}
	if outside["Annan leverantör AB"] != 30000 {
		t.Errorf("got %s, want the ledger's 300.00 outside", res.Body)
	}
	res = a.do("GET", "/api/v1/analytics/contract-loyalty?group_by=supplier&from=2026-11&to=2026-11", w.approver.tok, nil, "Accept", "text/csv")
	wantStatus(t, res, http.StatusOK)
	recs, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
	if err != nil || len(recs) != len(items)+1 || strings.Join(recs[0], ",") != strings.Join(invoices.LoyaltyCSVHeader, ",") {
		t.Errorf("CSV: got %v (%v), want a header and %d rows", recs, err, len(items))
	}
	wantProblem(t, a.do("GET", "/api/v1/analytics/contract-loyalty?group_by=agreement", w.approver.tok, nil), http.StatusUnprocessableEntity, "validation_failed")
	wantProblem(t, a.do("GET", "/api/v1/analytics/contract-loyalty", w.orderer.tok, nil), http.StatusForbidden, "forbidden")
	wantProblem(t, a.do("GET", "/api/v1/analytics/contract-loyalty?org_id="+w.buyer2.ID, w.approver.tok, nil), http.StatusNotFound, "not_found")
}
