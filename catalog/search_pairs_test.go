package catalog

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
)

// TestSearchPairsMirrorSQL: the pair lexemes the search asks for are the ones search_pairs()
// writes — for every two words of a name that the Go side deems pairable, including Swedish
// letters, hyphenated words and upper case — and words it deems unpairable (digits, one or two
// letters) are not in the pairs.
func TestSearchPairsMirrorSQL(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, name := range []string{"Skumförband Mepilex Border Ag 10x10 cm", "Handske NITRIL puderfri XL", "Blöja för vuxna, Abri-Form Plus 448",
		"Tvål & handkräm Änglamark ÅÄÖ-serie", "Övrigt sårvård Ämne Öga"} {
		var words []string
		testenv.Must(t, f.s.db.SelectContext(ctx, &words, `SELECT unnest(tsvector_to_array(to_tsvector('simple', $1)))`, name))
		for _, x := range words {
			for _, y := range words {
				var in bool
				testenv.Must(t, f.s.db.GetContext(ctx, &in, `SELECT search_pairs(to_tsvector('simple', $1)) @@ $2::tsquery`,
					name, tsLexeme(pairLexeme(x, y))))
				if want := pairableWord(x) && pairableWord(y); in != want {
					t.Errorf("%q: pair %q in search_pairs = %v, want %v", name, pairLexeme(x, y), in, want)
				}
			}
		}
	}
}

// TestSearchPairsFindTheSame: every query of two or more words finds the same page with the
// pairs as without them — prefixes, stems, synonyms, compounds, typos, a word both query words
// expand to, sizes in order, words with digits.
func TestSearchPairsFindTheSame(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := strings.ToUpper(testenv.Unique())
	add := func(sku, name, desc string) {
		_, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, ItemInput{SKU: sku + "-" + u, Name: name, Description: desc, Unit: "EA",
			CPVCode: "33141420", VATRateBP: ptr(2500), PriceMinor: ptr(int64(4900))})
		testenv.Must(t, err)
	}
	for _, size := range []string{"XL", "S", "M", "L"} {
		add("GLV-"+size, "Undersökningshandske nitril puderfri "+size, "Engångshandske för vård")
		add("VIN-"+size, "Handske vinyl "+size, "Engångshandske, nitrilfri")
	}
	add("INK", "Inkontinensskydd Abri-Form Plus", "Skydd för kraftigt urinläckage")
	add("NHS", "Nitrilhandske steril", "Nitril")
	add("FRB", "Skumförband Mepilex Border 10x10 cm", "Sårförband med silikon")
	add("FRB15", "Skumförband Mepilex Border 15x15 cm", "Sårförband med silikon")
	add("SOAP", "Tvål flytande 500 ml", "Mild tvål för händer, passar efter handskar")
	// "nitrlx" is a word of the sku only, so not in the lexicon: "nitrl" finds it by prefix.
	add("NITRLX", "Handske latex", "Engångshandske")
	queries := []string{"handske nitril", "nitril handske xl", "undersökningshandske nitril pud", "handskr nitril", "nitril nitrilhandske",
		"blöjor abri", "abri plus", "förband mepilex", "mepilex 10x10", "skumförband border 10x", "mepilex border 15x15 cm", "tvål flytande 500", "handske vinyl l",
		"handsk vin", "nitril steril", "engångshandske vård", "silikon förband", "handske nitrl", "nitrl handske puderfri"}
	for _, q := range queries {
		terms := parseQuery(q)
		visible := visibleAgreements(scopeOf(f.orderer), newInlineQuery(scopeOf(f.orderer).orgArg(), f.s.today()))
		words, _, err := f.s.searchWords(ctx, f.s.db, terms, false, visible)
		testenv.Must(t, err)
		pairs, _, _ := pairQuery(words)
		paired := len(pairs) > 0
		var pages [2][]string
		for i, noPairs := range []bool{false, true} {
			f.s.noPairs = noPairs
			p, err := f.s.search(ctx, f.s.db, scopeOf(f.orderer), terms, SearchFilter{Q: q, Page: auth.Page{Page: 1, PageSize: 20}})
			testenv.Must(t, err)
			for _, it := range p.Items {
				pages[i] = append(pages[i], it.SKU)
			}
		}
		f.s.noPairs = false
		if !slices.Equal(pages[0], pages[1]) {
			t.Errorf("%q (paired %v): with pairs %v, without %v", q, paired, pages[0], pages[1])
		}
		if len(pages[0]) == 0 {
			t.Errorf("%q finds nothing", q)
		}
		if q == "handske nitrl" && !slices.Contains(pages[0], "NITRLX-"+u) {
			t.Errorf("%q: %v, want the item whose sku starts with nitrl", q, pages[0])
		}
	}
	// The pairs are used where they can be.
	for q, want := range map[string]bool{"handske nitril": true, "abri plus": true, "mepilex 10x10": false, "handske": false, "handske nitrl": true} {
		words, _, err := f.s.searchWords(ctx, f.s.db, parseQuery(q), false,
			visibleAgreements(scopeOf(f.orderer), newInlineQuery(scopeOf(f.orderer).orgArg(), f.s.today())))
		testenv.Must(t, err)
		if pairs, _, _ := pairQuery(words); (len(pairs) > 0) != want {
			t.Errorf("%q: pairs %q, want paired %v", q, pairs, want)
		}
	}
}
