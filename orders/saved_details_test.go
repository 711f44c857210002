package orders_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

// TestSavedDetails: an organisation's approver and an administrator maintain its saved
// delivery addresses and cost centres; its orderers see them; another organisation's users
// see and change nothing of them (404), other roles are refused (403); a saved text follows
// the order's own rule for its field.
func TestSavedDetails(t *testing.T) {
	w := newWorld(t, agreementOpts{})
	ctx := context.Background()
	platform := w.org(auth.KindPlatform, 0)
	admin := w.user(platform, auth.RoleAdmin)

	addr, err := w.svc.AddSavedDetail(ctx, w.Approver, w.Buyer.ID, orders.SavedDetailInput{Kind: orders.DetailDeliveryAddress,
		Label: " Hemtjänst Norr ", Value: "Hemtjänst Norr\nStorgatan 1\n651 84 Karlstad"})
	testenv.Must(t, err)
	if addr.Label != "Hemtjänst Norr" || addr.OrgID != w.Buyer.ID {
		t.Fatalf("saved = %+v", addr)
	}
	cc, err := w.svc.AddSavedDetail(ctx, admin, w.Buyer.ID, orders.SavedDetailInput{Kind: orders.DetailCostCenter, Value: "4410"})
	testenv.Must(t, err)

	t.Run("the organisation's orderers see them", func(t *testing.T) {
		got, err := w.svc.SavedDetails(ctx, w.Orderer, w.Buyer.ID)
		testenv.Must(t, err)
		if len(got) != 2 || got[0].ID != cc.ID || got[1].ID != addr.ID {
			t.Fatalf("saved details = %+v", got)
		}
	})

	t.Run("scope", func(t *testing.T) {
		for name, c := range map[string]auth.Caller{"other organisation's orderer and approver": w.OtherC} {
			if _, err := w.svc.SavedDetails(ctx, c, w.Buyer.ID); !derr.Is(err, derr.NotFound) {
				t.Errorf("%s lists: %v, want NotFound", name, err)
			}
			if _, err := w.svc.AddSavedDetail(ctx, c, w.Buyer.ID, orders.SavedDetailInput{Kind: orders.DetailCostCenter, Value: "1"}); !derr.Is(err, derr.NotFound) {
				t.Errorf("%s adds: %v, want NotFound", name, err)
			}
			if err := w.svc.RemoveSavedDetail(ctx, c, w.Buyer.ID, cc.ID); !derr.Is(err, derr.NotFound) {
				t.Errorf("%s removes: %v, want NotFound", name, err)
			}
			// Its own organisation in the path does not reach another's detail either.
			if err := w.svc.RemoveSavedDetail(ctx, c, w.Other.ID, cc.ID); !derr.Is(err, derr.NotFound) {
				t.Errorf("%s removes through its own organisation: %v, want NotFound", name, err)
			}
		}
		if _, err := w.svc.AddSavedDetail(ctx, w.Orderer, w.Buyer.ID, orders.SavedDetailInput{Kind: orders.DetailCostCenter, Value: "1"}); !derr.Is(err, derr.Forbidden) {
			t.Errorf("an orderer adds: %v, want Forbidden", err)
		}
		for name, c := range map[string]auth.Caller{"supplier": w.Sup1C, "manager": w.Manager} {
			if _, err := w.svc.SavedDetails(ctx, c, w.Buyer.ID); !derr.Is(err, derr.Forbidden) {
				t.Errorf("%s lists: %v, want Forbidden", name, err)
			}
		}
		if _, err := w.svc.AddSavedDetail(ctx, admin, w.Sup1.ID, orders.SavedDetailInput{Kind: orders.DetailCostCenter, Value: "1"}); !derr.Is(err, derr.Invalid) {
			t.Errorf("admin adds to a supplier: %v, want Invalid", err)
		}
		if _, err := w.svc.SavedDetails(ctx, admin, "6f1c1c3e-3b4a-4c55-9f0e-0a1b2c3d4e5f"); !derr.Is(err, derr.NotFound) {
			t.Errorf("admin lists an absent organisation: %v, want NotFound", err)
		}
		got, err := w.svc.SavedDetails(ctx, w.Orderer, w.Buyer.ID)
		testenv.Must(t, err)
		if len(got) != 2 {
			t.Fatalf("refused calls changed the details: %d", len(got))
		}
	})

	t.Run("validation", func(t *testing.T) {
		tests := []struct {
			name  string
			in    orders.SavedDetailInput
			field string
		}{
			{"empty", orders.SavedDetailInput{Kind: orders.DetailDeliveryAddress, Value: "  "}, "value"},
			{"long address", orders.SavedDetailInput{Kind: orders.DetailDeliveryAddress, Value: strings.Repeat("x", orders.MaxDeliveryAddressLen+1)}, "value"},
			{"cost centre on two lines", orders.SavedDetailInput{Kind: orders.DetailCostCenter, Value: "44\n10"}, "value"},
			{"long cost centre", orders.SavedDetailInput{Kind: orders.DetailCostCenter, Value: strings.Repeat("1", orders.MaxCostCenterLen+1)}, "value"},
			{"unknown kind", orders.SavedDetailInput{Kind: "phone", Value: "1"}, "kind"},
			{"control character in label", orders.SavedDetailInput{Kind: orders.DetailCostCenter, Label: "a\x00", Value: "1"}, "label"},
		}
		for _, tt := range tests {
			_, err := w.svc.AddSavedDetail(ctx, w.Approver, w.Buyer.ID, tt.in)
			var de *derr.Error
			if !derr.Is(err, derr.Invalid) || !errors.As(err, &de) || len(de.Fields) == 0 || de.Fields[0].Field != tt.field {
				t.Errorf("%s: %v, want a field error on %s", tt.name, err, tt.field)
			}
		}
		_, err := w.svc.AddSavedDetail(ctx, w.Approver, w.Buyer.ID, orders.SavedDetailInput{Kind: orders.DetailCostCenter, Value: "4410"})
		if !derr.Is(err, derr.Conflict) {
			t.Errorf("the same cost centre twice: %v, want Conflict", err)
		}
	})

	t.Run("remove", func(t *testing.T) {
		testenv.Must(t, w.svc.RemoveSavedDetail(ctx, w.Approver, w.Buyer.ID, cc.ID))
		if err := w.svc.RemoveSavedDetail(ctx, w.Approver, w.Buyer.ID, cc.ID); !derr.Is(err, derr.NotFound) {
			t.Errorf("removed twice: %v", err)
		}
		got, err := w.svc.SavedDetails(ctx, w.Approver, w.Buyer.ID)
		testenv.Must(t, err)
		if len(got) != 1 || got[0].ID != addr.ID {
			t.Fatalf("after removal: %+v", got)
		}
	})

	t.Run("at most MaxSavedDetails of a kind, however many add at once", func(t *testing.T) {
		have, err := w.svc.SavedDetails(ctx, w.OtherC, w.Other.ID)
		testenv.Must(t, err)
		if len(have) != 0 {
			t.Fatalf("start with %d", len(have))
		}
		var wg sync.WaitGroup
		var added, refused atomic.Int32
		for i := range orders.MaxSavedDetails + 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := w.svc.AddSavedDetail(ctx, w.OtherC, w.Other.ID, orders.SavedDetailInput{Kind: orders.DetailCostCenter, Value: fmt.Sprint(1000 + i)})
				switch {
				case err == nil:
					added.Add(1)
				case derr.Is(err, derr.Invalid):
					refused.Add(1)
				default:
					t.Errorf("add %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		got, err := w.svc.SavedDetails(ctx, w.OtherC, w.Other.ID)
		testenv.Must(t, err)
		if added.Load() != orders.MaxSavedDetails || refused.Load() != 20 || len(got) != orders.MaxSavedDetails {
			t.Fatalf("added %d, refused %d, saved %d; want %d, 20, %d", added.Load(), refused.Load(), len(got), orders.MaxSavedDetails, orders.MaxSavedDetails)
		}
		// The other kind has its own room.
		_, err = w.svc.AddSavedDetail(ctx, w.OtherC, w.Other.ID, orders.SavedDetailInput{Kind: orders.DetailDeliveryAddress, Value: "Gata 1"})
		testenv.Must(t, err)
	})
}
