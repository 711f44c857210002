package frontend_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/orders"
)

// TestInvoicePages: the approver sees the invoices, opens a deviating one beside its order with
// the differences marked, disputes it with a note; the loyalty page shows spend on and outside
// the agreement with its CSV export. axe-core checks each page at 1366 and 360 px.
func TestInvoicePages(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	ctx := context.Background()
	o, _, err := s.Orders.CreateOrder(ctx, callerOf(w.orderer, auth.KindBuyer), orders.OrderInput{AgreementID: w.agreement.ID,
		SupplierID: w.supplier.ID, DeliveryAddress: "Hemtjänst Norr, Storgatan 1", CostCenter: "4410",
		Lines: []orders.LineInput{{ItemID: w.gloveM.ID, Quantity: 10}, {ItemID: w.compress.ID, Quantity: 2}}}, "")
	testenv.Must(t, err)
	_, err = testenv.DB(t).Exec(`UPDATE orders SET status = 'delivered', approved_at = now(), delivered_at = now() WHERE id = $1`, o.ID)
	testenv.Must(t, err)
	party := func(org auth.Organization) invoices.DraftParty {
		return invoices.DraftParty{OrgNumber: org.OrgNumber, Name: org.Name, Country: "SE"}
	}
	seller := callerOf(w.seller, auth.KindSupplier)
	day := time.Now().UTC().Format(time.DateOnly)
	deviating, err := s.Invoices.Receive(ctx, seller, invoices.Draft{Number: "F-" + testenv.Unique(), IssueDate: day, Currency: "SEK",
		OrderNumber: o.Number, Supplier: party(w.supplier), Buyer: party(w.buyer), Lines: []invoices.DraftLine{
			{SKU: "NH-M", Name: "Nitrilhandskar M", Unit: "XBX", Quantity: 12, UnitPriceMinor: 95_00, VATRateBP: 2500},
			{SKU: "KO-10", Name: "Kompresser", Unit: "XBX", Quantity: 2, UnitPriceMinor: 1234_50, VATRateBP: 2500},
			{SKU: "FRAKT", Name: "Frakt", Unit: "EA", Quantity: 1, UnitPriceMinor: 295_00, VATRateBP: 2500}}}.Document())
	testenv.Must(t, err)
	if deviating.Status != invoices.StatusDeviating {
		t.Fatalf("fixture: got %s, want deviating", deviating.Status)
	}
	ledger := "org_number,supplier_org_number,supplier_name,invoice_number,invoice_date,amount_minor,currency,cpv_code\n" +
		w.buyer.OrgNumber + ",556677-8899,Kontorsgrossisten AB,K-1," + day + ",1250000,SEK,33140000\n" +
		w.buyer.OrgNumber + "," + w.supplier.OrgNumber + ",Vårdgrossisten AB,V-1," + day + ",800000,SEK,33140000\n"
	_, err = s.Invoices.LoadSpendRecords(ctx, callerOf(w.approver, auth.KindBuyer), strings.NewReader(ledger))
	testenv.Must(t, err)

	b := newBrowser(t, s, "invoices")
	b.login(w.approver)
	for _, width := range []int64{1366, 360} {
		b.do(chromedp.EmulateViewport(width, 900))
		b.visit("/invoices")
		b.wantText(deviating.Number)
		b.wantText("Avviker")
		b.check("list " + strconv.FormatInt(width, 10))
		b.visit("/invoices/" + deviating.ID)
		b.wantText("Pris över beställningens")
		b.wantText("Fler fakturerade än mottagna")
		b.wantText("Finns inte på beställningen")
		b.check("invoice " + strconv.FormatInt(width, 10))
		if width == 360 {
			if over := eval[string](b, `document.documentElement.scrollWidth > window.innerWidth + 1 ? [...document.querySelectorAll("body *")]
				.filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest(".table-wrap"))
				.map(e => e.tagName + "." + e.className).slice(0, 5).join(", ") : ""`); over != "" {
				t.Errorf("the invoice page scrolls sideways at 360 px: %s", over)
			}
		}
		b.visit("/loyalty?group_by=supplier")
		b.wantText("Kontorsgrossisten AB")
		b.check("loyalty " + strconv.FormatInt(width, 10))
	}
	b.do(chromedp.EmulateViewport(1366, 900))
	b.visit("/invoices/" + deviating.ID)
	b.submit(`form[action="/invoices/`+deviating.ID+`/accept"] button[formaction$="/dispute"]`, `^/invoices/`)
	b.wantText("Måste fyllas i")
	b.check("dispute without note")
	b.fill("#decision-note", "Priset på handskarna är 89,50 kr enligt avtalet; frakt ingår.")
	b.submit(`form[action="/invoices/`+deviating.ID+`/accept"] button[formaction$="/dispute"]`, `^/invoices/`)
	b.wantText("Fakturan är bestriden.")
	b.wantText("frakt ingår")
	b.check("disputed")
	b.logout()

	b.login(w.manager)
	b.visit("/loyalty")
	b.wantText("Karlstads kommun")
	b.check("loyalty manager")
	res := eval[string](b, `fetch("/loyalty.csv?group_by=organization").then(r => r.text())`)
	if len(res) < 20 || res[:8] != "group_by" {
		t.Errorf("the CSV export: got %.200q, want the header row first", res)
	}
}
