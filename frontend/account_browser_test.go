package frontend_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// The settings page in a real browser: every UI language, phone and desktop widths, axe clean,
// and turning mails off through the form.
func TestAccountPageInTheBrowser(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	b := newBrowser(t, s, "account")
	b.login(w.approver)
	b.click(`a.who-name`)
	b.waitFor(`location.pathname === "/account"`)
	b.wantText("E-post från Avrop")
	for _, vw := range []struct {
		name   string
		width  int64
		height int64
	}{{"phone", 360, 780}, {"desktop", 1366, 900}} {
		b.do(chromedp.EmulateViewport(vw.width, vw.height))
		for _, l := range []struct{ code, want string }{{"sv", "Skicka e-post till mig"}, {"en", "Send me mail"}, {"nb", "Send meg e-post"}, {"da", "Send mig e-mails"}} {
			b.visit("/lang/" + l.code + "?next=/account")
			b.wantText(l.want)
			b.check("settings " + l.code + " " + vw.name)
		}
	}
	b.visit("/lang/sv?next=/account")
	b.wantText("Skicka e-post till mig")
	b.click(`#mails`)
	b.submit(`form[action="/account"] button[type=submit]`, `^/account\?msg=account_saved`)
	b.wantText("Inställningarna är sparade.")
	if on := eval[bool](b, `document.querySelector("#mails").checked`); on {
		t.Error("mails still on after unticking and saving")
	}
	b.check("settings saved")
}
