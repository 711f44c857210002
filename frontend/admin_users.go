package frontend

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
)

// ResetMailer sends a user the one-time link to set a new password. It is the seam for the
// mail outbox (notify/): when Deps.ResetMail is nil the link is only shown to the
// administrator, who passes it on.
type ResetMailer func(ctx context.Context, to auth.User, link string, expires time.Time) error

type userData struct {
	Target    auth.User
	Org       auth.Organization
	Roles     []string
	Languages []struct{ Code, Name string }
	Form      *form
	// Reset is the one-time link just made, shown once; Mailed says it was also sent.
	Reset   string
	Expires time.Time
	Mailed  bool
}

// adminUser is the page to change a user: name, roles, language, active, and a password reset
// link.
func (s *server) adminUser(q *req) error {
	u, err := s.Auth.GetUser(q.ctx(), *q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	v := url.Values{"name": {u.Name}, "language": {u.Language}, "roles": u.Roles}
	if u.Active {
		v.Set("active", "true")
	}
	return s.renderUser(q, http.StatusOK, u, &form{Values: v}, userData{})
}

func (s *server) renderUser(q *req, status int, u auth.User, f *form, d userData) error {
	org, err := s.Auth.GetOrganization(q.ctx(), *q.caller, u.OrgID)
	if err != nil {
		return err
	}
	d.Target, d.Org, d.Form, d.Languages = u, org, f, languages
	for _, r := range []auth.Role{auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier, auth.RoleManager, auth.RoleAdmin} {
		if auth.RoleFits(org.Kind, r) {
			d.Roles = append(d.Roles, string(r))
		}
	}
	return q.render(status, "admin_user", "admin.user.edit", d)
}

func (s *server) adminUpdateUser(q *req) error {
	u, err := s.Auth.GetUser(q.ctx(), *q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	v := q.r.PostForm
	name, lang, active := v.Get("name"), v.Get("language"), v.Get("active") == "true"
	roles := make([]auth.Role, 0, len(v["roles"]))
	for _, r := range v["roles"] {
		roles = append(roles, auth.Role(r))
	}
	p := auth.UserPatch{Name: &name, Language: &lang, Roles: &roles, Active: &active}
	if _, err := s.Auth.UpdateUser(q.ctx(), *q.caller, u.ID, p); err != nil {
		f, ok := failedForm(q.lang, v, err)
		if !ok {
			return err
		}
		s.explainRoles(q, f, u.OrgID)
		return s.renderUser(q, http.StatusUnprocessableEntity, u, f, userData{})
	}
	q.redirect("/admin/users?" + url.Values{"q": {u.Email}, "msg": {"user_updated"}}.Encode())
	return nil
}

// explainRoles replaces a refused role's message by the roles that do fit the organisation,
// so that the administrator knows what to choose.
func (s *server) explainRoles(q *req, f *form, orgID string) {
	if f.Errs["roles"] == "" {
		return
	}
	org, err := s.Auth.GetOrganization(q.ctx(), *q.caller, orgID)
	if err != nil {
		return
	}
	var names []string
	for _, r := range []auth.Role{auth.RoleOrderer, auth.RoleApprover, auth.RoleSupplier, auth.RoleManager, auth.RoleAdmin} {
		if auth.RoleFits(org.Kind, r) {
			names = append(names, translate(q.lang, "role."+string(r)))
		}
	}
	f.Errs["roles"] = translate(q.lang, "admin.user.roles_fit", translate(q.lang, "kind."+string(org.Kind)), strings.Join(names, ", "))
}

// adminResetPassword makes a one-time password reset link and shows it to the administrator
// (once: only its hash is kept), and mails it to the user when mail is configured.
func (s *server) adminResetPassword(q *req) error {
	r, err := s.Auth.StartPasswordReset(q.ctx(), *q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	link := s.absoluteURL(q.r, "/password-reset?"+url.Values{"token": {r.Token}}.Encode())
	d := userData{Reset: link, Expires: r.ExpiresAt}
	if s.ResetMail != nil {
		if err := s.ResetMail(q.ctx(), r.User, link, r.ExpiresAt); err != nil {
			s.Logger.WarnContext(q.ctx(), "password reset mail not sent", "err", err)
		} else {
			d.Mailed = true
		}
	}
	v := url.Values{"name": {r.User.Name}, "language": {r.User.Language}, "roles": r.User.Roles}
	if r.User.Active {
		v.Set("active", "true")
	}
	// No caching: the page holds a secret.
	q.w.Header().Set("Cache-Control", "no-store")
	return s.renderUser(q, http.StatusOK, r.User, &form{Values: v}, d)
}

// absoluteURL is path on the host the request came to, so that a link works when passed on.
func (s *server) absoluteURL(r *http.Request, path string) string {
	scheme := "http"
	if s.Secure || r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

type resetData struct {
	Token string
	Name  string
	Err   string
	Form  *form
}

// passwordResetPage is where a user sets a new password through a one-time link.
func (s *server) passwordResetPage(q *req) error {
	token := q.r.URL.Query().Get("token")
	q.w.Header().Set("Cache-Control", "no-store")
	u, err := s.Auth.PasswordResetUser(q.ctx(), token)
	if derr.Is(err, derr.Invalid) {
		return q.render(http.StatusNotFound, "password_reset", "reset.title", resetData{Err: translate(q.lang, "reset.invalid")})
	}
	if err != nil {
		return err
	}
	return q.render(http.StatusOK, "password_reset", "reset.title", resetData{Token: token, Name: u.Name, Form: &form{}})
}

func (s *server) passwordReset(q *req) error {
	token, pw := q.r.PostFormValue("token"), q.r.PostFormValue("password")
	q.w.Header().Set("Cache-Control", "no-store")
	invalid := func() error {
		return q.render(http.StatusNotFound, "password_reset", "reset.title", resetData{Err: translate(q.lang, "reset.invalid")})
	}
	u, err := s.Auth.PasswordResetUser(q.ctx(), token)
	if derr.Is(err, derr.Invalid) {
		return invalid()
	}
	if err != nil {
		return err
	}
	if pw != q.r.PostFormValue("password_again") {
		return q.render(http.StatusUnprocessableEntity, "password_reset", "reset.title", resetData{Token: token, Name: u.Name,
			Form: &form{General: translate(q.lang, "form.has_errors"), Errs: map[string]string{"password_again": translate(q.lang, "reset.mismatch")}}})
	}
	err = s.Auth.ResetPassword(q.ctx(), token, pw)
	switch {
	case derr.CodeOf(err) == "reset_link_invalid": // spent by another request meanwhile
		return invalid()
	case derr.Is(err, derr.Invalid):
		f, _ := failedForm(q.lang, nil, err)
		return q.render(http.StatusUnprocessableEntity, "password_reset", "reset.title", resetData{Token: token, Name: u.Name, Form: f})
	case err != nil:
		return err
	}
	q.redirect("/login?msg=password_reset")
	return nil
}
