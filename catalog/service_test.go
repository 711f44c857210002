package catalog

import (
	"context"
	"errors"
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
