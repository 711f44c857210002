package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/avrop/avrop/internal/testenv"
)

// TestPlacementJourneyAPI orders a dispenser for a recipient through the API, installs it,
// moves it, reads a month's charges (JSON and CSV) and the installed base, and gives notice,
// with the refusals a client meets on the way.
func TestPlacementJourneyAPI(t *testing.T) {
	w := newOrderWorld(t, nil)
	a := w.a
	today := time.Now().UTC().Format(time.DateOnly)
	var item string
	testenv.Must(t, a.Deps.DB.Get(&item, `INSERT INTO items (agreement_id, supplier_id, sku, name, unit, cpv_code, vat_rate_bp, kind,
		min_term_months, notice_months) VALUES ($1, $2, $3, 'Läkemedelsautomat', 'MON', '33190000', 2500, 'subscription', 12, 3) RETURNING id`,
		w.agr, w.sup1.ID, "DISP-"+testenv.Unique()))
	mustExec(t, `INSERT INTO item_prices (item_id, price_minor, setup_price_minor, effective_from) VALUES ($1, 69500, 150000, current_date - 1)`, item)
	order := func(line map[string]any) response {
		line["item_id"] = item
		if _, ok := line["quantity"]; !ok {
			line["quantity"] = 1
		}
		return a.do("POST", "/api/v1/orders", w.orderer, map[string]any{"agreement_id": w.agr, "supplier_id": w.sup1.ID,
			"lines": []map[string]any{line}, "delivery_address": "Storgatan 1, Karlstad"})
	}

	wantProblem(t, order(map[string]any{"recipient_ref": "19121212-1212", "start_date": today}), http.StatusUnprocessableEntity, "personal_data_not_allowed")
	wantProblem(t, order(map[string]any{"recipient_ref": "KS-1", "start_date": today, "quantity": 2}), http.StatusUnprocessableEntity, "validation_failed")
	wantProblem(t, order(map[string]any{"recipient_ref": "KS-1", "start_date": "2001-01-01"}), http.StatusUnprocessableEntity, "start_date_in_past")
	wantProblem(t, order(map[string]any{"recipient_ref": "KS-1", "start_date": today, "colour": "red"}), http.StatusBadRequest, "")

	res := order(map[string]any{"recipient_ref": "KS-1", "start_date": today, "address": "Solgläntan 3"})
	wantStatus(t, res, http.StatusCreated)
	orderID := res.JSON["id"].(string)
	pid := res.JSON["lines"].([]any)[0].(map[string]any)["placement_id"].(string)
	wantStatus(t, w.move(w.approver, orderID, "approve", nil), http.StatusOK)

	res = a.do("GET", "/api/v1/placements/"+pid, w.orderer, nil)
	wantStatus(t, res, http.StatusOK)
	if res.JSON["status"] != "ordered" || res.JSON["address"] != "Solgläntan 3" || res.JSON["committed_minor"].(float64) < 150000+12*69500 {
		t.Errorf("placement %s", res.Body)
	}
	wantProblem(t, a.do("POST", "/api/v1/placements/"+pid+"/install", w.s2, map[string]any{"installed_on": today}), http.StatusNotFound, "")
	wantProblem(t, a.do("POST", "/api/v1/placements/"+pid+"/install", w.orderer, map[string]any{"installed_on": today}), http.StatusForbidden, "")
	wantProblem(t, a.do("POST", "/api/v1/placements/"+pid+"/install", w.s1, map[string]any{"installed_on": "2026-13-01"}), http.StatusUnprocessableEntity, "")
	wantStatus(t, a.do("POST", "/api/v1/placements/"+pid+"/install", w.s1, map[string]any{"installed_on": today}), http.StatusOK)
	wantProblem(t, a.do("POST", "/api/v1/placements/"+pid+"/install", w.s1, map[string]any{"installed_on": today}), http.StatusConflict, "invalid_transition")
	wantProblem(t, a.do("POST", "/api/v1/placements/"+pid+"/move", w.orderer, map[string]any{"address": "Ny 1", "recipient_ref": "070761-4285"}),
		http.StatusUnprocessableEntity, "personal_data_not_allowed")
	wantStatus(t, a.do("POST", "/api/v1/placements/"+pid+"/move", w.orderer, map[string]any{"address": "Ny 1"}), http.StatusOK)
	wantProblem(t, a.do("POST", "/api/v1/placements/"+pid+"/end", w.orderer, map[string]any{"end_date": today}), http.StatusUnprocessableEntity, "notice_too_short")

	month := today[:7]
	res = a.do("GET", "/api/v1/placements/charges?month="+month, w.manager, nil)
	wantStatus(t, res, http.StatusOK)
	if lines := res.JSON["lines"].([]any); len(lines) != 1 || res.JSON["total_minor"].(float64) < 150000 {
		t.Errorf("charges %s", res.Body)
	}
	res = a.do("GET", "/api/v1/placements/charges?month="+month, w.s1, nil, "Accept", "text/csv")
	wantStatus(t, res, http.StatusOK)
	if body := string(res.Body); !strings.HasPrefix(body, "month,placement_id,") || !strings.Contains(body, pid) {
		t.Errorf("charges CSV:\n%s", body)
	}
	wantProblem(t, a.do("GET", "/api/v1/placements/charges?month=december", w.manager, nil), http.StatusUnprocessableEntity, "validation_failed")
	res = a.do("GET", "/api/v1/placements/charges?month="+month, w.othBuyer, nil)
	wantStatus(t, res, http.StatusOK)
	if lines := res.JSON["lines"].([]any); len(lines) != 0 {
		t.Errorf("another buyer sees %d charge lines", len(lines))
	}

	res = a.do("GET", "/api/v1/analytics/installed-base?agreement_id="+w.agr+"&from="+month+"&to="+month, w.manager, nil)
	wantStatus(t, res, http.StatusOK)
	if items := res.JSON["items"].([]any); len(items) != 1 || items[0].(map[string]any)["active"].(float64) != 1 {
		t.Errorf("installed base %s", res.Body)
	}
	wantProblem(t, a.do("GET", "/api/v1/analytics/installed-base?from=2026-05&to=2025-01", w.manager, nil), http.StatusUnprocessableEntity, "")

	res = a.do("GET", "/api/v1/placements?status=installed", w.s1, nil)
	wantStatus(t, res, http.StatusOK)
	if res.JSON["total"].(float64) != 1 {
		t.Errorf("supplier's installed placements %s", res.Body)
	}
	wantProblem(t, a.do("GET", "/api/v1/placements?status=lost", w.s1, nil), http.StatusUnprocessableEntity, "validation_failed")

	res = a.do("POST", "/api/v1/placements/"+pid+"/outages", w.orderer, map[string]any{"description": "Larmar inte"})
	wantStatus(t, res, http.StatusCreated)
	if res.JSON["kind"] != "service_outage" || res.JSON["placement_id"] != pid {
		t.Errorf("outage %s", res.Body)
	}
	// Cancelling an order whose device is installed is refused: the placement must be ended.
	wantProblem(t, w.move(w.orderer, orderID, "cancel", nil), http.StatusConflict, "placement_installed")
}
