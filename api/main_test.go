package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/orders"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// testAPI drives the real handler with real services on this package's test database.
type testAPI struct {
	t       testing.TB
	handler http.Handler
	Auth    *auth.Service
	Catalog *catalog.Service
	Orders  *orders.Service
	Deps    Deps
}

const testPassword = "correct horse battery staple"

// testAuthConfig is the production config without the per-address login limit, which every
// test shares; rate-limit tests set their own.
func testAuthConfig() auth.Config {
	cfg := auth.DefaultConfig([]byte("test-secret-0123456789abcdef0123456789"))
	cfg.AddressLimit.Rate = 0
	cfg.RedisPrefix = testenv.RedisPrefix()
	return cfg
}

func newTestAPI(t testing.TB) *testAPI {
	return newTestAPIWith(t, testAuthConfig())
}

func newTestAPIWith(t testing.TB, cfg auth.Config) *testAPI {
	t.Helper()
	return newTestAPIDeps(t, cfg, nil)
}

// newTestAPIDeps is newTestAPIWith with a last say over the dependencies (another logger, a
// Redis client that cannot connect) before the handler is built.
func newTestAPIDeps(t testing.TB, cfg auth.Config, change func(*Deps)) *testAPI {
	t.Helper()
	db := testenv.DB(t)
	rdb := testenv.Redis(t)
	a := auth.NewService(db, rdb, cfg)
	cat := catalog.NewService(db, rdb, testenv.RedisPrefix())
	ord := orders.NewService(db, cat)
	d := Deps{DB: db, Redis: rdb, Auth: a, Catalog: cat, Orders: ord, Invoices: invoices.NewService(db, nil),
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	if change != nil {
		change(&d)
	}
	return &testAPI{t: t, handler: NewHandler(d), Auth: d.Auth, Catalog: d.Catalog, Orders: d.Orders, Deps: d}
}

// response is a recorded response with its decoded JSON body.
type response struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any
}

// do sends a request; body may be nil, a []byte/string (sent as is) or a value sent as JSON.
func (a *testAPI) do(method, path, token string, body any, headers ...string) response {
	a.t.Helper()
	return a.doFrom("", method, path, token, body, headers...)
}

// doFrom is do from the client address remoteAddr ("host:port"; "" keeps httptest's
// 192.0.2.1:1234).
func (a *testAPI) doFrom(remoteAddr, method, path, token string, body any, headers ...string) response {
	a.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = bytes.NewReader([]byte(b))
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		r = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, path, r).WithContext(context.Background())
	if remoteAddr != "" {
		req.RemoteAddr = remoteAddr
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	// Result().Header is the header as it was when the status was written: a header set
	// after that would never reach a real client, so tests must not see it either.
	res := response{Status: rec.Code, Header: rec.Result().Header, Body: rec.Body.Bytes()}
	json.Unmarshal(res.Body, &res.JSON) //nolint:errcheck // not every body is an object
	return res
}

// wantStatus fails the test unless res has status want.
func wantStatus(t testing.TB, res response, want int) {
	t.Helper()
	if res.Status != want {
		t.Fatalf("status = %d, want %d; body: %s", res.Status, want, res.Body)
	}
}

// wantProblem fails unless res is a problem document with status and (when not "") code.
func wantProblem(t testing.TB, res response, status int, code string) {
	t.Helper()
	wantStatus(t, res, status)
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type = %q, want application/problem+json; body: %s", ct, res.Body)
	}
	if got, _ := res.JSON["status"].(float64); int(got) != status {
		t.Fatalf("problem status = %v, want %d", res.JSON["status"], status)
	}
	if res.JSON["title"] == nil || res.JSON["type"] == nil {
		t.Fatalf("problem lacks type or title: %s", res.Body)
	}
	if code != "" && res.JSON["code"] != code {
		t.Fatalf("problem code = %v, want %s; body: %s", res.JSON["code"], code, res.Body)
	}
}

// admin is a platform administrator caller for setting up fixtures through the services.
var admin = auth.Caller{UserID: "00000000-0000-0000-0000-000000000000", OrgKind: auth.KindPlatform, Roles: []auth.Role{auth.RoleAdmin}}

// org creates an organisation of kind with a unique name.
func (a *testAPI) org(kind auth.OrgKind) auth.Organization {
	a.t.Helper()
	u := testenv.Unique()
	o, err := a.Auth.CreateOrganization(context.Background(), admin, auth.OrganizationInput{
		Name: string(kind) + " " + u, OrgNumber: testenv.OrgNumber(), Kind: kind, Country: "SE"})
	testenv.Must(a.t, err)
	return o
}

// user creates a user in org with roles, signs them in and returns the user and access token.
func (a *testAPI) user(org auth.Organization, roles ...auth.Role) (auth.User, string) {
	a.t.Helper()
	u, err := a.Auth.CreateUser(context.Background(), admin, auth.UserInput{
		Email: "u" + testenv.Unique() + "@example.se", Name: "Test " + string(roles[0]), Password: testPassword, OrgID: org.ID, Roles: roles})
	testenv.Must(a.t, err)
	sess, err := a.Auth.Login(context.Background(), u.Email, testPassword, "192.0.2.1")
	testenv.Must(a.t, err)
	return u, sess.AccessToken
}

// callerOfUser is the auth.Caller of a fixture user, for calling services directly.
func callerOfUser(u auth.User, kind auth.OrgKind) auth.Caller {
	roles := make([]auth.Role, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = auth.Role(r)
	}
	return auth.Caller{UserID: u.ID, OrgID: u.OrgID, OrgKind: kind, Roles: roles}
}
