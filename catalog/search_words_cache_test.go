package catalog

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
)

// TestSearchExpansionsFollowCatalogue: a word's expansion is read once and reused while the
// catalogue stays the same; an item bringing a new word that the same typed start expands to
// is found by the very next search, and an agreement the buyer leaves stops being searched.
func TestSearchExpansionsFollowCatalogue(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := testenv.Unique()
	old := f.item(f.supplier1, "EXP-1-"+u, "Mepilex Border skumförband 10x10")
	search := func(q string, page int) []string {
		t.Helper()
		p, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: q, Page: auth.Page{Page: page, PageSize: 1}})
		testenv.Must(t, err)
		var ids []string
		for _, it := range p.Items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	if got := search("mepil", 1); !slices.Equal(got, []string{old.ID}) {
		t.Fatalf("mepil: %v, want the Mepilex item", got)
	}
	reads := f.s.wordReads.Load()
	// Another page is another cached page, so the search runs, with its words known.
	search("mepil", 2)
	if n := f.s.wordReads.Load() - reads; n != 0 {
		t.Fatalf("a known word was read again (%d words' statements)", n)
	}

	// "mepilon" is a word the lexicon did not hold when "mepil" was expanded.
	added := f.item(f.supplier1, "EXP-2-"+u, "Mepilon kompress steril")
	if got := search("mepilon", 1); !slices.Equal(got, []string{added.ID}) {
		t.Fatalf("mepilon after adding it: %v, want the new item", got)
	}
	p, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: "mepil", Page: auth.Page{Page: 1, PageSize: 10}})
	testenv.Must(t, err)
	if p.Total != 2 {
		t.Fatalf("mepil after adding Mepilon: %d items, want both", p.Total)
	}

	// The agreement ends: nothing of it is searched.
	_, err = f.s.UpdateAgreement(ctx, f.manager, f.agreement.ID, AgreementPatch{Status: ptr(StatusTerminated), Note: "ended early"})
	testenv.Must(t, err)
	if got := search("mepil", 1); len(got) != 0 {
		t.Fatalf("after the agreement ended: %v, want nothing", got)
	}
}

// TestSearchExpansionsConcurrentWrites: 16 goroutines search while items with new words are
// added; once an add has answered, every search that starts afterwards finds its item.
func TestSearchExpansionsConcurrentWrites(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := testenv.Unique()
	f.item(f.supplier1, "CON-0-"+u, "Tegaderm film")
	words := []string{"tegafix", "tegaplus", "tegaroll", "tegasoft"}
	var mu sync.Mutex
	added := map[string]string{} // word → item id, once its add has answered
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan string, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				want := map[string]string{}
				for w, id := range added {
					want[w] = id
				}
				mu.Unlock()
				for w, id := range want {
					p, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: w[:5], Page: auth.Page{Page: 1 + i%3, PageSize: 20}})
					if err != nil {
						errs <- err.Error()
						return
					}
					found := i%3 != 0 // later pages are empty
					for _, it := range p.Items {
						found = found || it.ID == id
					}
					if !found {
						errs <- "tega: " + w + " added but not found"
						return
					}
				}
			}
		}()
	}
	for i, w := range words {
		it := f.item(f.supplier2, "CON-"+string(rune('1'+i))+"-"+u, w+" fixering")
		mu.Lock()
		added[w] = it.ID
		mu.Unlock()
	}
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// TestSearchWordsStatementReadsLexiconOnce: the words' statement reads the lexicon once per
// kind of match — the word's starts, the words holding it, its near words — however many
// expressions name their results; PostgreSQL pulled the laterals up into each and read the
// starts again for the word's inflections and for whether near words are needed. And it still
// expands as before: a typo to its near words, a word to its starts and inflections.
func TestSearchWordsStatementReadsLexiconOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u := testenv.Unique()
	f.item(f.supplier1, "LEX-1-"+u, "Pappershandduk vit")
	f.item(f.supplier1, "LEX-2-"+u, "Toalettpapper mjukt")
	visible := visibleAgreements(scopeOf(f.orderer), newInlineQuery(scopeOf(f.orderer).orgArg(), f.s.today()))
	st := termsStatement([]string{"paappershandduk", "papper"}, false, visible)
	tx, err := f.s.db.BeginTxx(ctx, nil)
	testenv.Must(t, err)
	defer tx.Rollback() //nolint:errcheck
	i := strings.Index(st, ";")
	_, err = tx.ExecContext(ctx, st[:i])
	testenv.Must(t, err)
	var plan []string
	testenv.Must(t, tx.SelectContext(ctx, &plan, `EXPLAIN (COSTS OFF) `+st[i+1:]))
	scans := 0
	for _, l := range plan {
		if regexp.MustCompile(` on search_words( |$)`).MatchString(l) {
			scans++
		}
	}
	if scans != 3 {
		t.Errorf("the words' statement reads search_words %d times, want 3:\n%s", scans, strings.Join(plan, "\n"))
	}
	tms, _, err := f.s.expandTerms(ctx, f.s.db, []string{"paappershandduk", "papper"}, false, visible)
	testenv.Must(t, err)
	if !strings.Contains(tms[0].fuzzyQuery(), "'pappershandduk'") || !strings.Contains(tms[1].prefix, "'pappershandduk'") ||
		!strings.Contains(tms[1].infix, "'toalettpapper'") || !strings.Contains(tms[1].exact, "'papper'") {
		t.Errorf("expansions: %+v", tms)
	}
}
