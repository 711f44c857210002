package catalog

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
)

// TestSearchEveryWordItsOwnCondition: the candidates' statement names each word in a condition
// of its own, in the descriptions and in the names (one GIN scan key per word, which PostgreSQL
// advances in step: README, Speed, "Sixth round"), and the conditions together match exactly
// the items the words' one tsquery matches — prefixes, synonyms, compounds, typos, a word that
// is nowhere.
func TestSearchEveryWordItsOwnCondition(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := strings.ToUpper(testenv.Unique())
	add := func(sku, name, desc string) {
		_, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, ItemInput{SKU: sku + "-" + u, Name: name, Description: desc, Unit: "EA",
			CPVCode: "33141420", VATRateBP: ptr(2500), PriceMinor: ptr(int64(4900))})
		testenv.Must(t, err)
	}
	add("GLV", "Undersökningshandske nitril puderfri M", "Engångshandske för vård")
	add("VIN", "Handske vinyl L", "Engångshandske, nitrilfri")
	add("NHS", "Nitrilhandske steril", "Nitril")
	add("INK", "Inkontinensskydd Abri-Form Plus", "Skydd för kraftigt urinläckage, nitril")
	add("FRB", "Skumförband Mepilex Border 10x10 cm", "Sårförband med silikon")
	sc := scopeOf(f.orderer)
	today := f.s.today()
	visible := visibleAgreements(sc, newInlineQuery(sc.orgArg(), today))
	found := 0
	for _, q := range []string{"handske nitril", "nitril handske vård", "handskr nitril", "blöjor nitril", "förband silikon", "mepilex 10x10",
		"handske xyzzyq", "engångshandske nitril"} {
		filter := SearchFilter{Q: q, Page: auth.Page{Page: 1, PageSize: 20}}
		words, ags, err := f.s.searchWords(ctx, f.s.db, parseQuery(q), false, visible)
		testenv.Must(t, err)
		if len(words) < 2 {
			t.Fatalf("%q: %d words", q, len(words))
		}
		r := newRankedSearch(searchWindow, false, 0, sc, filter, today, agreementsBase(sc, filter, ags), words, cleanRaw(q), "")
		var each, all []string
		for _, w := range words {
			each, all = append(each, w.any()), append(all, "("+w.any()+")")
			for _, col := range []string{"search_name", "search_all"} {
				if cond := "i." + col + " @@ " + literal(w.any()) + "::tsquery"; !strings.Contains(r.cands, cond) {
					t.Errorf("%q: the candidates do not name %s on its own", q, cond)
				}
			}
		}
		for _, col := range []string{"search_name", "search_all"} {
			var split, one []string
			testenv.Must(t, f.s.db.SelectContext(ctx, &split, `SELECT i.sku FROM items i WHERE i.agreement_id = $1 AND `+r.every(col, each)+
				` ORDER BY i.sku`, f.agreement.ID))
			testenv.Must(t, f.s.db.SelectContext(ctx, &one, `SELECT i.sku FROM items i WHERE i.agreement_id = $1 AND i.`+col+` @@ $2::tsquery
				ORDER BY i.sku`, f.agreement.ID, strings.Join(all, " & ")))
			if !slices.Equal(split, one) {
				t.Errorf("%q over %s: each word its own condition %v, one tsquery %v", q, col, split, one)
			}
			found += len(one)
		}
	}
	if found == 0 {
		t.Fatal("no query matched anything: the comparison proves nothing")
	}
}
