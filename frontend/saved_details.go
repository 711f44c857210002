package frontend

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/orders"
)

type savedDetailsData struct {
	Org       auth.Organization
	Addresses []orders.SavedDetail
	Costs     []orders.SavedDetail
	// AddrForm and CostForm are the two add forms; a refused one comes back with its errors.
	AddrForm, CostForm *form
}

// savedDetailsPage is where an approver (or an administrator) keeps the organisation's
// delivery addresses and cost centres, which its orderers then choose at checkout.
func (s *server) savedDetailsPage(q *req) error {
	return s.renderSavedDetails(q, http.StatusOK, &form{}, "")
}

func (s *server) renderSavedDetails(q *req, status int, f *form, kind orders.DetailKind) error {
	id := q.r.PathValue("id")
	details, err := s.Orders.SavedDetails(q.ctx(), *q.caller, id)
	if err != nil {
		return err
	}
	org, err := s.Auth.GetOrganization(q.ctx(), *q.caller, id)
	if err != nil {
		return err
	}
	d := savedDetailsData{Org: org, AddrForm: &form{}, CostForm: &form{}}
	d.Addresses, d.Costs = splitDetails(details)
	switch kind {
	case orders.DetailDeliveryAddress:
		d.AddrForm = f
	case orders.DetailCostCenter:
		d.CostForm = f
	}
	return q.render(status, "saved_details", "details.title", d)
}

func (s *server) addSavedDetail(q *req) error {
	v := q.r.PostForm
	kind := orders.DetailKind(v.Get("kind"))
	in := orders.SavedDetailInput{Kind: kind, Label: v.Get("label"), Value: v.Get("value")}
	if _, err := s.Orders.AddSavedDetail(q.ctx(), *q.caller, q.r.PathValue("id"), in); err != nil {
		if f, ok := failedForm(q.lang, v, err); ok {
			return s.renderSavedDetails(q, statusOf(err), f, kind)
		}
		return err
	}
	q.redirect("/organizations/" + url.PathEscape(q.r.PathValue("id")) + "/details?msg=detail_saved")
	return nil
}

func (s *server) removeSavedDetail(q *req) error {
	id := q.r.PathValue("id")
	if err := s.Orders.RemoveSavedDetail(q.ctx(), *q.caller, id, q.r.PathValue("detail")); err != nil {
		return err
	}
	q.redirect("/organizations/" + url.PathEscape(id) + "/details?msg=detail_removed")
	return nil
}

// checkoutChoices are the organisation's saved details offered at checkout; a caller who may
// not read them (none should reach checkout) gets none rather than an error.
func (s *server) checkoutChoices(q *req) (addresses, costs []orders.SavedDetail) {
	details, err := s.Orders.SavedDetails(q.ctx(), *q.caller, q.caller.OrgID)
	if err != nil {
		return nil, nil
	}
	return splitDetails(details)
}

// splitDetails separates saved delivery addresses from cost centres, keeping their order.
func splitDetails(details []orders.SavedDetail) (addresses, costs []orders.SavedDetail) {
	for _, sd := range details {
		if sd.Kind == orders.DetailDeliveryAddress {
			addresses = append(addresses, sd)
		} else {
			costs = append(costs, sd)
		}
	}
	return addresses, costs
}

// chosen is the text of the saved detail the form chose in field+"_choice" (an id of the
// caller's organisation's saved details), else what was typed in field: saved choices are
// resolved on the server, so a forged id never reaches an order.
func chosen(v url.Values, field string, saved []orders.SavedDetail) string {
	if id := v.Get(field + "_choice"); id != "" {
		for _, sd := range saved {
			if sd.ID == id {
				return sd.Value
			}
		}
	}
	return strings.TrimSpace(v.Get(field))
}
