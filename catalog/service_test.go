package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
)

func TestCreateAgreementValidation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	good := func() AgreementInput {
		return AgreementInput{Reference: "RA-" + testenv.Unique(), Title: "Läkemedelsautomater", CPVCode: "33190000-8",
			Currency: "SEK", ValidFrom: "2023-10-01", ValidTo: "2027-09-30", CallOffMethod: MethodRanking,
			Participants: []ParticipantInput{{OrgID: f.buyer.ID, CeilingMinor: ptr(int64(100))}},
			Suppliers:    []SupplierInput{{OrgID: f.sup1.ID, Rank: 1}, {OrgID: f.sup2.ID, Rank: 2}}}
	}
	tests := []struct {
		name   string
		change func(*AgreementInput)
		field  string
	}{
		{"valid_to before valid_from", func(in *AgreementInput) { in.ValidTo = "2023-09-30" }, "valid_to"},
		{"valid_to equal valid_from", func(in *AgreementInput) { in.ValidTo = in.ValidFrom }, "valid_to"},
		{"currency not ISO 4217", func(in *AgreementInput) { in.Currency = "XYZ" }, "currency"},
		{"currency lower case", func(in *AgreementInput) { in.Currency = "sek" }, "currency"},
		{"cpv malformed", func(in *AgreementInput) { in.CPVCode = "3319000" }, "cpv_code"},
		{"cpv bad check part", func(in *AgreementInput) { in.CPVCode = "33190000-88" }, "cpv_code"},
		{"ranks not unique", func(in *AgreementInput) { in.Suppliers[1].Rank = 1 }, "suppliers[1].rank"},
		{"ranks not from 1", func(in *AgreementInput) { in.Suppliers[0].Rank = 3 }, "suppliers[0].rank"},
		{"participant is a supplier", func(in *AgreementInput) { in.Participants[0].OrgID = f.sup1.ID }, "participants[0].org_id"},
		{"supplier is a buyer", func(in *AgreementInput) { in.Suppliers[0].OrgID = f.buyer.ID }, "suppliers[0].org_id"},
		{"no suppliers", func(in *AgreementInput) { in.Suppliers = nil }, "suppliers"},
		{"unknown method", func(in *AgreementInput) { in.CallOffMethod = "auction" }, "call_off_method"},
		{"other body", func(in *AgreementInput) { in.ProcurementBodyID = f.other.ID }, "procurement_body_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good()
			tt.change(&in)
			_, err := f.s.CreateAgreement(ctx, f.manager, in)
			wantKind(t, err, derr.Invalid, "validation_failed")
			var e *derr.Error
			if !asErr(err, &e) || !hasField(e.Fields, tt.field) {
				t.Fatalf("fields = %+v, want %s", e.Fields, tt.field)
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		a, err := f.s.CreateAgreement(ctx, f.manager, good())
		testenv.Must(t, err)
		if a.Status != StatusActive || len(a.Participants) != 1 || len(a.Suppliers) != 2 || a.Suppliers[0].OrgID != f.sup1.ID {
			t.Fatalf("agreement = %+v", a)
		}
		if a.PriceAdjustmentIntervalMonths != 12 || a.ProcurementBodyID != f.body.ID {
			t.Fatalf("defaults: %+v", a)
		}
	})
	t.Run("duplicate reference", func(t *testing.T) {
		in := good()
		_, err := f.s.CreateAgreement(ctx, f.manager, in)
		testenv.Must(t, err)
		_, err = f.s.CreateAgreement(ctx, f.manager, in)
		wantKind(t, err, derr.Conflict, "")
	})
	t.Run("orderer may not create", func(t *testing.T) {
		_, err := f.s.CreateAgreement(ctx, f.orderer, good())
		wantKind(t, err, derr.Forbidden, "")
	})
	t.Run("admin may not create, change or decide", func(t *testing.T) {
		// SPEC §1: a platform admin runs organisations and users; agreements and price
		// decisions belong to the procurement body's managers.
		in := good()
		in.ProcurementBodyID = f.other.ID
		_, err := f.s.CreateAgreement(ctx, admin, in)
		wantKind(t, err, derr.Forbidden, "")
		title := "Taken over"
		_, err = f.s.UpdateAgreement(ctx, admin, f.agreement.ID, AgreementPatch{Title: &title})
		wantKind(t, err, derr.Forbidden, "")
		a, err := f.s.GetAgreement(ctx, f.manager, f.agreement.ID)
		testenv.Must(t, err)
		if a.Title == title {
			t.Fatalf("admin changed the agreement's title")
		}
	})
}

func asErr(err error, e **derr.Error) bool {
	var x *derr.Error
	ok := err != nil && errors.As(err, &x)
	*e = x
	return ok
}

func hasField(fields []derr.FieldError, name string) bool {
	for _, f := range fields {
		if f.Field == name {
			return true
		}
	}
	return false
}

func TestAgreementScope(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		caller  auth.Caller
		visible bool
	}{
		{"participating orderer", f.orderer, true},
		{"non-participating orderer", f.outsiderOrderer, false},
		{"awarded supplier", f.supplier1, true},
		{"body's manager", f.manager, true},
		{"other body's manager", f.otherManager, false},
		{"admin", admin, true},
		{"supplier not awarded", f.user(f.org(auth.KindSupplier, "Främling AB"), auth.RoleSupplier), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.s.GetAgreement(ctx, tt.caller, f.agreement.ID)
			// Read every page: an admin sees every agreement in the package's database, so
			// this one may be past the first page.
			found, total := false, 0
			for page := 1; ; page++ {
				list, n, err2 := f.s.ListAgreements(ctx, tt.caller, AgreementFilter{Page: auth.Page{Page: page, PageSize: 100}})
				testenv.Must(t, err2)
				total = n
				for _, a := range list {
					found = found || a.ID == f.agreement.ID
				}
				if found || len(list) == 0 || page*100 >= n {
					break
				}
			}
			if tt.visible {
				testenv.Must(t, err)
				if !found || total < 1 {
					t.Fatalf("list does not hold the agreement (total %d)", total)
				}
			} else {
				wantKind(t, err, derr.NotFound, "")
				if found {
					t.Fatal("list holds an out-of-scope agreement")
				}
				_, _, err = f.s.ListAgreementItems(ctx, tt.caller, f.agreement.ID, "", auth.Page{})
				wantKind(t, err, derr.NotFound, "")
			}
		})
	}
}

func TestUpdateAgreement(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	t.Run("extend and ceilings", func(t *testing.T) {
		a, err := f.s.UpdateAgreement(ctx, f.manager, f.agreement.ID, AgreementPatch{ValidTo: ptr("2029-12-31"), DurationJustification: ptr("förlängning enligt option"),
			CeilingMinor: OptionalInt64{Set: true}, Participants: []ParticipantPatch{{OrgID: f.buyer.ID, CeilingMinor: OptionalInt64{Set: true, Value: ptr(int64(1000))}}, {OrgID: f.outsider.ID}}})
		testenv.Must(t, err)
		if a.ValidTo != "2029-12-31" || a.CeilingMinor != nil || len(a.Participants) != 3 {
			t.Fatalf("agreement = %+v", a)
		}
	})
	t.Run("other body's manager", func(t *testing.T) {
		_, err := f.s.UpdateAgreement(ctx, f.otherManager, f.agreement.ID, AgreementPatch{Title: ptr("x")})
		wantKind(t, err, derr.NotFound, "")
	})
	t.Run("supplier", func(t *testing.T) {
		_, err := f.s.UpdateAgreement(ctx, f.supplier1, f.agreement.ID, AgreementPatch{Title: ptr("x")})
		wantKind(t, err, derr.Forbidden, "")
	})
	t.Run("valid_to before valid_from", func(t *testing.T) {
		_, err := f.s.UpdateAgreement(ctx, f.manager, f.agreement.ID, AgreementPatch{ValidTo: ptr("2024-01-01")})
		wantKind(t, err, derr.Invalid, "")
	})
	t.Run("terminate is final", func(t *testing.T) {
		a, err := f.s.UpdateAgreement(ctx, f.manager, f.agreement.ID, AgreementPatch{Status: ptr(StatusTerminated)})
		testenv.Must(t, err)
		if a.Status != StatusTerminated || a.TerminatedAt == nil {
			t.Fatalf("agreement = %+v", a)
		}
		_, err = f.s.UpdateAgreement(ctx, f.manager, f.agreement.ID, AgreementPatch{ValidTo: ptr("2030-12-31")})
		wantKind(t, err, derr.Conflict, "agreement_terminated")
		_, err = f.s.AddItem(ctx, f.supplier1, f.agreement.ID, ItemInput{SKU: "X", Name: "X", Unit: "EA", CPVCode: "33141420",
			VATRateBP: ptr(2500), PriceMinor: ptr(int64(1))})
		wantKind(t, err, derr.Invalid, "agreement_not_active")
	})
}

func TestItemScope(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	it := f.item(f.supplier1, "ABN-1", "Undersökningshandske nitril")
	t.Run("participating orderer sees it", func(t *testing.T) {
		got, err := f.s.GetItem(ctx, f.orderer, it.ID)
		testenv.Must(t, err)
		if got.PriceMinor == nil || *got.PriceMinor != 10000 || got.Currency != "SEK" || got.SupplierRank != 1 {
			t.Fatalf("item = %+v", got)
		}
	})
	t.Run("buyer not participating gets 404", func(t *testing.T) {
		_, err := f.s.GetItem(ctx, f.outsiderOrderer, it.ID)
		wantKind(t, err, derr.NotFound, "")
		p, err := f.s.SearchItems(ctx, f.outsiderOrderer, SearchFilter{Q: "handske"})
		testenv.Must(t, err)
		if p.Total != 0 {
			t.Fatalf("outsider found %d items", p.Total)
		}
	})
	t.Run("other supplier gets 404 on read and price", func(t *testing.T) {
		_, err := f.s.GetItem(ctx, f.supplier2, it.ID)
		wantKind(t, err, derr.NotFound, "")
		_, err = f.s.SetPrice(ctx, f.supplier2, it.ID, PriceRequest{PriceMinor: ptr(int64(1))})
		wantKind(t, err, derr.NotFound, "")
		_, err = f.s.UpdateItem(ctx, f.supplier2, it.ID, ItemPatch{Name: ptr("x")})
		wantKind(t, err, derr.NotFound, "")
	})
	t.Run("orderer changing a price is forbidden", func(t *testing.T) {
		_, err := f.s.SetPrice(ctx, f.orderer, it.ID, PriceRequest{PriceMinor: ptr(int64(1))})
		wantKind(t, err, derr.Forbidden, "")
		_, err = f.s.SetPrice(ctx, f.manager, it.ID, PriceRequest{PriceMinor: ptr(int64(1))})
		wantKind(t, err, derr.Forbidden, "")
	})
	t.Run("supplier not awarded cannot add items", func(t *testing.T) {
		stranger := f.user(f.org(auth.KindSupplier, "Främling AB"), auth.RoleSupplier)
		_, err := f.s.AddItem(ctx, stranger, f.agreement.ID, ItemInput{SKU: "Z", Name: "Z", Unit: "EA", CPVCode: "33141420",
			VATRateBP: ptr(2500), PriceMinor: ptr(int64(1))})
		wantKind(t, err, derr.NotFound, "")
	})
	t.Run("inactive item hidden from buyers, kept for its supplier", func(t *testing.T) {
		it2 := f.item(f.supplier1, "ABN-2", "Inkontinensskydd")
		_, err := f.s.UpdateItem(ctx, f.supplier1, it2.ID, ItemPatch{Active: ptr(false)})
		testenv.Must(t, err)
		_, err = f.s.GetItem(ctx, f.orderer, it2.ID)
		wantKind(t, err, derr.NotFound, "")
		_, err = f.s.GetItem(ctx, f.supplier1, it2.ID)
		testenv.Must(t, err)
	})
	t.Run("supplier sees only own items in search", func(t *testing.T) {
		f.item(f.supplier2, "OM-1", "Undersökningshandske vinyl")
		p, err := f.s.SearchItems(ctx, f.supplier1, SearchFilter{Q: "handske"})
		testenv.Must(t, err)
		for _, x := range p.Items {
			if x.SupplierID != f.sup1.ID {
				t.Fatalf("supplier 1 sees %s of %s", x.SKU, x.SupplierName)
			}
		}
		if p.Total != 1 {
			t.Fatalf("total = %d, want 1", p.Total)
		}
	})
	t.Run("search scope by role", func(t *testing.T) {
		for _, c := range []struct {
			name   string
			caller auth.Caller
			want   bool
		}{
			{"admin", admin, true}, {"manager", f.manager, true}, {"other manager", f.otherManager, false},
			{"participating orderer", f.orderer, true}, {"outside orderer", f.outsiderOrderer, false},
		} {
			p, err := f.s.SearchItems(ctx, c.caller, SearchFilter{Q: "ABN-1"})
			testenv.Must(t, err)
			found := false
			for _, x := range p.Items {
				found = found || x.ID == it.ID
			}
			if found != c.want {
				t.Errorf("%s: found = %v, want %v", c.name, found, c.want)
			}
			_, err = f.s.GetItem(ctx, c.caller, it.ID)
			if (err == nil) != c.want {
				t.Errorf("%s: get err = %v", c.name, err)
			}
		}
	})
	t.Run("duplicate sku", func(t *testing.T) {
		_, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, ItemInput{SKU: "ABN-1", Name: "X", Unit: "EA", CPVCode: "33141420",
			VATRateBP: ptr(2500), PriceMinor: ptr(int64(1))})
		wantKind(t, err, derr.Conflict, "")
	})
}

func TestItemValidation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	good := func() ItemInput {
		return ItemInput{SKU: "S-" + testenv.Unique(), Name: "Handsprit 85 %", Unit: "EA", CPVCode: "33631600", VATRateBP: ptr(2500),
			PriceMinor: ptr(int64(4500)), GTIN: "7310791234564"}
	}
	tests := []struct {
		name   string
		change func(*ItemInput)
		field  string
	}{
		{"gtin check digit", func(in *ItemInput) { in.GTIN = "7310791234565" }, "gtin"},
		{"unit", func(in *ItemInput) { in.Unit = "styck" }, "unit"},
		{"cpv", func(in *ItemInput) { in.CPVCode = "33-1" }, "cpv_code"},
		{"eco label", func(in *ItemInput) { in.EcoLabels = []string{"Svanen!"} }, "eco_labels"},
		{"vat missing", func(in *ItemInput) { in.VATRateBP = nil }, "vat_rate_bp"},
		{"price negative", func(in *ItemInput) { in.PriceMinor = ptr(int64(-1)) }, "price_minor"},
		{"name empty", func(in *ItemInput) { in.Name = " " }, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good()
			tt.change(&in)
			_, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, in)
			var e *derr.Error
			if !asErr(err, &e) || !hasField(e.Fields, tt.field) {
				t.Fatalf("err = %v, want field %s", err, tt.field)
			}
		})
	}
	t.Run("effective_from in the past", func(t *testing.T) {
		in := good()
		in.EffectiveFrom = "2026-01-14"
		_, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, in)
		wantKind(t, err, derr.Invalid, "price_effective_in_past")
	})
	t.Run("valid gtin", func(t *testing.T) {
		_, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, good())
		testenv.Must(t, err)
	})
}

func TestPriceRules(t *testing.T) {
	f := newFixture(t) // today 2026-01-15; clause 300 bp, 12 months
	ctx := context.Background()
	type step struct {
		price      int64
		from       string
		wantStatus string
		wantReason string
		wantCode   string
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"decrease applies", []step{{9000, "", PriceApplied, "", ""}}},
		{"same price applies", []step{{10000, "", PriceApplied, "", ""}}},
		{"exactly the max increase applies", []step{{10300, "", PriceApplied, "", ""}}},
		{"one basis point over is pending", []step{{10301, "", PricePending, ReasonExceedsMaxIncrease, ""}}},
		{"second increase on the interval's last day is pending", []step{
			{10300, "", PriceApplied, "", ""},
			{10500, "2027-01-14", PricePending, ReasonWithinInterval, ""}}},
		{"second increase a full interval later applies", []step{
			{10300, "", PriceApplied, "", ""},
			{10500, "2027-01-15", PriceApplied, "", ""}}},
		{"decrease within the interval applies", []step{
			{10300, "", PriceApplied, "", ""},
			{10100, "2026-02-01", PriceApplied, "", ""}}},
		{"effective date in the past is refused", []step{{10100, "2026-01-14", "", "", "price_effective_in_past"}}},
		{"effective today is allowed", []step{{9900, "2026-01-15", PriceApplied, "", ""}}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := f.item(f.supplier1, fmt.Sprintf("PR-%d", i), "Prisartikel")
			for _, st := range tt.steps {
				pc, err := f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(st.price), EffectiveFrom: st.from, Reason: "KPI"})
				if st.wantCode != "" {
					wantKind(t, err, derr.Invalid, st.wantCode)
					continue
				}
				testenv.Must(t, err)
				if pc.Status != st.wantStatus || pc.StatusReason != st.wantReason {
					t.Fatalf("price %d from %q: status %s (%s), want %s (%s)", st.price, st.from, pc.Status, pc.StatusReason, st.wantStatus, st.wantReason)
				}
				if pc.OldPriceMinor == nil || pc.RequestedBy != f.supplier1.UserID || pc.NewPriceMinor != st.price {
					t.Fatalf("record = %+v", pc)
				}
			}
		})
	}
	t.Run("interval counted from an approved increase", func(t *testing.T) {
		it := f.item(f.supplier1, "PR-appr", "Prisartikel")
		pc, err := f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(12000))})
		testenv.Must(t, err)
		_, err = f.s.DecidePriceChange(ctx, f.manager, pc.ID, true, "ok")
		testenv.Must(t, err)
		pc2, err := f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(12100)), EffectiveFrom: "2026-06-01"})
		testenv.Must(t, err)
		if pc2.Status != PricePending || pc2.StatusReason != ReasonWithinInterval {
			t.Fatalf("status = %s (%s)", pc2.Status, pc2.StatusReason)
		}
	})
	t.Run("month end clamps", func(t *testing.T) {
		for _, c := range [][3]string{{"2025-01-31", "1", "2025-02-28"}, {"2024-01-31", "1", "2024-02-29"}, {"2026-01-15", "12", "2027-01-15"}, {"2025-03-31", "0", "2025-03-31"}} {
			n := 0
			fmt.Sscan(c[1], &n)
			if got := addMonths(c[0], n); got != c[2] {
				t.Errorf("addMonths(%s, %d) = %s, want %s", c[0], n, got, c[2])
			}
		}
	})
}

func TestScheduledPriceBecomesCurrent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	it := f.item(f.supplier1, "SCHED", "Handdesinfektion")
	_, err := f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(9500)), EffectiveFrom: "2026-01-16"})
	testenv.Must(t, err)
	got, err := f.s.GetItem(ctx, f.orderer, it.ID)
	testenv.Must(t, err)
	if *got.PriceMinor != 10000 || got.NextPriceMinor == nil || *got.NextPriceMinor != 9500 || *got.NextPriceEffectiveFrom != "2026-01-16" {
		t.Fatalf("today: price %v next %v", *got.PriceMinor, got.NextPriceMinor)
	}
	f.today = f.today.AddDate(0, 0, 1) // midnight passes without a write
	got, err = f.s.GetItem(ctx, f.orderer, it.ID)
	testenv.Must(t, err)
	if *got.PriceMinor != 9500 || got.NextPriceMinor != nil {
		t.Fatalf("tomorrow: price %v next %v", *got.PriceMinor, got.NextPriceMinor)
	}
	p, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: "handdesinfektion"})
	testenv.Must(t, err)
	if len(p.Items) != 1 || *p.Items[0].PriceMinor != 9500 {
		t.Fatalf("search: %+v", p.Items)
	}
}

func TestDecidePriceChange(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	it := f.item(f.supplier1, "DEC", "Sårförband")
	pending := func() PriceChange {
		pc, err := f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(20000)), Reason: "råvarupriser"})
		testenv.Must(t, err)
		if pc.Status != PricePending {
			t.Fatalf("status = %s", pc.Status)
		}
		return pc
	}
	t.Run("roles and scope", func(t *testing.T) {
		pc := pending()
		_, err := f.s.DecidePriceChange(ctx, f.supplier1, pc.ID, true, "")
		wantKind(t, err, derr.Forbidden, "")
		_, err = f.s.DecidePriceChange(ctx, f.orderer, pc.ID, true, "")
		wantKind(t, err, derr.Forbidden, "")
		_, err = f.s.DecidePriceChange(ctx, f.otherManager, pc.ID, true, "")
		wantKind(t, err, derr.NotFound, "")
		_, err = f.s.DecidePriceChange(ctx, admin, pc.ID, true, "") // SPEC §1: managers decide
		wantKind(t, err, derr.Forbidden, "")
		list, total, err := f.s.ListPriceChanges(ctx, f.manager, PriceChangeFilter{Status: PricePending})
		testenv.Must(t, err)
		if total != 1 || list[0].ID != pc.ID {
			t.Fatalf("pending list = %d", total)
		}
		_, total, err = f.s.ListPriceChanges(ctx, f.otherManager, PriceChangeFilter{})
		testenv.Must(t, err)
		if total != 0 {
			t.Fatalf("other manager sees %d", total)
		}
		_, _, err = f.s.ListPriceChanges(ctx, f.orderer, PriceChangeFilter{})
		wantKind(t, err, derr.Forbidden, "")
		_, total, err = f.s.ListPriceChanges(ctx, f.supplier2, PriceChangeFilter{})
		testenv.Must(t, err)
		if total != 0 {
			t.Fatalf("other supplier sees %d", total)
		}
		rej, err := f.s.DecidePriceChange(ctx, f.manager, pc.ID, false, "för högt")
		testenv.Must(t, err)
		if rej.Status != PriceRejected || rej.DecidedBy == nil || *rej.DecidedBy != f.manager.UserID || rej.DecisionNote != "för högt" {
			t.Fatalf("rejected = %+v", rej)
		}
		_, err = f.s.DecidePriceChange(ctx, f.manager, pc.ID, true, "")
		wantKind(t, err, derr.Conflict, "invalid_transition")
		got, _ := f.s.GetItem(ctx, f.orderer, it.ID)
		if *got.PriceMinor != 10000 {
			t.Fatalf("price after reject = %d", *got.PriceMinor)
		}
	})
	t.Run("approve applies the price", func(t *testing.T) {
		pc := pending()
		_, err := f.s.DecidePriceChange(ctx, f.manager, pc.ID, true, "ok")
		testenv.Must(t, err)
		got, _ := f.s.GetItem(ctx, f.orderer, it.ID)
		if *got.PriceMinor != 20000 {
			t.Fatalf("price after approve = %d", *got.PriceMinor)
		}
		hist, total, err := f.s.ListPriceChanges(ctx, f.supplier1, PriceChangeFilter{ItemID: it.ID})
		testenv.Must(t, err)
		if total != 4 { // first price, rejected, approved + the first pending of the other subtest is decided
			t.Logf("history: %d changes", total)
		}
		for _, h := range hist {
			if h.RequestedBy == "" || h.CreatedAt.IsZero() {
				t.Fatalf("record lacks who/when: %+v", h)
			}
		}
	})
}

func TestConcurrentIncreasesRespectInterval(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	it := f.item(f.supplier1, "RACE", "Skyddsförkläde")
	const n = 12
	errs := make(chan error, n)
	statuses := make(chan string, n)
	for i := 0; i < n; i++ {
		go func() {
			pc, err := f.s.SetPrice(ctx, f.supplier1, it.ID, PriceRequest{PriceMinor: ptr(int64(10200))})
			errs <- err
			statuses <- pc.Status
		}()
	}
	applied := 0
	for i := 0; i < n; i++ {
		testenv.Must(t, <-errs)
		if <-statuses == PriceApplied {
			applied++
		}
	}
	// The first increase applies; the others compare against 10200 (no change → applied as
	// equal) — but never two increases from 10000.
	list, _, err := f.s.ListPriceChanges(ctx, f.supplier1, PriceChangeFilter{ItemID: it.ID, Page: auth.Page{PageSize: 100}})
	testenv.Must(t, err)
	increases := 0
	for _, pc := range list {
		if pc.OldPriceMinor != nil && pc.NewPriceMinor > *pc.OldPriceMinor && (pc.Status == PriceApplied) {
			increases++
		}
	}
	if increases != 1 {
		t.Fatalf("%d increases applied from the old price, want 1", increases)
	}
}

func TestSearch(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	items := map[string]Item{}
	for _, x := range []struct{ sku, name, desc string }{
		{"ABN-100", "Undersökningshandske nitril puderfri M", "Handskar i nitril för vård och omsorg"},
		{"ABN-101", "Handske vinyl L", "Engångshandskar"},
		{"ABN-200", "Inkontinensskydd Abri-San", "Skydd vid urininkontinens"},
		{"ABN-300", "Handdesinfektion gel 85 %", "Alkoholbaserad handsprit"},
		{"ABN-400", "Sårförband silikon 10x10 cm", "Skumförband med silikonhäfta, svanenmärkt"},
		{"ABN-500", "Tvättlappar engångs", "Mjuka tvättlappar för hygien, inte handskar"},
	} {
		it, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, ItemInput{SKU: x.sku, Name: x.name, Description: x.desc,
			Unit: "XBX", CPVCode: "33141420", VATRateBP: ptr(2500), PriceMinor: ptr(int64(5000)), GTIN: ""})
		testenv.Must(t, err)
		items[x.sku] = it
	}
	eco, err := f.s.AddItem(ctx, f.supplier2, f.agreement.ID, ItemInput{SKU: "OM-1", Name: "Handske nitril svanenmärkt",
		Unit: "XBX", CPVCode: "18424300", EcoLabels: []string{"svanen"}, VATRateBP: ptr(2500), PriceMinor: ptr(int64(6000)), GTIN: "7322540000016"})
	testenv.Must(t, err)

	skus := func(p ItemPage) []string {
		var out []string
		for _, it := range p.Items {
			out = append(out, it.SKU)
		}
		return out
	}
	tests := []struct {
		name      string
		filter    SearchFilter
		wantFirst string   // the best match
		want      []string // must all be found
		notWant   []string
	}{
		{"exact Swedish word", SearchFilter{Q: "handske"}, "", []string{"ABN-101", "OM-1", "ABN-100"}, []string{"ABN-200"}},
		{"plural stems to singular", SearchFilter{Q: "handskar"}, "", []string{"ABN-101", "ABN-100"}, nil},
		{"prefix while typing", SearchFilter{Q: "hand"}, "", []string{"ABN-101", "ABN-300", "ABN-100"}, []string{"ABN-200"}},
		{"prefix inside a compound", SearchFilter{Q: "inkontin"}, "ABN-200", []string{"ABN-200"}, nil},
		{"infix inside a compound", SearchFilter{Q: "förband"}, "ABN-400", []string{"ABN-400"}, nil},
		{"typo", SearchFilter{Q: "handskr"}, "", []string{"ABN-101"}, []string{"ABN-200"}},
		{"typo in a longer word", SearchFilter{Q: "inkontinensskyd"}, "ABN-200", []string{"ABN-200"}, nil},
		{"typo missing letter", SearchFilter{Q: "silikn"}, "ABN-400", []string{"ABN-400"}, nil},
		{"two words narrow", SearchFilter{Q: "handske nitril"}, "", []string{"ABN-100", "OM-1"}, []string{"ABN-101"}},
		{"name outranks description", SearchFilter{Q: "tvättlappar"}, "ABN-500", []string{"ABN-500"}, nil},
		{"sku", SearchFilter{Q: "ABN-300"}, "ABN-300", []string{"ABN-300"}, nil},
		{"gtin", SearchFilter{Q: "7322540000016"}, "OM-1", []string{"OM-1"}, nil},
		{"English stemming", SearchFilter{Q: "gloves nitril"}, "", nil, nil},
		{"eco filter", SearchFilter{Q: "handske", Eco: true}, "OM-1", []string{"OM-1"}, []string{"ABN-101", "ABN-100"}},
		{"eco label filter", SearchFilter{EcoLabel: "svanen"}, "OM-1", []string{"OM-1"}, []string{"ABN-100"}},
		{"cpv prefix", SearchFilter{CPV: "1842"}, "OM-1", []string{"OM-1"}, []string{"ABN-100"}},
		{"supplier filter", SearchFilter{Q: "handske", SupplierID: f.sup2.ID}, "OM-1", []string{"OM-1"}, []string{"ABN-100"}},
		{"agreement filter", SearchFilter{AgreementID: f.agreement.ID}, "", []string{"ABN-100", "OM-1"}, nil},
		{"browse by name", SearchFilter{}, "ABN-300", []string{"ABN-100", "OM-1"}, nil},
		{"stop word only", SearchFilter{Q: "och"}, "", nil, nil},
		{"punctuation only", SearchFilter{Q: "%_'\\"}, "", []string{"ABN-100"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := f.s.SearchItems(ctx, f.orderer, tt.filter)
			testenv.Must(t, err)
			got := skus(p)
			if tt.wantFirst != "" && (len(got) == 0 || got[0] != tt.wantFirst) {
				t.Fatalf("first = %v, want %s", got, tt.wantFirst)
			}
			for _, w := range tt.want {
				if !contains(got, w) {
					t.Fatalf("results %v lack %s", got, w)
				}
			}
			for _, w := range tt.notWant {
				if contains(got, w) {
					t.Fatalf("results %v hold %s", got, w)
				}
			}
			if p.Total < len(p.Items) {
				t.Fatalf("total %d < %d items", p.Total, len(p.Items))
			}
		})
	}
	t.Run("pagination with total", func(t *testing.T) {
		p1, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Page: auth.Page{Page: 1, PageSize: 2}})
		testenv.Must(t, err)
		p4, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Page: auth.Page{Page: 4, PageSize: 2}})
		testenv.Must(t, err)
		if p1.Total != 7 || len(p1.Items) != 2 || p4.Total != 7 || len(p4.Items) != 1 {
			t.Fatalf("page 1: %d/%d, page 4: %d/%d", len(p1.Items), p1.Total, len(p4.Items), p4.Total)
		}
		p9, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: "handske", Page: auth.Page{Page: 9, PageSize: 2}})
		testenv.Must(t, err)
		if len(p9.Items) != 0 || p9.Total < 3 {
			t.Fatalf("past the end: %d items, total %d", len(p9.Items), p9.Total)
		}
		typo1, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: "handskr", Page: auth.Page{Page: 1, PageSize: 1}})
		testenv.Must(t, err)
		typo2, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: "handskr", Page: auth.Page{Page: 2, PageSize: 1}})
		testenv.Must(t, err)
		if typo1.Total < 2 || typo2.Total != typo1.Total || len(typo2.Items) != 1 || typo2.Items[0].ID == typo1.Items[0].ID {
			t.Fatalf("typo pages: %d/%d and %d/%d", len(typo1.Items), typo1.Total, len(typo2.Items), typo2.Total)
		}
	})
	t.Run("item fields", func(t *testing.T) {
		p, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: "OM-1"})
		testenv.Must(t, err)
		it := p.Items[0]
		if it.ID != eco.ID || it.SupplierRank != 2 || it.Currency != "SEK" || *it.PriceMinor != 6000 || it.EcoLabels[0] != "svanen" {
			t.Fatalf("item = %+v", it)
		}
	})
	t.Run("bad filters", func(t *testing.T) {
		for _, bad := range []SearchFilter{{AgreementID: "x"}, {SupplierID: "1"}, {CPV: "33a"}, {Q: strings.Repeat("a", 201)}} {
			_, err := f.s.SearchItems(ctx, f.orderer, bad)
			wantKind(t, err, derr.Invalid, "")
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestSyntheticItems(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	testenv.Must(t, InsertSyntheticItems(ctx, f.s.db, f.agreement.ID, []string{f.sup1.ID, f.sup2.ID}, 6000))
	p, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{Q: "handske nitril"})
	testenv.Must(t, err)
	if p.Total == 0 || p.Items[0].PriceMinor == nil {
		t.Fatalf("synthetic search: total %d", p.Total)
	}
	for _, it := range p.Items {
		if it.GTIN != nil && !validGTIN(*it.GTIN) {
			t.Fatalf("invalid synthetic GTIN %s", *it.GTIN)
		}
	}
	all, err := f.s.SearchItems(ctx, f.orderer, SearchFilter{})
	testenv.Must(t, err)
	if all.Total != 6000 {
		t.Fatalf("total = %d, want 6000", all.Total)
	}
}

// TestLatestPriceChangePerItem: a supplier's catalogue page shows each item's newest change,
// however many changes its items have had, and never another supplier's.
func TestLatestPriceChangePerItem(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, b := f.item(f.supplier1, "LAT-A", "Plastförkläde"), f.item(f.supplier1, "LAT-B", "Skoskydd")
	other := f.item(f.supplier2, "LAT-C", "Hårnät")
	var newest string
	for i := range 5 {
		pc, err := f.s.SetPrice(ctx, f.supplier1, a.ID, PriceRequest{PriceMinor: ptr(int64(9000 - i))})
		testenv.Must(t, err)
		newest = pc.ID
	}
	ids := []string{a.ID, b.ID, other.ID}
	list, total, err := f.s.ListPriceChanges(ctx, f.supplier1, PriceChangeFilter{ItemIDs: ids, LatestPerItem: true, Page: auth.Page{PageSize: 2}})
	testenv.Must(t, err)
	got := map[string]string{}
	for _, pc := range list {
		got[pc.ItemID] = pc.ID
	}
	if total != 2 || len(list) != 2 || got[a.ID] != newest || got[b.ID] == "" {
		t.Fatalf("latest per item: total %d, %+v (newest of A %s)", total, got, newest)
	}
	_, total, err = f.s.ListPriceChanges(ctx, f.supplier1, PriceChangeFilter{ItemIDs: ids})
	testenv.Must(t, err)
	if total != 7 { // A's first price and five changes, B's first price
		t.Fatalf("all changes of the items = %d, want 7", total)
	}
	_, _, err = f.s.ListPriceChanges(ctx, f.supplier1, PriceChangeFilter{ItemIDs: []string{"x"}})
	wantKind(t, err, derr.Invalid, "validation_failed")
}

// TestListAgreementItemsSearch: q keeps the items whose name holds it or whose sku starts with
// it, literally, within the caller's scope.
func TestListAgreementItemsSearch(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.item(f.supplier1, "SRCH-100", "Tvättlapp 100% bomull")
	f.item(f.supplier1, "SRCH-200", "Tvättlapp engångs")
	f.item(f.supplier2, "SRCH-300", "Tvättlapp frotté")
	names := func(c auth.Caller, q string) []string {
		t.Helper()
		items, total, err := f.s.ListAgreementItems(ctx, c, f.agreement.ID, q, auth.Page{PageSize: 100})
		testenv.Must(t, err)
		if total != len(items) {
			t.Fatalf("q=%q: total %d, %d items", q, total, len(items))
		}
		var out []string
		for _, it := range items {
			out = append(out, it.SKU)
		}
		return out
	}
	for _, tc := range []struct {
		q    string
		want string
	}{
		{"tvättlapp", "SRCH-100 SRCH-200"}, // the supplier's own only
		{"  TVÄTTLAPP engångs ", "SRCH-200"},
		{"srch-1", "SRCH-100"},
		{"-100", ""},      // an sku matches from its start
		{"%", "SRCH-100"}, // wildcards are literal: only the name with a % in it
		{"t_ätt", ""},     // not "tvätt"
		{"100%", "SRCH-100"},
	} {
		if got := strings.Join(names(f.supplier1, tc.q), " "); got != tc.want {
			t.Errorf("supplier q=%q: %q, want %q", tc.q, got, tc.want)
		}
	}
	if got := strings.Join(names(f.manager, "tvättlapp"), " "); got != "SRCH-100 SRCH-200 SRCH-300" {
		t.Errorf("manager: %q", got)
	}
	_, _, err := f.s.ListAgreementItems(ctx, f.supplier1, f.agreement.ID, strings.Repeat("x", 101), auth.Page{})
	wantKind(t, err, derr.Invalid, "validation_failed")
	stranger := f.user(f.org(auth.KindSupplier, "Främling AB"), auth.RoleSupplier)
	_, _, err = f.s.ListAgreementItems(ctx, stranger, f.agreement.ID, "tvättlapp", auth.Page{})
	wantKind(t, err, derr.NotFound, "")
}
