package frontend_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/notify"
)

// The settings page turns the signed-in person's own mails off and picks their language; it
// never touches anyone else's settings, whatever the form says.
func TestAccountMailSettings(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	db := testenv.DB(t)
	buyer := s.org(auth.KindBuyer, "Hammarö kommun")
	me := s.user(buyer, "Olle Orderer", auth.RoleOrderer, auth.RoleApprover)
	other := s.user(buyer, "Agnes Approver", auth.RoleApprover)
	c := s.client()
	c.login(me)

	p := c.get("/account")
	wantStatus(t, p, http.StatusOK)
	for _, want := range []string{"Inställningar", me.Email, "när en beställning väntar på din attest", "Standard (Svenska)", `name="mails" id="mails" aria-describedby="mail-what" checked`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("settings page lacks %q", want)
		}
	}
	if strings.Contains(p.Body, "prisändring") {
		t.Error("an orderer is told about managers' mails")
	}

	// Unchecked box: mails off; a user_id in the form is ignored.
	p = c.post("/account", url.Values{"mail_language": {"en"}, "user_id": {other.ID}})
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.Header.Get("Location"); loc != "/account?msg=account_saved" {
		t.Fatalf("Location = %q", loc)
	}
	if st, err := notify.GetSettings(ctx, db, me.ID); err != nil || !st.MailsOff || st.Language != "en" {
		t.Errorf("my settings = %+v, %v; want mails off in English", st, err)
	}
	if st, err := notify.GetSettings(ctx, db, other.ID); err != nil || st.MailsOff || st.Language != "" {
		t.Errorf("the other person's settings = %+v, %v; want untouched", st, err)
	}
	p = c.get("/account?msg=account_saved")
	if !strings.Contains(p.Body, "Inställningarna är sparade.") || strings.Contains(p.Body, `id="mails" aria-describedby="mail-what" checked`) ||
		!strings.Contains(p.Body, `value="en" lang="en" selected`) {
		t.Errorf("the page after saving does not show the saved settings: %.3000s", p.Body)
	}

	t.Run("an unknown language changes nothing", func(t *testing.T) {
		p := c.post("/account", url.Values{"mails": {"on"}, "mail_language": {"fi"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !strings.Contains(p.Body, "Välj ett av språken i listan.") {
			t.Errorf("no error shown: %.2000s", p.Body)
		}
		if st, _ := notify.GetSettings(ctx, db, me.ID); !st.MailsOff || st.Language != "en" {
			t.Errorf("settings changed by a refused form: %+v", st)
		}
	})
	t.Run("mails on again, the organisation's language", func(t *testing.T) {
		wantStatus(t, c.post("/account", url.Values{"mails": {"on"}, "mail_language": {""}}), http.StatusSeeOther)
		if st, _ := notify.GetSettings(ctx, db, me.ID); st.MailsOff || st.Language != "" {
			t.Errorf("settings = %+v, want mails on, no language chosen", st)
		}
	})
	t.Run("without the form token nothing changes", func(t *testing.T) {
		p := c.do(http.MethodPost, "/account", url.Values{"mail_language": {"da"}})
		wantStatus(t, p, http.StatusForbidden)
		if st, _ := notify.GetSettings(ctx, db, me.ID); st.Language != "" {
			t.Errorf("settings changed without a token: %+v", st)
		}
	})
	t.Run("signed out: to the login page", func(t *testing.T) {
		p := s.client().get("/account")
		if p.Status != http.StatusFound || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
			t.Errorf("status %d, Location %q; want a redirect to sign in", p.Status, p.Header.Get("Location"))
		}
	})
	t.Run("every role has the page", func(t *testing.T) {
		for _, u := range []auth.User{
			s.user(s.org(auth.KindSupplier, "Vårdgrossisten AB"), "Sam Supplier", auth.RoleSupplier),
			s.user(s.org(auth.KindProcurementBody, "Region Värmland"), "Maja Manager", auth.RoleManager),
			s.user(s.org(auth.KindPlatform, "Plattform"), "Ada Admin", auth.RoleAdmin),
		} {
			c := s.client()
			c.login(u)
			wantStatus(t, c.get("/account"), http.StatusOK)
		}
	})
}
