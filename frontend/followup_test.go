package frontend_test

import (
	"encoding/csv"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

var spendCSVLink = regexp.MustCompile(`href="(/followup/spend\.csv\?[^"]*)"`)

// TestFollowupPage: the buyer orders 2 eco-labelled gloves (17 900) and 1 vinyl glove (5 900),
// the approver approves; the manager's follow-up page shows the spend, the eco-labelled share
// (75,2 %) and the supplier's scorecard, and its CSV link exports the same figures.
func TestFollowupPage(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	approvedOrder(t, s, w, orders.LineInput{ItemID: w.gloveM.ID, Quantity: 2}, orders.LineInput{ItemID: w.gloveVinyl.ID, Quantity: 1})

	t.Run("manager sees spend, eco share and scorecards", func(t *testing.T) {
		c := s.client()
		c.login(w.manager)
		p := c.get("/followup?group_by=supplier")
		wantStatus(t, p, http.StatusOK)
		body := html.UnescapeString(p.Body)
		for _, want := range []string{"Uppföljning", "Köpt värde per Leverantör", w.supplier.Name, "238,00\u00a0kr", "179,00\u00a0kr",
			"75,2\u00a0%", "Leverantörsuppföljning", "Fakturor utan avvikelse", w.supplier2.Name, `<svg class="bar"`, `aria-hidden="true"`, `href="/followup" aria-current="page"`} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		m := spendCSVLink.FindStringSubmatch(p.Body)
		if m == nil {
			t.Fatalf("no spend CSV link on the page")
		}
		res := c.get(html.UnescapeString(m[1]))
		wantStatus(t, res, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("content type %q", ct)
		}
		recs, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
		testenv.Must(t, err)
		if len(recs) != 2 || strings.Join(recs[0], ",") != strings.Join(orders.SpendCSVHeader, ",") ||
			recs[1][0] != "supplier" || recs[1][1] != w.supplier.ID || recs[1][5] != "23800" || recs[1][7] != "17900" || recs[1][9] != "7521" {
			t.Fatalf("csv = %v", recs)
		}
		sc := c.get("/followup/scorecards.csv")
		wantStatus(t, sc, http.StatusOK)
		if lines := strings.Split(strings.TrimSpace(sc.Body), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "supplier_id,supplier_name") {
			t.Fatalf("scorecards csv = %q", sc.Body)
		}
	})
	t.Run("English", func(t *testing.T) {
		c := s.client()
		c.login(w.manager)
		wantStatus(t, c.get("/lang/en?next=/followup"), http.StatusSeeOther)
		p := c.get("/followup?group_by=cpv")
		wantStatus(t, p, http.StatusOK)
		if body := html.UnescapeString(p.Body); !strings.Contains(body, "Spend by CPV code") || !strings.Contains(body, "33141420") {
			t.Errorf("English page lacks its heading or the CPV code: %.3000s", body)
		}
	})
	t.Run("approver sees only its own organisation", func(t *testing.T) {
		c := s.client()
		c.login(w.approver)
		p := c.get("/followup")
		wantStatus(t, p, http.StatusOK)
		body := html.UnescapeString(p.Body)
		if !strings.Contains(body, w.buyer.Name) || !strings.Contains(body, "Du ser bara din egen organisations beställningar.") {
			t.Errorf("approver's page: %.3000s", body)
		}
	})
	t.Run("bad selection is explained in words", func(t *testing.T) {
		c := s.client()
		c.login(w.manager)
		p := c.get("/followup?group_by=nope&from=2026-02-30")
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !strings.Contains(p.Body, `aria-invalid="true"`) || !strings.Contains(p.Body, `id="from-error"`) {
			t.Errorf("no field errors: %.3000s", p.Body)
		}
	})
	for name, u := range map[string]auth.User{"supplier": w.seller, "orderer": w.orderer, "admin": w.admin} {
		t.Run("403 for "+name, func(t *testing.T) {
			c := s.client()
			c.login(u)
			for _, path := range []string{"/followup", "/followup/spend.csv", "/followup/scorecards.csv"} {
				wantStatus(t, c.get(path), http.StatusForbidden)
			}
		})
	}
}
