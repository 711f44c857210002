package orders_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

func wantCode(t *testing.T, err error, kind derr.Kind, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %s", code)
	}
	if derr.KindOf(err) != kind || derr.CodeOf(err) != code {
		t.Fatalf("err = %v (kind %d, code %q), want kind %d code %q", err, derr.KindOf(err), derr.CodeOf(err), kind, code)
	}
}

func TestCreateOrderSnapshotsAndTotals(t *testing.T) {
	w := newWorld(t, agreementOpts{threshold: 1_000_000})
	in := w.input(2)
	in.RequestedDeliveryDate = time.Now().UTC().AddDate(0, 0, 5).Format(time.DateOnly)
	o := w.place(w.Orderer, in)

	if o.TotalMinor != 120000 {
		t.Errorf("total = %d, want 120000", o.TotalMinor)
	}
	// VAT per rate, half up: 20000*25% = 5000, 40000*12% = 4800, 60000*6% = 3600.
	if o.VATMinor != 13400 || o.TotalInclVATMinor != 133400 {
		t.Errorf("vat = %d, incl = %d, want 13400, 133400", o.VATMinor, o.TotalInclVATMinor)
	}
	if o.Status != orders.StatusApproved {
		t.Errorf("status = %s, want approved (below the threshold)", o.Status)
	}
	if !regexp.MustCompile(`^KOM-\d{4}-\d{6}$`).MatchString(o.Number) {
		t.Errorf("number = %q, want KOM-YYYY-NNNNNN", o.Number)
	}
	if len(o.Lines) != 3 || o.Lines[0].UnitPriceMinor != 10000 || o.Lines[1].VATRateBP != 1200 || o.Lines[2].Unit != "EA" {
		t.Errorf("lines = %+v", o.Lines)
	}
	if len(o.Events) != 1 || o.Events[0].From != nil || o.Events[0].To != orders.StatusApproved {
		t.Errorf("events = %+v", o.Events)
	}
	got, err := w.svc.GetOrder(context.Background(), w.Orderer, o.ID)
	testenv.Must(t, err)
	if got.TotalMinor != o.TotalMinor || len(got.Lines) != 3 || len(got.Events) != 1 || got.Number != o.Number ||
		got.RequestedDeliveryDate == nil || *got.RequestedDeliveryDate != in.RequestedDeliveryDate {
		t.Errorf("get = %+v", got)
	}
	o2 := w.place(w.Orderer2, w.input(1))
	if o2.Number <= o.Number {
		t.Errorf("second number %s not after %s", o2.Number, o.Number)
	}

	t.Run("VAT per rate, rounded once per rate", func(t *testing.T) {
		// Six lines of 56.87 kr at 25 %: 341.22 kr, VAT 85.305 → 85.31 kr; line by line each
		// 14.2175 → 14.22, which would sum to 85.32 kr.
		in := orders.OrderInput{AgreementID: w.Agr, SupplierID: w.Sup1.ID, DeliveryAddress: "Storgatan 1"}
		for range 6 {
			in.Lines = append(in.Lines, orders.LineInput{ItemID: w.item(w.Sup1.ID, 5687, 2500, 0), Quantity: 1})
		}
		o := w.place(w.Orderer, in)
		if o.TotalMinor != 34122 || o.VATMinor != 8531 || o.TotalInclVATMinor != 42653 || o.Lines[0].LineVATMinor != 1422 {
			t.Fatalf("total %d, VAT %d, incl %d, line VAT %d; want 34122, 8531, 42653, 1422", o.TotalMinor, o.VATMinor,
				o.TotalInclVATMinor, o.Lines[0].LineVATMinor)
		}
		got, err := w.svc.GetOrder(context.Background(), w.Orderer, o.ID)
		testenv.Must(t, err)
		if got.VATMinor != 8531 || len(got.VATByRate) != 1 || got.VATByRate[0] != (orders.RateVAT{RateBP: 2500, BaseMinor: 34122, VATMinor: 8531}) {
			t.Fatalf("stored VAT %d by rate %+v", got.VATMinor, got.VATByRate)
		}
	})

	t.Run("lines keep the eco-labels and pack size they were ordered with", func(t *testing.T) {
		exec(t, w.db, `UPDATE items SET eco_labels = '{svanen}', pack_size = 12 WHERE id = $1`, w.Items1[1])
		o := w.place(w.Orderer, w.input(1))
		exec(t, w.db, `UPDATE items SET eco_labels = '{}', pack_size = 1 WHERE id = $1`, w.Items1[1])
		got, err := w.svc.GetOrder(context.Background(), w.Orderer, o.ID)
		testenv.Must(t, err)
		l := got.Lines[1]
		if len(l.EcoLabels) != 1 || l.EcoLabels[0] != "svanen" || l.PackSize != 12 {
			t.Fatalf("line after the item changed = %+v, want eco-labels [svanen] and pack size 12", l)
		}
		if c := o.Lines[1]; len(c.EcoLabels) != 1 || c.PackSize != 12 {
			t.Fatalf("created line = %+v, want the same snapshot", c)
		}
	})

	t.Run("price change leaves the order untouched", func(t *testing.T) {
		exec(t, w.db, `INSERT INTO item_prices (item_id, price_minor, effective_from) VALUES ($1, 99999, current_date)`, w.Items1[0])
		exec(t, w.db, `UPDATE items SET name = 'Renamed', vat_rate_bp = 0 WHERE id = $1`, w.Items1[0])
		got, err := w.svc.GetOrder(context.Background(), w.Orderer, o.ID)
		testenv.Must(t, err)
		if got.Lines[0].UnitPriceMinor != 10000 || got.Lines[0].VATRateBP != 2500 || got.Lines[0].Name == "Renamed" || got.TotalMinor != 120000 {
			t.Errorf("line after price change = %+v, total %d", got.Lines[0], got.TotalMinor)
		}
		o3 := w.place(w.Orderer, w.input(1))
		if o3.Lines[0].UnitPriceMinor != 99999 {
			t.Errorf("a new order's price = %d, want the new 99999", o3.Lines[0].UnitPriceMinor)
		}
	})
}

func TestApprovalThreshold(t *testing.T) {
	// Threshold 120000: an order of exactly 120000 needs approval, 119999... is approved.
	// (The order below comes first: after the one at the threshold, the 7-day splitting rule
	// would rightly send it to approval too.)
	w := newWorld(t, agreementOpts{threshold: 120000})
	if o := w.place(w.Orderer, w.input(1)); o.Status != orders.StatusApproved {
		t.Errorf("below the threshold: status = %s, want approved", o.Status)
	}
	if o := w.place(w.Orderer, w.input(2)); o.Status != orders.StatusPendingApproval {
		t.Errorf("at the threshold: status = %s, want pending_approval", o.Status)
	}
	w0 := newWorld(t, agreementOpts{})
	if o := w0.place(w0.Orderer, w0.input(1)); o.Status != orders.StatusPendingApproval {
		t.Errorf("threshold 0: status = %s, want pending_approval", o.Status)
	}
}

func TestCreateOrderRules(t *testing.T) {
	ctx := context.Background()
	today := time.Now().UTC()
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }

	t.Run("validity boundaries", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			from, to string
			status   string
			code     string
		}{
			{"starts today", day(0), day(30), "active", ""},
			{"ends today", day(-30), day(0), "active", ""},
			{"starts tomorrow", day(1), day(30), "active", orders.CodeAgreementNotActive},
			{"ended yesterday", day(-30), day(-1), "active", orders.CodeAgreementNotActive},
			{"terminated", day(-30), day(30), "terminated", orders.CodeAgreementNotActive},
		} {
			t.Run(tc.name, func(t *testing.T) {
				w := newWorld(t, agreementOpts{validFrom: tc.from, validTo: tc.to, status: tc.status})
				_, _, err := w.svc.CreateOrder(ctx, w.Orderer, w.input(1), "")
				if tc.code == "" {
					testenv.Must(t, err)
					return
				}
				wantCode(t, err, derr.Invalid, tc.code)
			})
		}
	})

	w := newWorld(t, agreementOpts{minOrder: 60000})
	t.Run("participation", func(t *testing.T) {
		outsider := w.org(auth.KindBuyer, 0)
		c := w.user(outsider, auth.RoleOrderer)
		_, _, err := w.svc.CreateOrder(ctx, c, w.input(1), "")
		wantCode(t, err, derr.Invalid, orders.CodeNotParticipant)
		in := w.input(1)
		in.AgreementID = "6f1c1b8e-0000-4000-8000-000000000000"
		_, _, err = w.svc.CreateOrder(ctx, w.Orderer, in, "")
		wantCode(t, err, derr.Invalid, orders.CodeNotParticipant)
	})
	t.Run("procurement body that also buys", func(t *testing.T) {
		c := w.user(w.Body, auth.RoleOrderer)
		_, _, err := w.svc.CreateOrder(ctx, c, w.input(1), "")
		wantCode(t, err, derr.Invalid, orders.CodeNotParticipant)
		exec(t, w.db, `INSERT INTO agreement_participants (agreement_id, org_id) VALUES ($1, $2)`, w.Agr, w.Body.ID)
		_, _, err = w.svc.CreateOrder(ctx, c, w.input(1), "")
		testenv.Must(t, err)
	})
	t.Run("roles", func(t *testing.T) {
		for _, c := range []auth.Caller{w.Manager, w.Sup1C, adminCaller} {
			_, _, err := w.svc.CreateOrder(ctx, c, w.input(1), "")
			wantCode(t, err, derr.Forbidden, "forbidden")
		}
		_, _, err := w.svc.CreateOrder(ctx, w.Approver, w.input(1), "")
		testenv.Must(t, err)
	})
	t.Run("supplier not awarded", func(t *testing.T) {
		in := w.input(1)
		in.SupplierID = w.Other.ID
		_, _, err := w.svc.CreateOrder(ctx, w.Orderer, in, "")
		wantCode(t, err, derr.Invalid, orders.CodeSupplierNotInAgreement)
	})
	t.Run("item of another supplier", func(t *testing.T) {
		in := w.input(1)
		in.Lines[1].ItemID = w.Items2[0]
		_, _, err := w.svc.CreateOrder(ctx, w.Orderer, in, "")
		wantCode(t, err, derr.Invalid, orders.CodeItemNotInAgreement)
		var e *derr.Error
		if derrAs(err, &e); len(e.Fields) != 1 || e.Fields[0].Field != "lines[1].item_id" {
			t.Errorf("fields = %+v", e.Fields)
		}
	})
	t.Run("item of another agreement", func(t *testing.T) {
		w2 := newWorld(t, agreementOpts{})
		in := w.input(1)
		in.Lines[0].ItemID = w2.Items1[0]
		_, _, err := w.svc.CreateOrder(ctx, w.Orderer, in, "")
		wantCode(t, err, derr.Invalid, orders.CodeItemNotInAgreement)
	})
	t.Run("unknown item", func(t *testing.T) {
		in := w.input(1)
		in.Lines[0].ItemID = "6f1c1b8e-0000-4000-8000-000000000001"
		_, _, err := w.svc.CreateOrder(ctx, w.Orderer, in, "")
		wantCode(t, err, derr.Invalid, orders.CodeItemNotInAgreement)
	})
	t.Run("inactive item", func(t *testing.T) {
		id := w.item(w.Sup1.ID, 70000, 2500, 9)
		exec(t, w.db, `UPDATE items SET active = false WHERE id = $1`, id)
		in := w.input(1)
		in.Lines = append(in.Lines, orders.LineInput{ItemID: id, Quantity: 1})
		_, _, err := w.svc.CreateOrder(ctx, w.Orderer, in, "")
		wantCode(t, err, derr.Invalid, orders.CodeItemInactive)
	})
	t.Run("no current price", func(t *testing.T) {
		var id string
		testenv.Must(t, w.db.GetContext(ctx, &id, `INSERT INTO items (agreement_id, supplier_id, sku, name, unit, cpv_code, vat_rate_bp)
			VALUES ($1, $2, $3, 'Future', 'EA', '33190000', 2500) RETURNING id`, w.Agr, w.Sup1.ID, "F-"+testenv.Unique()))
		exec(t, w.db, `INSERT INTO item_prices (item_id, price_minor, effective_from) VALUES ($1, 100, current_date + 1)`, id)
		in := w.input(1)
		in.Lines = append(in.Lines, orders.LineInput{ItemID: id, Quantity: 1})
		_, _, err := w.svc.CreateOrder(ctx, w.Orderer, in, "")
		wantCode(t, err, derr.Invalid, orders.CodeNoCurrentPrice)
		// The price comes into effect today: now it orders.
		exec(t, w.db, `INSERT INTO item_prices (item_id, price_minor, effective_from) VALUES ($1, 100, current_date)`, id)
		_, _, err = w.svc.CreateOrder(ctx, w.Orderer, in, "")
		testenv.Must(t, err)
	})
	t.Run("minimum order at its boundary", func(t *testing.T) {
		in := w.input(1) // exactly 60000 = min_order_minor
		_, _, err := w.svc.CreateOrder(ctx, w.Orderer, in, "")
		testenv.Must(t, err)
		in.Lines = in.Lines[1:] // 50000
		_, _, err = w.svc.CreateOrder(ctx, w.Orderer, in, "")
		wantCode(t, err, derr.Invalid, orders.CodeBelowMinOrder)
	})
	t.Run("validation", func(t *testing.T) {
		for name, mod := range map[string]func(*orders.OrderInput){
			"no lines":            func(in *orders.OrderInput) { in.Lines = nil },
			"zero quantity":       func(in *orders.OrderInput) { in.Lines[0].Quantity = 0 },
			"negative quantity":   func(in *orders.OrderInput) { in.Lines[0].Quantity = -1 },
			"huge quantity":       func(in *orders.OrderInput) { in.Lines[0].Quantity = orders.MaxQuantity + 1 },
			"duplicate item":      func(in *orders.OrderInput) { in.Lines[1].ItemID = in.Lines[0].ItemID },
			"bad agreement id":    func(in *orders.OrderInput) { in.AgreementID = "x" },
			"bad item id":         func(in *orders.OrderInput) { in.Lines[0].ItemID = "x" },
			"no address":          func(in *orders.OrderInput) { in.DeliveryAddress = "  " },
			"NUL in note":         func(in *orders.OrderInput) { in.Note = "a\x00b" },
			"date in the past":    func(in *orders.OrderInput) { in.RequestedDeliveryDate = day(-1) },
			"not a date":          func(in *orders.OrderInput) { in.RequestedDeliveryDate = "2026-13-01" },
			"unknown cascade":     func(in *orders.OrderInput) { in.CascadeReason = "cheaper" },
			"cascade on rank one": func(in *orders.OrderInput) { in.CascadeReason = orders.CascadeHigherRankNoReply },
		} {
			t.Run(name, func(t *testing.T) {
				in := w.input(1)
				mod(&in)
				_, _, err := w.svc.CreateOrder(ctx, w.Orderer, in, "")
				wantCode(t, err, derr.Invalid, "validation_failed")
			})
		}
	})
	t.Run("quantity at its maximum", func(t *testing.T) {
		in := w.input(orders.MaxQuantity)
		_, _, err := w.svc.CreateOrder(ctx, w.Orderer, in, "")
		testenv.Must(t, err)
	})
}

func derrAs(err error, e **derr.Error) bool {
	var x *derr.Error
	ok := false
	if err != nil {
		x, ok = err.(*derr.Error)
	}
	*e = x
	if !ok {
		*e = &derr.Error{}
	}
	return ok
}

func TestCascade(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, agreementOpts{})
	rank2 := func(reason, note, declined string) orders.OrderInput {
		return orders.OrderInput{AgreementID: w.Agr, SupplierID: w.Sup2.ID, DeliveryAddress: "Storgatan 1",
			Lines: []orders.LineInput{{ItemID: w.Items2[0], Quantity: 1}}, CascadeReason: reason, CascadeNote: note, DeclinedOrderID: declined}
	}
	t.Run("rank 2 without a reason", func(t *testing.T) {
		_, _, err := w.svc.CreateOrder(ctx, w.Orderer, rank2("", "", ""), "")
		wantCode(t, err, derr.Invalid, orders.CodeCascadeReasonRequired)
		_, _, err = w.svc.CreateOrder(ctx, w.Orderer, rank2(orders.CascadeHigherRankNoReply, "", ""), "")
		wantCode(t, err, derr.Invalid, orders.CodeCascadeReasonRequired)
	})
	t.Run("rank 2 with a reason and note", func(t *testing.T) {
		o, _, err := w.svc.CreateOrder(ctx, w.Orderer, rank2(orders.CascadeHigherRankCannotDeliver, "Rank 1 cannot deliver before March", ""), "")
		testenv.Must(t, err)
		if o.CascadeReason == nil || *o.CascadeReason != orders.CascadeHigherRankCannotDeliver || o.SupplierRank != 2 {
			t.Errorf("order = %+v", o)
		}
		list, _, err := w.svc.ListOrders(ctx, w.Manager, orders.OrderFilter{Cascade: true})
		testenv.Must(t, err)
		if len(list) != 1 || list[0].ID != o.ID {
			t.Errorf("manager's cascade list = %d orders, want the one", len(list))
		}
	})
	t.Run("higher_rank_declined names the declined order", func(t *testing.T) {
		_, _, err := w.svc.CreateOrder(ctx, w.Orderer, rank2(orders.CascadeHigherRankDeclined, "declined", ""), "")
		wantCode(t, err, derr.Invalid, orders.CodeCascadeReasonRequired)

		first := w.place(w.Orderer, w.input(1))
		// Not declined yet.
		_, _, err = w.svc.CreateOrder(ctx, w.Orderer, rank2(orders.CascadeHigherRankDeclined, "declined", first.ID), "")
		wantCode(t, err, derr.Invalid, orders.CodeCascadeOrderInvalid)
		_, err = w.svc.Move(ctx, w.Approver, first.ID, orders.ActionApprove, "")
		testenv.Must(t, err)
		_, err = w.svc.Move(ctx, w.Sup1C, first.ID, orders.ActionDecline, "out of stock")
		testenv.Must(t, err)
		// Another organisation cannot name it.
		_, _, err = w.svc.CreateOrder(ctx, w.OtherC, rank2(orders.CascadeHigherRankDeclined, "declined", first.ID), "")
		wantCode(t, err, derr.Invalid, orders.CodeCascadeOrderInvalid)
		o, _, err := w.svc.CreateOrder(ctx, w.Orderer, rank2(orders.CascadeHigherRankDeclined, "declined", first.ID), "")
		testenv.Must(t, err)
		if o.DeclinedOrderID == nil || *o.DeclinedOrderID != first.ID {
			t.Errorf("declined_order_id = %v, want %s", o.DeclinedOrderID, first.ID)
		}
	})
	t.Run("direct agreements take any supplier", func(t *testing.T) {
		wd := newWorld(t, agreementOpts{method: "direct"})
		in := orders.OrderInput{AgreementID: wd.Agr, SupplierID: wd.Sup2.ID, DeliveryAddress: "Storgatan 1",
			Lines: []orders.LineInput{{ItemID: wd.Items2[0], Quantity: 1}}}
		_, _, err := wd.svc.CreateOrder(ctx, wd.Orderer, in, "")
		testenv.Must(t, err)
	})
}

// An order's id is a time-ordered UUID (version 7): a later order's id sorts after an earlier
// one's (within a process even in the same millisecond: the uuid package counts its fraction), so that the indexes keyed by it take new entries on their right-most leaf (newID).
func TestOrderIDsAreTimeOrdered(t *testing.T) {
	w := newWorld(t, agreementOpts{})
	v7 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	prev := ""
	for range 5 {
		o := w.place(w.Orderer, w.input(1))
		if !v7.MatchString(o.ID) {
			t.Fatalf("order id %q is not a version 7 UUID", o.ID)
		}
		if o.ID <= prev {
			t.Fatalf("order id %s does not sort after the one before, %s", o.ID, prev)
		}
		prev = o.ID
	}
}
