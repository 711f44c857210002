package frontend_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
)

func TestSignInAndOut(t *testing.T) {
	s := newStack(t)
	buyer := s.org(auth.KindBuyer, "Karlstads kommun")
	anna := s.user(buyer, "Anna Orderer", auth.RoleOrderer)

	t.Run("anonymous is sent to login", func(t *testing.T) {
		p := s.client().get("/orders")
		wantStatus(t, p, http.StatusFound)
		if loc := p.Header.Get("Location"); !strings.HasPrefix(loc, "/login?next=") {
			t.Fatalf("Location = %q, want /login?next=…", loc)
		}
	})
	t.Run("wrong password is refused in words", func(t *testing.T) {
		c := s.client()
		p := c.post("/login", url.Values{"email": {anna.Email}, "password": {"wrong password!!"}})
		wantStatus(t, p, http.StatusUnauthorized)
		if !strings.Contains(p.Body, "Fel e-postadress eller lösenord.") {
			t.Fatalf("no Swedish error message in %s", p.Body)
		}
	})
	t.Run("cookies are HttpOnly and SameSite=Lax", func(t *testing.T) {
		c := s.client()
		csrf := c.csrf()
		p := c.do(http.MethodPost, "/login", url.Values{"email": {anna.Email}, "password": {testPassword}, "csrf": {csrf}})
		wantStatus(t, p, http.StatusSeeOther)
		var names []string
		for _, h := range p.Header.Values("Set-Cookie") {
			names = append(names, strings.SplitN(h, "=", 2)[0])
			if !strings.Contains(h, "HttpOnly") || !strings.Contains(h, "SameSite=Lax") {
				t.Errorf("cookie %q lacks HttpOnly or SameSite=Lax", h)
			}
		}
		for _, want := range []string{"avrop_at", "avrop_rt", "avrop_csrf"} {
			if !strings.Contains(strings.Join(names, ","), want) {
				t.Errorf("cookies %v lack %s", names, want)
			}
		}
		if got := p.Header.Get("Location"); got != "/catalog" {
			t.Errorf("Location = %q, want /catalog", got)
		}
	})
	t.Run("sign out ends the session", func(t *testing.T) {
		c := s.client()
		c.login(anna)
		p := c.post("/logout", nil)
		wantStatus(t, p, http.StatusSeeOther)
		wantStatus(t, c.get("/orders"), http.StatusFound)
	})
}

func TestSessionExpiredPage(t *testing.T) {
	s := newStack(t)
	buyer := s.org(auth.KindBuyer, "Kil kommun")
	anna := s.user(buyer, "Anna Expired", auth.RoleOrderer)
	c := s.client()
	c.login(anna)
	u, _ := url.Parse(s.URL)
	var rt string
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == "avrop_rt" {
			rt = ck.Value
		}
	}
	// The session's refresh family is revoked elsewhere (sign-out in another tab) and the access
	// token is broken: the next page must say the session has expired.
	if err := s.Auth.Logout(t.Context(), rt); err != nil {
		t.Fatal(err)
	}
	c.jar.SetCookies(u, []*http.Cookie{{Name: "avrop_at", Value: "expired.token.value", Path: "/"}})
	t.Run("htmx request is sent to login", func(t *testing.T) {
		c2 := s.client()
		c2.jar.SetCookies(u, []*http.Cookie{{Name: "avrop_at", Value: "expired", Path: "/"}, {Name: "avrop_rt", Value: "revoked", Path: "/"}})
		p := c2.do(http.MethodGet, "/catalog?q=x", nil, "HX-Request", "true", "HX-Target", "results")
		wantStatus(t, p, http.StatusUnauthorized)
		if got := p.Header.Get("HX-Redirect"); got != "/login?expired=1" {
			t.Fatalf("HX-Redirect = %q", got)
		}
	})
	p := c.get("/admin/users")
	wantStatus(t, p, http.StatusUnauthorized)
	if !strings.Contains(p.Body, "Din session har gått ut") {
		t.Fatalf("no expired message: %s", p.Body)
	}
	// The cookies are cleared: the next page asks to sign in.
	wantStatus(t, c.get("/admin/users"), http.StatusFound)
}

func TestNotFoundAndStatic(t *testing.T) {
	s := newStack(t)
	c := s.client()
	p := c.get("/no/such/page")
	wantStatus(t, p, http.StatusNotFound)
	if !strings.Contains(p.Body, "Sidan finns inte") {
		t.Fatalf("no 404 page: %.500s", p.Body)
	}
	for _, f := range []string{"/static/htmx.min.js", "/static/app.css", "/static/app.js"} {
		wantStatus(t, c.get(f), http.StatusOK)
	}
	// Not a file: a 404 page, never a 500 (an invalid path) nor a directory listing.
	for _, f := range []string{"/static/%ff", "/static/", "/static/nope.js", "/static/%2e%2e/templates/layout.html", "/static/..%2fstatic"} {
		if p := c.get(f); p.Status != http.StatusNotFound || strings.Contains(p.Body, ">app.js</a>") {
			t.Errorf("GET %s: status %d, want 404; body %.300s", f, p.Status, p.Body)
		}
	}
	if csp := c.get("/login").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("CSP = %q", csp)
	}
	// The API keeps its own problem documents.
	if ct := c.get("/api/v1/nothing").Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("API 404 content type = %q", ct)
	}
}

func TestTransparentRefresh(t *testing.T) {
	s := newStack(t)
	platform := s.org(auth.KindPlatform, "Plattform")
	admin := s.user(platform, "Ada Admin", auth.RoleAdmin)
	c := s.client()
	c.login(admin)
	u, _ := url.Parse(s.URL)
	// An expired or garbled access token with a good refresh token: the page still answers,
	// and new tokens are set.
	c.jar.SetCookies(u, []*http.Cookie{{Name: "avrop_at", Value: "garbled", Path: "/"}})
	p := c.get("/admin/users")
	wantStatus(t, p, http.StatusOK)
	if !strings.Contains(strings.Join(p.Header.Values("Set-Cookie"), ";"), "avrop_rt=") {
		t.Fatalf("refresh did not rotate the cookies: %v", p.Header.Values("Set-Cookie"))
	}
	wantStatus(t, c.get("/admin/organizations"), http.StatusOK)
}

func TestCSRF(t *testing.T) {
	s := newStack(t)
	platform := s.org(auth.KindPlatform, "Plattform")
	admin := s.user(platform, "Ada Admin", auth.RoleAdmin)
	c := s.client()
	c.login(admin)
	form := func() url.Values {
		return url.Values{"name": {"Arvika kommun"}, "org_number": {testenv.OrgNumber()}, "kind": {"buyer"}, "country": {"SE"}}
	}
	cases := []struct {
		name  string
		token string
	}{
		{"missing", ""},
		{"wrong", "not-the-token-of-this-session-at-all-xxxxx"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := form()
			if tc.token != "" {
				f.Set("csrf", tc.token)
			}
			p := c.do(http.MethodPost, "/admin/organizations", f)
			wantStatus(t, p, http.StatusForbidden)
			if !strings.Contains(p.Body, "säkerhetstoken") {
				t.Fatalf("no CSRF explanation: %s", p.Body)
			}
		})
	}
	t.Run("login without token", func(t *testing.T) {
		p := s.client().do(http.MethodPost, "/login", url.Values{"email": {admin.Email}, "password": {testPassword}})
		wantStatus(t, p, http.StatusForbidden)
	})
	t.Run("logout without token", func(t *testing.T) {
		wantStatus(t, c.do(http.MethodPost, "/logout", url.Values{}), http.StatusForbidden)
	})
	t.Run("with token", func(t *testing.T) {
		wantStatus(t, c.post("/admin/organizations", form()), http.StatusSeeOther)
		wantStatus(t, c.do(http.MethodPost, "/admin/organizations", form(), "X-CSRF-Token", "bad"), http.StatusForbidden)
	})
	t.Run("token in the htmx header only", func(t *testing.T) {
		// htmx sends the token as a header; the form's fields must still reach the handler.
		f := form()
		p := c.do(http.MethodPost, "/admin/organizations", f, "X-CSRF-Token", c.csrf(), "HX-Request", "true")
		if p.Status != http.StatusNoContent || !strings.Contains(p.Header.Get("HX-Redirect"), "org_created") {
			t.Fatalf("status %d, HX-Redirect %q; body %.1500s", p.Status, p.Header.Get("HX-Redirect"), p.Body)
		}
	})
}

func TestRolePages(t *testing.T) {
	s := newStack(t)
	buyer := s.org(auth.KindBuyer, "Hammarö kommun")
	supplier := s.org(auth.KindSupplier, "Vårdgrossisten AB")
	body := s.org(auth.KindProcurementBody, "Region Värmland")
	platform := s.org(auth.KindPlatform, "Plattform")
	users := map[string]auth.User{
		"orderer":  s.user(buyer, "Olle Orderer", auth.RoleOrderer),
		"approver": s.user(buyer, "Agnes Approver", auth.RoleApprover),
		"supplier": s.user(supplier, "Sam Supplier", auth.RoleSupplier),
		"manager":  s.user(body, "Maja Manager", auth.RoleManager),
		"admin":    s.user(platform, "Ada Admin", auth.RoleAdmin),
	}
	forbidden := map[string][]string{
		"orderer":  {"/approvals", "/supplier/orders", "/supplier/catalog", "/supplier/import", "/manager/agreements", "/manager/price-changes", "/admin/organizations", "/admin/users"},
		"approver": {"/supplier/orders", "/manager/agreements", "/admin/users"},
		"supplier": {"/catalog", "/approvals", "/manager/price-changes", "/admin/organizations"},
		"manager":  {"/catalog", "/approvals", "/supplier/catalog", "/admin/users"},
		"admin":    {"/catalog", "/approvals", "/supplier/orders", "/manager/agreements"},
	}
	for role, paths := range forbidden {
		c := s.client()
		c.login(users[role])
		for _, p := range paths {
			t.Run(role+p, func(t *testing.T) {
				res := c.get(p)
				wantStatus(t, res, http.StatusForbidden)
				if !strings.Contains(res.Body, "Du har inte behörighet") {
					t.Fatalf("403 page lacks its heading: %.500s", res.Body)
				}
			})
		}
	}
	t.Run("orderer cannot post an approval", func(t *testing.T) {
		c := s.client()
		c.login(users["orderer"])
		wantStatus(t, c.post("/admin/users", url.Values{"name": {"x"}}), http.StatusForbidden)
		wantStatus(t, c.post("/manager/price-changes/00000000-0000-0000-0000-000000000000/approve", nil), http.StatusForbidden)
	})
}

func TestLanguageSwitch(t *testing.T) {
	s := newStack(t)
	c := s.client()
	p := c.get("/login")
	wantStatus(t, p, http.StatusOK)
	if !strings.Contains(p.Body, `<html lang="sv">`) || !strings.Contains(p.Body, "Logga in i Avrop") {
		t.Fatalf("default page is not Swedish: %.500s", p.Body)
	}
	sw := c.get("/lang/en?next=/login")
	wantStatus(t, sw, http.StatusSeeOther)
	if loc := sw.Header.Get("Location"); loc != "/login" {
		t.Fatalf("Location = %q, want /login", loc)
	}
	p = c.get("/login")
	if !strings.Contains(p.Body, `<html lang="en">`) || !strings.Contains(p.Body, "Sign in to Avrop") || strings.Contains(p.Body, "Logga in i Avrop") {
		t.Fatalf("page after switch is not English: %.500s", p.Body)
	}
	t.Run("off-site next is ignored", func(t *testing.T) {
		sw := c.get("/lang/sv?next=//evil.example/")
		if loc := sw.Header.Get("Location"); loc != "/" {
			t.Fatalf("Location = %q, want /", loc)
		}
	})
}

func TestAdminCreatesOrganizationAndUser(t *testing.T) {
	s := newStack(t)
	platform := s.org(auth.KindPlatform, "Plattform")
	admin := s.user(platform, "Ada Admin", auth.RoleAdmin)
	c := s.client()
	c.login(admin)
	p := c.post("/admin/organizations", url.Values{"name": {"Sunne kommun"}, "org_number": {testenv.OrgNumber()}, "kind": {"buyer"}, "country": {"SE"}, "approval_threshold": {"10 000,00"}})
	wantStatus(t, p, http.StatusSeeOther)
	p = c.get(p.Header.Get("Location"))
	if !strings.Contains(p.Body, "Sunne kommun") || !strings.Contains(p.Body, "10\u00a0000,00\u00a0kr") || !strings.Contains(p.Body, "Organisationen är skapad.") {
		t.Fatalf("organisation list lacks the new organisation: %s", p.Body)
	}
	t.Run("invalid input is shown beside the field", func(t *testing.T) {
		p := c.post("/admin/organizations", url.Values{"name": {""}, "org_number": {"1"}, "kind": {"buyer"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !strings.Contains(p.Body, `id="name-error"`) || !strings.Contains(p.Body, "Måste fyllas i och får inte vara för långt.") {
			t.Fatalf("no field error: %s", p.Body)
		}
	})
	t.Run("user with a role that does not fit", func(t *testing.T) {
		p := c.post("/admin/users", url.Values{"name": {"Bo"}, "email": {"bo@example.se"}, "password": {testPassword}, "org_id": {platform.ID}, "roles": {"orderer"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !strings.Contains(p.Body, "Rollen passar inte") {
			t.Fatalf("no role error: %s", p.Body)
		}
	})
	t.Run("user created", func(t *testing.T) {
		p := c.post("/admin/users", url.Values{"name": {"Bo Admin"}, "email": {"bo.admin@example.se"}, "password": {testPassword}, "org_id": {platform.ID}, "roles": {"admin"}})
		wantStatus(t, p, http.StatusSeeOther)
		if p := c.get(p.Header.Get("Location")); !strings.Contains(p.Body, "bo.admin@example.se") || !strings.Contains(p.Body, "Användaren är skapad.") {
			t.Fatal("the page after creating a user does not show them")
		}
	})
}

// TestConcurrentRefresh: a page that fires several requests at once with an expired access
// token must not present the refresh token twice (which would revoke the session).
func TestConcurrentRefresh(t *testing.T) {
	s := newStack(t)
	platform := s.org(auth.KindPlatform, "Plattform")
	admin := s.user(platform, "Ada Admin", auth.RoleAdmin)
	c := s.client()
	c.login(admin)
	u, _ := url.Parse(s.URL)
	c.jar.SetCookies(u, []*http.Cookie{{Name: "avrop_at", Value: "expired", Path: "/"}})
	var rt string
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == "avrop_rt" {
			rt = ck.Value
		}
	}
	const n = 8
	statuses := make(chan int, n)
	for range n {
		go func() {
			req, _ := http.NewRequest(http.MethodGet, s.URL+"/admin/users", nil)
			req.AddCookie(&http.Cookie{Name: "avrop_at", Value: "expired"})
			req.AddCookie(&http.Cookie{Name: "avrop_rt", Value: rt})
			res, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				statuses <- 0
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		}()
	}
	for range n {
		if got := <-statuses; got != http.StatusOK {
			t.Errorf("concurrent refresh: status %d, want 200", got)
		}
	}
	// The session is still alive afterwards (its family was not revoked).
	wantStatus(t, c.get("/admin/organizations"), http.StatusOK)
}

func TestAgreementUsageCSV(t *testing.T) {
	s := newStack(t)
	w := newWorld(t, s)
	c := s.client()
	c.login(w.manager)
	p := c.get("/manager/agreements/" + w.agreement.ID + "/usage.csv")
	wantStatus(t, p, http.StatusOK)
	if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	lines := strings.Split(strings.TrimSpace(p.Body), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "scope,org_id,org_name") || !strings.Contains(lines[2], w.buyer.ID) {
		t.Fatalf("csv = %q", p.Body)
	}
	t.Run("other roles", func(t *testing.T) {
		o := s.client()
		o.login(w.orderer)
		wantStatus(t, o.get("/manager/agreements/"+w.agreement.ID+"/usage.csv"), http.StatusForbidden)
	})
}
