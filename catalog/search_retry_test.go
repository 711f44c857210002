package catalog

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
)

// TestSearchNothingRetriesNearWords: a search that finds nothing runs once more with every
// word's nearest lexicon words, so that a word mistyped into another catalogue word still
// finds ("…tvatt flaska" finds the "…tvätt" flask), and does not run again when that would
// match what it just matched (words with no nearer words), which could only find nothing.
func TestSearchNothingRetriesNearWords(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// Words of this test alone, of letters: unique, and unlike each other but for the typo.
	letters := func() string {
		return strings.Map(func(r rune) rune { return 'g' + (r-'0')%20 }, strings.ToLower(testenv.Unique()))
	}
	w, w1, w2 := letters(), letters(), letters()
	add := func(sku, name string) {
		_, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, ItemInput{SKU: sku + "-" + w, Name: name, Unit: "EA",
			CPVCode: "33141420", VATRateBP: ptr(2500), PriceMinor: ptr(int64(4900))})
		testenv.Must(t, err)
	}
	add("FL", w+"tvätt flaska")
	add("SP", w+"tvatt sprej")
	add("KA", "Kanna "+w1)
	add("SK", "Skopa "+w2)
	search := func(q string) (ItemPage, int64) {
		t.Helper()
		before := f.s.retries.Load()
		p, err := f.s.search(ctx, f.s.db, scopeOf(f.orderer), parseQuery(q), SearchFilter{Q: q, Page: auth.Page{Page: 1, PageSize: 20}})
		testenv.Must(t, err)
		return p, f.s.retries.Load() - before
	}
	p, retries := search(w + "tvatt flaska")
	if len(p.Items) != 1 || p.Items[0].SKU != "FL-"+w || retries != 1 {
		t.Errorf("a word mistyped into another catalogue word: %d items %v after %d retries, want the flask after 1", len(p.Items), p.Items, retries)
	}
	p, retries = search(w1 + " " + w2)
	if len(p.Items) != 0 || retries != 0 {
		t.Errorf("words with no nearer words that no item holds together: %d items after %d retries, want none after 0", len(p.Items), retries)
	}
}

// TestSearchNearWordsAdded: the retry with near words runs only when they add a word to what
// the words matched — near words already among a word's alternatives (its own starts, here)
// make a different tsquery text but match the same items — and then names the words added.
func TestSearchNearWordsAdded(t *testing.T) {
	row := termRow{word: "handsk", stem: "handsk", starts: []string{"handske", "handskar"}, same: []string{"handske"}}
	first := []termMatch{expandTerm("handsk", []termRow{row})}
	again := row
	again.fuzzy, again.sims = []string{"handske"}, []float64{0.8}
	near := []termMatch{expandTerm("handsk", []termRow{again})}
	if first[0].any() == near[0].any() {
		t.Fatalf("the near words' tsquery %q is the words' own: the case proves nothing", near[0].any())
	}
	if added, same := nearAdds(first, near); !same || added != "" {
		t.Errorf("near words among the starts: added %q, same %v; want nothing added, same", added, same)
	}
	again.fuzzy = []string{"handduk", "handske", "o'brien"}
	again.sims = []float64{0.7, 0.6, 0.5}
	near = []termMatch{expandTerm("handsk", []termRow{again})}
	if added, same := nearAdds(first, near); same || added != `'handduk' | 'o''brien'` {
		t.Errorf("near words handduk, handske and o'brien: added %q, same %v; want 'handduk' | 'o''brien'", added, same)
	}
	if added, same := nearAdds(first, append(near, near...)); same || added != "" {
		t.Errorf("words that do not pair up: added %q, same %v; want an unrestricted retry", added, same)
	}
}

// TestSearchNearWordsAddedFindTheSame: the retry finds the same pages, totals and estimates
// with the added words named as without — names holding every near word, descriptions
// holding them, and a window smaller than the matches, so that which window is ranked counts.
func TestSearchNearWordsAddedFindTheSame(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	w := strings.Map(func(r rune) rune { return 'g' + (r-'0')%20 }, strings.ToLower(testenv.Unique()))
	add := func(sku, name, desc string) {
		_, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, ItemInput{SKU: sku + "-" + w, Name: name, Description: desc, Unit: "EA",
			CPVCode: "33141420", VATRateBP: ptr(2500), PriceMinor: ptr(int64(4900))})
		testenv.Must(t, err)
	}
	for i, c := range []string{"blå", "grön", "röd", "vit", "svart"} {
		add("FL"+strconv.Itoa(i), w+"tvätt flaska "+c, "Flaska")
		add("DF"+strconv.Itoa(i), "Flaska "+c, "För "+w+"tvätt")
	}
	add("SP", w+"tvatt sprej", "Sprej")
	add("FX", "Flaska för "+w+"tvatt", "Glas")
	f.s.window = 3
	defer func() { f.s.window = searchWindow }()
	sc := scopeOf(f.orderer)
	today := f.s.today()
	visible := visibleAgreements(sc, newInlineQuery(sc.orgArg(), today))
	for _, q := range []string{w + "tvatt flaska", "flaska " + w + "tvatt"} {
		terms := parseQuery(q)
		words, ags, err := f.s.searchWords(ctx, f.s.db, terms, false, visible)
		testenv.Must(t, err)
		near, _, err := f.s.searchWords(ctx, f.s.db, terms, true, visible)
		testenv.Must(t, err)
		added, same := nearAdds(words, near)
		if same || added == "" {
			t.Fatalf("%q: added %q, same %v; want near words that add a word", q, added, same)
		}
		for _, size := range []int{1, 2, 5, 20} {
			for page := 1; page <= 3; page++ {
				filter := SearchFilter{Q: q, Page: auth.Page{Page: page, PageSize: size}}
				var got [2]ItemPage
				for i, a := range []string{added, ""} {
					got[i], err = f.s.rank(ctx, f.s.db, sc, filter, today, agreementsBase(sc, filter, ags), near, cleanRaw(q), a)
					testenv.Must(t, err)
				}
				ids := func(p ItemPage) (out []string) {
					for _, it := range p.Items {
						out = append(out, it.SKU)
					}
					return out
				}
				if !slices.Equal(ids(got[0]), ids(got[1])) || got[0].Total != got[1].Total || got[0].Estimated != got[1].Estimated {
					t.Errorf("%q page %d of %d: with the added words named %v (total %d, estimated %v), without %v (total %d, estimated %v)",
						q, page, size, ids(got[0]), got[0].Total, got[0].Estimated, ids(got[1]), got[1].Total, got[1].Estimated)
				}
				if page == 1 && len(got[0].Items) == 0 {
					t.Errorf("%q: the near words find nothing", q)
				}
			}
		}
	}
}
