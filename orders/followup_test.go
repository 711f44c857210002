package orders_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

func TestShareBP(t *testing.T) {
	tests := []struct {
		name        string
		part, whole int64
		want        int
	}{
		{"zero whole", 5, 0, 0},
		{"zero part", 0, 5, 0},
		{"all", 7, 7, 10000},
		{"one seventh rounds up", 1, 7, 1429},
		{"half a basis point rounds up", 1, 20000, 1},
		{"below half rounds down", 1, 20001, 0},
		{"huge values do not overflow", 1 << 61, 1 << 62, 5000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := orders.ShareBP(tt.part, tt.whole); got != tt.want {
				t.Errorf("ShareBP(%d, %d) = %d, want %d", tt.part, tt.whole, got, tt.want)
			}
		})
	}
}

// spendWorld places four spend orders, a cancelled one and a pending one:
//
//	o1 Orderer  Sup1 1 of each item (60000, eco 10000), cost centre 4410, this month
//	o2 Orderer2 Sup1 2 of each item (120000, eco 20000), cost centre 5500, approved 2020-01-15
//	o3 OtherC   Sup1 1 of each item (60000, eco 10000), cost centre 4410, this month
//	o4 Orderer  Sup2 3 of Items2 (30000, no eco), cost centre 4410, this month
//
// Items1[0] carries an eco-label; Items1[2] has CPV 33141000, the others 33190000.
func spendWorld(t *testing.T) *world {
	w := newWorld(t, agreementOpts{method: "direct", threshold: 1_000_000_000})
	exec(t, w.db, `UPDATE items SET eco_labels = '{svanen}' WHERE id = $1`, w.Items1[0])
	exec(t, w.db, `UPDATE items SET cpv_code = '33141000' WHERE id = $1`, w.Items1[2])
	w.place(w.Orderer, w.input(1))
	in2 := w.input(2)
	in2.CostCenter = "5500"
	o2 := w.place(w.Orderer2, in2)
	exec(t, w.db, `UPDATE orders SET approved_at = '2020-01-15T10:00:00Z' WHERE id = $1`, o2.ID)
	w.place(w.OtherC, w.input(1))
	w.place(w.Orderer, orders.OrderInput{AgreementID: w.Agr, SupplierID: w.Sup2.ID, DeliveryAddress: "Storgatan 1", CostCenter: "4410",
		Lines: []orders.LineInput{{ItemID: w.Items2[0], Quantity: 3}}})
	o5 := w.place(w.Orderer, w.input(5))
	if _, err := w.svc.Move(context.Background(), w.Orderer, o5.ID, orders.ActionCancel, ""); err != nil {
		t.Fatal(err)
	}
	exec(t, w.db, `UPDATE organizations SET approval_threshold_minor = 0 WHERE id = $1`, w.Buyer.ID)
	if o6 := w.place(w.Orderer, w.input(7)); o6.Status != orders.StatusPendingApproval {
		t.Fatalf("o6 status = %s, want pending", o6.Status)
	}
	return w
}

type spendWant struct {
	key        string
	count      int
	total, eco int64
	shareBP    int
}

func checkRows(t *testing.T, got []orders.SpendRow, want []spendWant) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("rows = %+v, want %d rows %+v", got, len(want), want)
	}
	for i, w := range want {
		g := got[i]
		if g.Key != w.key || g.OrderCount != w.count || g.TotalMinor != w.total || g.EcoMinor != w.eco || g.EcoShareBP != w.shareBP || g.Currency != "SEK" {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestSpendGrouping(t *testing.T) {
	w := spendWorld(t)
	ctx := context.Background()
	thisMonth := time.Now().UTC().Format("2006-01")
	tests := []struct {
		name  string
		group orders.SpendGroup
		want  []spendWant
	}{
		{"organization", orders.GroupOrganization, []spendWant{{w.Buyer.ID, 3, 210000, 30000, 1429}, {w.Other.ID, 1, 60000, 10000, 1667}}},
		{"supplier", orders.GroupSupplier, []spendWant{{w.Sup1.ID, 3, 240000, 40000, 1667}, {w.Sup2.ID, 1, 30000, 0, 0}}},
		{"agreement", orders.GroupAgreement, []spendWant{{w.Agr, 4, 270000, 40000, 1481}}},
		// CPV from the items: one order counts in each of its lines' codes.
		{"cpv", orders.GroupCPV, []spendWant{{"33190000", 4, 150000, 40000, 2667}, {"33141000", 3, 120000, 0, 0}}},
		{"cost_center", orders.GroupCostCenter, []spendWant{{"4410", 3, 150000, 20000, 1333}, {"5500", 1, 120000, 20000, 1667}}},
		{"orderer", orders.GroupOrderer, []spendWant{{w.Orderer2.UserID, 1, 120000, 20000, 1667}, {w.Orderer.UserID, 2, 90000, 10000, 1111}, {w.OtherC.UserID, 1, 60000, 10000, 1667}}},
		{"month is chronological", orders.GroupMonth, []spendWant{{"2020-01", 1, 120000, 20000, 1667}, {thisMonth, 3, 150000, 20000, 1333}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp, err := w.svc.Spend(ctx, w.Manager, orders.SpendFilter{GroupBy: tt.group})
			testenv.Must(t, err)
			checkRows(t, sp.Rows, tt.want)
			if sp.Groups != len(tt.want) {
				t.Errorf("groups = %d, want %d", sp.Groups, len(tt.want))
			}
			if len(sp.Totals) != 1 || sp.Totals[0].OrderCount != 4 || sp.Totals[0].TotalMinor != 270000 || sp.Totals[0].EcoMinor != 40000 || sp.Totals[0].EcoShareBP != 1481 {
				t.Errorf("totals = %+v, want 4 orders, 270000, eco 40000 (1481 bp)", sp.Totals)
			}
		})
	}

	t.Run("eco share reads the lines' snapshot, not today's labels", func(t *testing.T) {
		exec(t, w.db, `UPDATE items SET eco_labels = '{}' WHERE id = $1`, w.Items1[0])
		exec(t, w.db, `UPDATE items SET eco_labels = '{krav}' WHERE id = $1`, w.Items1[1])
		defer exec(t, w.db, `UPDATE items SET eco_labels = '{svanen}' WHERE id = $1`, w.Items1[0])
		defer exec(t, w.db, `UPDATE items SET eco_labels = '{}' WHERE id = $1`, w.Items1[1])
		sp, err := w.svc.Spend(ctx, w.Manager, orders.SpendFilter{GroupBy: orders.GroupAgreement})
		testenv.Must(t, err)
		if len(sp.Totals) != 1 || sp.Totals[0].EcoMinor != 40000 {
			t.Errorf("totals after the labels changed = %+v, want eco 40000 as ordered", sp.Totals)
		}
	})

	t.Run("labels are names", func(t *testing.T) {
		sp, err := w.svc.Spend(ctx, w.Manager, orders.SpendFilter{GroupBy: orders.GroupOrganization})
		testenv.Must(t, err)
		if sp.Rows[0].Label != w.Buyer.Name || sp.Rows[1].Label != w.Other.Name {
			t.Errorf("labels = %q, %q, want %q, %q", sp.Rows[0].Label, sp.Rows[1].Label, w.Buyer.Name, w.Other.Name)
		}
		sp, err = w.svc.Spend(ctx, w.Manager, orders.SpendFilter{GroupBy: orders.GroupOrderer})
		testenv.Must(t, err)
		if sp.Rows[0].Label != "User orderer" {
			t.Errorf("orderer label = %q", sp.Rows[0].Label)
		}
	})

	t.Run("date range", func(t *testing.T) {
		sp, err := w.svc.Spend(ctx, w.Manager, orders.SpendFilter{GroupBy: orders.GroupSupplier, From: "2020-01-15", To: "2020-01-15"})
		testenv.Must(t, err)
		checkRows(t, sp.Rows, []spendWant{{w.Sup1.ID, 1, 120000, 20000, 1667}})
		sp, err = w.svc.Spend(ctx, w.Manager, orders.SpendFilter{GroupBy: orders.GroupSupplier, From: "2020-01-16"})
		testenv.Must(t, err)
		checkRows(t, sp.Rows, []spendWant{{w.Sup1.ID, 2, 120000, 20000, 1667}, {w.Sup2.ID, 1, 30000, 0, 0}})
	})

	t.Run("agreement filter", func(t *testing.T) {
		sp, err := w.svc.Spend(ctx, w.Manager, orders.SpendFilter{GroupBy: orders.GroupAgreement, AgreementID: w.Agr})
		testenv.Must(t, err)
		checkRows(t, sp.Rows, []spendWant{{w.Agr, 4, 270000, 40000, 1481}})
		sp, err = w.svc.Spend(ctx, w.Manager, orders.SpendFilter{GroupBy: orders.GroupAgreement, AgreementID: "00000000-0000-0000-0000-000000000001"})
		testenv.Must(t, err)
		checkRows(t, sp.Rows, nil)
	})

	t.Run("paging", func(t *testing.T) {
		sp, err := w.svc.Spend(ctx, w.Manager, orders.SpendFilter{GroupBy: orders.GroupOrderer, Page: auth.Page{Page: 2, PageSize: 1}})
		testenv.Must(t, err)
		checkRows(t, sp.Rows, []spendWant{{w.Orderer.UserID, 2, 90000, 10000, 1111}})
		if sp.Groups != 3 {
			t.Errorf("groups = %d, want 3", sp.Groups)
		}
		sp, err = w.svc.Spend(ctx, w.Manager, orders.SpendFilter{GroupBy: orders.GroupOrderer, Page: auth.Page{Page: 9, PageSize: 1}})
		testenv.Must(t, err)
		if len(sp.Rows) != 0 || sp.Groups != 3 {
			t.Errorf("past the end: rows = %d, groups = %d, want 0, 3", len(sp.Rows), sp.Groups)
		}
	})
}

func TestSpendScope(t *testing.T) {
	w := spendWorld(t)
	other := newWorld(t, agreementOpts{})
	ctx := context.Background()
	tests := []struct {
		name   string
		caller auth.Caller
		want   []spendWant
	}{
		{"buyer sees only its own organisation", w.Orderer, []spendWant{{w.Buyer.ID, 3, 210000, 30000, 1429}}},
		{"approver likewise", w.Approver, []spendWant{{w.Buyer.ID, 3, 210000, 30000, 1429}}},
		{"other buyer sees only its own", w.OtherC, []spendWant{{w.Other.ID, 1, 60000, 10000, 1667}}},
		{"supplier sees orders addressed to it", w.Sup2C, []spendWant{{w.Buyer.ID, 1, 30000, 0, 0}}},
		{"another body's manager sees nothing", other.Manager, nil},
		{"another world's buyer sees nothing", other.Orderer, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp, err := w.svc.Spend(ctx, tt.caller, orders.SpendFilter{GroupBy: orders.GroupOrganization})
			testenv.Must(t, err)
			checkRows(t, sp.Rows, tt.want)
			sp, err = w.svc.Spend(ctx, tt.caller, orders.SpendFilter{GroupBy: orders.GroupOrganization, AgreementID: w.Agr})
			testenv.Must(t, err)
			checkRows(t, sp.Rows, tt.want)
		})
	}
	t.Run("admin is forbidden", func(t *testing.T) {
		_, err := w.svc.Spend(ctx, adminCaller, orders.SpendFilter{GroupBy: orders.GroupOrganization})
		if derr.KindOf(err) != derr.Forbidden {
			t.Fatalf("err = %v, want Forbidden", err)
		}
	})
	bad := []struct {
		name  string
		f     orders.SpendFilter
		field string
	}{
		{"unknown group", orders.SpendFilter{GroupBy: "buyer"}, "group_by"},
		{"empty group", orders.SpendFilter{}, "group_by"},
		{"agreement not a uuid", orders.SpendFilter{GroupBy: orders.GroupMonth, AgreementID: "x'; --"}, "agreement_id"},
		{"bad from", orders.SpendFilter{GroupBy: orders.GroupMonth, From: "2020-13-01"}, "from"},
		{"bad to", orders.SpendFilter{GroupBy: orders.GroupMonth, To: "yesterday"}, "to"},
		{"to before from", orders.SpendFilter{GroupBy: orders.GroupMonth, From: "2021-01-02", To: "2021-01-01"}, "to"},
	}
	for _, tt := range bad {
		t.Run("invalid "+tt.name, func(t *testing.T) {
			_, err := w.svc.Spend(ctx, w.Manager, tt.f)
			var de *derr.Error
			if derr.KindOf(err) != derr.Invalid || !errors.As(err, &de) || len(de.Fields) == 0 || de.Fields[0].Field != tt.field {
				t.Fatalf("err = %v, want Invalid on %s", err, tt.field)
			}
		})
	}
}

// scorecardWorld: Sup1 receives seven orders from approval on (a–g) and one pending order:
//
//	a Orderer requested D, delivered D 23:59:59 UTC → on time; deviation late (open)
//	b Orderer requested D, delivered D+1 00:00:00 UTC → late; deviation damaged (closed)
//	c Orderer no date, approved T0, delivered T0 + lead time (10 days) → on time
//	d Orderer no date, approved T0, delivered T0 + 11 days → late
//	e Orderer declined
//	f Orderer accepted and shipped
//	g OtherC  requested D, delivered D → on time; deviation quality (open)
func scorecardWorld(t *testing.T) (*world, map[string]orders.Order) {
	w := newWorld(t, agreementOpts{method: "direct", threshold: 1_000_000_000})
	ctx := context.Background()
	ords := map[string]orders.Order{}
	move := func(c auth.Caller, id string, acts ...orders.Action) {
		t.Helper()
		for _, a := range acts {
			note := ""
			if a == orders.ActionDecline {
				note = "out of stock"
			}
			if _, err := w.svc.Move(ctx, c, id, a, note); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
		}
	}
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		buyer := w.Orderer
		if name == "g" {
			buyer = w.OtherC
		}
		o := w.place(buyer, w.input(1))
		ords[name] = o
		switch name {
		case "e":
			move(w.Sup1C, o.ID, orders.ActionDecline)
		case "f":
			move(w.Sup1C, o.ID, orders.ActionAccept, orders.ActionShip)
		default:
			move(w.Sup1C, o.ID, orders.ActionAccept, orders.ActionShip)
			move(buyer, o.ID, orders.ActionDeliver)
		}
	}
	set := func(name, q string, args ...any) {
		exec(t, w.db, `UPDATE orders SET `+q+` WHERE id = $1`, append([]any{ords[name].ID}, args...)...)
	}
	set("a", `requested_delivery_date = '2026-03-10', delivered_at = '2026-03-10T23:59:59Z'`)
	set("b", `requested_delivery_date = '2026-03-10', delivered_at = '2026-03-11T00:00:00Z'`)
	set("c", `requested_delivery_date = NULL, approved_at = '2026-01-01T08:00:00Z', delivered_at = '2026-01-11T20:00:00Z'`)
	set("d", `requested_delivery_date = NULL, approved_at = '2026-01-01T08:00:00Z', delivered_at = '2026-01-12T00:30:00Z'`)
	set("g", `requested_delivery_date = '2026-03-10', delivered_at = '2026-03-10T06:00:00Z'`)
	report := func(name string, c auth.Caller, kind orders.DeviationKind) orders.Deviation {
		d, err := w.svc.ReportDeviation(ctx, c, ords[name].ID, orders.DeviationInput{Kind: kind, Description: "see photo"})
		testenv.Must(t, err)
		return d
	}
	report("a", w.Orderer, "late")
	db := report("b", w.Orderer, "damaged")
	if _, err := w.svc.CloseDeviation(ctx, w.Manager, ords["b"].ID, db.ID, "credited"); err != nil {
		t.Fatal(err)
	}
	report("g", w.OtherC, "quality")
	exec(t, w.db, `UPDATE organizations SET approval_threshold_minor = 0 WHERE id = $1`, w.Buyer.ID)
	w.place(w.Orderer, w.input(1)) // pending: not received
	return w, ords
}

func TestScorecard(t *testing.T) {
	w, _ := scorecardWorld(t)
	other := newWorld(t, agreementOpts{})
	ctx := context.Background()

	type want struct {
		received, accepted, declined, declineBP, shippedOrDelivered, delivered, onTime, onTimeBP, devs, per100, open int
		byKind                                                                                                       map[string]int
		own                                                                                                          bool
	}
	all := want{7, 6, 1, 1429, 6, 5, 3, 6000, 3, 5000, 2, map[string]int{"late": 1, "damaged": 1, "quality": 1}, false}
	own := want{6, 5, 1, 1667, 5, 4, 2, 5000, 2, 4000, 1, map[string]int{"late": 1, "damaged": 1}, true}
	tests := []struct {
		name   string
		caller auth.Caller
		agr    string
		want   want
	}{
		{"manager", w.Manager, "", all},
		{"manager on the agreement", w.Manager, w.Agr, all},
		{"the supplier itself", w.Sup1C, "", all},
		{"buyer counts only its own orders", w.Orderer, "", own},
		{"approver likewise", w.Approver, w.Agr, own},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := w.svc.Scorecard(ctx, tt.caller, w.Sup1.ID, tt.agr)
			testenv.Must(t, err)
			got := want{sc.OrdersReceived, sc.Accepted, sc.Declined, sc.DeclineRateBP, sc.ShippedOrDelivered, sc.Delivered, sc.OnTime,
				sc.OnTimeRateBP, sc.Deviations, sc.DeviationsPer100, sc.OpenDeviations, nil, sc.OnlyOwnOrganization}
			wnt := tt.want
			for _, k := range orders.DeviationKinds {
				if sc.DeviationsByKind[k] != wnt.byKind[k] {
					t.Errorf("by kind %s = %d, want %d", k, sc.DeviationsByKind[k], wnt.byKind[k])
				}
			}
			if len(sc.DeviationsByKind) != len(orders.DeviationKinds) {
				t.Errorf("by kind has %d kinds, want all %d", len(sc.DeviationsByKind), len(orders.DeviationKinds))
			}
			wnt.byKind = nil
			if !reflect.DeepEqual(got, wnt) {
				t.Errorf("scorecard = %+v\nwant        %+v", got, wnt)
			}
			if sc.SupplierName != w.Sup1.Name {
				t.Errorf("name = %q, want %q", sc.SupplierName, w.Sup1.Name)
			}
		})
	}

	notFound := []struct {
		name     string
		caller   auth.Caller
		supplier string
		agr      string
	}{
		{"another body's manager", other.Manager, w.Sup1.ID, ""},
		{"another world's buyer", other.Orderer, w.Sup1.ID, ""},
		{"another supplier", w.Sup2C, w.Sup1.ID, ""},
		{"an agreement the supplier is not on", w.Manager, w.Sup1.ID, other.Agr},
		{"a buyer organisation's id", w.Manager, w.Buyer.ID, ""},
		{"an unknown id", w.Manager, "00000000-0000-0000-0000-000000000009", ""},
		{"a malformed id", w.Manager, "not-a-uuid", ""},
	}
	for _, tt := range notFound {
		t.Run("404 "+tt.name, func(t *testing.T) {
			_, err := w.svc.Scorecard(ctx, tt.caller, tt.supplier, tt.agr)
			if derr.KindOf(err) != derr.NotFound {
				t.Fatalf("err = %v, want NotFound", err)
			}
		})
	}
	t.Run("admin is forbidden", func(t *testing.T) {
		_, err := w.svc.Scorecard(ctx, adminCaller, w.Sup1.ID, "")
		if derr.KindOf(err) != derr.Forbidden {
			t.Fatalf("err = %v, want Forbidden", err)
		}
	})
	t.Run("bad agreement id is invalid", func(t *testing.T) {
		_, err := w.svc.Scorecard(ctx, w.Manager, w.Sup1.ID, "nope")
		if derr.KindOf(err) != derr.Invalid {
			t.Fatalf("err = %v, want Invalid", err)
		}
	})
	t.Run("list for a manager has both suppliers", func(t *testing.T) {
		cards, err := w.svc.Scorecards(ctx, w.Manager, "")
		testenv.Must(t, err)
		if len(cards) != 2 {
			t.Fatalf("cards = %d, want 2", len(cards))
		}
		for _, c := range cards {
			if c.SupplierID == w.Sup2.ID && (c.OrdersReceived != 0 || c.OnTimeRateBP != 0) {
				t.Errorf("Sup2 = %+v, want an empty record", c)
			}
		}
		cards, err = w.svc.Scorecards(ctx, other.Manager, w.Agr)
		testenv.Must(t, err)
		if len(cards) != 0 {
			t.Errorf("another body's manager sees %d cards on this agreement, want 0", len(cards))
		}
	})
}
