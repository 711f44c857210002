package frontend

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/avrop/avrop/auth"
)

// form is a submitted form re-shown with its values and translated errors.
type form struct {
	Values  url.Values
	Errs    map[string]string
	General string
}

// Get is the submitted value of field.
func (f *form) Get(field string) string {
	if f == nil || f.Values == nil {
		return ""
	}
	return f.Values.Get(field)
}

// Err is the translated error of field, or "".
func (f *form) Err(field string) string {
	if f == nil {
		return ""
	}
	return f.Errs[field]
}

// Has reports whether the multi-valued field holds value (checkboxes).
func (f *form) Has(field, value string) bool {
	return f != nil && f.Values != nil && slices.Contains(f.Values[field], value)
}

// failedForm turns a domain error into a form to show again; ok is false for errors that are
// not about the input.
func failedForm(lang string, values url.Values, err error) (*form, bool) {
	by, general, ok := fieldErrors(lang, err)
	if !ok {
		return nil, false
	}
	if len(by) > 0 && general == "" {
		general = translate(lang, "form.has_errors")
	}
	return &form{Values: values, Errs: by, General: general}, true
}

type orgsData struct {
	Items []auth.Organization
	Total int
	Kinds []auth.OrgKind
	Form  *form
}

func (s *server) adminOrganizations(q *req) error {
	return s.renderOrgs(q, http.StatusOK, &form{})
}

func (s *server) renderOrgs(q *req, status int, f *form) error {
	items, total, err := s.Auth.ListOrganizations(q.ctx(), *q.caller, auth.OrganizationFilter{Page: auth.Page{PageSize: 100}})
	if err != nil {
		return err
	}
	return q.render(status, "admin_orgs", "admin.orgs.heading", orgsData{Items: items, Total: total, Form: f,
		Kinds: []auth.OrgKind{auth.KindBuyer, auth.KindSupplier, auth.KindProcurementBody, auth.KindPlatform}})
}

func (s *server) adminCreateOrganization(q *req) error {
	v := q.r.PostForm
	in := auth.OrganizationInput{Name: v.Get("name"), OrgNumber: v.Get("org_number"), Kind: auth.OrgKind(v.Get("kind")),
		Country: strings.ToUpper(strings.TrimSpace(v.Get("country")))}
	if t := strings.TrimSpace(v.Get("approval_threshold")); t != "" {
		minor, ok := parseMoney(t)
		if !ok {
			return s.renderOrgs(q, http.StatusUnprocessableEntity, &form{Values: v, General: translate(q.lang, "form.has_errors"),
				Errs: map[string]string{"approval_threshold_minor": translate(q.lang, "form.bad_amount")}})
		}
		in.ApprovalThresholdMinor = minor
	}
	if _, err := s.Auth.CreateOrganization(q.ctx(), *q.caller, in); err != nil {
		if f, ok := failedForm(q.lang, v, err); ok {
			return s.renderOrgs(q, http.StatusUnprocessableEntity, f)
		}
		return err
	}
	q.redirect("/admin/organizations?msg=org_created")
	return nil
}

type usersData struct {
	Items    []auth.User
	Total    int
	Orgs     []auth.Organization
	OrgNames map[string]string
	OrgName  string
	Roles    []string
	Form     *form
}

func (s *server) adminUsers(q *req) error {
	return s.renderUsers(q, http.StatusOK, &form{Values: url.Values{"org_id": {q.r.URL.Query().Get("org")}}})
}

func (s *server) renderUsers(q *req, status int, f *form) error {
	orgID := q.r.URL.Query().Get("org")
	if orgID != "" && !auth.ValidUUID(orgID) {
		orgID = ""
	}
	items, total, err := s.Auth.ListUsers(q.ctx(), *q.caller, auth.UserFilter{OrgID: orgID, Page: auth.Page{PageSize: 100}})
	if err != nil {
		return err
	}
	orgs, _, err := s.Auth.ListOrganizations(q.ctx(), *q.caller, auth.OrganizationFilter{Page: auth.Page{PageSize: 100}})
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	return q.render(status, "admin_users", "admin.users.heading", usersData{Items: items, Total: total, Orgs: orgs, OrgNames: names,
		OrgName: names[orgID], Form: f,
		Roles: []string{"orderer", "approver", "supplier", "manager", "admin"}})
}

func (s *server) adminCreateUser(q *req) error {
	v := q.r.PostForm
	in := auth.UserInput{Name: v.Get("name"), Email: v.Get("email"), Password: v.Get("password"), OrgID: v.Get("org_id")}
	for _, r := range v["roles"] {
		in.Roles = append(in.Roles, auth.Role(r))
	}
	if _, err := s.Auth.CreateUser(q.ctx(), *q.caller, in); err != nil {
		v.Del("password")
		if f, ok := failedForm(q.lang, v, err); ok {
			if derrConflict(err) {
				f.Errs["email"] = translate(q.lang, "admin.user.email_taken")
			}
			return s.renderUsers(q, http.StatusUnprocessableEntity, f)
		}
		return err
	}
	q.redirect("/admin/users?msg=user_created")
	return nil
}
