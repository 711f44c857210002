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

// TestLoyaltyCutMonths puts documents on the days a range leaves out of the months it cuts:
// before a start mid-month, after an end mid-month, and around a range within one month, where
// the report reads the month whole and subtracts them (loyaltyWindow). A supplier number and
// names written only on those days ("Zeta Efter AB" after the end, "Zeta Före AB" before the
// start), suppliers with nothing else in the month and a buyer with nothing else in it must not
// show; platform orders, an off-agreement supplier's invoices and the awarded supplier's ledger
// rows (judged by month, then by day when the agreement starts inside the month) are subtracted
// as they were added. Every answer must be the base tables'.
func TestLoyaltyCutMonths(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	now := time.Now().UTC()
	first := time.Date(now.Year(), now.Month()-3, 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	day := func(d int) string { return first.AddDate(0, 0, d-1).Format(time.DateOnly) }
	next := func(d int) string { return first.AddDate(0, 1, d-1).Format(time.DateOnly) }
	var rows []string
	ledger := func(buyer org, number, name, date string, amount int, cpv string) {
		rows = append(rows, fmt.Sprintf("%s,%s,%s,N-%s,%s,%d,SEK,%s", buyer.Number, number, name, testenv.Unique(), date, amount, cpv))
	}
	for _, d := range []int{3, 12, 20, last - 2} {
		ledger(w.Buyer, "559999-2001", "Alfa Konsult AB", day(d), 10000+d, "33600000")
		ledger(w.Buyer, w.Sup.Number, w.Sup.Name, day(d), 20000+d, "33190000") // awarded: on agreement
		ledger(w.Buyer, w.Sup.Number, w.Sup.Name, day(d), 30000+d, "30190000") // another division: outside
	}
	ledger(w.Buyer, "5599992001", "Zeta Efter AB", day(last), 90000, "33600000")
	ledger(w.Buyer, "559999-2002", "Bara Efter AB", day(last), 80000, "33600000")
	ledger(w.Buyer, "5599992001", "Zeta Före AB", day(1), 70000, "33600000")
	ledger(w.Buyer, "559999-2003", "Bara Före AB", day(1), 60000, "33600000")
	ledger(w.Other, "559999-2001", "Alfa Konsult AB", day(last), 50000, "33600000")
	for _, d := range []int{1, 2, last - 1, last} {
		ledger(w.Buyer, w.Sup.Number, w.Sup.Name, day(d), 40000+d, "33190000")
	}
	ledger(w.Buyer, "559999-2001", "Alfa Konsult AB", next(10), 11000, "33600000")
	_, err := w.svc.LoadSpendRecords(ctx, w.Manager, strings.NewReader(spendHeader+strings.Join(rows, "\n")+"\n"))
	testenv.Must(t, err)
	for _, d := range []int{1, 10, last} {
		o := w.order(true, 1)
		exec(t, w.db, `UPDATE orders SET created_at = $2::date + time '12:00' WHERE id = $1`, o.ID, day(d))
		dr := w.offDraft(fmt.Sprintf("CUT-%d-%s", d, testenv.Unique()))
		dr.IssueDate = day(d)
		w.receive(w.Sup2C, dr)
	}

	ranges := [][2]string{
		{day(1), day(last - 2)},   // ends mid-month: the last two days subtracted
		{day(3), next(last / 2)},  // starts mid-month: the first two days subtracted
		{day(3), day(last - 2)},   // within one month: both ends subtracted
		{day(2), day(last - 1)},   // within one month, one day either side
		{day(10), day(14)},        // within one month, read by day
		{day(-20), day(last - 1)}, // the month before read by day, this one whole less its last day
		{day(1), day(last)},       // the whole month
	}
	sameAnswers(t, w, "cut months", ranges)
	// The agreement starts inside the month: the awarded supplier's documents there are judged
	// by day whether read from the month or subtracted.
	exec(t, w.db, `UPDATE agreements SET valid_from = $2 WHERE id = $1`, w.Agr, day(2))
	sameAnswers(t, w, "validity from the second day", ranges)
	exec(t, w.db, `UPDATE agreements SET valid_from = $2 WHERE id = $1`, w.Agr, day(12))
	sameAnswers(t, w, "validity from the twelfth day", ranges)

	// The largest name and number written win ("Zeta Före AB" over "Zeta Efter AB").
	written := `"supplier_org_number":"5599992001"`
	for _, r := range []struct {
		from, to string
		absent   []string
		present  []string
	}{
		{day(3), day(last - 2), []string{"Zeta Efter AB", "Bara Efter AB", "Zeta Före AB", "Bara Före AB", written, w.Other.Name},
			[]string{"Alfa Konsult AB", `"supplier_org_number":"559999-2001"`}},
		{day(1), day(last - 2), []string{"Zeta Efter AB", "Bara Efter AB", w.Other.Name}, []string{"Zeta Före AB", "Bara Före AB", written}},
		{day(3), next(last / 2), []string{"Zeta Före AB", "Bara Före AB"}, []string{"Zeta Efter AB", "Bara Efter AB", written}},
		{day(1), day(last), nil, []string{"Zeta Före AB", "Bara Efter AB", "Bara Före AB", written, w.Other.Name}},
	} {
		var all []byte
		for _, g := range []invoices.LoyaltyGroup{invoices.ByOrganization, invoices.BySupplier} {
			rep, err := w.svc.ContractLoyalty(ctx, w.Manager, invoices.LoyaltyFilter{GroupBy: g, From: r.from, To: r.to})
			testenv.Must(t, err)
			j, _ := json.Marshal(rep)
			all = append(all, j...)
		}
		for _, s := range r.absent {
			if strings.Contains(string(all), s) {
				t.Errorf("%s–%s: %q shows, though written only outside the range", r.from, r.to, s)
			}
		}
		for _, s := range r.present {
			if !strings.Contains(string(all), s) {
				t.Errorf("%s–%s: %q missing", r.from, r.to, s)
			}
		}
	}
}
