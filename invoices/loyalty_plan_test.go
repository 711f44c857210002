package invoices_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/invoices"
)

// docsRead reports whether an EXPLAIN (ANALYZE, FORMAT JSON) plan executed a scan of
// loyalty_docs or one of its indexes.
func docsRead(t *testing.T, plan string) bool {
	t.Helper()
	var root []struct{ Plan map[string]any }
	testenv.Must(t, json.Unmarshal([]byte(plan), &root))
	var walk func(n map[string]any) bool
	walk = func(n map[string]any) bool {
		rel, _ := n["Relation Name"].(string)
		idx, _ := n["Index Name"].(string)
		if loops, _ := n["Actual Loops"].(float64); loops > 0 && (rel == "loyalty_docs" || strings.HasPrefix(idx, "loyalty_docs")) {
			return true
		}
		children, _ := n["Plans"].([]any)
		for _, c := range children {
			if m, ok := c.(map[string]any); ok && walk(m) {
				return true
			}
		}
		return false
	}
	return len(root) == 1 && walk(root[0].Plan)
}

// TestLoyaltyWholeMonthsReadNoDocuments: a range of whole months is read from the monthly sums
// alone, every grouping, without descending loyalty_docs' index per organisation to find the
// no documents outside the months (CTE "edge"); a range that cuts a month reads them.
func TestLoyaltyWholeMonthsReadNoDocuments(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	today := time.Now().UTC()
	var rows []string
	for back := 10; back < 120; back += 9 {
		rows = append(rows, fmt.Sprintf("%s,559999-3001,Leverantör Hel AB,W-%s,%s,%d,SEK,33600000", w.Buyer.Number, testenv.Unique(),
			today.AddDate(0, 0, -back).Format(time.DateOnly), 1000+back))
	}
	_, err := w.svc.LoadSpendRecords(ctx, w.Manager, strings.NewReader(spendHeader+strings.Join(rows, "\n")+"\n"))
	testenv.Must(t, err)
	ids := []string{w.Buyer.ID, w.Other.ID}
	whole := [2]string{today.AddDate(0, -3, 0).Format("2006-01"), today.AddDate(0, -1, 0).Format("2006-01")}
	// By organisation a cut month is read whole less its days outside the range: 4 days of 30.
	cut := [2]string{today.AddDate(0, -3, 0).Format("2006-01") + "-05", today.AddDate(0, -1, 0).Format("2006-01")}
	for _, g := range []invoices.LoyaltyGroup{invoices.ByOrganization, invoices.ByCPV, invoices.ByMonth, invoices.BySupplier} {
		plan, _, err := w.svc.LoyaltyPlan(ctx, ids, g, whole[0], whole[1])
		testenv.Must(t, err)
		if docsRead(t, plan) {
			t.Errorf("%s %v: loyalty_docs read for whole months", g, whole)
		}
		if g != invoices.ByOrganization {
			continue
		}
		plan, _, err = w.svc.LoyaltyPlan(ctx, ids, g, cut[0], cut[1])
		testenv.Must(t, err)
		if !docsRead(t, plan) {
			t.Errorf("%s %v: loyalty_docs not read for a range that cuts a month", g, cut)
		}
	}
}

// TestLoyaltyCandidatesByCoverage: the report by organisation computes fewer suppliers per
// organisation exactly when the months it reads hold every month with spend (the bounds, of all
// time, are then nearly the range's spend), the default number otherwise.
func TestLoyaltyCandidatesByCoverage(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	csv := spendHeader + fmt.Sprintf("%s,559999-3101,Leverantör Täckt AB,C-%s,%s,4200,SEK,33600000\n", w.Buyer.Number, testenv.Unique(),
		time.Now().UTC().AddDate(0, 0, -20).Format(time.DateOnly))
	_, err := w.svc.LoadSpendRecords(ctx, w.Manager, strings.NewReader(csv))
	testenv.Must(t, err)
	ids := []string{w.Buyer.ID}
	for _, c := range []struct {
		from, to string
		want     int
	}{{"1990-01", "2200-12", 7}, {"2001-01", "2001-12", 12}} {
		_, got, err := w.svc.LoyaltyPlan(ctx, ids, invoices.ByOrganization, c.from, c.to)
		testenv.Must(t, err)
		if got != c.want {
			t.Errorf("%s–%s: %d suppliers per organisation computed exactly, want %d", c.from, c.to, got, c.want)
		}
	}
}
