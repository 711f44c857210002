package frontend_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
	"github.com/avrop/avrop/placements"
)

// welfareWorld is a dispenser agreement with a subscription item (695 kr a month, 950 kr
// installation, minimum 12 months, 3 months' notice), a buyer whose orders below 1 000 000 kr
// need no approval, and two installed placements for the installed-base chart.
type welfareWorld struct {
	buyer, supplier auth.Organization
	orderer, seller auth.User
	manager         auth.User
	agreement       catalog.Agreement
	dispenser       catalog.Item
}

func newWelfareWorld(t *testing.T, s *stack) *welfareWorld {
	t.Helper()
	ctx := context.Background()
	w := &welfareWorld{}
	body := s.org(auth.KindProcurementBody, "Karlstads kommun upphandling")
	w.buyer = s.org(auth.KindBuyer, "Hammarö kommun")
	threshold := int64(100_000_000)
	_, err := s.Auth.UpdateOrganization(ctx, adminCaller, w.buyer.ID, auth.OrganizationPatch{ApprovalThresholdMinor: &threshold})
	testenv.Must(t, err)
	w.supplier = s.org(auth.KindSupplier, "Evondos AB")
	w.manager = s.user(body, "Maria Lindqvist", auth.RoleManager)
	w.orderer = s.user(w.buyer, "Hanna Hemtjänst", auth.RoleOrderer)
	w.seller = s.user(w.supplier, "Sven Evondos", auth.RoleSupplier)
	today := time.Now().UTC()
	interval := 12
	noApproval := false // the device is in the catalogue directly; approval has its own browser test
	a, err := s.Catalog.CreateAgreement(ctx, callerOf(w.manager, auth.KindProcurementBody), catalog.AgreementInput{
		Reference: "RA-VT-" + testenv.Unique(), Title: "Läkemedelsautomater", CPVCode: "33190000", Currency: "SEK",
		ValidFrom: today.AddDate(-1, 0, 0).Format(time.DateOnly), ValidTo: today.AddDate(2, 0, 0).Format(time.DateOnly),
		CallOffMethod: catalog.MethodRanking, MinOrderMinor: 50_000, MaxPriceIncreaseBP: 300, PriceAdjustmentIntervalMonths: &interval,
		LeadTimeDays: 10, CatalogueApproval: &noApproval, Participants: []catalog.ParticipantInput{{OrgID: w.buyer.ID}},
		Suppliers: []catalog.SupplierInput{{OrgID: w.supplier.ID, Rank: 1}}})
	testenv.Must(t, err)
	w.agreement = a
	vat, price, setup := 2500, int64(69500), int64(95000)
	w.dispenser, err = s.Catalog.AddItem(ctx, callerOf(w.seller, auth.KindSupplier), a.ID, catalog.ItemInput{SKU: "EVO-E300-M",
		Name: "Läkemedelsautomat Evondos E300", Unit: "MON", CPVCode: "33190000", VATRateBP: &vat, PriceMinor: &price,
		Kind: catalog.KindSubscription, SetupPriceMinor: &setup, MinTermMonths: 12, NoticeMonths: 3})
	testenv.Must(t, err)
	// Two devices installed today, so the rollout chart and this month's charges have data.
	for _, ref := range []string{"HAM-0001", "HAM-0002"} {
		o, _, err := s.Orders.CreateOrder(ctx, callerOf(w.orderer, auth.KindBuyer), orders.OrderInput{AgreementID: a.ID, SupplierID: w.supplier.ID,
			DeliveryAddress: "Storgatan 1, Hammarö", Lines: []orders.LineInput{{ItemID: w.dispenser.ID, Quantity: 1, RecipientRef: ref,
				StartDate: today.Format(time.DateOnly)}}}, "")
		testenv.Must(t, err)
		_, err = s.Orders.Placements().Install(ctx, callerOf(w.seller, auth.KindSupplier), *o.Lines[0].PlacementID,
			placements.InstallInput{InstalledOn: today.Format(time.DateOnly)})
		testenv.Must(t, err)
	}
	return w
}

// TestOrderADeviceJourney: the orderer orders a dispenser for a recipient (a personnummer is
// refused with a message beside the field), the supplier confirms the installation from its
// inbox, the orderer gives notice (too early first), and the manager follows the rollout —
// at 1366 and 360 px wide, axe-core on every page.
func TestOrderADeviceJourney(t *testing.T) {
	s := newStack(t)
	w := newWelfareWorld(t, s)
	for _, width := range []int64{1366, 360} {
		name := map[int64]string{1366: "desktop", 360: "phone"}[width]
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t, s, "welfare-"+name)
			b.do(chromedp.EmulateViewport(width, 900))
			ref := "HAM-" + strings.ToUpper(testenv.Unique())

			b.login(w.orderer)
			b.visit("/devices")
			b.wantText("Beställ till en brukare")
			b.check("devices")
			b.fill("#recipient_ref", "19121212-1212")
			b.fill("#address", "Solrosvägen 4, Hammarö")
			b.click(`form[action="/devices"] button[type=submit]`)
			b.wantText("Får inte vara ett personnummer")
			if got := eval[string](b, `document.querySelector("#recipient_ref").getAttribute("aria-invalid")`); got != "true" {
				t.Errorf("recipient_ref aria-invalid = %q", got)
			}
			b.check("devices refused personnummer")
			b.fill("#recipient_ref", ref)
			b.fill("#start_date", time.Now().UTC().Format(time.DateOnly))
			b.submit(`form[action="/devices"] button[type=submit]`, `msg=device_ordered`)
			b.wantText("Hjälpmedlet är beställt.")
			b.wantText(ref)
			b.check("device ordered")
			if width > 400 { // no sideways scrolling on the phone
				if overflow := eval[bool](b, `document.documentElement.scrollWidth > document.documentElement.clientWidth`); overflow {
					t.Error("the devices page scrolls sideways")
				}
			}
			b.logout()

			b.login(w.seller)
			b.visit("/supplier/installations")
			b.wantText(ref)
			b.check("installations")
			id := eval[string](b, `[...document.querySelectorAll("li.card")].find(li => li.innerText.includes(`+jsString(ref)+`)).id.replace("placement-", "")`)
			b.submit(`form[action="/supplier/installations/`+id+`/install"] button`, `msg=placement_installed`)
			b.wantText("Installationen är bekräftad.")
			b.check("installation confirmed")
			b.logout()

			b.login(w.orderer)
			b.visit("/devices")
			b.fill("#end-"+id, time.Now().UTC().AddDate(0, 1, 0).Format(time.DateOnly))
			b.click(`form[action="/devices/` + id + `/end"] button`)
			b.wantText("Uppsägningstiden är för kort")
			b.check("notice too short")
			b.do(chromedp.EmulateViewport(width, 900))

			// The recipient moves to a nursing home: the device follows, recorded in its history.
			b.click(`a[href="/devices/` + id + `"]`)
			b.wantText("Flytta till en annan adress")
			b.fill("#address", "Solgårdens vårdboende, Hammarö")
			b.fill("#recipient_ref", "19121212-1212")
			b.click(`form[action="/devices/` + id + `/move"] button[type=submit]`)
			b.wantText("Får inte vara ett personnummer")
			b.check("device move refused personnummer")
			eval[any](b, `document.querySelector("#recipient_ref").value = ""`) // the reference stays
			b.submit(`form[action="/devices/`+id+`/move"] button[type=submit]`, `msg=device_moved`)
			b.wantText("Hjälpmedlet är flyttat till den nya adressen.")
			b.wantText("från Solrosvägen 4, Hammarö till Solgårdens vårdboende, Hammarö")
			if n := eval[int](b, `document.querySelectorAll("#history li").length`); n != 3 {
				t.Errorf("history has %d events, want 3 (ordered, installed, moved)", n)
			}
			b.check("device moved")
			if overflow := eval[bool](b, `document.documentElement.scrollWidth > document.documentElement.clientWidth`); overflow {
				t.Error("the device page scrolls sideways")
			}

			// The alarm stops working: the orderer reports an outage from the device's page
			// (a reason is required), and the supplier answers it on the order.
			b.wantText("Inga driftstopp har rapporterats.")
			b.click(`form[action="/devices/` + id + `/outage"] button[type=submit]`)
			b.waitFor(`document.querySelector("#outage-description").getAttribute("aria-invalid") === "true"`)
			b.fill("#outage-description", "Larmknappen ger ingen signal sedan i morse.")
			b.submit(`form[action="/devices/`+id+`/outage"] button[type=submit]`, `msg=outage_reported`)
			b.wantText("Driftstoppet är rapporterat till leverantören.")
			b.wantText("Larmknappen ger ingen signal sedan i morse.")
			b.check("outage reported")
			orderPath := eval[string](b, `document.querySelector("dd a[href^='/orders/']").getAttribute("href")`)
			b.logout()
			b.login(w.seller)
			b.visit(orderPath)
			b.wantText("Larmknappen ger ingen signal sedan i morse.")
			b.fill(`#deviations-section textarea[name=response]`, "Tekniker på plats inom fyra timmar.")
			b.submit(`#deviations-section form[action$="/respond"] button[type=submit]`, `^/orders/`)
			b.logout()
			b.login(w.orderer)
			b.visit("/devices/" + id)
			b.wantText("Tekniker på plats inom fyra timmar.")
			b.wantText("besvarad")
			b.check("outage answered")
			b.logout()

			b.login(w.manager)
			b.visit("/rollout?agreement=" + w.agreement.ID)
			b.wantText("Hjälpmedel i bruk per månad")
			if n := eval[int](b, `document.querySelectorAll("svg.columns rect").length`); n == 0 {
				t.Error("the installed-base chart has no bars")
			}
			if hidden := eval[string](b, `document.querySelector("svg.columns").getAttribute("aria-hidden")`); hidden != "true" {
				t.Error("the chart is not hidden from screen readers beside its table")
			}
			b.wantText("Hammarö kommun")
			b.check("rollout")
			if width < 400 {
				if overflow := eval[bool](b, `document.documentElement.scrollWidth > document.documentElement.clientWidth`); overflow {
					t.Error("the rollout page scrolls sideways on a phone")
				}
			}
			b.logout()
		})
	}
}
