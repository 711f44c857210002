package catalog

import (
	"context"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
)

func TestSearch(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	items := map[string]Item{}
	for _, x := range []struct{ sku, name, desc string }{
		{"ABN-100", "Undersökningshandske nitril puderfri M", "Handskar i nitril för vård och omsorg"},
		{"ABN-101", "Handske vinyl L", "Engångshandskar"},
		{"ABN-200", "Inkontinensskydd Abri-San", "Skydd vid urininkontinens"},
		{"ABN-300", "Handdesinfektion gel 85 %", "Alkoholbaserad handsprit"},
		{"ABN-400", "Sårförband silikon 10x10 cm", "Skumförband med silikonhäfta, svanenmärkt"},
		{"ABN-500", "Tvättlappar engångs", "Mjuka tvättlappar för hygien, inte handskar"},
	} {
		it, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, ItemInput{SKU: x.sku, Name: x.name, Description: x.desc,
			Unit: "XBX", CPVCode: "33141420", VATRateBP: ptr(2500), PriceMinor: ptr(int64(5000)), GTIN: ""})
		testenv.Must(t, err)
		items[x.sku] = it
	}
	eco, err := f.s.AddItem(ctx, f.supplier2, f.agreement.ID, ItemInput{SKU: "OM-1", Name: "Handske nitril svanenmärkt",
		Unit: "XBX", CPVCode: "18424300", EcoLabels: []string{"svanen"}, VATRateBP: ptr(2500), PriceMinor: ptr(int64(6000)), GTIN: "7322540000016"})
	testenv.Must(t, err)

	skus := func(p ItemPage) []string {
		var out []string
		for _, it := range p.Items {
			out = append(out, it.SKU)
		}
		return out
	}
	tests := []struct {
		name      string
		filter    SearchFilter
		wantFirst string   // the best match
		want      []string // must all be found
		notWant   []string
	}{
		{"exact Swedish word", SearchFilter{Q: "handske"}, "", []string{"ABN-101", "OM-1", "ABN-100"}, []string{"ABN-200"}},
		{"plural stems to singular", SearchFilter{Q: "handskar"}, "", []string{"ABN-101", "ABN-100"}, nil},
		{"prefix while typing", SearchFilter{Q: "hand"}, "", []string{"ABN-101", "ABN-300", "ABN-100"}, []string{"ABN-200"}},
		{"prefix inside a compound", SearchFilter{Q: "inkontin"}, "ABN-200", []string{"ABN-200"}, nil},
		{"infix inside a compound", SearchFilter{Q: "förband"}, "ABN-400", []string{"ABN-400"}, nil},
		{"typo", SearchFilter{Q: "handskr"}, "", []string{"ABN-101"}, []string{"ABN-200"}},
		{"typo in a longer word", SearchFilter{Q: "inkontinensskyd"}, "ABN-200", []string{"ABN-200"}, nil},
		{"typo missing letter", SearchFilter{Q: "silikn"}, "ABN-400", []string{"ABN-400"}, nil},
		{"two words narrow", SearchFilter{Q: "handske nitril"}, "", []string{"ABN-100", "OM-1"}, []string{"ABN-101"}},
		{"name outranks description", SearchFilter{Q: "tvättlappar"}, "ABN-500", []string{"ABN-500"}, nil},
		{"sku", SearchFilter{Q: "ABN-300"}, "ABN-300", []string{"ABN-300"}, nil},
		{"gtin", SearchFilter{Q: "7322540000016"}, "OM-1", []string{"OM-1"}, nil},
		{"English stemming", SearchFilter{Q: "gloves nitril"}, "", nil, nil},
		{"eco filter", SearchFilter{Q: "handske", Eco: true}, "OM-1", []string{"OM-1"}, []string{"ABN-101", "ABN-100"}},
		{"eco label filter", SearchFilter{EcoLabel: "svanen"}, "OM-1", []string{"OM-1"}, []string{"ABN-100"}},
		{"cpv prefix", SearchFilter{CPV: "1842"}, "OM-1", []string{"OM-1"}, []string{"ABN-100"}},
		{"supplier filter", SearchFilter{Q: "handske", SupplierID: f.sup2.ID}, "OM-1", []string{"OM-1"}, []string{"ABN-100"}},
		{"agreement filter", SearchFilter{AgreementID: f.agreement.ID}, "", []string{"ABN-100", "OM-1"}, nil},
		{"browse by name", SearchFilter{}, "ABN-300", []string{"ABN-100", "OM-1"}, nil},
		{"stop word only", SearchFilter{Q: "och"}, "", nil, nil},
		{"punctuation only", SearchFilter{Q: "%_'\\"}, "", []string{"ABN-100"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := f.s.SearchItems(ctx, f.orderer, tt.filter)
			testenv.Must(t, err)
			got := skus(p)
			if tt.wantFirst != "" && (len(got) == 0 || got[0] != tt.wantFirst) {
				t.Fatalf("first = %v, want %s", got, tt.wantFirst)
			}
			for _, w := range tt.want {
				if !contains(got, w) {
					t.Fatalf("results %v lack %s", got, w)
				}
			}
			for _, w := range tt.notWant {
				if contains(got, w) {
					t.Fatalf("results %v hold %s", got, w)
				}
			}
			if p.Total < len(p.Items) {
				t.Fatalf("total %d < %d items", p.Total, len(p.Items))
			}
		})
	}
	t.Run("pagination with total", func(t *testing.T) {
		p1, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Page: auth.Page{Page: 1, PageSize: 2}})
		testenv.Must(t, err)
		p4, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Page: auth.Page{Page: 4, PageSize: 2}})
		testenv.Must(t, err)
		if p1.Total != 7 || len(p1.Items) != 2 || p4.Total != 7 || len(p4.Items) != 1 {
			t.Fatalf("page 1: %d/%d, page 4: %d/%d", len(p1.Items), p1.Total, len(p4.Items), p4.Total)
		}
		p9, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: "handske", Page: auth.Page{Page: 9, PageSize: 2}})
		testenv.Must(t, err)
		if len(p9.Items) != 0 || p9.Total < 3 {
			t.Fatalf("past the end: %d items, total %d", len(p9.Items), p9.Total)
		}
		typo1, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: "handskr", Page: auth.Page{Page: 1, PageSize: 1}})
		testenv.Must(t, err)
		typo2, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: "handskr", Page: auth.Page{Page: 2, PageSize: 1}})
		testenv.Must(t, err)
		if typo1.Total < 2 || typo2.Total != typo1.Total || len(typo2.Items) != 1 || typo2.Items[0].ID == typo1.Items[0].ID {
			t.Fatalf("typo pages: %d/%d and %d/%d", len(typo1.Items), typo1.Total, len(typo2.Items), typo2.Total)
		}
	})
	t.Run("item fields", func(t *testing.T) {
		p, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: "OM-1"})
		testenv.Must(t, err)
		it := p.Items[0]
		if it.ID != eco.ID || it.SupplierRank != 2 || it.Currency != "SEK" || *it.PriceMinor != 6000 || it.EcoLabels[0] != "svanen" {
			t.Fatalf("item = %+v", it)
		}
	})
	t.Run("bad filters", func(t *testing.T) {
		for _, bad := range []SearchFilter{{AgreementID: "x"}, {SupplierID: "1"}, {CPV: "33a"}, {Q: strings.Repeat("a", 201)}} {
			_, err := f.s.SearchItems(ctx, f.orderer, bad)
			wantKind(t, err, derr.Invalid, "")
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestListAgreementItemsSearch(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.item(f.supplier1, "SRCH-100", "Tvättlapp 100% bomull")
	f.item(f.supplier1, "SRCH-200", "Tvättlapp engångs")
	f.item(f.supplier2, "SRCH-300", "Tvättlapp frotté")
	names := func(c auth.Caller, q string) []string {
		t.Helper()
		items, total, err := f.s.ListAgreementItems(ctx, c, f.agreement.ID, q, auth.Page{PageSize: 100})
		testenv.Must(t, err)
		if total != len(items) {
			t.Fatalf("q=%q: total %d, %d items", q, total, len(items))
		}
		var out []string
		for _, it := range items {
			out = append(out, it.SKU)
		}
		return out
	}
	for _, tc := range []struct {
		q    string
		want string
	}{
		{"tvättlapp", "SRCH-100 SRCH-200"}, // the supplier's own only
		{"  TVÄTTLAPP engångs ", "SRCH-200"},
		{"srch-1", "SRCH-100"},
		{"-100", ""},      // an sku matches from its start
		{"%", "SRCH-100"}, // wildcards are literal: only the name with a % in it
		{"t_ätt", ""},     // not "tvätt"
		{"100%", "SRCH-100"},
	} {
		if got := strings.Join(names(f.supplier1, tc.q), " "); got != tc.want {
			t.Errorf("supplier q=%q: %q, want %q", tc.q, got, tc.want)
		}
	}
	if got := strings.Join(names(f.manager, "tvättlapp"), " "); got != "SRCH-100 SRCH-200 SRCH-300" {
		t.Errorf("manager: %q", got)
	}
	_, _, err := f.s.ListAgreementItems(ctx, f.supplier1, f.agreement.ID, strings.Repeat("x", 101), auth.Page{})
	wantKind(t, err, derr.Invalid, "validation_failed")
	stranger := f.user(f.org(auth.KindSupplier, "Främling AB"), auth.RoleSupplier)
	_, _, err = f.s.ListAgreementItems(ctx, stranger, f.agreement.ID, "tvättlapp", auth.Page{})
	wantKind(t, err, derr.NotFound, "")
}
