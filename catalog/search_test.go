package catalog

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
)

func TestSynonymDictionary(t *testing.T) {
	d, err := parseSynonyms(strings.NewReader(synonymsText))
	testenv.Must(t, err)
	if len(d.variants) < 300 {
		t.Fatalf("%d typed words, want a real dictionary (≥ 300)", len(d.variants))
	}
	for _, tt := range []struct{ typed, want string }{
		{"blöjor", "inkontinensskydd"},  // sv
		{"bleier", "inkontinensskydd"},  // nb
		{"bleer", "inkontinensskydd"},   // da
		{"diapers", "inkontinensskydd"}, // en
		{"blöj", "inkontinensskydd"},    // still being typed
		{"engångshandskar", "handske"},  // sv
		{"hansker", "handske"},          // nb
		{"engangshandsker", "handske"},  // da
		{"gloves", "handske"},           // en
		{"munnbind", "munskydd"},        // nb
		{"sprøjte", "spruta"},           // da
		{"handsprit", "handdesinfektion"} /* both ways */, {"handdesinfektion", "handsprit"},
	} {
		if got := d.lookup(tt.typed); !slices.Contains(got, tt.want) {
			t.Errorf("lookup(%q) = %v, want %s among them", tt.typed, got, tt.want)
		}
	}
	for _, typed := range []string{"han", "bl", "handske", "nitril" + "x"} {
		if got := d.lookup(typed); typed != "han" && typed != "bl" && slices.Contains(got, typed) {
			t.Errorf("lookup(%q) = %v holds the word itself", typed, got)
		}
		if got := d.lookup(typed); (typed == "han" || typed == "bl") && len(got) > 0 {
			t.Errorf("lookup(%q) = %v: a start shorter than %d letters brings in synonyms", typed, got, minSynonymPrefix)
		}
	}
	for _, bad := range []string{"handske hansker", "Handske: hansker", "handske: Hansker", "handske:", "handske: hand-ske", ": x"} {
		if _, err := parseSynonyms(strings.NewReader(bad)); err == nil {
			t.Errorf("parseSynonyms(%q) accepted", bad)
		}
	}
}

// searchSKUs is the skus of a search's page, in order.
func searchSKUs(t *testing.T, f *fixture, c auth.Caller, filter SearchFilter) ([]string, ItemPage) {
	t.Helper()
	p, err := f.s.SearchItems(context.Background(), c, filter)
	testenv.Must(t, err)
	var out []string
	for _, it := range p.Items {
		out = append(out, it.SKU)
	}
	return out, p
}

func TestSearchCareStaffWords(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	add := func(sup auth.Caller, sku, name, desc string) Item {
		it, err := f.s.AddItem(ctx, sup, f.agreement.ID, ItemInput{SKU: sku, Name: name, Description: desc, Unit: "EA",
			CPVCode: "33141420", VATRateBP: ptr(2500), PriceMinor: ptr(int64(4900))})
		testenv.Must(t, err)
		return it
	}
	u := strings.ToUpper(testenv.Unique())
	sku := func(s string) string { return s + "-" + u }
	add(f.supplier1, sku("INK"), "Inkontinensskydd Abri-Form Plus", "Skydd för kraftigt urinläckage")
	add(f.supplier1, sku("CREAM"), "Handkräm oparfymerad 100 ml", "Mjukgörande kräm för torra händer")
	add(f.supplier1, sku("SOAP"), "Tvål flytande 500 ml", "Mild tvål för händer, passar efter handskar")
	for _, size := range []string{"XL", "S", "M", "XXL", "XS", "L"} {
		add(f.supplier2, sku("GLV-"+size), "Handske nitril puderfri "+size, "Engångshandske för vård och omsorg")
	}
	add(f.supplier2, sku("EXAM"), "Undersökningshandske vinyl M", "Puderfri")
	add(f.supplier2, sku("APRON"), "Förkläde plast engångs", "Skyddsförkläde i polyeten")
	inactive := add(f.supplier1, sku("OLD"), "Inkontinensskydd utgånget", "Ersatt av Abri-Form")
	_, err := f.s.UpdateItem(ctx, f.supplier1, inactive.ID, ItemPatch{Active: ptr(false)})
	testenv.Must(t, err)

	glovesInOrder := []string{sku("GLV-XS"), sku("GLV-S"), sku("GLV-M"), sku("GLV-L"), sku("GLV-XL"), sku("GLV-XXL")}
	tests := []struct {
		name  string
		q     string
		first []string // the page starts with these, in this order
		not   []string // never on the page
	}{
		{"Swedish synonym", "blöjor", []string{sku("INK")}, []string{sku("OLD")}},
		{"Norwegian synonym", "bleier", []string{sku("INK")}, nil},
		{"Danish synonym", "bleer", []string{sku("INK")}, nil},
		{"English synonym", "diapers", []string{sku("INK")}, nil},
		{"synonym still being typed", "blöj", []string{sku("INK")}, nil},
		{"compound synonym", "engångshandskar", glovesInOrder, nil},
		{"sizes in size order", "handske nitril", glovesInOrder, []string{sku("CREAM")}},
		{"typo ranks gloves above hand cream", "handskr", glovesInOrder, nil},
		{"name before description", "handskar", append(slices.Clone(glovesInOrder), sku("EXAM")), nil},
		{"prefix", "inkont", []string{sku("INK")}, []string{sku("OLD")}},
		{"typed prefix of two words", "förkläde pla", []string{sku("APRON")}, []string{sku("INK")}},
		{"exact before compound", "handske", glovesInOrder, nil},
		{"compound found by its part", "handsk", glovesInOrder, nil},
		{"article number", strings.ToLower(sku("GLV-M")), []string{sku("GLV-M")}, nil},
		{"English name word", "gloves", glovesInOrder, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, p := searchSKUs(t, f, f.orderer, SearchFilter{Q: tt.q})
			if len(got) < len(tt.first) || !slices.Equal(got[:len(tt.first)], tt.first) {
				t.Fatalf("q %q: got %v, want it to start with %v", tt.q, got, tt.first)
			}
			for _, n := range tt.not {
				if slices.Contains(got, n) {
					t.Fatalf("q %q: got %v, holds %s", tt.q, got, n)
				}
			}
			if p.Total != len(got) || p.Estimated {
				t.Fatalf("q %q: total %d (estimated %v) for %d items", tt.q, p.Total, p.Estimated, len(got))
			}
		})
	}
	t.Run("exam glove after the nitril gloves for handske", func(t *testing.T) {
		got, _ := searchSKUs(t, f, f.orderer, SearchFilter{Q: "handske"})
		if !slices.Contains(got, sku("EXAM")) || slices.Index(got, sku("EXAM")) < len(glovesInOrder) {
			t.Fatalf("got %v: the compound Undersökningshandske must come after the exact matches", got)
		}
	})
	t.Run("hand cream after the gloves for handskr", func(t *testing.T) {
		got, _ := searchSKUs(t, f, f.orderer, SearchFilter{Q: "handskr"})
		if i := slices.Index(got, sku("CREAM")); i >= 0 && i < len(glovesInOrder) {
			t.Fatalf("got %v: hand cream ranks among the gloves", got)
		}
	})
	t.Run("scope", func(t *testing.T) {
		got, _ := searchSKUs(t, f, f.outsiderOrderer, SearchFilter{Q: "blöjor"})
		if len(got) != 0 {
			t.Fatalf("a buyer outside the agreement found %v", got)
		}
		got, _ = searchSKUs(t, f, f.supplier1, SearchFilter{Q: "handske"})
		if !slices.Equal(got, []string{sku("SOAP")}) { // its description mentions handskar
			t.Fatalf("supplier 1 found %v, want only its own soap", got)
		}
		got, _ = searchSKUs(t, f, f.supplier2, SearchFilter{Q: "handske"})
		if !slices.Equal(got[:len(glovesInOrder)], glovesInOrder) {
			t.Fatalf("a supplier's own items: %v", got)
		}
	})
	t.Run("filters", func(t *testing.T) {
		got, _ := searchSKUs(t, f, f.orderer, SearchFilter{Q: "handske", SupplierID: f.sup1.ID})
		if !slices.Equal(got, []string{sku("SOAP")}) {
			t.Fatalf("supplier filter: %v", got)
		}
		got, _ = searchSKUs(t, f, f.orderer, SearchFilter{Q: "handske", CPV: "3314", AgreementID: f.agreement.ID})
		if len(got) < len(glovesInOrder) {
			t.Fatalf("cpv and agreement filter: %v", got)
		}
		got, _ = searchSKUs(t, f, f.orderer, SearchFilter{Q: "handske", CPV: "18"})
		if len(got) != 0 {
			t.Fatalf("cpv filter: %v", got)
		}
	})
}

// TestSearchWindow: a search ranks a bounded set of candidates; with more matches than that,
// or when names alone fill the page, the total is PostgreSQL's estimate and says so, pages within a window come whole and
// distinct, and a page past the window widens it.
func TestSearchWindow(t *testing.T) {
	f := newFixture(t)
	f.s.window = 4
	for i, size := range []string{"XS", "S", "M", "L", "XL", "XXL", "XS", "S", "M", "L"} {
		f.item(f.supplier1, "WIN-"+testenv.Unique(), "Skoskydd blå "+size+" förp "+string(rune('a'+i/6)))
	}
	seen := map[string]bool{}
	for page := 1; page <= 2; page++ {
		p, err := f.s.SearchItems(context.Background(), f.orderer, SearchFilter{Q: "skoskydd", Page: auth.Page{Page: page, PageSize: 2}})
		testenv.Must(t, err)
		if !p.Estimated || p.Total < 4 || len(p.Items) != 2 {
			t.Fatalf("page %d: %d items, total %d estimated %v, want 2 and an estimate of at least the window", page, len(p.Items), p.Total, p.Estimated)
		}
		for _, it := range p.Items {
			if seen[it.ID] {
				t.Fatalf("page %d repeats %s", page, it.Name)
			}
			seen[it.ID] = true
		}
	}
	p, err := f.s.SearchItems(context.Background(), f.orderer, SearchFilter{Q: "skoskydd", Page: auth.Page{Page: 4, PageSize: 2}})
	testenv.Must(t, err)
	if len(p.Items) != 2 {
		t.Fatalf("page past the window: %d items, want 2", len(p.Items))
	}
	f.s.window = searchWindow
	p, err = f.s.SearchItems(context.Background(), f.orderer, SearchFilter{Q: "skoskydd", Page: auth.Page{Page: 1, PageSize: 20}})
	testenv.Must(t, err)
	if p.Total != 10 || p.Estimated {
		t.Fatalf("under the window: total %d estimated %v, want exactly 10", p.Total, p.Estimated)
	}
	// Names that fill the page spare the search the descriptions: the total is then an
	// estimate (of matches anywhere), at least the names' matches.
	p, err = f.s.SearchItems(context.Background(), f.orderer, SearchFilter{Q: "skoskydd", Page: auth.Page{Page: 1, PageSize: 3}})
	testenv.Must(t, err)
	if p.Total < 10 || !p.Estimated || len(p.Items) != 3 {
		t.Fatalf("names filling the page: %d items, total %d estimated %v, want 3 and an estimate of at least 10", len(p.Items), p.Total, p.Estimated)
	}
}

// TestSearchAwkwardWords: words with quotes, backslashes, colons and other punctuation in the
// catalogue reach the lexicon and come back into queries as quoted lexemes and literals;
// searching for them or their starts never fails.
func TestSearchAwkwardWords(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	names := []string{`O'Briens handskar`, `Back\slash förband`, `Tejp 2.5cm/50m`, `Info e-post@example.se`, `Kolon: a:b & c|d !e`,
		`Citat "dubbel" 'enkel'`, `Procent 100% _under_`}
	for i, n := range names {
		_, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, ItemInput{SKU: "AW-" + testenv.Unique() + string(rune('a'+i)), Name: n,
			Unit: "EA", CPVCode: "33141420", VATRateBP: ptr(2500), PriceMinor: ptr(int64(100))})
		testenv.Must(t, err)
	}
	for _, q := range []string{"o'brien", "obri", "back\\slash", "slash", "2.5cm", "e-post@example.se", "a:b", "kolon", "dubbel",
		"'enkel'", "100%", "_under_", "under", "brie", "exampl"} {
		if _, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: q}); err != nil {
			t.Fatalf("q %q: %v", q, err)
		}
	}
	got, _ := searchSKUs(t, f, f.orderer, SearchFilter{Q: "briens"})
	if len(got) != 1 {
		t.Fatalf("briens: %v", got)
	}
}

// TestBrowseCountStops: browsing without a query counts at most browseCount items; past that
// the total is an estimate and says so, and the pages still come.
func TestBrowseCountStops(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.s.window = 1 // browseCount 50
	for i := 0; i < 55; i++ {
		f.item(f.supplier1, "BR-"+testenv.Unique(), "Bläddra "+string(rune('a'+i%26)))
	}
	p, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{AgreementID: f.agreement.ID, Page: auth.Page{Page: 3, PageSize: 20}})
	testenv.Must(t, err)
	if !p.Estimated || p.Total < 51 || len(p.Items) == 0 {
		t.Fatalf("total %d estimated %v with %d items, want an estimate past 50 and a page", p.Total, p.Estimated, len(p.Items))
	}
	f.s.window = searchWindow
	p, err = f.s.SearchItems(ctx, f.orderer, SearchFilter{AgreementID: f.agreement.ID, Page: auth.Page{Page: 1, PageSize: 20}})
	testenv.Must(t, err)
	if p.Estimated || p.Total != 55 {
		t.Fatalf("under the stop: total %d estimated %v, want exactly 55", p.Total, p.Estimated)
	}
}

// TestSearchStatements: the statements bench/catalog explains are a search's own — the words'
// expansions and the search — and each runs as PostgreSQL's EXPLAIN ANALYZE, finding the item.
func TestSearchStatements(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.item(f.supplier1, "ST-"+testenv.Unique(), "Skoskydd blå M")
	sts, err := f.s.SearchStatements(ctx, f.orderer, SearchFilter{Q: "skoskyd"})
	testenv.Must(t, err)
	if len(sts) != 2 {
		t.Fatalf("%d statements, want 2", len(sts))
	}
	for _, st := range sts {
		tx, err := f.s.db.BeginTxx(ctx, nil)
		testenv.Must(t, err)
		for strings.HasPrefix(strings.TrimSpace(st), "SET LOCAL") {
			st = strings.TrimSpace(st)
			i := strings.IndexByte(st, ';')
			_, err := tx.ExecContext(ctx, st[:i])
			testenv.Must(t, err)
			st = st[i+1:]
		}
		var plan []string
		testenv.Must(t, tx.SelectContext(ctx, &plan, "EXPLAIN (ANALYZE) "+st))
		tx.Rollback() //nolint:errcheck
	}
	if sts, err := f.s.SearchStatements(ctx, f.orderer, SearchFilter{}); err != nil || len(sts) != 0 {
		t.Fatalf("browsing: %d statements, %v; want none", len(sts), err)
	}
}
