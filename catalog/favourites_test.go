package catalog

import (
	"context"
	"sync"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
)

// TestFavourites: a buyer marks items of their catalogue (twice is once, many at once is
// once), sees them with prices, latest first; the marks are theirs alone; an item outside
// their catalogue or only proposed cannot be marked; an item that ends is counted, not shown,
// and can be cleared.
func TestFavourites(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	gloves := f.item(f.supplier1, "FAV-1", "Handske nitril")
	cream := f.item(f.supplier1, "FAV-2", "Handkräm")
	colleague := f.user(f.buyer, auth.RoleOrderer, auth.RoleApprover)

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); testenv.Must(t, f.s.SetFavourite(ctx, f.orderer, gloves.ID, true)) }()
	}
	wg.Wait()
	testenv.Must(t, f.s.SetFavourite(ctx, f.orderer, cream.ID, true))
	page, err := f.s.Favourites(ctx, f.orderer, auth.Page{})
	testenv.Must(t, err)
	if page.Total != 2 || len(page.Items) != 2 || page.Items[0].ID != cream.ID || page.Items[1].PriceMinor == nil || page.Ended != 0 {
		t.Fatalf("favourites = %+v", page)
	}
	marked, err := f.s.FavouriteIDs(ctx, f.orderer, []string{gloves.ID, cream.ID, f.agreement.ID})
	testenv.Must(t, err)
	if !marked[gloves.ID] || !marked[cream.ID] || len(marked) != 2 {
		t.Fatalf("marked = %v", marked)
	}

	t.Run("another user's favourites are their own", func(t *testing.T) {
		page, err := f.s.Favourites(ctx, colleague, auth.Page{})
		testenv.Must(t, err)
		if page.Total != 0 {
			t.Fatalf("a colleague sees %d favourites", page.Total)
		}
		// Unmarking an item the colleague never marked changes nothing of the orderer's.
		testenv.Must(t, f.s.SetFavourite(ctx, colleague, gloves.ID, false))
		if m, _ := f.s.FavouriteIDs(ctx, f.orderer, []string{gloves.ID}); !m[gloves.ID] {
			t.Fatal("a colleague's unmark removed the orderer's favourite")
		}
	})

	t.Run("scope", func(t *testing.T) {
		wantKind(t, f.s.SetFavourite(ctx, f.outsiderOrderer, gloves.ID, true), derr.NotFound, "")
		wantKind(t, f.s.SetFavourite(ctx, f.orderer, "6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f", true), derr.NotFound, "")
		wantKind(t, f.s.SetFavourite(ctx, f.orderer, "x", true), derr.NotFound, "")
		wantKind(t, f.s.SetFavourite(ctx, f.supplier1, gloves.ID, true), derr.Forbidden, "")
		wantKind(t, f.s.SetFavourite(ctx, f.manager, gloves.ID, true), derr.Forbidden, "")
		_, err := f.s.Favourites(ctx, f.manager, auth.Page{})
		wantKind(t, err, derr.Forbidden, "")
	})

	t.Run("a proposed item cannot be marked", func(t *testing.T) {
		_, err := f.s.UpdateAgreement(ctx, f.manager, f.agreement.ID, AgreementPatch{CatalogueApproval: ptr(true)})
		testenv.Must(t, err)
		proposed := f.item(f.supplier1, "FAV-3", "Handske vinyl föreslagen")
		if proposed.Approval != ApprovalProposed {
			t.Fatalf("item is %s, want proposed", proposed.Approval)
		}
		wantKind(t, f.s.SetFavourite(ctx, f.orderer, proposed.ID, true), derr.NotFound, "")
	})

	t.Run("an ended item is counted and can be cleared", func(t *testing.T) {
		_, err := f.s.UpdateItem(ctx, f.supplier1, cream.ID, ItemPatch{Active: ptr(false)})
		testenv.Must(t, err)
		page, err := f.s.Favourites(ctx, f.orderer, auth.Page{})
		testenv.Must(t, err)
		if page.Total != 2 || len(page.Items) != 1 || page.Items[0].ID != gloves.ID || page.Ended != 1 {
			t.Fatalf("with an ended item: %+v", page)
		}
		n, err := f.s.ClearEndedFavourites(ctx, f.orderer)
		testenv.Must(t, err)
		page, _ = f.s.Favourites(ctx, f.orderer, auth.Page{})
		if n != 1 || page.Total != 1 || page.Ended != 0 {
			t.Fatalf("cleared %d; then %+v", n, page)
		}
		// Unmarking works whatever the item's state.
		testenv.Must(t, f.s.SetFavourite(ctx, f.orderer, gloves.ID, false))
		page, _ = f.s.Favourites(ctx, f.orderer, auth.Page{})
		if page.Total != 0 {
			t.Fatalf("after unmarking: %+v", page)
		}
	})
}
