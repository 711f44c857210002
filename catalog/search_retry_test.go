package catalog

import (
	"context"
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
