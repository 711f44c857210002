package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
)

const header = "sku,name,description,unit,pack_size,cpv_code,gtin,eco_labels,vat_rate_bp,price_minor,effective_from\n"

func TestImportPriceList(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	count := func() int {
		_, total, err := f.s.ListAgreementItems(ctx, f.supplier1, f.agreement.ID, "", auth.Page{})
		testenv.Must(t, err)
		return total
	}

	t.Run("valid file creates items", func(t *testing.T) {
		csv := "\ufeff" + header +
			"ABN-1,Undersökningshandske nitril M,\"Puderfri, 100 st\",XBX,100,33141420,7322540000016,svanen|eu_ecolabel,2500,8900,\n" +
			"ABN-2,Inkontinensskydd Abri-Form,,XPK,28,33141620,,,2500,24900,2026-02-01\n" +
			"ABN-3,Handdesinfektion 85 %,Gel,EA,,33631600,, bra_miljoval ,2500,4500,2026-01-15\n"
		rep, err := f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, strings.NewReader(csv))
		testenv.Must(t, err)
		if rep != (ImportReport{Rows: 3, Created: 3}) {
			t.Fatalf("report = %+v", rep)
		}
		p, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: "ABN-1"})
		testenv.Must(t, err)
		if len(p.Items) == 0 || p.Items[0].SKU != "ABN-1" || *p.Items[0].PriceMinor != 8900 || len(p.Items[0].EcoLabels) != 2 ||
			p.Items[0].Description != "Puderfri, 100 st" || p.Items[0].PackSize != 100 {
			t.Fatalf("imported item = %+v", p.Items)
		}
		it, err := f.s.GetItem(ctx, f.supplier1, idOf(t, f, "ABN-2"))
		testenv.Must(t, err)
		if it.PriceMinor != nil || *it.NextPriceMinor != 24900 {
			t.Fatalf("scheduled first price: %+v", it)
		}
	})

	t.Run("several bad rows change nothing", func(t *testing.T) {
		before := count()
		csv := header +
			"ABN-1,Undersökningshandske nitril M,Puderfri,XBX,100,33141420,7322540000016,svanen,2500,8000,\n" + // fine (decrease)
			"NEW-1,,desc,EA,1,33141420,,,2500,100,\n" + // line 3: name missing
			"NEW-2,Ny artikel,desc,styck,1,3314,,,2500,abc,\n" + // line 4: unit, cpv, price
			"NEW-3,Ny artikel,desc,EA,0,33141420,123,Svanen!,99999,100,2020-01-01\n" + // line 5: pack, gtin, label, vat, past
			"NEW-1,Dubblett,desc,EA,1,33141420,,,2500,100,\n" + // line 6: repeats sku of line 3
			"too,few\n" // line 7
		_, err := f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, strings.NewReader(csv))
		wantKind(t, err, derr.Invalid, "invalid_price_list")
		var e *derr.Error
		errors.As(err, &e)
		want := map[string]bool{"3:name": true, "4:unit": true, "4:cpv_code": true, "4:price_minor": true, "5:pack_size": true,
			"5:gtin": true, "5:eco_labels": true, "5:vat_rate_bp": true, "5:effective_from": true, "6:sku": true, "7:row": true}
		got := map[string]bool{}
		for _, fe := range e.Fields {
			got[fmt.Sprintf("%d:%s", fe.Line, fe.Field)] = true
		}
		for k := range want {
			if !got[k] {
				t.Errorf("missing error %s; got %+v", k, e.Fields)
			}
		}
		if count() != before {
			t.Fatalf("items changed: %d → %d", before, count())
		}
		it, _ := f.s.GetItem(ctx, f.supplier1, idOf(t, f, "ABN-1"))
		if *it.PriceMinor != 8900 {
			t.Fatalf("price changed to %d", *it.PriceMinor)
		}
	})

	t.Run("update through the price rules", func(t *testing.T) {
		csv := header +
			"ABN-1,Undersökningshandske nitril M,Puderfri,XBX,100,33141420,7322540000016,svanen|eu_ecolabel,2500,8500,\n" + // decrease, description changed
			"ABN-2,Inkontinensskydd Abri-Form,,XPK,28,33141620,,,2500,24900,2026-02-01\n" + // unchanged
			"ABN-3,Handdesinfektion 85 %,Gel,EA,1,33631600,,bra_miljoval,2500,9000,\n" + // +100 %: pending
			"ABN-4,Sårförband,,EA,1,33141110,,,2500,1500,\n" // new
		rep, err := f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, strings.NewReader(csv))
		testenv.Must(t, err)
		if rep != (ImportReport{Rows: 4, Created: 1, Updated: 2, Unchanged: 1, PricesApplied: 1, PricesPending: 1}) {
			t.Fatalf("report = %+v", rep)
		}
		_, total, err := f.s.ListPriceChanges(ctx, f.manager, PriceChangeFilter{Status: PricePending})
		testenv.Must(t, err)
		if total != 1 {
			t.Fatalf("pending = %d", total)
		}
	})

	t.Run("header errors", func(t *testing.T) {
		for name, csv := range map[string]string{
			"empty":          "",
			"missing column": "sku,name\nA,B\n",
			"unknown column": strings.TrimSuffix(header, "\n") + ",colour\n",
			"bad quoting":    header + "\"ABN-9,x\n",
		} {
			_, err := f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, strings.NewReader(csv))
			if derr.CodeOf(err) != "invalid_price_list" {
				t.Errorf("%s: err = %v", name, err)
			}
		}
	})

	t.Run("scope", func(t *testing.T) {
		_, err := f.s.ImportPriceList(ctx, f.orderer, f.agreement.ID, strings.NewReader(header))
		wantKind(t, err, derr.Forbidden, "")
		stranger := f.user(f.org(auth.KindSupplier, "Främling AB"), auth.RoleSupplier)
		_, err = f.s.ImportPriceList(ctx, stranger, f.agreement.ID, strings.NewReader(header))
		wantKind(t, err, derr.NotFound, "")
	})
}

func idOf(t testing.TB, f *fixture, sku string) string {
	t.Helper()
	var id string
	testenv.Must(t, f.s.db.Get(&id, `SELECT id FROM items WHERE agreement_id = $1 AND sku = $2`, f.agreement.ID, sku))
	return id
}

func TestImportTenThousandRows(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var b strings.Builder
	b.WriteString(header)
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&b, "BULK-%05d,Undersökningshandske nitril storlek %d,Puderfri handske,XBX,100,33141420,,svanen,2500,%d,\n", i, i%5, 5000+i)
	}
	start := time.Now()
	rep, err := f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, strings.NewReader(b.String()))
	testenv.Must(t, err)
	t.Logf("10,000 new rows imported in %v", time.Since(start))
	if rep.Created != 10000 {
		t.Fatalf("report = %+v", rep)
	}
	// Re-import with every price down: 10,000 updates through the rules.
	b.Reset()
	b.WriteString(header)
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&b, "BULK-%05d,Undersökningshandske nitril storlek %d,Puderfri handske,XBX,100,33141420,,svanen,2500,%d,\n", i, i%5, 4000+i)
	}
	start = time.Now()
	rep, err = f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, strings.NewReader(b.String()))
	testenv.Must(t, err)
	t.Logf("10,000 price updates imported in %v", time.Since(start))
	if rep.Updated != 10000 || rep.PricesApplied != 10000 {
		t.Fatalf("report = %+v", rep)
	}
}

func FuzzParsePriceList(f *testing.F) {
	f.Add(header + "ABN-1,Handske,\"a, b\",XBX,100,33141420,7322540000016,svanen|eu_ecolabel,2500,8900,\n")
	f.Add(header + "ABN-1,,,,,,,,,,\n")
	f.Add("\ufeff" + header)
	f.Add("")
	f.Add("sku\n\"unterminated")
	f.Add(header + "a,b,c\n")
	f.Add(header + "ABN-1,Handske,,XBX,-1,33141420,,,2500,99999999999999999999,2026-13-01\n")
	f.Add("SKU , Name,description,unit,pack_size,cpv_code,gtin,eco_labels,vat_rate_bp,price_minor,effective_from,sku\n")
	f.Add(header + "\xff\n")
	f.Add(header[:len(header)-1] + ",kind,setup_price_minor,min_term_months,notice_months\nM-1,Automat,,MON,1,33190000,,,2500,69500,,subscription,150000,12,3\n")
	f.Fuzz(func(t *testing.T, data string) {
		rows, errs := parsePriceList(strings.NewReader(data), "2026-01-15")
		if len(errs) > maxPriceListErrors {
			t.Fatalf("%d errors", len(errs))
		}
		if len(errs) > 0 {
			for _, e := range errs {
				if e.Field == "" || e.Message == "" || e.Line < 0 {
					t.Fatalf("bad error %+v", e)
				}
			}
			return
		}
		seen := map[string]bool{}
		for _, r := range rows {
			if r.SKU == "" || seen[r.SKU] || r.VATRateBP == nil || r.PriceMinor == nil || *r.PriceMinor < 0 ||
				r.PackSize <= 0 || r.EffectiveFrom < "2026-01-15" || !cpvRe.MatchString(r.CPVCode) {
				t.Fatalf("invalid row accepted: %+v", r)
			}
			seen[r.SKU] = true
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"handske", "hand nitril", "handskr", "'; DROP TABLE items; --", "a:* & b", "ÅÄÖ åäö", "\xff\xfe", "EVO-200",
		strings.Repeat("x ", 300), "(a|b)&!c", "%_\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		terms := parseQuery(q)
		if len(terms) > maxTerms {
			t.Fatalf("%d terms", len(terms))
		}
		for _, term := range terms {
			if term == "" || len([]rune(term)) > maxTermLen {
				t.Fatalf("bad term %q", term)
			}
			for _, r := range term {
				if !isWordRune(r) {
					t.Fatalf("term %q holds %q", term, r)
				}
			}
		}
	})
}

// FuzzSearch runs fuzzed queries through the whole search against PostgreSQL: whatever is
// typed, the answer is a page or a validation error, never an internal error.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"handske", "hand nitril", "handskr", "'; DROP TABLE items; --", "a:* & b", "ÅÄÖ", "\x00", "EVO-200",
		"(a|b)&!c", "%_\\", "och", "the", "ab", "blöj", "bleier M", "o'neil", "handsk\\", "nitrl vinyl puderfr"} {
		f.Add(s)
	}
	fx := newFixture(f)
	fx.item(fx.supplier1, "FZ-1", "Undersökningshandske nitril")
	f.Fuzz(func(t *testing.T, q string) {
		_, err := fx.s.SearchItems(context.Background(), fx.orderer, SearchFilter{Q: q})
		if err != nil && !derr.Is(err, derr.Invalid) {
			t.Fatalf("q %q: %v", q, err)
		}
		// The same text as a supplier's search in their own items.
		_, _, err = fx.s.ListAgreementItems(context.Background(), fx.supplier1, fx.agreement.ID, q, auth.Page{})
		if err != nil && !derr.Is(err, derr.Invalid) {
			t.Fatalf("items q %q: %v", q, err)
		}
	})
}

// TestConcurrentImportsOfOneFile: a supplier's double-click or two browser tabs upload the same
// price list at once. Imports by one supplier on one agreement take turns, so every upload
// succeeds, the items exist once and the first prices are recorded once.
func TestConcurrentImportsOfOneFile(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var b strings.Builder
	b.WriteString(header)
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&b, "RACE-%03d,Förkläde plast %d,,XPK,100,33141420,,,2500,%d,\n", i, i, 1000+i)
	}
	const uploads = 12
	reps := make([]ImportReport, uploads)
	errs := make([]error, uploads)
	var wg sync.WaitGroup
	for g := range uploads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reps[g], errs[g] = f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, strings.NewReader(b.String()))
		}()
	}
	wg.Wait()
	created := 0
	for g := range uploads {
		testenv.Must(t, errs[g])
		created += reps[g].Created
		if reps[g].Created != 0 && reps[g].Created != 50 || reps[g].Created+reps[g].Unchanged != 50 {
			t.Fatalf("upload %d: report %+v", g, reps[g])
		}
	}
	if created != 50 {
		t.Fatalf("%d items created by %d uploads, want 50 by the first", created, uploads)
	}
	var items, prices int
	testenv.Must(t, f.s.db.Get(&items, `SELECT count(*) FROM items WHERE agreement_id = $1 AND sku LIKE 'RACE-%'`, f.agreement.ID))
	testenv.Must(t, f.s.db.Get(&prices, `SELECT count(*) FROM item_prices p JOIN items i ON i.id = p.item_id
		WHERE i.agreement_id = $1 AND i.sku LIKE 'RACE-%'`, f.agreement.ID))
	if items != 50 || prices != 50 {
		t.Fatalf("items = %d, prices = %d, want 50 and 50", items, prices)
	}
}
