package catalog

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
)

// TestSearchSampleFindsTheSame: a search that takes its names' candidates from a sample of the
// items (migration 00030) finds what one without does when the matches fit in a window — the
// sample's and, because the sample holds fewer than a window, the other items' — for single
// words, starts, pairs, synonyms and typos; and with more matches than a window, a window from
// the sample alone, the total estimated. And the names' statement tried first finds what the
// whole statement does.
func TestSearchSampleFindsTheSame(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := strings.ToUpper(testenv.Unique())
	// Items whose ids put them in both samples (first byte 00), in the 1-in-16 one only (0a)
	// and in neither (ff).
	n := 0
	insert := func(first byte, sku, name, desc string) {
		id := make([]byte, 16)
		rand.Read(id) //nolint:errcheck // crypto/rand does not fail
		id[0], id[6], id[8] = first, id[6]&0x0f|0x40, id[8]&0x3f|0x80
		n++
		_, err := f.s.db.ExecContext(ctx, `INSERT INTO items (id, agreement_id, supplier_id, sku, name, description, unit, cpv_code, vat_rate_bp)
			VALUES ($1, $2, $3, $4, $5, $6, 'EA', '33141420', 2500)`, fmt.Sprintf("%x-%x-%x-%x-%x", id[0:4], id[4:6], id[6:8], id[8:10], id[10:]),
			f.agreement.ID, f.sup1.ID, fmt.Sprintf("%s-%d-%s", sku, n, u), name, desc)
		testenv.Must(t, err)
	}
	for i, size := range []string{"XS", "S", "M", "L", "XL"} {
		insert(0x00, "SKO", "Skoskydd blå "+size, "Engångs skoskydd")
		insert(0x0a, "SKO", "Skoskydd grön "+size, "Engångs skoskydd")
		insert(0xff, "SKO", "Skoskydd vit "+size, "Engångs skoskydd")
		insert(0xff, "SKO", "Skoskydd röd "+size, "Engångs skoskydd")
		insert([]byte{0x00, 0x0a, 0xff, 0xff, 0x0a}[i], "GLV", "Undersökningshandske nitril puderfri "+size, "Engångshandske för vård")
		insert(0xff, "VIN", "Handske vinyl "+size, "Engångshandske, nitrilfri")
	}
	insert(0x0a, "INK", "Inkontinensskydd Abri-Form Plus", "Skydd för kraftigt urinläckage")
	insert(0xff, "NHS", "Nitrilhandske steril", "Nitril")
	insert(0x00, "NITRLX", "Handske latex", "Engångshandske")
	search := func(q string, sample, size int) ([]string, ItemPage) {
		t.Helper()
		f.s.sample = sample
		defer func() { f.s.sample = 0 }()
		p, err := f.s.search(ctx, f.s.db, scopeOf(f.orderer), parseQuery(q), SearchFilter{Q: q, Page: auth.Page{Page: 1, PageSize: size}})
		testenv.Must(t, err)
		var skus []string
		for _, it := range p.Items {
			skus = append(skus, it.SKU)
		}
		return skus, p
	}
	for _, q := range []string{"skoskydd", "skosk", "skoskydd blå", "skoskyd grön", "handske nitril", "nitril handske xl", "handsk", "blöjor",
		"handske nitrl", "undersökningshandske pud", "engångs",
		// Words no name holds together: the candidates come from the descriptions.
		"engångs skoskydd", "skoskydd engång", "vård handske", "handske engångshandske"} {
		want, wp := search(q, -1, 20)
		if len(want) == 0 {
			t.Fatalf("%q finds nothing", q)
		}
		for _, sample := range []int{16, 128} {
			got, gp := search(q, sample, 20)
			if !slices.Equal(got, want) || gp.Total != wp.Total || gp.Estimated != wp.Estimated {
				t.Errorf("%q from the sample of 1 in %d: %v (total %d, estimated %v), without: %v (total %d, estimated %v)",
					q, sample, got, gp.Total, gp.Estimated, want, wp.Total, wp.Estimated)
			}
		}
	}
	// The names' statement first, alone when they fill the window (with a sample) or the page
	// (without), finds what the whole statement does: pages inside and past a window of four,
	// and the totals.
	f.s.window = 4
	first := f.s.namesFirst.Load()
	for _, q := range []string{"skoskydd", "skoskydd blå", "handske nitril", "handsk", "engångs skoskydd", "vård handske", "blöjor", "nitrl"} {
		for _, sample := range []int{-1, 16, 128} {
			for _, size := range []int{1, 2, 3, 20} {
				for page := 1; page <= 3; page++ {
					f.s.sample = sample
					filter := SearchFilter{Q: q, Page: auth.Page{Page: page, PageSize: size}}
					var got [2]ItemPage
					for i, whole := range []bool{false, true} {
						f.s.wholeOnly = whole
						var err error
						got[i], err = f.s.search(ctx, f.s.db, scopeOf(f.orderer), parseQuery(q), filter)
						testenv.Must(t, err)
					}
					f.s.wholeOnly, f.s.sample = false, 0
					skus := func(p ItemPage) (out []string) {
						for _, it := range p.Items {
							out = append(out, it.SKU)
						}
						return out
					}
					if !slices.Equal(skus(got[0]), skus(got[1])) || got[0].Total != got[1].Total || got[0].Estimated != got[1].Estimated {
						t.Errorf("%q (sample %d) page %d of %d: names first %v (total %d, estimated %v), whole statement %v (total %d, estimated %v)",
							q, sample, page, size, skus(got[0]), got[0].Total, got[0].Estimated, skus(got[1]), got[1].Total, got[1].Estimated)
					}
				}
			}
		}
	}
	if f.s.namesFirst.Load() == first {
		t.Error("no search was answered by the names' statement alone: the comparison proves nothing")
	}
	// Five matches in the sample of 1 in 128 fill a window of four: the page comes from it.
	defer func() { f.s.window = searchWindow }()
	got, p := search("skoskydd", 128, 2)
	if len(got) != 2 || !p.Estimated || p.Total < 4 {
		t.Fatalf("a window from the sample: %v, total %d estimated %v", got, p.Total, p.Estimated)
	}
	for _, it := range p.Items {
		if !strings.HasPrefix(it.ID, "00") {
			t.Errorf("%s (%s) is not in the sample", it.Name, it.ID)
		}
	}
	// And from the descriptions (migration 00033): a word no name holds, in the descriptions of
	// twenty items outside the samples, written first and named first, and of five in both.
	word := strings.Map(func(r rune) rune { return 'g' + (r-'0')%20 }, strings.ToLower(testenv.Unique()))
	for i := 0; i < 20; i++ {
		insert(0xff, "TOF", "Atoffel "+strconv.Itoa(i), word+" tofflor")
	}
	for i := 0; i < 5; i++ {
		insert(0x00, "TOF", "Ötoffel "+strconv.Itoa(i), word+" tofflor")
	}
	got, p = search(word+" tofflor", 128, 2)
	if len(got) != 2 || !p.Estimated || p.Total < 4 {
		t.Fatalf("a window of descriptions from the sample: %v, total %d estimated %v", got, p.Total, p.Estimated)
	}
	for _, it := range p.Items {
		if !strings.HasPrefix(it.ID, "00") {
			t.Errorf("descriptions: %s (%s) is not in the sample", it.Name, it.ID)
		}
	}
}

// TestSearchSampleIndexes: the samples a search names are the ones migrations 00030 and 00033
// index, predicate for predicate (PostgreSQL uses a partial index only for the very predicate),
// for the names, the pairs and the descriptions.
func TestSearchSampleIndexes(t *testing.T) {
	f := newFixture(t)
	var defs []string
	testenv.Must(t, f.s.db.SelectContext(context.Background(), &defs, `SELECT indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename = 'items'`))
	for _, s := range searchSamples {
		for _, col := range []string{"search_name", "search_pairs", "search_all"} {
			n := 0
			for _, d := range defs {
				if strings.Contains(d, "USING gin ("+col+")") && strings.HasSuffix(d, "WHERE (uuid_send(id) < "+s.bound+")") {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d indexes of items.%s over the sample of 1 in %d (uuid_send(id) < %s), want 1", n, col, s.n, s.bound)
			}
		}
		if got := sampleFor(sampleCover*searchWindow*s.n, searchWindow); got != s.n {
			t.Errorf("sampleFor(%d matches) = %d, want %d", sampleCover*searchWindow*s.n, got, s.n)
		}
	}
	if got := sampleFor(sampleCover*searchWindow*16-1, searchWindow); got != 0 {
		t.Errorf("sampleFor just under the sparsest sample's need = %d, want 0", got)
	}
}

// TestSearchEstimatePairs: words that come together — a typo whose nearest word the other word
// also starts ("paappershandduk papper": both match pappershandduk) — are estimated from the
// item pairs' statistics, not as the product of each word's share: the search takes its
// candidates from a sample (which building a bitmap of all 16,700 matches at a million items
// cost 5 ms), and the total estimated is at least the names holding both. Words that are each
// common but rarely together keep the product. And the statistics read include the pairs'.
func TestSearchEstimatePairs(t *testing.T) {
	typo := expandTerm("paappershandduk", []termRow{{word: "paappershandduk", stem: "paappershandduk",
		fuzzy: []string{"pappershandduk"}, sims: []float64{0.82}}})
	papper := expandTerm("papper", []termRow{{word: "papper", stem: "papper", starts: []string{"papper", "pappershandduk"},
		same: []string{"papper"}, infix: []string{"toalettpapper"}}})
	nitril := expandTerm("nitril", []termRow{{word: "nitril", stem: "nitril", starts: []string{"nitril"}, same: []string{"nitril"}}})
	vinyl := expandTerm("vinyl", []termRow{{word: "vinyl", stem: "vinyl", starts: []string{"vinyl"}, same: []string{"vinyl"}}})
	s := &Service{window: searchWindow}
	s.stats.snap.Store(&statsSnapshot{at: time.Now(), rows: 1e6, minFreq: 0.0005, minPairFreq: 0.0007,
		freq:     map[string]float64{"pappershandduk": 0.0167, "papper": 0.03, "toalettpapper": 0.02, "nitril": 0.07, "vinyl": 0.068},
		pairFreq: map[string]float64{"pappershandduk": 0.0167, "papper": 0.03, "nitril": 0.07, "vinyl": 0.068}})
	ctx := context.Background()
	est := func(words ...termMatch) int {
		t.Helper()
		n, err := s.searchEstimate(ctx, nil, words)
		testenv.Must(t, err)
		return n
	}
	if n := est(typo, papper); n < 16000 || s.sampleOf(n) != 16 {
		t.Errorf("paappershandduk papper: estimated %d, sample %d; want at least 16,000 and the sample of 1 in 16", n, s.sampleOf(n))
	}
	if n := est(nitril, vinyl); n > 6000 || s.sampleOf(n) != 0 {
		t.Errorf("nitril vinyl, never together: estimated %d, sample %d; want the product (4,760) and no sample", n, s.sampleOf(n))
	}
	s.noPairs = true
	if n := est(typo, papper); n > 2000 {
		t.Errorf("without the pairs: estimated %d, want the words' product", n)
	}

	f := newFixture(t)
	u := testenv.Unique()
	for i := range 20 {
		_, err := f.s.db.ExecContext(ctx, `INSERT INTO items (agreement_id, supplier_id, sku, name, description, unit, cpv_code, vat_rate_bp)
			VALUES ($1, $2, $3, 'Skoskydd blå', 'Engångs skoskydd', 'EA', '33141420', 2500)`, f.agreement.ID, f.sup1.ID, fmt.Sprintf("EST-%d-%s", i, u))
		testenv.Must(t, err)
	}
	_, err := f.s.db.ExecContext(ctx, `ANALYZE items`)
	testenv.Must(t, err)
	var w statsSnapshot
	testenv.Must(t, w.load(ctx, f.s.db))
	pairs := 0
	for lex := range w.pairFreq {
		if strings.Contains(lex, " ") {
			pairs++
		}
	}
	if pairs == 0 || len(w.freq) == 0 {
		t.Errorf("statistics read: %d words, %d pairs of items.search_pairs; want both", len(w.freq), pairs)
	}
}
