package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
)

// Subscription items (SPEC §7) through the API's service call, the CSV price list and the
// PEPPOL catalogue.
func TestSubscriptionItems(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dispenser := ItemInput{SKU: "EVO-M", Name: "Läkemedelsautomat, hyra per månad", Unit: "MON", CPVCode: "33190000",
		VATRateBP: ptr(2500), PriceMinor: ptr(int64(69500)), Kind: "subscription", SetupPriceMinor: ptr(int64(150000)),
		MinTermMonths: 12, NoticeMonths: 3}

	t.Run("added with its terms", func(t *testing.T) {
		it, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, dispenser)
		testenv.Must(t, err)
		if it.Kind != KindSubscription || it.SetupPriceMinor == nil || *it.SetupPriceMinor != 150000 || it.MinTermMonths != 12 || it.NoticeMonths != 3 {
			t.Errorf("item %+v", it)
		}
	})
	for _, tc := range []struct {
		name  string
		edit  func(in *ItemInput)
		field string
	}{
		{"subscription not per month", func(in *ItemInput) { in.Unit = "EA" }, "unit"},
		{"goods with a minimum term", func(in *ItemInput) { in.Kind = ""; in.Unit = "EA" }, "min_term_months"},
		{"unknown kind", func(in *ItemInput) { in.Kind = "lease" }, "kind"},
		{"notice too long", func(in *ItemInput) { in.NoticeMonths = 25 }, "notice_months"},
		{"negative setup", func(in *ItemInput) { in.SetupPriceMinor = ptr(int64(-1)) }, "setup_price_minor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := dispenser
			in.SKU = "BAD-" + testenv.Unique()
			tc.edit(&in)
			_, err := f.s.AddItem(ctx, f.supplier1, f.agreement.ID, in)
			wantKind(t, err, derr.Invalid, "validation_failed")
			var e *derr.Error
			if !errors.As(err, &e) || !hasField(e.Fields, tc.field) {
				t.Errorf("fields %+v, want %s", e.Fields, tc.field)
			}
		})
	}

	t.Run("CSV columns, and a new setup price effective with its date", func(t *testing.T) {
		csv := header[:len(header)-1] + ",kind,setup_price_minor,min_term_months,notice_months\n" +
			"MED-M,Medido dispenser per månad,,MON,1,33190000,,,2500,64500,,subscription,120000,12,3\n" +
			"MED-GLOVE,Handske,,XBX,100,33141420,,,2500,8900,,,,,\n"
		_, err := f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, strings.NewReader(csv))
		testenv.Must(t, err)
		it, err := f.s.GetItem(ctx, f.supplier1, idOf(t, f, "MED-M"))
		testenv.Must(t, err)
		if it.Kind != KindSubscription || *it.SetupPriceMinor != 120000 || it.MinTermMonths != 12 || it.NoticeMonths != 3 || *it.PriceMinor != 64500 {
			t.Errorf("subscription row: %+v", it)
		}
		glove, err := f.s.GetItem(ctx, f.supplier1, idOf(t, f, "MED-GLOVE"))
		testenv.Must(t, err)
		if glove.Kind != KindGoods {
			t.Errorf("goods row has kind %q", glove.Kind)
		}
		// A later setup price, same monthly price: the setup changes from its date only.
		csv = header[:len(header)-1] + ",kind,setup_price_minor,min_term_months,notice_months\n" +
			"MED-M,Medido dispenser per månad,,MON,1,33190000,,,2500,64500,2026-03-01,subscription,130000,12,3\n"
		_, err = f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, strings.NewReader(csv))
		testenv.Must(t, err)
		it, err = f.s.GetItem(ctx, f.supplier1, it.ID)
		testenv.Must(t, err)
		if *it.SetupPriceMinor != 120000 {
			t.Errorf("setup today %d, want 120000 until 1 March", *it.SetupPriceMinor)
		}
		f.today = f.today.AddDate(0, 2, 0) // 15 March 2026
		it, err = f.s.GetItem(ctx, f.supplier1, it.ID)
		testenv.Must(t, err)
		if *it.SetupPriceMinor != 130000 || *it.PriceMinor != 64500 {
			t.Errorf("from 1 March: setup %d price %d, want 130000 and 64500", *it.SetupPriceMinor, *it.PriceMinor)
		}
		f.today = f.today.AddDate(0, -2, 0)
	})

	t.Run("CSV subscription errors by line", func(t *testing.T) {
		csv := header[:len(header)-1] + ",kind,setup_price_minor,min_term_months,notice_months\n" +
			"X-1,Automat,,EA,1,33190000,,,2500,100,,subscription,,,\n" +
			"X-2,Automat,,MON,1,33190000,,,2500,100,,subscription,-5,abc,99\n"
		_, err := f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, strings.NewReader(csv))
		wantKind(t, err, derr.Invalid, "invalid_price_list")
		var e *derr.Error
		errors.As(err, &e)
		for _, want := range []string{"2:unit", "3:setup_price_minor", "3:min_term_months", "3:notice_months"} {
			if !hasLineField(e.Fields, want) {
				t.Errorf("errors %+v lack %s", e.Fields, want)
			}
		}
	})

	t.Run("PEPPOL: MON and AdditionalItemProperty", func(t *testing.T) {
		props := `<cac:AdditionalItemProperty><cbc:Name>setup_price_minor</cbc:Name><cbc:Value>99000</cbc:Value></cac:AdditionalItemProperty>
		  <cac:AdditionalItemProperty><cbc:Name>min_term_months</cbc:Name><cbc:Value>12</cbc:Value></cac:AdditionalItemProperty>
		  <cac:AdditionalItemProperty><cbc:Name>notice_months</cbc:Name><cbc:Value>3</cbc:Value></cac:AdditionalItemProperty>`
		doc := peppolDoc(f.agreement, peppolLine("PEP-M", map[string]string{"unit": "MON", "pack": "1", "price": "695.00", "cert": props}))
		_, err := f.s.ImportPeppolCatalogue(ctx, f.supplier1, f.agreement.ID, strings.NewReader(doc))
		testenv.Must(t, err)
		it, err := f.s.GetItem(ctx, f.supplier1, idOf(t, f, "PEP-M"))
		testenv.Must(t, err)
		if it.Kind != KindSubscription || *it.SetupPriceMinor != 99000 || it.MinTermMonths != 12 || it.NoticeMonths != 3 || *it.PriceMinor != 69500 {
			t.Errorf("PEPPOL subscription: %+v", it)
		}
	})
}

func hasLineField(fs []derr.FieldError, lineField string) bool {
	for _, f := range fs {
		if fmt.Sprintf("%d:%s", f.Line, f.Field) == lineField {
			return true
		}
	}
	return false
}
