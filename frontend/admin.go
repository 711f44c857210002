package frontend

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
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

// adminPageSize is how many organisations or users a page of the admin's lists shows.
const adminPageSize = 50

var orgKinds = []auth.OrgKind{auth.KindBuyer, auth.KindSupplier, auth.KindProcurementBody, auth.KindPlatform}

type orgsData struct {
	Items []auth.Organization
	Total int
	Q     string
	Pager pager
	Kinds []auth.OrgKind
	Form  *form
}

func (s *server) adminOrganizations(q *req) error {
	return s.renderOrgs(q, http.StatusOK, &form{})
}

// renderOrgs shows a page of the organisations matching ?q= (name or organisation number) and
// the form for a new one.
func (s *server) renderOrgs(q *req, status int, f *form) error {
	search := strings.TrimSpace(q.r.URL.Query().Get("q"))
	page := listPage(q.r, adminPageSize)
	items, total, err := s.Auth.ListOrganizations(q.ctx(), *q.caller, auth.OrganizationFilter{Q: search, Page: page})
	if derr.Is(err, derr.Invalid) { // a search no organisation can match: list them all instead
		search = ""
		items, total, err = s.Auth.ListOrganizations(q.ctx(), *q.caller, auth.OrganizationFilter{Page: page})
	}
	if err != nil {
		return err
	}
	return q.render(status, "admin_orgs", "admin.orgs.heading", orgsData{Items: items, Total: total, Q: search, Form: f, Kinds: orgKinds,
		Pager: newPager("/admin/organizations", url.Values{"q": {search}}, page, total)})
}

func (s *server) adminCreateOrganization(q *req) error {
	v := q.r.PostForm
	in := auth.OrganizationInput{Name: v.Get("name"), OrgNumber: v.Get("org_number"), Kind: auth.OrgKind(v.Get("kind")),
		Country: strings.ToUpper(strings.TrimSpace(v.Get("country")))}
	if t := strings.TrimSpace(v.Get("approval_threshold")); t != "" {
		minor, ok := parseMoney(t)
		if !ok {
			return s.renderOrgs(q, http.StatusUnprocessableEntity, badThreshold(q, v))
		}
		in.ApprovalThresholdMinor = minor
	}
	org, err := s.Auth.CreateOrganization(q.ctx(), *q.caller, in)
	if err != nil {
		if f, ok := failedForm(q.lang, v, err); ok {
			return s.renderOrgs(q, http.StatusUnprocessableEntity, f)
		}
		return err
	}
	// The list opens on the new organisation, whichever page it would fall on.
	q.redirect("/admin/organizations?" + url.Values{"q": {org.OrgNumber}, "msg": {"org_created"}}.Encode())
	return nil
}

func badThreshold(q *req, v url.Values) *form {
	return &form{Values: v, General: translate(q.lang, "form.has_errors"),
		Errs: map[string]string{"approval_threshold_minor": translate(q.lang, "form.bad_amount")}}
}

type orgData struct {
	Org  auth.Organization
	Form *form
}

// adminOrganization is the page to rename an organisation or change its approval threshold.
func (s *server) adminOrganization(q *req) error {
	org, err := s.Auth.GetOrganization(q.ctx(), *q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	return q.render(http.StatusOK, "admin_org", "admin.org.edit", orgData{Org: org, Form: &form{Values: url.Values{
		"name": {org.Name}, "approval_threshold": {formatMoneyInput(org.ApprovalThresholdMinor)}}}})
}

func (s *server) adminUpdateOrganization(q *req) error {
	org, err := s.Auth.GetOrganization(q.ctx(), *q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	v := q.r.PostForm
	name := v.Get("name")
	p := auth.OrganizationPatch{Name: &name}
	if t := strings.TrimSpace(v.Get("approval_threshold")); t != "" {
		minor, ok := parseMoney(t)
		if !ok {
			return q.render(http.StatusUnprocessableEntity, "admin_org", "admin.org.edit", orgData{Org: org, Form: badThreshold(q, v)})
		}
		p.ApprovalThresholdMinor = &minor
	}
	if _, err := s.Auth.UpdateOrganization(q.ctx(), *q.caller, org.ID, p); err != nil {
		if f, ok := failedForm(q.lang, v, err); ok {
			return q.render(http.StatusUnprocessableEntity, "admin_org", "admin.org.edit", orgData{Org: org, Form: f})
		}
		return err
	}
	q.redirect("/admin/organizations?" + url.Values{"q": {org.OrgNumber}, "msg": {"org_updated"}}.Encode())
	return nil
}

type usersData struct {
	Items    []auth.User
	Total    int
	Q        string
	OrgID    string
	Pager    pager
	Orgs     []auth.Organization
	OrgNames map[string]string
	OrgName  string
	Roles    []string
	Form     *form
}

func (s *server) adminUsers(q *req) error {
	return s.renderUsers(q, http.StatusOK, &form{Values: url.Values{"org_id": {q.r.URL.Query().Get("org")}}})
}

// renderUsers shows a page of the users matching ?org= and ?q= (name or email) and the form
// for a new one.
func (s *server) renderUsers(q *req, status int, f *form) error {
	qs := q.r.URL.Query()
	orgID, search := qs.Get("org"), strings.TrimSpace(qs.Get("q"))
	if orgID != "" && !auth.ValidUUID(orgID) {
		orgID = ""
	}
	page := listPage(q.r, adminPageSize)
	items, total, err := s.Auth.ListUsers(q.ctx(), *q.caller, auth.UserFilter{OrgID: orgID, Q: search, Page: page})
	if derr.Is(err, derr.Invalid) { // a search no user can match: list them all instead
		search = ""
		items, total, err = s.Auth.ListUsers(q.ctx(), *q.caller, auth.UserFilter{OrgID: orgID, Page: page})
	}
	if err != nil {
		return err
	}
	orgs, err := s.allOrganizations(q)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	keep := url.Values{"q": {search}}
	if orgID != "" {
		keep.Set("org", orgID)
	}
	return q.render(status, "admin_users", "admin.users.heading", usersData{Items: items, Total: total, Q: search, OrgID: orgID,
		Pager: newPager("/admin/users", keep, page, total), Orgs: orgs, OrgNames: names, OrgName: names[orgID], Form: f,
		Roles: []string{"orderer", "approver", "supplier", "manager", "admin"}})
}

// allOrganizations reads every organisation, a page at a time: the new-user form offers them
// all, and the user list names each user's.
func (s *server) allOrganizations(q *req) ([]auth.Organization, error) {
	var all []auth.Organization
	for page := 1; page <= auth.MaxPage; page++ {
		items, total, err := s.Auth.ListOrganizations(q.ctx(), *q.caller, auth.OrganizationFilter{Page: auth.Page{Page: page, PageSize: 100}})
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if len(items) == 0 || len(all) >= total {
			break
		}
	}
	return all, nil
}

// adminSetUserActive deactivates a user (they can no longer sign in, refresh or use a token)
// or activates them again.
func (s *server) adminSetUserActive(q *req) error {
	active := q.r.PostFormValue("active") == "true"
	u, err := s.Auth.UpdateUser(q.ctx(), *q.caller, q.r.PathValue("id"), auth.UserPatch{Active: &active})
	if err != nil {
		return err
	}
	msg := "user_deactivated"
	if active {
		msg = "user_activated"
	}
	q.redirect("/admin/users?" + url.Values{"org": {u.OrgID}, "msg": {msg}}.Encode())
	return nil
}
func (s *server) adminCreateUser(q *req) error {
	v := q.r.PostForm
	in := auth.UserInput{Name: v.Get("name"), Email: v.Get("email"), Password: v.Get("password"), OrgID: v.Get("org_id")}
	for _, r := range v["roles"] {
		in.Roles = append(in.Roles, auth.Role(r))
	}
	u, err := s.Auth.CreateUser(q.ctx(), *q.caller, in)
	if err != nil {
		v.Del("password")
		if f, ok := failedForm(q.lang, v, err); ok {
			if auth.ValidUUID(in.OrgID) {
				s.explainRoles(q, f, in.OrgID)
			}
			return s.renderUsers(q, http.StatusUnprocessableEntity, f)
		}
		return err
	}
	q.redirect("/admin/users?" + url.Values{"q": {u.Email}, "msg": {"user_created"}}.Encode())
	return nil
}
