package frontend

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/orders"
)

// pageTemplate is one page parsed together with the layout.
type pageTemplate struct{ t *template.Template }

var funcs = template.FuncMap{
	"join": strings.Join,
	// maxQuantity is the largest quantity an order line takes: the quantity fields' max
	// comes from the orders' own limit, never a number of the UI's.
	"maxQuantity": func() int { return orders.MaxQuantity },
	"add":         func(a, b int) int { return a + b },
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
	"derefs": func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	},
	// bp turns basis points into a percentage: 300 → 3.0.
	"bp": func(bp int) float64 { return float64(bp) / 100 },
	// bpp is bp of an optional rate (callers check it is there).
	"bpp": func(bp *int) float64 { return float64(*bp) / 100 },
	// change is the percentage change from old to new.
	"change": func(old, new int64) float64 {
		if old == 0 {
			return 0
		}
		return float64(new-old) * 100 / float64(old)
	},
	"pct": func(p *float64) float64 {
		if p == nil {
			return 0
		}
		return *p
	},
	"list3": func(a, b, c string) []string { return []string{a, b, c} },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}

// parseTemplates parses every page with layout.html and partials.html; a template error is a
// bug caught by the first test, so it panics.
func parseTemplates() map[string]*pageTemplate {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*pageTemplate{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		t := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", n))
		out[base] = &pageTemplate{t: t}
	}
	return out
}

// view is what every template receives: the language, the user, the CSRF token, the
// navigation and the page's own data in D.
type view struct {
	Lang    string
	Title   string
	User    *auth.User
	Org     *auth.Organization
	CSRF    string
	Nav     []navLink
	Path    string
	Here    string // the page's path and query, where a language switch returns to
	Flash   string
	D       any
	tr      map[string]string
	money   func(int64, string) string
	csrfHdr template.HTMLAttr
}

type navLink struct {
	Href, Label string
	Current     bool
}

// T translates key into the page's language; args fill %s/%d verbs in the text.
func (v *view) T(key string, args ...any) string { return translate(v.Lang, key, args...) }

// OtherLanguages are the languages the switch offers: every UI language but the page's.
func (v *view) OtherLanguages() []struct{ Code, Name string } {
	var out []struct{ Code, Name string }
	for _, l := range languages {
		if l.Code != v.Lang {
			out = append(out, l)
		}
	}
	return out
}

// Money formats minor units of currency for the page's language: "1 234,50 kr", "SEK 1,234.50".
func (v *view) Money(minor int64, currency string) string {
	return formatMoney(v.Lang, minor, currency)
}

// Eco names an eco-label; a label the UI has no name for is shown as written by the supplier.
func (v *view) Eco(label string) string {
	if hasKey("eco." + label) {
		return translate(v.Lang, "eco."+label)
	}
	return strings.ReplaceAll(label, "_", " ")
}

// Date formats a date for the page's language (ISO dates read well in both).
func (v *view) Date(t any) string {
	switch d := t.(type) {
	case time.Time:
		if d.IsZero() {
			return ""
		}
		return d.Format("2006-01-02")
	case *time.Time:
		if d == nil {
			return ""
		}
		return d.Format("2006-01-02")
	case *string:
		if d == nil {
			return ""
		}
		return v.Date(*d)
	case string:
		if len(d) >= 10 {
			return d[:10]
		}
		return d
	}
	return fmt.Sprint(t)
}

// DateTime formats a moment in Swedish local time.
func (v *view) DateTime(t time.Time) string { return t.In(stockholm).Format("2006-01-02 15:04") }

// Percent formats a share given in basis points or as a float percentage.
func (v *view) Percent(p float64) string { return formatPercent(v.Lang, p) }

// HxHeaders is the hx-headers attribute that makes every htmx request carry the CSRF token.
func (v *view) HxHeaders() template.HTMLAttr {
	return template.HTMLAttr(fmt.Sprintf(`hx-headers='{"%s": "%s"}'`, csrfHeader, template.JSEscapeString(v.CSRF)))
}

var stockholm = func() *time.Location {
	l, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return time.UTC
	}
	return l
}()

// render writes page name with the layout (or, for an htmx request of a fragment, only the
// template named "content").
func (q *req) render(status int, name, titleKey string, data any) error {
	return q.renderBlock(status, name, "layout.html", titleKey, data)
}

// renderFragment writes only the named block of a page, for htmx swaps.
func (q *req) renderFragment(status int, name, block string, data any) error {
	return q.renderBlock(status, name, block, "", data)
}

func (q *req) renderBlock(status int, name, block, titleKey string, data any) error {
	p, ok := q.s.pages[name]
	if !ok {
		return fmt.Errorf("frontend: no template %q", name)
	}
	v := &view{Lang: q.lang, Title: translate(q.lang, titleKey), CSRF: q.csrf, Path: q.r.URL.Path, Here: hereOf(q.r), D: data}
	if q.caller != nil {
		v.User, v.Org = &q.user, &q.org
		v.Nav = navFor(q.lang, *q.caller, q.r.URL.Path, readCart(q.r).len())
	}
	if f := q.r.URL.Query().Get("msg"); f != "" && hasKey("flash."+f) {
		v.Flash = translate(q.lang, "flash."+f)
	}
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, block, v); err != nil {
		return fmt.Errorf("frontend: render %s: %w", name, err)
	}
	h := q.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", q.lang)
	h.Set("Vary", "Cookie, HX-Request")
	q.w.WriteHeader(status)
	_, err := q.w.Write(buf.Bytes())
	return err
}

func navFor(lang string, c auth.Caller, path string, cartLines int) []navLink {
	var links []navLink
	add := func(href, key string) {
		links = append(links, navLink{Href: href, Label: translate(lang, key), Current: path == href || strings.HasPrefix(path, href+"/")})
	}
	if c.HasAny(auth.RoleOrderer, auth.RoleApprover) {
		add("/catalog", "nav.catalog")
		add("/favourites", "nav.favourites")
		if cartLines > 0 {
			links = append(links, navLink{Href: "/cart", Label: translate(lang, "nav.cart_count", cartLines), Current: path == "/cart"})
		} else {
			add("/cart", "nav.cart")
		}
		add("/orders", "nav.orders")
		add("/devices", "nav.devices")
	}
	if c.Has(auth.RoleApprover) {
		add("/approvals", "nav.approvals")
		add("/organizations/"+c.OrgID+"/details", "nav.saved_details")
	}
	if c.Has(auth.RoleSupplier) {
		add("/supplier/orders", "nav.supplier_orders")
		add("/supplier/catalog", "nav.supplier_catalog")
		add("/supplier/import", "nav.supplier_import")
		add("/supplier/submissions", "nav.submissions")
		add("/supplier/installations", "nav.installations")
	}
	if c.Has(auth.RoleManager) {
		add("/manager/agreements", "nav.agreements")
		add("/manager/price-changes", "nav.price_changes")
		add("/manager/submissions", "nav.submissions")
	}
	if c.HasAny(auth.RoleManager, auth.RoleApprover) {
		add("/followup", "nav.followup")
		add("/rollout", "nav.rollout")
	}
	if c.HasAny(auth.RoleManager, auth.RoleApprover, auth.RoleSupplier) {
		add("/invoices", "nav.invoices")
	}
	if c.HasAny(auth.RoleManager, auth.RoleApprover) {
		add("/loyalty", "nav.loyalty")
	}
	if c.Has(auth.RoleAdmin) {
		add("/admin/organizations", "nav.organizations")
		add("/admin/users", "nav.users")
	}
	return links
}

type errorData struct {
	Status  int
	Heading string
	Text    string
}

// fail renders err as an error page: expected errors with their status and a translated
// explanation, an unreachable database as 503 with Retry-After (logged once per outage
// interval, not per request), anything else as a logged 500 with a generic message.
func (s *server) fail(q *req, err error) {
	err = postgres.Classify(err)
	var de *derr.Error
	status, heading, text := http.StatusInternalServerError, "error.500", "error.500_text"
	var mbe *http.MaxBytesError
	switch {
	case postgres.Unavailable(err):
		// PostgreSQL refused or dropped the connection: a moment's wait may be enough.
		status, heading, text = http.StatusServiceUnavailable, "error.503", "error.503_text"
		q.w.Header().Set("Retry-After", "1")
		s.outage.Log(q.ctx(), s.Logger, err)
	case errors.As(err, &mbe):
		status, heading, text = http.StatusRequestEntityTooLarge, "error.413", "error.413_text"
	case errors.As(err, &de):
		switch de.Kind {
		case derr.NotFound:
			status, heading, text = http.StatusNotFound, "error.404", "error.404_text"
		case derr.Forbidden:
			status, heading, text = http.StatusForbidden, "error.403", "error.403_text"
			if de.Code == "csrf" {
				text = "error.csrf_text"
			} else {
				text = problemKey(de.Code, text)
			}
		case derr.Conflict:
			status, heading, text = http.StatusConflict, "error.409", problemKey(de.Code, "error.409_text")
		case derr.Invalid, derr.BadRequest:
			status, heading, text = http.StatusUnprocessableEntity, "error.422", problemKey(de.Code, "error.422_text")
		case derr.Unauthenticated:
			s.sessionExpired(q)
			return
		case derr.RateLimited:
			status, heading, text = http.StatusTooManyRequests, "error.429", "error.429_text"
		case derr.Unavailable:
			status, heading, text = http.StatusServiceUnavailable, "error.503", "error.503_text"
			q.w.Header().Set("Retry-After", "1")
			s.outage.Log(q.ctx(), s.Logger, err)
		default:
			s.Logger.ErrorContext(q.ctx(), "ui request failed", "path", q.r.URL.Path, "err", err)
		}
	default:
		s.Logger.ErrorContext(q.ctx(), "ui request failed", "path", q.r.URL.Path, "err", err)
	}
	if q.r.Header.Get("HX-Request") == "true" {
		q.w.Header().Set("HX-Retarget", "#status")
		q.w.Header().Set("HX-Reswap", "innerHTML")
		q.w.Header().Set("Content-Type", "text/html; charset=utf-8")
		q.w.WriteHeader(status)
		fmt.Fprintf(q.w, `<p class="alert alert-error">%s</p>`, template.HTMLEscapeString(translate(q.lang, text)))
		return
	}
	if rerr := q.render(status, "error", heading, errorData{Status: status, Heading: heading, Text: text}); rerr != nil {
		s.Logger.ErrorContext(q.ctx(), "render error page", "err", rerr)
		http.Error(q.w, http.StatusText(status), status)
	}
}

// problemKey maps a rule code to its translated message key, or fallback when unknown.
func problemKey(code, fallback string) string {
	if code != "" && hasKey("problem."+code) {
		return "problem." + code
	}
	return fallback
}

// fieldErrors turns a domain error into translated messages by field, plus a general message
// for the rule that was broken; ok is false when err is not an expected Invalid/Conflict error.
func fieldErrors(lang string, err error) (byField map[string]string, general string, ok bool) {
	var de *derr.Error
	if !errors.As(err, &de) || (de.Kind != derr.Invalid && de.Kind != derr.Conflict && de.Kind != derr.BadRequest) {
		return nil, "", false
	}
	byField = map[string]string{}
	for _, f := range de.Fields {
		byField[f.Field] = fieldMessage(lang, f)
	}
	// A duplicate that names its field (an organisation number, an email) is said beside the
	// field; the form's general line then only points there.
	if (de.Code != "validation_failed" && (de.Code != "duplicate" || len(de.Fields) == 0)) || len(de.Fields) == 0 {
		general = translate(lang, problemKey(de.Code, "error.422_text"))
	}
	if de.Code != "" && de.Code != "validation_failed" {
		if f, has := problemField[de.Code]; has {
			byField[f] = general
		}
	}
	return byField, general, true
}

// hereOf is the page to come back to after switching language: a GET's own address without the
// one-off flash message, and for a form post the page the form was on.
func hereOf(r *http.Request) string {
	if r.Method != http.MethodGet {
		return r.URL.Path
	}
	u := *r.URL
	qs := u.Query()
	qs.Del("msg")
	u.RawQuery = qs.Encode()
	return u.RequestURI()
}
