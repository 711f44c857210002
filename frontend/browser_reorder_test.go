package frontend_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// reorderTexts are the texts the reorder journey waits for, by language.
var reorderTexts = map[string]struct{ saved, ordered, userChanged, linkMade, passwordSet string }{
	"sv": {"Sparat. Beställarna kan välja det i kassan.", "Beställningen är skickad.", "Användaren är ändrad.", "Länken är skapad.", "Ditt nya lösenord är sparat."},
	"nb": {"Lagret. Bestillerne kan velge det i kassen.", "Bestillingen er sendt.", "Brukeren er endret.", "Lenken er laget.", "Det nye passordet ditt er lagret."},
}

// TestReorderOnPhoneAndDesktop: at 360 and 1366 px, in Swedish and Norwegian, the approver
// saves a delivery address and a cost centre; the orderer stars an item in the catalogue (the
// star answers in place, aria-pressed), orders it from the favourites with the saved choices
// already chosen at checkout; the administrator changes a user and makes a password reset
// link, which the user opens to set a new password. Every page is checked by axe and for
// horizontal overflow, and photographed.
func TestReorderOnPhoneAndDesktop(t *testing.T) {
	s := newStack(t)
	for _, run := range shopRuns {
		t.Run(fmt.Sprintf("%s-%d", run.lang, run.width), func(t *testing.T) {
			w := newWorld(t, s)
			tx := reorderTexts[run.lang]
			b := newBrowserIn(t, s, fmt.Sprintf("reorder-%s-%d", run.lang, run.width), run.accept)
			b.do(chromedp.EmulateViewport(int64(run.width), int64(run.height)))

			b.login(w.approver)
			b.visit("/organizations/" + w.buyer.ID + "/details")
			b.check("saved details empty")
			b.fill("#delivery_address-label", "Hemtjänst Norr")
			b.fill("#delivery_address-value", "Hemtjänst Norr\nStorgatan 1\n652 24 Karlstad")
			b.submit(`form[aria-labelledby="new-delivery_address"] button[type=submit]`, `msg=detail_saved`)
			b.wantText(tx.saved)
			b.visit("/organizations/" + w.buyer.ID + "/details")
			b.waitFor(`!location.search.includes("msg=") && document.readyState === "complete"`)
			b.fill("#cost_center-value", "4410")
			b.fill("#cost_center-label", "Hemtjänst Norr")
			b.submit(`form[aria-labelledby="new-cost_center"] button[type=submit]`, `msg=detail_saved`)
			b.waitFor(`document.readyState === "complete" && document.body.innerText.includes(` + jsString(tx.saved) + `)`)
			b.fill("#cost_center-value", strings.Repeat("4", 101)) // longer than an order's cost centre
			b.submit(`form[aria-labelledby="new-cost_center"] button[type=submit]`, `/details$`)
			b.waitFor(`!!document.querySelector("#cost_center-value-error")`)
			b.check("saved details with a refused cost centre")
			b.submit(`form[action="/logout"] button`, `^/login`)

			b.login(w.orderer)
			b.visit("/catalog?q=nitril")
			star := `form[action="/favourites/` + w.gloveM.ID + `"] button`
			b.click(star)
			b.waitFor(`document.querySelector(` + jsString(star) + `).getAttribute("aria-pressed") === "true"`)
			b.check("catalogue with a star pressed")
			b.visit("/favourites")
			b.wantText(w.gloveM.Name)
			b.check("favourites")
			b.fill("#qty-"+w.gloveM.ID, "3")
			b.click(`button[aria-describedby="item-` + w.gloveM.ID + `"].btn-primary`)
			b.waitFor(`document.querySelector("#nav-cart").innerText.includes("(1)")`)
			b.visit("/checkout?agreement=" + w.agreement.ID + "&supplier=" + w.supplier.ID)
			b.waitFor(`document.querySelector("#delivery_address_choice").selectedOptions[0].value !== ""`)
			b.check("checkout with saved choices")
			b.fill("#requested_delivery_date", time.Now().AddDate(0, 0, 14).Format("2006-01-02"))
			b.submit(`form[action="/checkout"] button[type=submit]`, `^/orders/[0-9a-f-]{36}`)
			b.wantText(tx.ordered)
			b.wantText("Storgatan 1")
			b.submit(`form[action="/logout"] button`, `^/login`)

			b.login(w.admin)
			b.visit("/admin/users/" + w.seller2.ID)
			b.check("edit user")
			b.fill("#name", "Nora Norden-Berg")
			b.submit(`form[action="/admin/users/`+w.seller2.ID+`"] button[type=submit]`, `msg=user_updated`)
			b.wantText(tx.userChanged)
			b.visit("/admin/users/" + w.seller2.ID)
			b.submit(`form[action="/admin/users/`+w.seller2.ID+`/password-reset"] button`, `/password-reset$`)
			b.wantText(tx.linkMade)
			b.check("reset link made")
			link := eval[string](b, `document.querySelector("#reset-link").value`)
			b.submit(`form[action="/logout"] button`, `^/login`)
			b.visit(strings.TrimPrefix(link, s.URL))
			b.check("reset page")
			b.fill("#password", "a new password for Nora")
			b.fill("#password_again", "a new password for Nora")
			b.submit(`form[action="/password-reset"] button[type=submit]`, `^/login`)
			b.wantText(tx.passwordSet)
			b.visit(strings.TrimPrefix(link, s.URL))
			b.check("used reset link")
		})
	}
}
