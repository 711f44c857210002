// Package frontend is Avrop's web UI: server-rendered pages from templates embedded in the
// binary, enhanced with htmx, in Swedish and English. It calls the same domain services as the
// API, so the rules are enforced once. Sessions are the API's own tokens kept in HttpOnly
// cookies; every POST carries a per-session CSRF token.
package frontend

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/clientip"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/notify"
	"github.com/avrop/avrop/orders"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are the services and settings the UI needs.
type Deps struct {
	Auth    *auth.Service
	Catalog *catalog.Service
	Orders  *orders.Service
	// Invoices serves the invoice and contract-loyalty pages (SPEC §9).
	Invoices *invoices.Service
	// Mail holds each person's mail settings, for the settings page (SPEC §8).
	Mail   *notify.Preferences
	Logger *slog.Logger
	// Secure marks cookies Secure; true everywhere but plain-HTTP development.
	Secure bool
	// TrustedProxies are the proxies whose X-Forwarded-For names the client; none by default.
	TrustedProxies clientip.Trusted
	// ResetMail mails a password reset link to its user; nil shows the link only to the
	// administrator who made it.
	ResetMail ResetMailer
	// Now is the clock for dates shown and defaulted in forms; nil means time.Now.
	Now func() time.Time
}

type server struct {
	Deps
	pages    map[string]*pageTemplate
	sessions *refresher
	outage   postgres.OutageLog
}

// New returns the handler of every UI path: pages, forms and /static/.
func New(d Deps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &server{Deps: d, pages: parseTemplates(), sessions: newRefresher(d.Auth)}
	return s.routes()
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	// Only files are served: a directory, an invalid path (/static/%ff) or a missing file gets
	// the 404 page rather than a listing or a 500.
	mux.Handle("GET /static/{file...}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		if st, err := fs.Stat(static, name); !fs.ValidPath(name) || !utf8.ValidString(name) || err != nil || st.IsDir() {
			s.public(func(q *req) error { return errNotFound })(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		http.ServeFileFS(w, r, static, name)
	}))

	mux.HandleFunc("GET /{$}", s.public(s.home))
	mux.HandleFunc("GET /login", s.public(s.loginPage))
	mux.HandleFunc("POST /login", s.public(s.login))
	mux.HandleFunc("POST /logout", s.public(s.logout))
	mux.HandleFunc("GET /lang/{lang}", s.switchLanguage)

	buyer := []auth.Role{auth.RoleOrderer, auth.RoleApprover}
	mux.HandleFunc("GET /catalog", s.authed(s.catalogPage, buyer...))
	mux.HandleFunc("GET /catalog/results", s.authed(s.catalogResults, buyer...))
	mux.HandleFunc("GET /catalog/items/{id}", s.authed(s.itemPage, buyer...))
	mux.HandleFunc("GET /catalog/items/{id}/image/{hash}/{size}", s.authed(s.itemImage))
	mux.HandleFunc("GET /cart", s.authed(s.cartPage, buyer...))
	mux.HandleFunc("POST /cart/add", s.authed(s.cartAdd, buyer...))
	mux.HandleFunc("POST /cart/update", s.authed(s.cartUpdate, buyer...))
	mux.HandleFunc("POST /cart/restore", s.authed(s.cartRestore, buyer...))
	mux.HandleFunc("GET /checkout", s.authed(s.checkoutPage, buyer...))
	mux.HandleFunc("POST /checkout", s.authed(s.checkout, buyer...))
	mux.HandleFunc("GET /orders", s.authed(s.myOrders, buyer...))
	mux.HandleFunc("GET /orders/{id}", s.authed(s.orderPage, auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier, auth.RoleManager))
	mux.HandleFunc("POST /orders/{id}/respond", s.authed(s.respondOrder, auth.RoleSupplier))
	mux.HandleFunc("POST /orders/{id}/{move}", s.authed(s.orderMove, auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier))
	mux.HandleFunc("POST /orders/{id}/deviations", s.authed(s.reportDeviation, buyer...))
	mux.HandleFunc("POST /orders/{id}/reorder", s.authed(s.reorder, buyer...))
	mux.HandleFunc("POST /orders/{id}/deviations/{dev}/respond", s.authed(s.respondDeviation, auth.RoleSupplier))
	mux.HandleFunc("POST /orders/{id}/deviations/{dev}/close", s.authed(s.closeDeviation, auth.RoleManager))

	mux.HandleFunc("GET /favourites", s.authed(s.favouritesPage, buyer...))
	mux.HandleFunc("POST /favourites/clear-ended", s.authed(s.clearEndedFavourites, buyer...))
	mux.HandleFunc("POST /favourites/{id}", s.authed(s.setFavourite, buyer...))
	mux.HandleFunc("GET /organizations/{id}/details", s.authed(s.savedDetailsPage, auth.RoleApprover, auth.RoleAdmin))
	mux.HandleFunc("POST /organizations/{id}/details", s.authed(s.addSavedDetail, auth.RoleApprover, auth.RoleAdmin))
	mux.HandleFunc("POST /organizations/{id}/details/{detail}/delete", s.authed(s.removeSavedDetail, auth.RoleApprover, auth.RoleAdmin))

	mux.HandleFunc("GET /approvals", s.authed(s.approvals, auth.RoleApprover))

	mux.HandleFunc("GET /supplier/orders", s.authed(s.supplierOrders, auth.RoleSupplier))
	mux.HandleFunc("GET /supplier/catalog", s.authed(s.supplierCatalog, auth.RoleSupplier))
	mux.HandleFunc("POST /supplier/items/{id}/price", s.authed(s.changePrice, auth.RoleSupplier))
	mux.HandleFunc("POST /supplier/items/{id}/image", s.authed(s.uploadItemImage, auth.RoleSupplier))
	mux.HandleFunc("POST /supplier/items/{id}/image/delete", s.authed(s.removeItemImage, auth.RoleSupplier))
	mux.HandleFunc("GET /supplier/import", s.authed(s.importPage, auth.RoleSupplier))
	mux.HandleFunc("POST /supplier/import", s.authed(s.importPriceList, auth.RoleSupplier))
	mux.HandleFunc("GET /supplier/import/template", s.priceListTemplate)

	mux.HandleFunc("GET /manager/agreements", s.authed(s.agreements, auth.RoleManager))
	mux.HandleFunc("GET /manager/agreements/{id}", s.authed(s.agreementPage, auth.RoleManager))
	s.agreementControlRoutes(mux)
	mux.HandleFunc("GET /manager/agreements/{id}/usage.csv", s.authed(s.agreementUsageCSV, auth.RoleManager))
	mux.HandleFunc("GET /manager/price-changes", s.authed(s.priceChanges, auth.RoleManager))
	mux.HandleFunc("POST /manager/price-changes/{id}/{decision}", s.authed(s.decidePriceChange, auth.RoleManager))
	mux.HandleFunc("GET /followup", s.authed(s.followupPage, followupRoles...))
	mux.HandleFunc("GET /followup/spend.csv", s.authed(s.followupSpendCSV, followupRoles...))
	mux.HandleFunc("GET /followup/scorecards.csv", s.authed(s.followupScorecardsCSV, followupRoles...))

	s.invoiceRoutes(mux)
	s.accountRoutes(mux)

	mux.HandleFunc("GET /admin/organizations", s.authed(s.adminOrganizations, auth.RoleAdmin))
	mux.HandleFunc("POST /admin/organizations", s.authed(s.adminCreateOrganization, auth.RoleAdmin))
	mux.HandleFunc("GET /admin/organizations/{id}", s.authed(s.adminOrganization, auth.RoleAdmin))
	mux.HandleFunc("POST /admin/organizations/{id}", s.authed(s.adminUpdateOrganization, auth.RoleAdmin))
	mux.HandleFunc("GET /admin/users", s.authed(s.adminUsers, auth.RoleAdmin))
	mux.HandleFunc("POST /admin/users", s.authed(s.adminCreateUser, auth.RoleAdmin))
	mux.HandleFunc("POST /admin/users/{id}/active", s.authed(s.adminSetUserActive, auth.RoleAdmin))
	mux.HandleFunc("GET /admin/users/{id}", s.authed(s.adminUser, auth.RoleAdmin))
	mux.HandleFunc("POST /admin/users/{id}", s.authed(s.adminUpdateUser, auth.RoleAdmin))
	mux.HandleFunc("POST /admin/users/{id}/password-reset", s.authed(s.adminResetPassword, auth.RoleAdmin))
	mux.HandleFunc("GET /password-reset", s.public(s.passwordResetPage))
	mux.HandleFunc("POST /password-reset", s.public(s.passwordReset))

	s.welfareRoutes(mux)

	return s.secureHeaders(s.notFoundFallback(mux))
}

// secureHeaders sets the headers every page carries: no framing, no sniffing, a strict CSP
// (htmx and our script are same-origin files; htmx's own indicator styles are turned off in
// its config, so no inline style is needed).
func (s *server) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		r.Body = http.MaxBytesReader(w, r.Body, 10<<20)
		next.ServeHTTP(w, r)
	})
}

// notFoundFallback renders the UI's own 404 and 405 pages instead of the mux's plain text.
func (s *server) notFoundFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			s.public(func(q *req) error { return errNotFound })(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}
