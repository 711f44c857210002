package catalog

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/testenv"
)

// TestItemCodes proves the codes of SPEC §8 on every way an item comes in: units from PEPPOL's
// Rec 20/21 list, eco-labels from the fixed list, VAT rates of the agreement's country (here
// Sweden; a Norwegian agreement takes 15 %), with errors by field — and by line in imports.
func TestItemCodes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	add := func(a Agreement, sku string, change func(in *ItemInput)) error {
		in := ItemInput{SKU: sku, Name: "Handske", Unit: "XBX", PackSize: 100, CPVCode: "33141420",
			EcoLabels: []string{"svanen"}, VATRateBP: ptr(2500), PriceMinor: ptr(int64(8900))}
		if change != nil {
			change(&in)
		}
		_, err := f.s.AddItem(ctx, f.supplier1, a.ID, in)
		return err
	}
	wantField := func(t *testing.T, err error, field, part string) {
		t.Helper()
		wantKind(t, err, derr.Invalid, "")
		e := err.(*derr.Error)
		for _, fe := range e.Fields {
			if fe.Field == field && strings.Contains(fe.Message, part) {
				return
			}
		}
		t.Fatalf("errors = %+v, want %s with %q", e.Fields, field, part)
	}
	u := testenv.Unique()
	t.Run("valid codes", func(t *testing.T) {
		for i, unit := range []string{"EA", "C62", "XBX", "XPK", "XCT", "MON"} {
			testenv.Must(t, add(f.agreement, "OK-"+u+"-"+unit, func(in *ItemInput) {
				in.Unit = unit
				in.VATRateBP = ptr([]int{2500, 1200, 600, 0, 2500, 1200}[i])
				in.EcoLabels = []string{"tco_certified", "asthma_allergy_nordic"}
			}))
		}
	})
	t.Run("old packaging code names its X form", func(t *testing.T) {
		wantField(t, add(f.agreement, "U-"+u, func(in *ItemInput) { in.Unit = "BX" }), "unit", "XBX")
	})
	t.Run("unknown unit", func(t *testing.T) {
		wantField(t, add(f.agreement, "U2-"+u, func(in *ItemInput) { in.Unit = "QQQ" }), "unit", "Rec 20")
	})
	t.Run("unknown eco-label", func(t *testing.T) {
		wantField(t, add(f.agreement, "E-"+u, func(in *ItemInput) { in.EcoLabels = []string{"svanen", "gron"} }), "eco_labels", `"gron"`)
	})
	t.Run("rate of no Swedish kind", func(t *testing.T) {
		wantField(t, add(f.agreement, "V-"+u, func(in *ItemInput) { in.VATRateBP = ptr(1234) }), "vat_rate_bp", "2500, 1200, 600, 0")
		wantField(t, add(f.agreement, "V2-"+u, func(in *ItemInput) { in.VATRateBP = ptr(1500) }), "vat_rate_bp", "SE")
	})
	t.Run("a patch is held to the same rates", func(t *testing.T) {
		it := f.item(f.supplier1, "P-"+u, "Förkläde")
		_, err := f.s.UpdateItem(ctx, f.supplier1, it.ID, ItemPatch{VATRateBP: ptr(1500)})
		wantField(t, err, "vat_rate_bp", "SE")
		_, err = f.s.UpdateItem(ctx, f.supplier1, it.ID, ItemPatch{EcoLabels: &[]string{"gron"}})
		wantField(t, err, "eco_labels", "gron")
	})
	t.Run("a Norwegian agreement takes Norwegian rates", func(t *testing.T) {
		body, err := f.auth.CreateOrganization(ctx, admin, auth.OrganizationInput{Name: "Oslo kommune " + u, OrgNumber: "974 760 673",
			Kind: auth.KindProcurementBody, Country: "NO"})
		testenv.Must(t, err)
		manager := f.user(body, auth.RoleManager)
		a, err := f.s.CreateAgreement(ctx, manager, AgreementInput{Reference: "NO-" + u, Title: "Forbruksmateriell", CPVCode: "33140000",
			Currency: "NOK", ValidFrom: "2025-01-01", ValidTo: "2028-12-31", CallOffMethod: MethodRanking, PriceAdjustmentIntervalMonths: ptr(12),
			Participants: []ParticipantInput{{OrgID: body.ID}}, Suppliers: []SupplierInput{{OrgID: f.sup1.ID, Rank: 1}}})
		testenv.Must(t, err)
		if a.Country != "NO" {
			t.Fatalf("agreement country = %q, want NO", a.Country)
		}
		testenv.Must(t, add(a, "N-"+u, func(in *ItemInput) { in.VATRateBP = ptr(1500) }))
		wantField(t, add(a, "N2-"+u, func(in *ItemInput) { in.VATRateBP = ptr(600) }), "vat_rate_bp", "NO")
	})
	t.Run("imports report codes by line and field", func(t *testing.T) {
		csv := header +
			"C-1," + "Handske,,XBX,100,33141420,,svanen,2500,8900,\n" +
			"C-2," + "Handske,,BX,100,33141420,,svanen,2500,8900,\n" +
			"C-3," + "Handske,,XBX,100,33141420,,gron,2500,8900,\n" +
			"C-4," + "Handske,,XBX,100,33141420,,,1234,8900,\n"
		_, err := f.s.ImportPriceList(ctx, f.supplier1, f.agreement.ID, strings.NewReader(csv))
		wantKind(t, err, derr.Invalid, "invalid_price_list")
		if got := fieldsOf(err.(*derr.Error).Fields); !slices.Equal(got, []string{"3:unit", "4:eco_labels", "5:vat_rate_bp"}) {
			t.Fatalf("errors = %v, want 3:unit 4:eco_labels 5:vat_rate_bp", got)
		}
		doc := peppolDoc(f.agreement,
			peppolLine("X-1", map[string]string{"unit": "PK"}),
			peppolLine("X-2", map[string]string{"vat": "12.34"}),
			peppolLine("X-3", map[string]string{"cert": `<cac:Certificate><cbc:CertificateTypeCode>GRON</cbc:CertificateTypeCode></cac:Certificate>`}))
		_, err = f.s.ImportPeppolCatalogue(ctx, f.supplier1, f.agreement.ID, strings.NewReader(doc))
		wantKind(t, err, derr.Invalid, "invalid_price_list")
		if got := fieldsOf(err.(*derr.Error).Fields); !slices.Equal(got, []string{"1:unit", "3:eco_labels", "2:vat_rate_bp"}) {
			t.Fatalf("errors = %v", got)
		}
	})
}
