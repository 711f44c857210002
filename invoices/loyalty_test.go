package invoices_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/invoices"
)

// A small fixture whose contract loyalty is computed by hand (amounts in öre, excluding VAT):
//
//	Buyer, this month:
//	  platform invoice from Sup on a delivered order, 10 × 100.00 (CPV 33)   on   100000
//	  platform order approved, not yet invoiced, 2 × 100.00                  on    20000
//	  ledger: Sup, CPV 33190000                                              on    50000
//	  ledger: Sup, CPV 30190000 (not the agreement's division)               out    7000 (Sup)
//	  ledger: Sup2 (awarded nowhere), CPV 33140000                           out   30000 (Sup2)
//	  ledger: an unknown supplier, CPV 33600000                              out   13000 (Apotek X)
//	  platform invoice from Sup2 without order, CPV 33140000                 out    5000 (Sup2)
//	  ledger: the same supplier invoice as the platform invoice above        counted once (left out)
//	  ledger: Sup2 a year ago                                                outside the period
//	Other (another participant), this month:
//	  ledger: Sup2, CPV 33140000                                             out    1000
//
//	Buyer: on 170000, outside 55000, loyal share 170000 / 225000 = 75.56 % (7556 bp);
//	largest outside: Sup2 35000, Apotek X 13000, Sup 7000.
func TestContractLoyalty(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	today := time.Now().UTC()
	day := today.Format(time.DateOnly)
	month := today.Format("2006-01")

	o := w.order(true, 10)
	platform := w.receive(w.SupC, w.draft("P-"+testenv.Unique(), o.Number, w.line(0, 10, 10000)))
	if platform.Status != invoices.StatusMatched {
		t.Fatalf("platform invoice: got %s %v, want matched", platform.Status, platform.Findings)
	}
	w.order(false, 2)
	off := w.draft("Q-"+testenv.Unique(), "", invoices.DraftLine{SKU: "X", Name: "Tvål", Unit: "EA", Quantity: 1, UnitPriceMinor: 5000,
		VATRateBP: 2500, CPV: "33140000"})
	off.Supplier = party(w.Sup2)
	w.receive(w.Sup2C, off)

	csv := spendHeader + strings.Join([]string{
		fmt.Sprintf("%s,%s,Evondos AB,L-1,%s,50000,SEK,33190000", w.Buyer.Number, w.Sup.Number, day),
		fmt.Sprintf("%s,%s,Evondos AB,L-2,%s,7000,SEK,30190000", w.Buyer.Number, w.Sup.Number, day),
		fmt.Sprintf("%s,%s,Offside Handel AB,L-3,%s,30000,SEK,33140000", w.Buyer.Number, w.Sup2.Number, day),
		fmt.Sprintf("%s,559999-0001,Apotek X,L-4,%s,13000,SEK,33600000", w.Buyer.Number, day),
		fmt.Sprintf("%s,%s,Evondos AB,%s,%s,100000,SEK,33190000", w.Buyer.Number, w.Sup.Number, platform.Number, day),
		fmt.Sprintf("%s,%s,Offside Handel AB,L-5,%s,99999,SEK,33140000", w.Buyer.Number, w.Sup2.Number, today.AddDate(-1, 0, 0).Format(time.DateOnly)),
		fmt.Sprintf("%s,%s,Offside Handel AB,L-6,%s,1000,SEK,33140000", w.Other.Number, w.Sup2.Number, day),
	}, "\n") + "\n"
	_, err := w.svc.LoadSpendRecords(ctx, w.Manager, strings.NewReader(csv))
	testenv.Must(t, err)

	f := invoices.LoyaltyFilter{GroupBy: invoices.ByOrganization, From: month, To: month}
	t.Run("an approver's organisation", func(t *testing.T) {
		rep, err := w.svc.ContractLoyalty(ctx, w.Approver, f)
		testenv.Must(t, err)
		if len(rep.Items) != 1 {
			t.Fatalf("got %d groups, want 1 (the approver's organisation)", len(rep.Items))
		}
		it := rep.Items[0]
		if it.Group != w.Buyer.ID || it.Label != w.Buyer.Name || it.OnAgreementMinor != 170000 || it.OutsideMinor != 55000 || it.LoyalShareBP != 7556 {
			t.Errorf("got %+v, want %s on 170000 outside 55000 share 7556", it, w.Buyer.Name)
		}
		want := []invoices.OutsideSupplier{{SupplierOrgNumber: w.Sup2.Number, Name: w.Sup2.Name, AmountMinor: 35000},
			{SupplierOrgNumber: "559999-0001", Name: "Apotek X", AmountMinor: 13000},
			{SupplierOrgNumber: w.Sup.Number, Name: w.Sup.Name, AmountMinor: 7000}}
		if fmt.Sprint(it.TopOutside) != fmt.Sprint(want) {
			t.Errorf("got top outside %v, want %v", it.TopOutside, want)
		}
	})
	t.Run("by CPV division", func(t *testing.T) {
		rep, err := w.svc.ContractLoyalty(ctx, w.Approver, invoices.LoyaltyFilter{GroupBy: invoices.ByCPV, From: month, To: month})
		testenv.Must(t, err)
		got := map[string][3]int64{}
		for _, it := range rep.Items {
			got[it.Group] = [3]int64{it.OnAgreementMinor, it.OutsideMinor, int64(it.LoyalShareBP)}
		}
		want := map[string][3]int64{"33": {170000, 48000, 7798}, "30": {0, 7000, 0}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("by month and by supplier", func(t *testing.T) {
		rep, err := w.svc.ContractLoyalty(ctx, w.Approver, invoices.LoyaltyFilter{GroupBy: invoices.ByMonth,
			From: today.AddDate(-1, 0, 0).Format("2006-01"), To: month})
		testenv.Must(t, err)
		got := map[string][2]int64{}
		for _, it := range rep.Items {
			got[it.Group] = [2]int64{it.OnAgreementMinor, it.OutsideMinor}
		}
		want := map[string][2]int64{month: {170000, 55000}, today.AddDate(-1, 0, 0).Format("2006-01"): {0, 99999}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("by month: got %v, want %v", got, want)
		}
		rep, err = w.svc.ContractLoyalty(ctx, w.Approver, invoices.LoyaltyFilter{GroupBy: invoices.BySupplier, From: month, To: month})
		testenv.Must(t, err)
		bySup := map[string][2]int64{}
		for _, it := range rep.Items {
			bySup[it.Label] = [2]int64{it.OnAgreementMinor, it.OutsideMinor}
		}
		wantSup := map[string][2]int64{w.Sup.Name: {170000, 7000}, w.Sup2.Name: {0, 35000}, "Apotek X": {0, 13000}}
		if fmt.Sprint(bySup) != fmt.Sprint(wantSup) {
			t.Errorf("by supplier: got %v, want %v", bySup, wantSup)
		}
	})
	t.Run("a manager sees the agreement's participants", func(t *testing.T) {
		rep, err := w.svc.ContractLoyalty(ctx, w.Manager, f)
		testenv.Must(t, err)
		got := map[string][2]int64{}
		for _, it := range rep.Items {
			got[it.Group] = [2]int64{it.OnAgreementMinor, it.OutsideMinor}
		}
		want := map[string][2]int64{w.Buyer.ID: {170000, 55000}, w.Other.ID: {0, 1000}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("got %v, want %v", got, want)
		}
		if len(rep.Totals) != 1 || rep.Totals[0].OnAgreementMinor != 170000 || rep.Totals[0].OutsideMinor != 56000 {
			t.Errorf("got totals %+v, want on 170000 outside 56000", rep.Totals)
		}
		// The largest outside suppliers over every participant: Offside's 35,000 and 1,000.
		wantTop := []invoices.OutsideSupplier{{SupplierOrgNumber: w.Sup2.Number, Name: w.Sup2.Name, AmountMinor: 36000},
			{SupplierOrgNumber: "559999-0001", Name: "Apotek X", AmountMinor: 13000},
			{SupplierOrgNumber: w.Sup.Number, Name: w.Sup.Name, AmountMinor: 7000}}
		if len(rep.Totals) == 1 && fmt.Sprint(rep.Totals[0].TopOutside) != fmt.Sprint(wantTop) {
			t.Errorf("got the totals' top outside %v, want %v", rep.Totals[0].TopOutside, wantTop)
		}
		one, err := w.svc.ContractLoyalty(ctx, w.Manager, invoices.LoyaltyFilter{From: month, To: month, OrgID: w.Other.ID})
		testenv.Must(t, err)
		if len(one.Items) != 1 || one.Items[0].Group != w.Other.ID {
			t.Errorf("org_id filter: got %+v, want Other only", one.Items)
		}
	})
	t.Run("scope", func(t *testing.T) {
		rep, err := w.svc.ContractLoyalty(ctx, w.OtherC, f)
		testenv.Must(t, err)
		if len(rep.Items) != 1 || rep.Items[0].Group != w.Other.ID {
			t.Errorf("another participant's approver: got %+v, want only their own organisation", rep.Items)
		}
		if _, err := w.svc.ContractLoyalty(ctx, w.Approver, invoices.LoyaltyFilter{OrgID: w.Other.ID}); derr.KindOf(err) != derr.NotFound {
			t.Errorf("an approver naming another organisation: got %v, want NotFound", err)
		}
		for name, c := range map[string]struct {
			err error
		}{"supplier": {func() error { _, err := w.svc.ContractLoyalty(ctx, w.SupC, f); return err }()},
			"orderer": {func() error { _, err := w.svc.ContractLoyalty(ctx, w.Orderer, f); return err }()}} {
			if derr.KindOf(c.err) != derr.Forbidden {
				t.Errorf("%s: got %v, want Forbidden", name, c.err)
			}
		}
	})
	t.Run("bad filters", func(t *testing.T) {
		for _, bad := range []invoices.LoyaltyFilter{{GroupBy: "agreement"}, {From: "2026-13"}, {To: "yesterday"},
			{From: "2026-05", To: "2026-04"}, {OrgID: "x"}} {
			if _, err := w.svc.ContractLoyalty(ctx, w.Approver, bad); derr.KindOf(err) != derr.Invalid {
				t.Errorf("%+v: got %v, want Invalid", bad, err)
			}
		}
	})
}
