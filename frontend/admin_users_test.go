package frontend_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/frontend"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/notify"
)

// TestAdminDuplicatesAndRoles: a taken organisation number or email and a role that does not
// fit are said beside their field in the reader's language, not as a general error, and
// nothing is created.
func TestAdminDuplicatesAndRoles(t *testing.T) {
	s := newStack(t)
	admin := s.user(s.org(auth.KindPlatform, "Plattform"), "Ada Admin", auth.RoleAdmin)
	buyer := s.org(auth.KindBuyer, "Dubblettkommun")
	anna := s.user(buyer, "Anna Dubblett", auth.RoleOrderer)
	c := s.client()
	c.login(admin)

	p := c.post("/admin/organizations", url.Values{"name": {"Kopia"}, "org_number": {buyer.OrgNumber}, "kind": {"buyer"}, "country": {"SE"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !strings.Contains(p.Body, "Det finns redan en organisation med det här organisationsnumret") || !strings.Contains(p.Body, `id="org_number-error"`) {
		t.Fatalf("duplicate organisation number: %.3000s", p.Body)
	}
	p = c.post("/admin/users", url.Values{"name": {"Kopia"}, "email": {strings.ToUpper(anna.Email)}, "password": {testPassword},
		"org_id": {buyer.ID}, "roles": {"orderer"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !strings.Contains(p.Body, "E-postadressen används redan av en annan användare.") || !strings.Contains(p.Body, `id="email-error"`) {
		t.Fatalf("duplicate email: %.3000s", p.Body)
	}
	p = c.post("/admin/users", url.Values{"name": {"Fel roll"}, "email": {"fel." + testenv.Unique() + "@example.se"}, "password": {testPassword},
		"org_id": {buyer.ID}, "roles": {"manager"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !strings.Contains(p.Body, "Rollen passar inte organisationens typ (Beställare (kommun, enhet)). Välj bland: Beställare, Attestant.") {
		t.Fatalf("wrong role: %.3000s", p.Body)
	}
	users, total, err := s.Auth.ListUsers(t.Context(), adminCaller, auth.UserFilter{OrgID: buyer.ID})
	testenv.Must(t, err)
	if total != 1 || users[0].ID != anna.ID {
		t.Fatalf("refused forms created users: %d", total)
	}
}

var resetLinkRE = regexp.MustCompile(`id="reset-link" type="text" readonly value="([^"]+)"`)

// TestAdminEditUserAndResetPassword: an administrator changes a user's name, roles, language
// and active flag; a refused role keeps the user as they were; a reset link, shown once, lets
// the user set a new password once, after which the old one and the link stop working.
func TestAdminEditUserAndResetPassword(t *testing.T) {
	s := newStack(t)
	admin := s.user(s.org(auth.KindPlatform, "Plattform"), "Ada Admin", auth.RoleAdmin)
	buyer := s.org(auth.KindBuyer, "Redigerkommun")
	bo := s.user(buyer, "Bo Beställare", auth.RoleOrderer)
	c := s.client()
	c.login(admin)

	p := c.get("/admin/users/" + bo.ID)
	wantStatus(t, p, http.StatusOK)
	if !strings.Contains(p.Body, bo.Email) || strings.Contains(p.Body, `value="manager"`) {
		t.Fatalf("edit page (offers only the roles that fit): %.3000s", p.Body)
	}
	p = c.post("/admin/users/"+bo.ID, url.Values{"name": {"Bo Attestant"}, "roles": {"orderer", "admin"}, "language": {"nb"}, "active": {"true"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !strings.Contains(p.Body, "Välj bland: Beställare, Attestant.") {
		t.Fatalf("misfit role: %.3000s", p.Body)
	}
	p = c.post("/admin/users/"+bo.ID, url.Values{"name": {"Bo Attestant"}, "roles": {"orderer", "approver"}, "language": {"nb"}, "active": {"true"}})
	wantStatus(t, p, http.StatusSeeOther)
	got, err := s.Auth.GetUser(t.Context(), adminCaller, bo.ID)
	testenv.Must(t, err)
	if got.Name != "Bo Attestant" || len(got.Roles) != 2 || got.Language != "nb" || !got.Active {
		t.Fatalf("user after the change = %+v", got)
	}
	// He signs in and reads the UI in Norwegian, whatever his browser says.
	bos := s.client()
	bos.login(bo)
	if p := bos.get("/orders"); !strings.Contains(p.Body, `lang="nb"`) {
		t.Fatalf("the user's language is not used: %.500s", p.Body)
	}

	p = c.post("/admin/users/"+bo.ID+"/password-reset", nil)
	wantStatus(t, p, http.StatusOK)
	m := resetLinkRE.FindStringSubmatch(p.Body)
	if m == nil || p.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("no reset link shown (or cached): %.3000s", p.Body)
	}
	link, err := url.Parse(html.UnescapeString(m[1]))
	testenv.Must(t, err)
	path := link.RequestURI()
	anon := s.client()
	p = anon.get(path)
	wantStatus(t, p, http.StatusOK)
	if !strings.Contains(p.Body, "Bo Attestant") {
		t.Fatalf("reset page does not greet its user: %.2000s", p.Body)
	}
	token := link.Query().Get("token")
	p = anon.post("/password-reset", url.Values{"token": {token}, "password": {"new password 12345"}, "password_again": {"new password 54321"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	p = anon.post("/password-reset", url.Values{"token": {token}, "password": {"short"}, "password_again": {"short"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	p = anon.post("/password-reset", url.Values{"token": {token}, "password": {"new password 12345"}, "password_again": {"new password 12345"}})
	wantStatus(t, p, http.StatusSeeOther)
	if p := anon.get(path); p.Status != http.StatusNotFound || !strings.Contains(p.Body, "Länken fungerar inte") {
		t.Fatalf("used link: status %d: %.1000s", p.Status, p.Body)
	}
	if p := anon.post("/password-reset", url.Values{"token": {token}, "password": {"other password 1234"}, "password_again": {"other password 1234"}}); p.Status != http.StatusNotFound {
		t.Fatalf("second use of the link: status %d", p.Status)
	}
	if p := s.client().post("/login", url.Values{"email": {bo.Email}, "password": {testPassword}}); p.Status == http.StatusSeeOther {
		t.Fatal("the old password still signs in")
	}
	if p := s.client().post("/login", url.Values{"email": {bo.Email}, "password": {"new password 12345"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("the new password does not sign in: %d", p.Status)
	}
	// His session from before the reset has ended.
	if p := bos.get("/orders"); p.Status == http.StatusOK {
		t.Fatal("a session from before the reset still works")
	}
}

// TestPasswordResetMailed: with a mail server, the reset link goes to the user at once, in
// their mail language (the one chosen for mails, else the UI's, else the country's), and works; the outbox never holds it (a secret at rest). With the mail
// server down the administrator is told it was not sent and is shown the link to pass on.
func TestPasswordResetMailed(t *testing.T) {
	smtpSrv := testenv.StartSMTP(t)
	m, err := notify.NewMailer(smtpSrv.URL(), "Avrop <noreply@avrop.example>")
	testenv.Must(t, err)
	var s *stack
	s = newStackWith(t, testAuthConfig(), func(d *frontend.Deps) {
		d.ResetMail = func(ctx context.Context, u auth.User, link string, expires time.Time) error {
			return m.SendPasswordReset(ctx, s.DB, u.ID, u.Email, u.Name, link, expires)
		}
	})
	org := s.org(auth.KindBuyer, "Årjängs kommun")
	admin := s.user(s.org(auth.KindPlatform, "Avrop drift"), "Ada Admin", auth.RoleAdmin)
	kari := s.user(org, "Kari Nordmann", auth.RoleOrderer)
	lang := "nb"
	_, err = s.Auth.UpdateUser(t.Context(), adminCaller, kari.ID, auth.UserPatch{Language: &lang})
	testenv.Must(t, err)
	c := s.client()
	c.login(admin)

	p := c.post("/admin/users/"+kari.ID+"/password-reset", nil)
	wantStatus(t, p, http.StatusOK)
	if !strings.Contains(p.Body, "skickad till "+kari.Email) {
		t.Fatalf("the page does not say the link was mailed: %.3000s", p.Body)
	}
	mails := smtpSrv.To(kari.Email)
	if len(mails) != 1 || mails[0].Subject != "Velg et nytt passord i Avrop" || mails[0].Language != "nb" {
		t.Fatalf("reset mail: %+v", mails)
	}
	link := regexp.MustCompile(`https?://\S+/password-reset\?token=\S+`).FindString(mails[0].Body)
	if link == "" || !strings.Contains(mails[0].Body, "Hei Kari Nordmann!") {
		t.Fatalf("no link in the mail: %q", mails[0].Body)
	}
	u, err := url.Parse(link)
	testenv.Must(t, err)
	anon := s.client()
	wantStatus(t, anon.post("/password-reset", url.Values{"token": {u.Query().Get("token")}, "password": {"nytt passord 12345"},
		"password_again": {"nytt passord 12345"}}), http.StatusSeeOther)
	if p := s.client().post("/login", url.Values{"email": {kari.Email}, "password": {"nytt passord 12345"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("the mailed link's new password does not sign in: %d", p.Status)
	}
	var queued int
	testenv.Must(t, s.DB.Get(&queued, `SELECT count(*) FROM mail_outbox WHERE user_id = $1`, kari.ID))
	if queued != 0 {
		t.Fatalf("the outbox holds %d rows for the user: a reset link must never be queued", queued)
	}

	// A person without a UI language who chose Danish for mails gets the link in Danish, as
	// every other mail to them.
	mette := s.user(org, "Mette Hansen", auth.RoleOrderer)
	testenv.Must(t, notify.SaveSettings(t.Context(), s.DB, mette.ID, notify.Settings{Language: "da"}))
	wantStatus(t, c.post("/admin/users/"+mette.ID+"/password-reset", nil), http.StatusOK)
	if mails := smtpSrv.To(mette.Email); len(mails) != 1 || mails[0].Subject != "Vælg en ny adgangskode i Avrop" {
		t.Fatalf("reset mail in the person's mail language: %+v", mails)
	}

	// The mail server is down: said so, and the link is shown to pass on.
	smtpSrv.Stop()
	p = c.post("/admin/users/"+kari.ID+"/password-reset", nil)
	wantStatus(t, p, http.StatusOK)
	if strings.Contains(p.Body, "skickad till") || !strings.Contains(p.Body, "Ge den till användaren") || resetLinkRE.FindStringSubmatch(p.Body) == nil {
		t.Fatalf("with the mail server down: %.3000s", p.Body)
	}
}
