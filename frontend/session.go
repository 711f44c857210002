package frontend

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sync/singleflight"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
)

// The cookies of a session. All are HttpOnly and SameSite=Lax: scripts never read them, and
// other sites cannot make the browser send them with a cross-site POST.
const (
	cookieAccess  = "avrop_at"   // the API's access token (JWT)
	cookieRefresh = "avrop_rt"   // the API's refresh token
	cookieCSRF    = "avrop_csrf" // the session's CSRF token, echoed in every POST
	cookieLang    = "avrop_lang" // sv or en; not a secret
	cookieCart    = "avrop_cart" // the cart: item ids and quantities, see cart.go
	sessionMaxAge = 30 * 24 * time.Hour
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
)

// req is one request to a page handler: who asks, in which language, and how to answer.
type req struct {
	w      http.ResponseWriter
	r      *http.Request
	s      *server
	lang   string
	csrf   string
	caller *auth.Caller
	user   auth.User
	org    auth.Organization
}

func (q *req) ctx() context.Context { return q.r.Context() }

// errNotFound and friends are rendered as their status pages.
var (
	errNotFound  = derr.NotFoundf("page not found")
	errForbidden = derr.Forbiddenf("forbidden")
	errCSRF      = derr.New(derr.Forbidden, "csrf", "form token missing or wrong")
)

type handlerFunc func(*req) error

// public wraps a handler that needs no session. It still checks CSRF on POST: the login form
// carries the pre-session token so that no other site can sign a browser in.
func (s *server) public(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := s.newReq(w, r)
		if r.Method == http.MethodPost && !q.csrfOK() {
			s.fail(q, errCSRF)
			return
		}
		if err := h(q); err != nil {
			s.fail(q, err)
		}
	}
}

// authed wraps a handler that needs a signed-in caller holding one of roles. An expired access
// token is refreshed transparently; a session that cannot be refreshed gets the "session
// expired" page; a caller without the role gets 403.
func (s *server) authed(h handlerFunc, roles ...auth.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := s.newReq(w, r)
		if r.Method == http.MethodPost && !q.csrfOK() {
			s.fail(q, errCSRF)
			return
		}
		switch err := q.resolveSession(); {
		case errors.Is(err, errNoSession):
			q.redirect("/login?next=" + url.QueryEscape(r.URL.RequestURI()))
			return
		case errors.Is(err, errSessionExpired):
			s.sessionExpired(q)
			return
		case err != nil:
			s.fail(q, err)
			return
		}
		if len(roles) > 0 && !q.caller.HasAny(roles...) {
			s.fail(q, errForbidden)
			return
		}
		if err := h(q); err != nil {
			s.fail(q, err)
		}
	}
}

func (s *server) newReq(w http.ResponseWriter, r *http.Request) *req {
	q := &req{w: w, r: r, s: s, lang: langOf(r)}
	if c, err := r.Cookie(cookieCSRF); err == nil && len(c.Value) >= 32 {
		q.csrf = c.Value
	} else {
		q.csrf = randomToken()
		s.setCookie(w, cookieCSRF, q.csrf, sessionMaxAge)
	}
	return q
}

// csrfOK compares the token in the form or the htmx header with the cookie in constant time.
// It reads the form first in either case, so that handlers find the fields in r.PostForm.
func (q *req) csrfOK() bool {
	c, err := q.r.Cookie(cookieCSRF)
	if err != nil || c.Value == "" {
		return false
	}
	got := q.r.PostFormValue(csrfField)
	if h := q.r.Header.Get(csrfHeader); h != "" {
		got = h
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(c.Value)) == 1
}

var (
	errNoSession      = errors.New("no session")
	errSessionExpired = errors.New("session expired")
)

// resolveSession authenticates the access cookie, refreshing the pair when it has expired.
func (q *req) resolveSession() error {
	at, _ := q.r.Cookie(cookieAccess)
	rt, _ := q.r.Cookie(cookieRefresh)
	if at == nil && rt == nil {
		return errNoSession
	}
	var caller auth.Caller
	var err error
	if at != nil {
		caller, err = q.s.Auth.Authenticate(q.ctx(), at.Value)
	}
	if at == nil || err != nil {
		if at != nil && !derr.Is(err, derr.Unauthenticated) {
			return err
		}
		if rt == nil {
			q.s.clearSession(q.w)
			return errSessionExpired
		}
		sess, rerr := q.s.sessions.refresh(q.ctx(), rt.Value)
		if rerr != nil {
			q.s.clearSession(q.w)
			if derr.Is(rerr, derr.Unauthenticated) {
				return errSessionExpired
			}
			return rerr
		}
		q.s.setSession(q.w, sess)
		if caller, err = q.s.Auth.Authenticate(q.ctx(), sess.AccessToken); err != nil {
			return errSessionExpired
		}
	}
	q.caller = &caller
	u, org, err := q.s.Auth.Me(q.ctx(), caller)
	if err != nil {
		if derr.Is(err, derr.NotFound) {
			q.s.clearSession(q.w)
			return errSessionExpired
		}
		return err
	}
	q.user, q.org = u, org
	return nil
}

func (s *server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
}

func (s *server) setSession(w http.ResponseWriter, sess auth.Session) {
	s.setCookie(w, cookieAccess, sess.AccessToken, sessionMaxAge)
	s.setCookie(w, cookieRefresh, sess.RefreshToken, sessionMaxAge)
}

func (s *server) clearSession(w http.ResponseWriter) {
	for _, name := range []string{cookieAccess, cookieRefresh, cookieCart} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
	}
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) //nolint:errcheck // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// refresher rotates refresh tokens once per token even when a page fires several requests at
// the same moment: a refresh token presented twice revokes its whole family (RFC 9700), so
// concurrent requests share one rotation and later ones within a short grace reuse its result.
type refresher struct {
	auth   *auth.Service
	group  singleflight.Group
	mu     sync.Mutex
	recent map[[32]byte]recentRefresh
}

type recentRefresh struct {
	sess  auth.Session
	until time.Time
}

func newRefresher(a *auth.Service) *refresher {
	return &refresher{auth: a, recent: map[[32]byte]recentRefresh{}}
}

func (f *refresher) refresh(ctx context.Context, token string) (auth.Session, error) {
	key := sha256.Sum256([]byte(token))
	now := time.Now()
	f.mu.Lock()
	if r, ok := f.recent[key]; ok && now.Before(r.until) {
		f.mu.Unlock()
		return r.sess, nil
	}
	f.mu.Unlock()
	v, err, _ := f.group.Do(string(key[:]), func() (any, error) {
		sess, err := f.auth.Refresh(context.WithoutCancel(ctx), token)
		if err != nil {
			return auth.Session{}, err
		}
		f.mu.Lock()
		for k, r := range f.recent {
			if now.After(r.until) {
				delete(f.recent, k)
			}
		}
		f.recent[key] = recentRefresh{sess: sess, until: now.Add(20 * time.Second)}
		f.mu.Unlock()
		return sess, nil
	})
	if err != nil {
		return auth.Session{}, err
	}
	return v.(auth.Session), nil
}

// home sends a signed-in user to the first page of their role.
func (s *server) home(q *req) error {
	if err := q.resolveSession(); err != nil {
		q.redirect("/login")
		return nil
	}
	q.redirect(homeOf(*q.caller))
	return nil
}

func homeOf(c auth.Caller) string {
	switch {
	case c.Has(auth.RoleOrderer):
		return "/catalog"
	case c.Has(auth.RoleApprover):
		return "/approvals"
	case c.Has(auth.RoleSupplier):
		return "/supplier/orders"
	case c.Has(auth.RoleManager):
		return "/manager/agreements"
	case c.Has(auth.RoleAdmin):
		return "/admin/organizations"
	}
	return "/login"
}

type loginData struct {
	Email   string
	Next    string
	Error   string
	Expired bool
}

func (s *server) loginPage(q *req) error {
	return q.render(http.StatusOK, "login", "login.title", loginData{Next: safeNext(q.r.URL.Query().Get("next")), Expired: q.r.URL.Query().Has("expired")})
}

func (s *server) login(q *req) error {
	email := strings.TrimSpace(q.r.PostFormValue("email"))
	password := q.r.PostFormValue("password")
	next := safeNext(q.r.PostFormValue("next"))
	d := loginData{Email: email, Next: next}
	if email == "" || password == "" {
		d.Error = "login.missing"
		return q.render(http.StatusUnprocessableEntity, "login", "login.title", d)
	}
	sess, err := s.Auth.Login(q.ctx(), email, password, s.TrustedProxies.Addr(q.r))
	switch {
	case derr.Is(err, derr.Unauthenticated):
		d.Error = "login.wrong"
		return q.render(http.StatusUnauthorized, "login", "login.title", d)
	case derr.Is(err, derr.RateLimited):
		d.Error = "login.limited"
		return q.render(http.StatusTooManyRequests, "login", "login.title", d)
	case err != nil:
		return err
	}
	s.setSession(q.w, sess)
	// The language the administrator set for the user wins over the browser's.
	if validLang(sess.User.Language) {
		http.SetCookie(q.w, &http.Cookie{Name: cookieLang, Value: sess.User.Language, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
	}
	// A fresh CSRF token per session: a token seen before sign-in is not reused after it.
	s.setCookie(q.w, cookieCSRF, randomToken(), sessionMaxAge)
	if next == "" {
		roles := make([]auth.Role, len(sess.User.Roles))
		for i, r := range sess.User.Roles {
			roles[i] = auth.Role(r)
		}
		next = homeOf(auth.Caller{Roles: roles})
	}
	q.redirect(next)
	return nil
}

func (s *server) logout(q *req) error {
	if rt, err := q.r.Cookie(cookieRefresh); err == nil {
		if err := s.Auth.Logout(q.ctx(), rt.Value); err != nil {
			s.Logger.WarnContext(q.ctx(), "logout failed", "err", err)
		}
	}
	s.clearSession(q.w)
	s.setCookie(q.w, cookieCSRF, randomToken(), sessionMaxAge)
	q.redirect("/login?msg=signed_out")
	return nil
}

// sessionExpired answers a request whose session can no longer be refreshed.
func (s *server) sessionExpired(q *req) {
	if q.r.Header.Get("HX-Request") == "true" {
		q.w.Header().Set("HX-Redirect", "/login?expired=1")
		q.w.WriteHeader(http.StatusUnauthorized)
		return
	}
	q.render(http.StatusUnauthorized, "expired", "expired.title", loginData{Next: safeNext(q.r.URL.RequestURI())}) //nolint:errcheck // already answering
}

// safeNext accepts only a local path, so that the login form cannot redirect off-site.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/login") || strings.HasPrefix(next, "/logout") {
		return ""
	}
	return localPath(next)
}

// localPath returns next when it is a path on this site, else "". Browsers drop tabs and
// newlines inside a URL, trim control characters and spaces at its ends and read a backslash as
// a slash, so "/\t/evil.example" or "/\\evil.example" would leave the site: any control, space,
// format character or backslash refuses the path, as does a second slash at its start.
func localPath(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || !utf8.ValidString(next) {
		return ""
	}
	for _, r := range next {
		if r == '\\' || r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return ""
		}
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || strings.HasPrefix(path.Clean(u.Path), "//") {
		return ""
	}
	return next
}

// redirect answers a POST with 303 (See Other) and a GET with 302; htmx requests get an
// HX-Redirect so that the whole page changes.
func (q *req) redirect(to string) {
	if q.r.Header.Get("HX-Request") == "true" {
		q.w.Header().Set("HX-Redirect", to)
		q.w.WriteHeader(http.StatusNoContent)
		return
	}
	code := http.StatusFound
	if q.r.Method == http.MethodPost {
		code = http.StatusSeeOther
	}
	http.Redirect(q.w, q.r, to, code)
}
