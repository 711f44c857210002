package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/frontend"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/internal/testenv"
	"github.com/avrop/avrop/notify"
	"github.com/avrop/avrop/orders"
)

// TestDatabaseDown stops a PostgreSQL of the test's own while the service runs: API requests
// answer 503 problem documents with Retry-After, UI pages a 503 page, the log gets one error
// line for the outage rather than one per request, and when PostgreSQL is back the same
// requests succeed again.
func TestDatabaseDown(t *testing.T) {
	testenv.Redis(t) // skips locally (fails in CI) without the servers
	pg := testenv.StartPostgres(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, pg.URL)
	testenv.Must(t, err)
	t.Cleanup(func() { db.Close() })
	testenv.Must(t, postgres.Migrate(ctx, db.DB))
	rdb := testenv.Redis(t)
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	cfg := testAuthConfig()
	authSvc := auth.NewService(db, rdb, cfg)
	cat := catalog.NewService(db, rdb, testenv.RedisPrefix()+"down:")
	ord := orders.NewService(db, cat)
	h := NewHandler(Deps{DB: db, Redis: rdb, Auth: authSvc, Catalog: cat, Orders: ord, Logger: logger,
		Frontend: frontend.New(frontend.Deps{Auth: authSvc, Catalog: cat, Orders: ord, Mail: notify.NewPreferences(db), Logger: logger})})
	org, err := authSvc.CreateOrganization(ctx, admin, auth.OrganizationInput{Name: "Nedkommun", OrgNumber: testenv.OrgNumber(), Kind: auth.KindBuyer})
	testenv.Must(t, err)
	u, err := authSvc.CreateUser(ctx, admin, auth.UserInput{Email: "down@example.se", Name: "Ned", Password: testPassword, OrgID: org.ID,
		Roles: []auth.Role{auth.RoleOrderer}})
	testenv.Must(t, err)
	sess, err := authSvc.Login(ctx, u.Email, testPassword, "192.0.2.1")
	testenv.Must(t, err)

	call := func(method, path string, body string, headers ...string) *httptest.ResponseRecorder {
		var r *http.Request
		if body != "" {
			r = httptest.NewRequest(method, path, stringsReader(body))
			r.Header.Set("Content-Type", "application/json")
		} else {
			r = httptest.NewRequest(method, path, nil)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	api := func() *httptest.ResponseRecorder {
		return call("GET", "/api/v1/agreements", "", "Authorization", "Bearer "+sess.AccessToken)
	}
	if w := api(); w.Code != http.StatusOK {
		t.Fatalf("before the outage: %d %s", w.Code, w.Body)
	}

	pg.Stop()
	requests := []struct {
		name     string
		do       func() *httptest.ResponseRecorder
		page     bool
		parallel bool
	}{
		{"an API read", api, false, true},
		{"a sign-in", func() *httptest.ResponseRecorder {
			return call("POST", "/api/v1/auth/login", `{"email":"down@example.se","password":"`+testPassword+`"}`)
		}, false, false}, // one after another: an attempt the outage failed is not counted against the person
		{"a UI page", func() *httptest.ResponseRecorder {
			return call("GET", "/orders", "", "Cookie", "avrop_at="+sess.AccessToken+"; avrop_rt="+sess.RefreshToken+"; avrop_csrf="+testenv.Unique()+testenv.Unique()+testenv.Unique()+testenv.Unique())
		}, true, true},
	}
	var wg sync.WaitGroup
	for _, rq := range requests {
		for range 50 {
			if !rq.parallel {
				wg.Wait()
			}
			wg.Go(func() {
				w := rq.do()
				if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "1" {
					t.Errorf("%s with PostgreSQL down: %d Retry-After %q, want 503 with Retry-After 1; %.300s", rq.name, w.Code, w.Header().Get("Retry-After"), w.Body)
					return
				}
				if !rq.page && (w.Header().Get("Content-Type") != "application/problem+json" || !contains(w.Body.String(), `"code":"database_unavailable"`)) {
					t.Errorf("%s: not a database_unavailable problem: %s", rq.name, w.Body)
				}
			})
		}
	}
	wg.Wait()
	if w := call("GET", "/readyz", ""); w.Code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with PostgreSQL down = %d, want 503", w.Code)
	}
	errorsLogged := 0
	for _, l := range logs.lines(t) {
		if l["level"] == "ERROR" {
			errorsLogged++
		}
	}
	// One line for the API and one for the UI at most: 150 failed requests, not 150 lines.
	if errorsLogged < 1 || errorsLogged > 2 {
		t.Errorf("%d ERROR lines for 150 requests during the outage, want 1 or 2 (one per outage interval)", errorsLogged)
	}

	pg.Start()
	var w *httptest.ResponseRecorder
	for range 50 { // the pool's dead connections are dropped as they are found
		if w = api(); w.Code == http.StatusOK {
			break
		}
	}
	if w.Code != http.StatusOK {
		t.Fatalf("after PostgreSQL came back: %d %s", w.Code, w.Body)
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
