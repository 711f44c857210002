package api

import (
	"encoding/csv"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/orders"
)

// followupWorld: the buyer has a delivered and an approved order of Sup1's eco-labelled item
// (10000 each), a pending and a cancelled one (not spend); the other buyer an approved order
// of 30000 (10000 of it eco-labelled).
func followupWorld(t *testing.T) (*orderWorld, string) {
	w := newOrderWorld(t, nil)
	mustExec(t, `UPDATE items SET eco_labels = '{svanen}' WHERE id = $1`, w.items[0])
	delivered := w.orderIn(t, orders.StatusDelivered)
	w.orderIn(t, orders.StatusApproved)
	w.orderIn(t, orders.StatusPendingApproval)
	w.orderIn(t, orders.StatusCancelled)
	oth := w.create(t, w.othBuyer, 1)
	mustExec(t, `UPDATE orders SET status = 'approved', approved_at = now() WHERE id = $1`, oth)
	return w, delivered
}

func readCSV(t *testing.T, res response) [][]string {
	t.Helper()
	wantStatus(t, res, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type = %q; body: %s", ct, res.Body)
	}
	recs, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, res.Body)
	}
	return recs
}

func TestFollowupSpendAPI(t *testing.T) {
	w, _ := followupWorld(t)
	a := w.a
	rowsOf := func(res response) map[string][2]float64 {
		t.Helper()
		wantStatus(t, res, http.StatusOK)
		out := map[string][2]float64{}
		for _, it := range res.JSON["items"].([]any) {
			m := it.(map[string]any)
			out[m["key"].(string)] = [2]float64{m["total_minor"].(float64), m["eco_share_bp"].(float64)}
		}
		return out
	}

	t.Run("manager sees every organisation on the agreement", func(t *testing.T) {
		res := a.do("GET", "/api/v1/analytics/spend?group_by=organization&agreement_id="+w.agr, w.manager, nil)
		got := rowsOf(res)
		if len(got) != 2 || got[w.buyer.ID] != [2]float64{20000, 10000} || got[w.oth.ID] != [2]float64{30000, 3333} {
			t.Fatalf("rows = %v; body %s", got, res.Body)
		}
		if res.JSON["total"] != float64(2) || res.JSON["page"] != float64(1) || res.JSON["page_size"] != float64(20) || res.JSON["group_by"] != "organization" {
			t.Errorf("list fields: %s", res.Body)
		}
		totals := res.JSON["totals"].([]any)
		if len(totals) != 1 || totals[0].(map[string]any)["total_minor"] != float64(50000) || totals[0].(map[string]any)["order_count"] != float64(3) {
			t.Errorf("totals = %v", totals)
		}
		items := res.JSON["items"].([]any)
		if items[0].(map[string]any)["label"] != w.oth.Name {
			t.Errorf("first row = %v, want the larger organisation by name", items[0])
		}
	})
	t.Run("group_by defaults to organization", func(t *testing.T) {
		if got := rowsOf(a.do("GET", "/api/v1/analytics/spend?agreement_id="+w.agr, w.manager, nil)); len(got) != 2 {
			t.Fatalf("rows = %v", got)
		}
	})
	t.Run("buyer sees only its own organisation", func(t *testing.T) {
		for _, tok := range []string{w.orderer, w.approver} {
			got := rowsOf(a.do("GET", "/api/v1/analytics/spend?group_by=supplier", tok, nil))
			if len(got) != 1 || got[w.sup1.ID] != [2]float64{20000, 10000} {
				t.Fatalf("rows = %v", got)
			}
		}
	})
	t.Run("another supplier sees nothing", func(t *testing.T) {
		if got := rowsOf(a.do("GET", "/api/v1/analytics/spend", w.s2, nil)); len(got) != 0 {
			t.Fatalf("rows = %v", got)
		}
	})
	t.Run("csv", func(t *testing.T) {
		recs := readCSV(t, a.do("GET", "/api/v1/analytics/spend?group_by=organization&page_size=1&agreement_id="+w.agr, w.manager, nil, "Accept", "text/csv"))
		if strings.Join(recs[0], ",") != strings.Join(orders.SpendCSVHeader, ",") {
			t.Errorf("header = %v", recs[0])
		}
		// The export has every group, whatever the page size.
		if len(recs) != 3 || recs[1][1] != w.oth.ID || recs[1][5] != "30000" || recs[1][6] != "300.00" || recs[1][9] != "3333" || recs[1][10] != "33.33" {
			t.Errorf("records = %v", recs)
		}
	})
	t.Run("admin is forbidden", func(t *testing.T) {
		_, adminTok := a.user(a.org(auth.KindPlatform), auth.RoleAdmin)
		wantProblem(t, a.do("GET", "/api/v1/analytics/spend", adminTok, nil), http.StatusForbidden, "forbidden")
	})
	bad := []struct {
		name, query string
		status      int
		code        string
	}{
		{"unknown group", "group_by=buyer", 422, "validation_failed"},
		{"empty group", "group_by=", 422, "validation_failed"},
		{"agreement not a uuid", "agreement_id=1%27%3B--", 422, "validation_failed"},
		{"impossible date", "from=2026-02-30", 422, "validation_failed"},
		{"to before from", "from=2026-02-02&to=2026-02-01", 422, "validation_failed"},
		{"page zero", "page=0", 400, "invalid_query"},
		{"page size not a number", "page_size=ten", 400, "invalid_query"},
	}
	for _, tt := range bad {
		t.Run("bad "+tt.name, func(t *testing.T) {
			wantProblem(t, a.do("GET", "/api/v1/analytics/spend?"+tt.query, w.manager, nil), tt.status, tt.code)
			wantProblem(t, a.do("GET", "/api/v1/analytics/spend?"+tt.query, w.manager, nil, "Accept", "text/csv"), tt.status, tt.code)
		})
	}
	t.Run("unauthenticated", func(t *testing.T) {
		wantProblem(t, a.do("GET", "/api/v1/analytics/spend", "", nil), http.StatusUnauthorized, "")
	})
}

func TestFollowupScorecardAPI(t *testing.T) {
	w, delivered := followupWorld(t)
	a := w.a
	mustExec(t, `UPDATE orders SET requested_delivery_date = (delivered_at AT TIME ZONE 'UTC')::date WHERE id = $1`, delivered)
	path := "/api/v1/suppliers/" + w.sup1.ID + "/scorecard"

	t.Run("manager", func(t *testing.T) {
		res := a.do("GET", path, w.manager, nil)
		wantStatus(t, res, http.StatusOK)
		j := res.JSON
		if j["supplier_id"] != w.sup1.ID || j["supplier_name"] != w.sup1.Name || j["orders_received"] != float64(3) || j["delivered"] != float64(1) ||
			j["on_time"] != float64(1) || j["on_time_rate_bp"] != float64(10000) || j["only_own_organization"] != false {
			t.Fatalf("scorecard = %s", res.Body)
		}
		if kinds := j["deviations_by_kind"].(map[string]any); len(kinds) != len(orders.DeviationKinds) {
			t.Errorf("by kind = %v", kinds)
		}
	})
	t.Run("manager on the agreement", func(t *testing.T) {
		res := a.do("GET", path+"?agreement_id="+w.agr, w.manager, nil)
		wantStatus(t, res, http.StatusOK)
		if res.JSON["agreement_id"] != w.agr {
			t.Errorf("agreement_id = %v", res.JSON["agreement_id"])
		}
	})
	t.Run("buyer counts its own orders", func(t *testing.T) {
		res := a.do("GET", path, w.orderer, nil)
		wantStatus(t, res, http.StatusOK)
		if res.JSON["orders_received"] != float64(2) || res.JSON["only_own_organization"] != true {
			t.Fatalf("scorecard = %s", res.Body)
		}
	})
	t.Run("supplier itself", func(t *testing.T) {
		res := a.do("GET", path, w.s1, nil)
		wantStatus(t, res, http.StatusOK)
		if res.JSON["orders_received"] != float64(3) {
			t.Fatalf("scorecard = %s", res.Body)
		}
	})
	t.Run("csv", func(t *testing.T) {
		recs := readCSV(t, a.do("GET", path, w.manager, nil, "Accept", "text/csv"))
		// The scorecard's columns, then the invoice figures (SPEC §9) for roles that see invoices.
		want := strings.Join(orders.ScorecardCSVHeader, ",") + ",invoices,invoices_matched,invoices_matched_share_bp"
		if len(recs) != 2 || strings.Join(recs[0], ",") != want || recs[1][0] != w.sup1.ID || recs[1][3] != "3" {
			t.Fatalf("records = %v", recs)
		}
	})
	_, otherManager := a.user(a.org(auth.KindProcurementBody), auth.RoleManager)
	outsider := a.org(auth.KindBuyer)
	_, outTok := a.user(outsider, auth.RoleOrderer)
	notFound := []struct{ name, path, tok string }{
		{"another body's manager", path, otherManager},
		{"a buyer not on the agreement", path, outTok},
		{"another supplier", path, w.s2},
		{"an unknown supplier", "/api/v1/suppliers/00000000-0000-0000-0000-000000000009/scorecard", w.manager},
		{"a buyer organisation", "/api/v1/suppliers/" + w.buyer.ID + "/scorecard", w.manager},
		{"a malformed id", "/api/v1/suppliers/x'--/scorecard", w.manager},
		{"an agreement it is not on", path + "?agreement_id=00000000-0000-0000-0000-000000000009", w.manager},
	}
	for _, tt := range notFound {
		t.Run("404 "+tt.name, func(t *testing.T) {
			wantProblem(t, a.do("GET", tt.path, tt.tok, nil), http.StatusNotFound, "not_found")
			wantProblem(t, a.do("GET", tt.path, tt.tok, nil, "Accept", "text/csv"), http.StatusNotFound, "not_found")
		})
	}
	t.Run("admin is forbidden", func(t *testing.T) {
		_, adminTok := a.user(a.org(auth.KindPlatform), auth.RoleAdmin)
		wantProblem(t, a.do("GET", path, adminTok, nil), http.StatusForbidden, "forbidden")
	})
	t.Run("bad agreement id", func(t *testing.T) {
		wantProblem(t, a.do("GET", path+"?agreement_id=nope", w.manager, nil), http.StatusUnprocessableEntity, "validation_failed")
	})
}

// FuzzSpendQuery feeds arbitrary query strings to the spend query's parser and to the route:
// the parser returns a valid filter or a 400/422 error, never panics; the route answers 200
// or a 4xx problem document.
func FuzzSpendQuery(f *testing.F) {
	w := newOrderWorld(f, nil)
	for _, s := range []string{"", "group_by=cpv", "group_by=month&from=2026-01-01&to=2026-12-31", "group_by=orderer&page=2&page_size=100",
		"group_by=x", "from=2026-02-30", "from=99999-01-01", "to=0000-01-01", "agreement_id=%00", "page=-1", "page_size=1e3",
		"group_by=month&group_by=cpv", "%zz", "from=2026-01-01T00:00:00Z", "agreement_id=" + w.agr} {
		f.Add(s)
	}
	gin.SetMode(gin.TestMode)
	f.Fuzz(func(t *testing.T, raw string) {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = &http.Request{Method: "GET", URL: &url.URL{RawQuery: raw}, Header: http.Header{}}
		sf, err := spendQuery(c)
		if err != nil {
			var de *derr.Error
			if !errors.As(err, &de) || (de.Kind != derr.BadRequest && de.Kind != derr.Invalid) || len(de.Fields) == 0 {
				t.Fatalf("%q: err = %#v, want a 400/422 error with fields", raw, err)
			}
		} else if verr := sf.Validate(); verr != nil || !orders.ValidSpendGroup(sf.GroupBy) {
			t.Fatalf("%q: accepted an invalid filter %+v: %v", raw, sf, verr)
		}
		q, perr := url.ParseQuery(raw)
		if perr != nil {
			return
		}
		a := *w.a
		a.t = t
		res := a.do("GET", "/api/v1/analytics/spend?"+q.Encode(), w.manager, nil)
		switch {
		case res.Status == http.StatusOK:
			if err != nil {
				t.Fatalf("%q: parser refused but route answered 200", raw)
			}
		case res.Status == http.StatusBadRequest || res.Status == http.StatusUnprocessableEntity:
			if res.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%q: status %d without a problem document: %s", raw, res.Status, res.Body)
			}
		default:
			t.Fatalf("%q: status %d: %s", raw, res.Status, res.Body)
		}
	})
}
