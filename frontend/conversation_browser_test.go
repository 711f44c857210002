package frontend_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/orders"
)

// conversationRun is one run of the order conversation: a window width, a language and the
// texts the run waits for in it.
type conversationRun struct {
	width, height                                         int64
	lang, accept                                          string
	badConfirm, changed, decision, refused, reduced       string
	shipped, shippedN, promised, received, missing, nMiss string
	timelineChanged, timelineShipment                     string
}

var conversationRuns = []conversationRun{
	{360, 780, "sv", "sv-SE,sv", "Ange ett heltal från 0 till 10.", "accepterad med ändringar", "Accepterad med ändringar",
		"Vinylhandskar, storlek M: kan inte levereras", "Nitrilhandskar puderfria, storlek M: 6 av 10 ask",
		"Beställningen är markerad som skickad.", "skickat 4", "Utlovat leveransdatum", "Mottagen leverans är bekräftad.",
		"Nitrilhandskar puderfria, storlek M: 3 av 6 ask mottogs, 3 saknas.", "Saknad vara", "Accepterad med ändringar. Rad 3 utgår ur sortimentet.",
		"Sändning: rad 1 × 4, rad 2 × 2."},
	{1366, 900, "en", "en-GB,en", "Enter a whole number from 0 to 10.", "accepted with changes", "Accepted with changes",
		"Vinylhandskar, storlek M: cannot be delivered", "Nitrilhandskar puderfria, storlek M: 6 of 10 box",
		"The order was marked as shipped.", "shipped 4", "Promised delivery date", "Receipt was confirmed.",
		"Nitrilhandskar puderfria, storlek M: 3 of 6 box received, 3 missing.", "Missing item", "Accepted with changes. Rad 3 utgår ur sortimentet.",
		"Shipment: line 1 × 4, line 2 × 2."},
	{360, 780, "nb", "nb-NO,nb,no", "Oppgi et heltall fra 0 til 10.", "akseptert med endringer", "Akseptert med endringer",
		"Vinylhandskar, storlek M: kan ikke leveres", "Nitrilhandskar puderfria, storlek M: 6 av 10 eske",
		"Bestillingen er merket som sendt.", "sendt 4", "Lovet leveringsdato", "Mottatt levering er bekreftet.",
		"Nitrilhandskar puderfria, storlek M: 3 av 6 eske mottatt, 3 mangler.", "Manglende vare", "Akseptert med endringer. Rad 3 utgår ur sortimentet.",
		"Sending: linje 1 × 4, linje 2 × 2."},
}

// TestOrderConversationInBrowser is the order conversation of SPEC §8 in the UI, at 360 and
// 1366 px in Swedish, English and Norwegian: the supplier answers an approved order with
// changes (line 1 reduced from 10 to 6, line 3 refused, a promised date and a note; a quantity
// above the ordered one comes back beside its input, nothing changed), ships part of it, then
// the rest of one line; the orderer sees the answer in their language, receives short, and
// the short line opens a `missing` deviation. axe and the width check run on every page.
func TestOrderConversationInBrowser(t *testing.T) {
	s := newStack(t)
	for _, run := range conversationRuns {
		t.Run(fmt.Sprintf("%s-%d", run.lang, run.width), func(t *testing.T) {
			w := newWorld(t, s)
			ctx := context.Background()
			o := approvedOrder(t, s, w, orders.LineInput{ItemID: w.gloveM.ID, Quantity: 10}, orders.LineInput{ItemID: w.gloveL.ID, Quantity: 2},
				orders.LineInput{ItemID: w.gloveVinyl.ID, Quantity: 5})
			path := "/orders/" + o.ID
			b := newBrowserIn(t, s, fmt.Sprintf("conversation-%s-%d", run.lang, run.width), run.accept)
			b.do(chromedp.EmulateViewport(run.width, run.height))

			// The supplier answers: first a quantity above the ordered one, refused beside it.
			b.login(w.seller)
			b.visit(path)
			b.waitFor(`document.documentElement.lang === ` + jsString(run.lang))
			b.check("answer form")
			b.fill("#confirm-1", "11")
			b.submit(`form[action="`+path+`/respond"] button[type=submit]`, `^`+path)
			b.wantText(run.badConfirm)
			if got := eval[string](b, `document.querySelector("#confirm-1").getAttribute("aria-invalid")`); got != "true" {
				t.Errorf("the refused quantity is not marked invalid: aria-invalid=%q", got)
			}
			b.check("answer refused")
			got, err := s.Orders.GetOrder(ctx, callerOf(w.seller, auth.KindSupplier), o.ID)
			testenv.Must(t, err)
			if got.Status != orders.StatusApproved || got.ResponseCode != nil {
				t.Fatalf("a refused answer changed the order: %s %v", got.Status, got.ResponseCode)
			}
			promised := time.Now().AddDate(0, 0, 10).Format(time.DateOnly)
			b.fill("#confirm-1", "6")
			b.fill("#confirm-3", "0")
			b.fill("#promised_delivery_date", promised)
			b.fill("#answer_note", "Rad 3 utgår ur sortimentet.")
			b.submit(`form[action="`+path+`/respond"] button[type=submit]`, `^`+path)
			b.wantText(run.changed)
			b.wantText(run.decision)
			b.check("answered with changes")

			// The domain holds the answer: the ceilings got the refused value back.
			got, err = s.Orders.GetOrder(ctx, callerOf(w.seller, auth.KindSupplier), o.ID)
			testenv.Must(t, err)
			if got.Status != orders.StatusAccepted || got.ResponseCode == nil || *got.ResponseCode != "CA" ||
				*got.Lines[0].QuantityConfirmed != 6 || *got.Lines[2].QuantityConfirmed != 0 || got.TotalMinor != 8*89_50 {
				t.Fatalf("after the answer: status %s, lines %+v, total %d", got.Status, got.Lines, got.TotalMinor)
			}

			// A first shipment: 4 of line 1, all of line 2.
			b.fill("#qty-1", "4")
			b.submit(`form[action="`+path+`/ship"] button[type=submit]`, `^`+path)
			b.wantText(run.shipped)
			b.wantText(run.shippedN)
			b.check("shipped in part")
			// The rest of line 1 can follow; a line shipped in full has no input any more.
			if n := eval[int](b, `document.querySelectorAll('form[action$="/ship"] input[type=number]').length`); n != 1 {
				t.Errorf("after the first shipment the ship form has %d quantity inputs, want 1 (line 1's 2 left)", n)
			}
			b.submit(`form[action="/logout"] button`, `^/login`) // b.logout waits for Swedish

			// The orderer sees the answer in their language and receives short.
			b.login(w.orderer)
			b.visit(path)
			for _, want := range []string{run.decision, run.refused, run.reduced, run.promised, "Rad 3 utgår ur sortimentet.", run.timelineChanged, run.timelineShipment} {
				b.wantText(want)
			}
			if txt := b.bodyText(); run.lang != "en" && (strings.Contains(txt, "accepted with changes") || strings.Contains(txt, "shipment:")) {
				t.Errorf("the order page shows the domain's English notes: %.2000s", txt)
			}
			b.check("orderer sees the answer")
			b.fill("#qty-1", "3")
			b.submit(`form[action="`+path+`/deliver"] button[type=submit]`, `^`+path)
			b.wantText(run.received)
			b.wantText(run.missing)
			b.wantText(run.nMiss)
			b.check("received short")
			devs, err := s.Orders.ListOrderDeviations(ctx, callerOf(w.orderer, auth.KindBuyer), o.ID)
			testenv.Must(t, err)
			if len(devs) != 1 || devs[0].Kind != orders.DeviationMissing || devs[0].QuantityMissing == nil || *devs[0].QuantityMissing != 3 {
				t.Errorf("a short receipt's deviations: %+v", devs)
			}
		})
	}
}
