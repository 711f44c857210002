package frontend_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/go-redis/redis_rate/v10"
	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/api"
	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/frontend"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/notify"
	"github.com/avrop/avrop/orders"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

const testPassword = "correct horse battery staple"

// stack is the whole application — API and UI — on a test server with real services.
type stack struct {
	t        testing.TB
	URL      string
	Auth     *auth.Service
	Catalog  *catalog.Service
	Orders   *orders.Service
	Invoices *invoices.Service
	DB       *sqlx.DB
	srv      *httptest.Server
}

var adminCaller = auth.Caller{Roles: []auth.Role{auth.RoleAdmin}, OrgKind: auth.KindPlatform}

func newStack(t testing.TB) *stack {
	t.Helper()
	return newStackWith(t, testAuthConfig())
}

func testAuthConfig() auth.Config {
	cfg := auth.DefaultConfig([]byte("test-secret-0123456789abcdef0123456789"))
	cfg.AddressLimit = redis_rate.Limit{}
	cfg.RedisPrefix = testenv.RedisPrefix()
	return cfg
}

// newStackWith is the stack with an auth configuration; opts change the UI's dependencies
// (a mail server for reset links, say).
func newStackWith(t testing.TB, cfg auth.Config, opts ...func(*frontend.Deps)) *stack {
	t.Helper()
	db := testenv.DB(t)
	rdb := testenv.Redis(t)
	var logOut io.Writer = io.Discard
	if os.Getenv("FRONTEND_LOG") != "" {
		logOut = os.Stderr
	}
	logger := slog.New(slog.NewTextHandler(logOut, nil))
	a := auth.NewService(db, rdb, cfg)
	cat := catalog.NewService(db, rdb, testenv.RedisPrefix())
	ord := orders.NewService(db, cat)
	inv := invoices.NewService(db, nil)
	deps := frontend.Deps{Auth: a, Catalog: cat, Orders: ord, Invoices: inv, Mail: notify.NewPreferences(db), Logger: logger}
	for _, o := range opts {
		o(&deps)
	}
	ui := frontend.New(deps)
	srv := httptest.NewServer(api.NewHandler(api.Deps{DB: db, Redis: rdb, Auth: a, Catalog: cat, Orders: ord, Invoices: inv, Logger: logger, Frontend: ui}))
	t.Cleanup(srv.Close)
	return &stack{t: t, URL: srv.URL, Auth: a, Catalog: cat, Orders: ord, Invoices: inv, DB: db, srv: srv}
}

// org creates an organisation of kind.
func (s *stack) org(kind auth.OrgKind, name string) auth.Organization {
	s.t.Helper()
	o, err := s.Auth.CreateOrganization(context.Background(), adminCaller, auth.OrganizationInput{
		Name: name, OrgNumber: testenv.OrgNumber(), Kind: kind, Country: "SE"})
	testenv.Must(s.t, err)
	return o
}

// user creates a user of org with roles; the email is unique and the password testPassword.
func (s *stack) user(org auth.Organization, name string, roles ...auth.Role) auth.User {
	s.t.Helper()
	u, err := s.Auth.CreateUser(context.Background(), adminCaller, auth.UserInput{
		Email: asciiEmail.Replace(strings.ToLower(strings.ReplaceAll(name, " ", "."))) + "." + testenv.Unique() + "@example.se",
		Name:  name, Password: testPassword, OrgID: org.ID, Roles: roles})
	testenv.Must(s.t, err)
	return u
}

// asciiEmail keeps test addresses ASCII: browsers refuse non-ASCII local parts in type=email.
var asciiEmail = strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "é", "e")

func callerOf(u auth.User, kind auth.OrgKind) auth.Caller {
	c := auth.Caller{UserID: u.ID, OrgID: u.OrgID, OrgKind: kind}
	for _, r := range u.Roles {
		c.Roles = append(c.Roles, auth.Role(r))
	}
	return c
}

// client is a cookie-keeping HTTP client that does not follow redirects.
type client struct {
	t   testing.TB
	s   *stack
	jar *cookiejar.Jar
	hc  *http.Client
}

func (s *stack) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: s.t, s: s, jar: jar, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	Status int
	Header http.Header
	Body   string
}

func (c *client) do(method, path string, form url.Values, headers ...string) page {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.s.URL+path, body)
	testenv.Must(c.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.hc.Do(req)
	testenv.Must(c.t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func (c *client) get(path string) page { c.t.Helper(); return c.do(http.MethodGet, path, nil) }

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the form token of the client's session, read from a page's hidden field.
func (c *client) csrf() string {
	c.t.Helper()
	p := c.get("/login")
	m := csrfRE.FindStringSubmatch(p.Body)
	if m == nil {
		c.t.Fatalf("no csrf field on /login: %s", p.Body)
	}
	return m[1]
}

// post sends a form with the session's CSRF token.
func (c *client) post(path string, form url.Values) page {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", c.csrf())
	return c.do(http.MethodPost, path, form)
}

func (c *client) login(u auth.User) {
	c.t.Helper()
	p := c.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}})
	if p.Status != http.StatusSeeOther {
		c.t.Fatalf("login: status %d, want 303; body %s", p.Status, p.Body)
	}
}

func wantStatus(t testing.TB, p page, want int) {
	t.Helper()
	if p.Status != want {
		t.Fatalf("status = %d, want %d; body: %.2000s", p.Status, want, p.Body)
	}
}
