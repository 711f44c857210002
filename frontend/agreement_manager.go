package frontend

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/orders"
)

// The manager's agreement editor, history and catalogue decisions (SPEC §6 "Managers in the
// UI"), and the supplier's view of its submissions. Every change goes through the catalogue
// service, so the UI and the API keep the same rules and the same history.

func init() {
	// moneyInput writes an optional amount for a form field ("" for none).
	funcs["moneyInput"] = func(v any) string {
		switch x := v.(type) {
		case *int64:
			if x == nil {
				return ""
			}
			return formatMoneyInput(*x)
		case int64:
			return formatMoneyInput(x)
		}
		return ""
	}
}

// agreementControlRoutes registers the pages of the agreement under control.
func (s *server) agreementControlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /manager/agreements/new", s.authed(s.newAgreementPage, auth.RoleManager))
	mux.HandleFunc("POST /manager/agreements", s.authed(s.createAgreement, auth.RoleManager))
	mux.HandleFunc("POST /manager/agreements/{id}/terms", s.authed(s.patchAgreement(termsPatch), auth.RoleManager))
	mux.HandleFunc("POST /manager/agreements/{id}/participants", s.authed(s.patchAgreement(participantPatch), auth.RoleManager))
	mux.HandleFunc("POST /manager/agreements/{id}/suppliers", s.authed(s.patchAgreement(supplierPatch), auth.RoleManager))
	mux.HandleFunc("POST /manager/agreements/{id}/terminate", s.authed(s.patchAgreement(terminatePatch), auth.RoleManager))
	mux.HandleFunc("POST /manager/agreements/{id}/{party}/{org}/remove", s.authed(s.removeParty, auth.RoleManager))
	mux.HandleFunc("GET /manager/agreements/{id}/orders.csv", s.authed(s.agreementOrdersCSV, auth.RoleManager))
	mux.HandleFunc("GET /manager/orders", s.authed(s.managerOrdersPage, auth.RoleManager))
	mux.HandleFunc("GET /manager/orders.csv", s.authed(s.managerOrdersCSV, auth.RoleManager))
	mux.HandleFunc("GET /manager/deviations", s.authed(s.deviationsPage, auth.RoleManager))
	mux.HandleFunc("GET /manager/deviations.csv", s.authed(s.deviationsCSV, auth.RoleManager))
	mux.HandleFunc("GET /manager/submissions", s.authed(s.submissions, auth.RoleManager))
	mux.HandleFunc("GET /manager/submissions/{id}", s.authed(s.submissionPage, auth.RoleManager))
	mux.HandleFunc("POST /manager/submissions/{id}/{decision}", s.authed(s.decideSubmission, auth.RoleManager))
	mux.HandleFunc("GET /supplier/submissions", s.authed(s.submissions, auth.RoleSupplier))
	mux.HandleFunc("GET /supplier/submissions/{id}", s.authed(s.submissionPage, auth.RoleSupplier))
}

// agreementEditor is what the agreement page's forms need besides the agreement.
type agreementEditor struct {
	Form     *form  // the form that failed, shown again with its errors
	FormName string // terms, participant, supplier, terminate, remove
	History  []catalog.AgreementEvent
	Buyers   []auth.Organization
	Sellers  []auth.Organization
	Orders   []orders.Order
}

// editorData loads the history and the organisations to pick from.
func (s *server) editorData(q *req, a catalog.Agreement, f *form, name string) (agreementEditor, error) {
	e := agreementEditor{Form: f, FormName: name}
	var err error
	if e.History, _, err = s.Catalog.History(q.ctx(), *q.caller, a.ID, auth.Page{Page: 1, PageSize: 50}); err != nil {
		return e, err
	}
	if e.Buyers, _, err = s.Auth.ListOrganizations(q.ctx(), *q.caller, auth.OrganizationFilter{Kind: auth.KindBuyer, Page: auth.Page{Page: 1, PageSize: 100}}); err != nil {
		return e, err
	}
	if e.Sellers, _, err = s.Auth.ListOrganizations(q.ctx(), *q.caller, auth.OrganizationFilter{Kind: auth.KindSupplier, Page: auth.Page{Page: 1, PageSize: 100}}); err != nil {
		return e, err
	}
	e.Orders, _, err = s.Orders.ListOrders(q.ctx(), *q.caller, orders.OrderFilter{AgreementID: a.ID, Page: auth.Page{Page: 1, PageSize: 20}})
	return e, err
}

// kronor reads an optional amount field: "" is nil, a bad amount ok false.
func kronor(v string) (*int64, bool) {
	if strings.TrimSpace(v) == "" {
		return nil, true
	}
	m, ok := parseMoney(v)
	return &m, ok
}

func intField(v string) (*int, bool) {
	if strings.TrimSpace(v) == "" {
		return nil, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return &n, err == nil
}

func optDate(v string) *string {
	if v = strings.TrimSpace(v); v == "" {
		return nil
	}
	return &v
}

// badFields is a form whose named fields could not be read (amounts, whole numbers).
func badFields(q *req, v url.Values, fields ...string) *form {
	f := &form{Values: v, General: translate(q.lang, "form.has_errors"), Errs: map[string]string{}}
	for _, n := range fields {
		f.Errs[n] = translate(q.lang, "form.bad_amount")
	}
	return f
}

type patchBuilder func(v url.Values) (catalog.AgreementPatch, []string)

func termsPatch(v url.Values) (catalog.AgreementPatch, []string) {
	var p catalog.AgreementPatch
	var bad []string
	title, to, why := v.Get("title"), v.Get("valid_to"), v.Get("duration_justification")
	p.Title, p.ValidTo, p.DurationJustification = &title, &to, &why
	ceiling, ok := kronor(v.Get("ceiling"))
	if !ok {
		bad = append(bad, "ceiling_minor")
	}
	p.CeilingMinor = catalog.OptionalInt64{Set: true, Value: ceiling}
	if m, ok := kronor(v.Get("min_order")); !ok || m == nil {
		bad = append(bad, "min_order_minor")
	} else {
		p.MinOrderMinor = m
	}
	for _, f := range []struct {
		name string
		dst  **int
	}{{"max_price_increase_bp", &p.MaxPriceIncreaseBP}, {"price_adjustment_interval_months", &p.PriceAdjustmentIntervalMonths},
		{"lead_time_days", &p.LeadTimeDays}, {"response_time_hours", &p.ResponseTimeHours}} {
		n, ok := intField(v.Get(f.name))
		if !ok || n == nil {
			bad = append(bad, f.name)
			continue
		}
		*f.dst = n
	}
	approval := v.Get("catalogue_approval") == "on"
	p.CatalogueApproval = &approval
	p.Note = v.Get("note")
	return p, bad
}

func participantPatch(v url.Values) (catalog.AgreementPatch, []string) {
	ceiling, ok := kronor(v.Get("p-ceiling"))
	if !ok {
		return catalog.AgreementPatch{}, []string{"participants[0].ceiling_minor"}
	}
	return catalog.AgreementPatch{Participants: []catalog.ParticipantPatch{{OrgID: v.Get("org_id"),
		CeilingMinor: catalog.OptionalInt64{Set: true, Value: ceiling}, EndsOn: catalog.OptionalString{Set: true, Value: optDate(v.Get("p-ends_on"))}}}}, nil
}

func supplierPatch(v url.Values) (catalog.AgreementPatch, []string) {
	rank, ok := intField(v.Get("rank"))
	if !ok {
		return catalog.AgreementPatch{}, []string{"suppliers[0].rank"}
	}
	return catalog.AgreementPatch{Suppliers: []catalog.SupplierPatch{{OrgID: v.Get("org_id"), Rank: rank,
		EndsOn: catalog.OptionalString{Set: true, Value: optDate(v.Get("s-ends_on"))}}}}, nil
}

func terminatePatch(v url.Values) (catalog.AgreementPatch, []string) {
	st := catalog.StatusTerminated
	return catalog.AgreementPatch{Status: &st, Note: v.Get("terminate-note")}, nil
}

// formNames names each patch's form on the agreement page, so its errors show beside it.
var formNames = map[string]string{"terms": "terms", "participants": "participant", "suppliers": "supplier", "terminate": "terminate"}

// patchAgreement applies one of the agreement page's forms and comes back to the page, or
// shows the form again with its errors.
func (s *server) patchAgreement(build patchBuilder) func(q *req) error {
	return func(q *req) error {
		id := q.r.PathValue("id")
		name := formNames[q.r.URL.Path[strings.LastIndexByte(q.r.URL.Path, '/')+1:]]
		v := q.r.PostForm
		p, bad := build(v)
		if len(bad) > 0 {
			return s.renderAgreement(q, id, http.StatusUnprocessableEntity, badFields(q, v, bad...), name)
		}
		if _, err := s.Catalog.UpdateAgreement(q.ctx(), *q.caller, id, p); err != nil {
			if f, ok := failedForm(q.lang, v, err); ok {
				return s.renderAgreement(q, id, http.StatusUnprocessableEntity, f, name)
			}
			return err
		}
		q.redirect("/manager/agreements/" + id + "?msg=agreement_saved")
		return nil
	}
}

func (s *server) removeParty(q *req) error {
	id, kind := q.r.PathValue("id"), catalog.PartyParticipant
	switch q.r.PathValue("party") {
	case "participants":
	case "suppliers":
		kind = catalog.PartySupplier
	default:
		return errNotFound
	}
	if err := s.Catalog.RemoveParty(q.ctx(), *q.caller, id, kind, q.r.PathValue("org"), q.r.PostFormValue("note")); err != nil {
		if f, ok := failedForm(q.lang, q.r.PostForm, err); ok {
			return s.renderAgreement(q, id, http.StatusUnprocessableEntity, f, "remove")
		}
		return err
	}
	q.redirect("/manager/agreements/" + id + "?msg=party_removed")
	return nil
}

type newAgreementData struct {
	Form    *form
	Buyers  []auth.Organization
	Sellers []auth.Organization
}

func (s *server) newAgreementPage(q *req) error {
	return s.renderNewAgreement(q, http.StatusOK, &form{Values: url.Values{"currency": {"SEK"}, "call_off_method": {"ranking"},
		"response_time_hours": {"48"}, "price_adjustment_interval_months": {"12"}, "catalogue_approval": {"on"}}})
}

func (s *server) renderNewAgreement(q *req, status int, f *form) error {
	d := newAgreementData{Form: f}
	var err error
	if d.Buyers, _, err = s.Auth.ListOrganizations(q.ctx(), *q.caller, auth.OrganizationFilter{Kind: auth.KindBuyer, Page: auth.Page{Page: 1, PageSize: 100}}); err != nil {
		return err
	}
	if d.Sellers, _, err = s.Auth.ListOrganizations(q.ctx(), *q.caller, auth.OrganizationFilter{Kind: auth.KindSupplier, Page: auth.Page{Page: 1, PageSize: 100}}); err != nil {
		return err
	}
	return q.render(status, "agreement_new", "agreement_new.title", d)
}

func (s *server) createAgreement(q *req) error {
	v := q.r.PostForm
	in := catalog.AgreementInput{Reference: v.Get("reference"), Title: v.Get("title"), Description: v.Get("description"),
		CPVCode: strings.TrimSpace(v.Get("cpv_code")), Currency: strings.ToUpper(strings.TrimSpace(v.Get("currency"))),
		ValidFrom: v.Get("valid_from"), ValidTo: v.Get("valid_to"), CallOffMethod: v.Get("call_off_method"),
		DurationJustification: v.Get("duration_justification"), Note: v.Get("note")}
	t, bad := termsPatch(v)
	in.CeilingMinor = t.CeilingMinor.Value
	if t.MinOrderMinor != nil {
		in.MinOrderMinor = *t.MinOrderMinor
	}
	if t.MaxPriceIncreaseBP != nil {
		in.MaxPriceIncreaseBP = *t.MaxPriceIncreaseBP
	}
	if t.LeadTimeDays != nil {
		in.LeadTimeDays = *t.LeadTimeDays
	}
	in.PriceAdjustmentIntervalMonths, in.ResponseTimeHours, in.CatalogueApproval = t.PriceAdjustmentIntervalMonths, t.ResponseTimeHours, t.CatalogueApproval
	for _, id := range v["participants"] {
		in.Participants = append(in.Participants, catalog.ParticipantInput{OrgID: id})
	}
	// Suppliers are picked rank by rank: supplier_1 is rank 1, and so on.
	for i := 1; i <= 5; i++ {
		if id := v.Get("supplier_" + strconv.Itoa(i)); id != "" {
			in.Suppliers = append(in.Suppliers, catalog.SupplierInput{OrgID: id, Rank: len(in.Suppliers) + 1})
		}
	}
	if len(bad) > 0 {
		return s.renderNewAgreement(q, http.StatusUnprocessableEntity, badFields(q, v, bad...))
	}
	a, err := s.Catalog.CreateAgreement(q.ctx(), *q.caller, in)
	if err != nil {
		if f, ok := failedForm(q.lang, v, err); ok {
			return s.renderNewAgreement(q, http.StatusUnprocessableEntity, f)
		}
		return err
	}
	q.redirect("/manager/agreements/" + a.ID + "?msg=agreement_created")
	return nil
}

// agreementOrdersCSV exports the orders on one of the body's agreements (?cascade=true: those
// that skipped the ranking), with the API's columns.
func (s *server) agreementOrdersCSV(q *req) error {
	a, err := s.Catalog.GetAgreement(q.ctx(), *q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	f := orders.OrderFilter{AgreementID: a.ID, Cascade: q.r.URL.Query().Get("cascade") == "true"}
	list, err := s.Orders.ListAllOrders(q.ctx(), *q.caller, f)
	if err != nil {
		return err
	}
	name := csvSafe(a.Reference) + "-orders.csv"
	if f.Cascade {
		name = csvSafe(a.Reference) + "-cascade-orders.csv"
	}
	return writeFollowupCSV(q, name, orders.OrderCSVHeader, orders.OrderCSVRecords(list))
}

type submissionsData struct {
	Items   []catalog.CatalogueSubmission
	Total   int
	Status  string
	Manager bool
	Base    string
}

func (s *server) submissions(q *req) error {
	status := q.r.URL.Query().Get("status")
	if status == "" && q.caller.Has(auth.RoleManager) && strings.HasPrefix(q.r.URL.Path, "/manager") {
		status = catalog.SubmissionPending
	}
	if status == "all" {
		status = ""
	}
	list, total, err := s.Catalog.ListSubmissions(q.ctx(), *q.caller, catalog.SubmissionFilter{Status: status, Page: auth.Page{Page: 1, PageSize: 100}})
	if err != nil {
		return err
	}
	base := "/supplier/submissions"
	manager := strings.HasPrefix(q.r.URL.Path, "/manager")
	if manager {
		base = "/manager/submissions"
	}
	return q.render(http.StatusOK, "submissions", "submissions.title", submissionsData{Items: list, Total: total, Status: status, Manager: manager, Base: base})
}

type submissionData struct {
	Sub     catalog.CatalogueSubmission
	Manager bool
	Form    *form
}

func (s *server) submissionPage(q *req) error {
	return s.renderSubmission(q, http.StatusOK, nil)
}

func (s *server) renderSubmission(q *req, status int, f *form) error {
	sub, err := s.Catalog.GetSubmission(q.ctx(), *q.caller, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	return q.render(status, "submission", "submission.title", submissionData{Sub: sub, Manager: strings.HasPrefix(q.r.URL.Path, "/manager"), Form: f})
}

func (s *server) decideSubmission(q *req) error {
	decision := q.r.PathValue("decision")
	if decision != "accept" && decision != "reject" {
		return errNotFound
	}
	v := q.r.PostForm
	d := catalog.SubmissionDecision{Note: v.Get("note"), Reason: v.Get("note"), ChangeIDs: v["change"]}
	if _, err := s.Catalog.DecideSubmission(q.ctx(), *q.caller, q.r.PathValue("id"), decision == "accept", d); err != nil {
		if f, ok := failedForm(q.lang, v, err); ok {
			if msg, has := f.Errs["reason"]; has {
				f.Errs["note"] = msg
			}
			return s.renderSubmission(q, http.StatusUnprocessableEntity, f)
		}
		return err
	}
	q.redirect("/manager/submissions/" + q.r.PathValue("id") + "?msg=submission_" + decision + "ed")
	return nil
}

// BeforeAfter lists a change's fields with their value before and after, for the decision
// page's before/after table: every field of after, in a fixed order.
func (v *view) BeforeAfter(ch catalog.CatalogueChange) [][3]string {
	before, after := jsonFields(ch.Before), jsonFields(ch.After)
	var out [][3]string
	for _, k := range []string{"sku", "name", "description", "gtin", "unit", "pack_size", "vat_rate_bp", "eco_labels", "cpv_code",
		"kind", "min_term_months", "notice_months", "price_minor", "setup_price_minor", "effective_from", "active"} {
		a, ok := after[k]
		if !ok {
			continue
		}
		b, had := before[k]
		// A goods item's subscription terms (kind, term, notice) show only when they change.
		if (k == "kind" || k == "min_term_months" || k == "notice_months") && (had && b == a || !had && (a == "goods" || a == "0")) {
			continue
		}
		if k == "kind" {
			a = v.T("item_kind." + a)
			if had {
				b = v.T("item_kind." + b)
			}
		}
		if k == "active" { // a withdrawal: on sale, or taken out of the catalogue
			a, b = v.T("change_active."+a), v.T("change_active."+b)
		}
		out = append(out, [3]string{v.T("change_field." + k), b, a})
	}
	return out
}

// jsonFields reads a change's before or after object as display texts by field: prices in
// the currency's units, VAT in per cent, labels comma-separated.
func jsonFields(raw []byte) map[string]string {
	out := map[string]string{}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return out
	}
	for k, val := range m {
		switch x := val.(type) {
		case float64:
			switch k {
			case "price_minor", "setup_price_minor":
				out[k] = formatMoneyInput(int64(x))
			case "vat_rate_bp":
				out[k] = strconv.FormatFloat(x/100, 'f', -1, 64) + " %"
			default:
				out[k] = strconv.FormatFloat(x, 'f', -1, 64)
			}
		case string:
			out[k] = x
		case bool:
			out[k] = strconv.FormatBool(x)
		case []any:
			parts := make([]string, len(x))
			for i, p := range x {
				parts[i], _ = p.(string)
			}
			out[k] = strings.Join(parts, ", ")
		case nil:
			out[k] = ""
		default:
			b, _ := json.Marshal(x)
			out[k] = string(b)
		}
	}
	return out
}

// EventValue shows a history event's before or after value: a party as its name with its
// ceiling, rank and end date; a plain value as itself; none as a dash.
func (v *view) EventValue(raw []byte, term, currency string) string {
	if len(raw) == 0 || string(raw) == "null" {
		return "–"
	}
	var n float64
	isNumber := json.Unmarshal(raw, &n) == nil
	switch {
	case isNumber && strings.HasSuffix(term, "_minor"):
		return v.Money(int64(n), currency)
	case isNumber && strings.HasSuffix(term, "_bp"):
		return v.Percent(n / 100)
	case string(raw) == "true":
		return v.T("common.yes")
	case string(raw) == "false":
		return v.T("common.no")
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) == nil {
		if name, ok := m["name"].(string); ok {
			s := name
			if r, ok := m["rank"].(float64); ok {
				s += ", " + v.T("catalog.rank", int(r))
			}
			if c, ok := m["ceiling_minor"].(float64); ok {
				s += ", " + v.Money(int64(c), currency)
			}
			if e, ok := m["ends_on"].(string); ok {
				s += ", " + v.T("agreement.ends_on_short", e)
			}
			return s
		}
		if ref, ok := m["reference"].(string); ok {
			return ref
		}
	}
	if isNumber {
		return strconv.FormatFloat(n, 'f', -1, 64)
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
