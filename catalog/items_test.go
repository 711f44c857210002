package catalog

import (
	"context"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
)

func TestItemScope(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	it := f.item(f.supplier1, "ABN-1", "Undersökningshandske nitril")
	t.Run("participating orderer sees it", func(t *testing.T) {
		got, err := f.s.GetItem(ctx, f.orderer, it.ID)
		testenv.Must(t, err)
		if got.PriceMinor == nil || *got.PriceMinor != 10000 || got.Currency != "SEK" || got.SupplierRank != 1 {
			t.Fatalf("item = %+v", got)
		}
	})
	t.Run("buyer not participating gets 404", func(t *testing.T) {
		_, err := f.s.GetItem(ctx, f.outsiderOrderer, it.ID)
		wantKind(t, err, derr.NotFound, "")
		p, err := f.s.SearchItems(ctx, f.outsiderOrderer, SearchFilter{Q: "handske"})
		testenv.Must(t, err)
		if p.Total != 0 {
			t.Fatalf("outsider found %d items", p.Total)
		}
	})
	t.Run("other supplier gets 404 on read and price", func(t *testing.T) {
		_, err := f.s.GetItem(ctx, f.supplier2, it.ID)
		wantKind(t, err, derr.NotFound, "")
		_, err = f.s.SetPrice(ctx, f.supplier2, it.ID, PriceRequest{PriceMinor: ptr(int64(1))})
		wantKind(t, err, derr.NotFound, "")
		_, err = f.s.UpdateItem(ctx, f.supplier2, it.ID, ItemPatch{Name: ptr("x")})
		wantKind(t, err, derr.NotFound, "")
	})
	t.Run("orderer changing a price is forbidden", func(t *testing.T) {
		_, err := f.s.SetPrice(ctx, f.orderer, it.ID, PriceRequest{PriceMinor: ptr(int64(1))})
		wantKind(t, err, derr.Forbidden, "")
		_, err = f.s.SetPrice(ctx, f.manager, it.ID, PriceRequest{PriceMinor: ptr(int64(1))})
		wantKind(t, err, derr.Forbidden, "")
	})
	t.Run("supplier not awarded cannot add items", func(t *testing.T) {
		stranger := f.user(f.org(auth.KindSupplier, "Främling AB"), auth.RoleSupplier)
		_, err := f.s.AddItem(ctx, stranger, f.agreement.ID, ItemInput{SKU: "Z", Name: "Z", Unit: "EA", CPVCode: "33141420",
			VATRateBP: ptr(2500), PriceMinor: ptr(int64(1))})
		wantKind(t, err, derr.NotFound, "")
	})
	t.Run("inactive item hidden from buyers, kept for its supplier", func(t *testing.T) {
		it2 := f.item(f.supplier1, "ABN-2", "Inkontinensskydd")
		_, err := f.s.UpdateItem(ctx, f.supplier1, it2.ID, ItemPatch{Active: ptr(false)})
		testenv.Must(t, err)
		_, err = f.s.GetItem(ctx, f.orderer, it2.ID)
		wantKind(t, err, derr.NotFound, "")
		_, err = f.s.GetItem(ctx, f.supplier1, it2.ID)
		testenv.Must(t, err)
	})
	t.Run("supplier sees only own items in search", func(t *testing.T) {
		f.item(f.supplier2, "OM-1", "Undersökningshandske vinyl")
		p, err := f.s.SearchItems(ctx, f.supplier1, SearchFilter{Q: "handske"})
		testenv.Must(t, err)
		for _, x := range p.Items {
			if x.SupplierID != f.sup1.ID {
				t.Fatalf("supplier 1 sees %s of %s", x.SKU, x.SupplierName)
			}
		}
		if p.Total != 1 {
			t.Fatalf("total = %d, want 1", p.Total)
		}
	})
	t.Run("search scope by role", func(t *testing.T) {
		for _, c := range []struct {
			name   string
			caller auth.Caller
			want   bool
		}{
			{"admin", admin, true}, {"manager", f.manager, true}, {"other manager", f.otherManager, false},
			{"participating orderer", f.orderer, true}, {"outside orderer", f.outsiderOrderer, false},
		} {
			p, err := f.s.SearchItems(ctx, c.caller, SearchFilter{Q: "ABN-1"})
			testenv.Must(t, err)
			found := false
			for _, x := range p.Items {
				found = found || x.ID == it.ID
			}
			if found != c.want {
				t.Errorf("%s: found = %v, want %v", c.name, found, c.want)
			}
			_, err = f.s.GetItem(ctx, c.caller, it.ID)
			if (err == nil) != c.want {
				t.Errorf("%s: get err = %v", c.name, err)
			}
		}
	})
	t.Run("duplicate sku", func(t *testing.T) {
		_, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, ItemInput{SKU: "ABN-1", Name: "X", Unit: "EA", CPVCode: "33141420",
			VATRateBP: ptr(2500), PriceMinor: ptr(int64(1))})
		wantKind(t, err, derr.Conflict, "")
	})
}

func TestItemValidation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	good := func() ItemInput {
		return ItemInput{SKU: "S-" + testenv.Unique(), Name: "Handsprit 85 %", Unit: "EA", CPVCode: "33631600", VATRateBP: ptr(2500),
			PriceMinor: ptr(int64(4500)), GTIN: "7310791234564"}
	}
	tests := []struct {
		name   string
		change func(*ItemInput)
		field  string
	}{
		{"gtin check digit", func(in *ItemInput) { in.GTIN = "7310791234565" }, "gtin"},
		{"unit", func(in *ItemInput) { in.Unit = "styck" }, "unit"},
		{"cpv", func(in *ItemInput) { in.CPVCode = "33-1" }, "cpv_code"},
		{"eco label", func(in *ItemInput) { in.EcoLabels = []string{"Svanen!"} }, "eco_labels"},
		{"vat missing", func(in *ItemInput) { in.VATRateBP = nil }, "vat_rate_bp"},
		{"price negative", func(in *ItemInput) { in.PriceMinor = ptr(int64(-1)) }, "price_minor"},
		{"name empty", func(in *ItemInput) { in.Name = " " }, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good()
			tt.change(&in)
			_, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, in)
			var e *derr.Error
			if !asErr(err, &e) || !hasField(e.Fields, tt.field) {
				t.Fatalf("err = %v, want field %s", err, tt.field)
			}
		})
	}
	t.Run("effective_from in the past", func(t *testing.T) {
		in := good()
		in.EffectiveFrom = "2026-01-14"
		_, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, in)
		wantKind(t, err, derr.Invalid, "price_effective_in_past")
	})
	t.Run("valid gtin", func(t *testing.T) {
		_, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, good())
		testenv.Must(t, err)
	})
}

func TestSyntheticItems(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	testenv.Must(t, InsertSyntheticItems(ctx, f.s.db, f.agreement.ID, []string{f.sup1.ID, f.sup2.ID}, 6000))
	p, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: "handske nitril"})
	testenv.Must(t, err)
	if p.Total == 0 || p.Items[0].PriceMinor == nil {
		t.Fatalf("synthetic search: total %d", p.Total)
	}
	for _, it := range p.Items {
		if it.GTIN != nil && !validGTIN(*it.GTIN) {
			t.Fatalf("invalid synthetic GTIN %s", *it.GTIN)
		}
	}
	all, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{})
	testenv.Must(t, err)
	if all.Total != 6000 {
		t.Fatalf("total = %d, want 6000", all.Total)
	}
}

// TestLatestPriceChangePerItem: a supplier's catalogue page shows each item's newest change,
// however many changes its items have had, and never another supplier's.
