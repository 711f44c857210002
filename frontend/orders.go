package frontend

import (
	"net/http"
	"strings"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/orders"
)

func (s *server) createOrder(q *req, in orders.OrderInput, key string) (orders.Order, error) {
	o, _, err := s.Orders.CreateOrder(q.ctx(), *q.caller, in, key)
	return o, err
}

type ordersData struct {
	Items    []orders.Order
	Total    int
	Pager    pager
	Status   string
	Statuses []orders.Status
	Heading  string
	Usage    map[string]orders.Usage
	// Deviations are the supplier's deviations that await a response.
	Deviations []orders.Deviation
	// Form and FormOrder are a refused decision in the approval queue, shown beside that
	// order's note.
	Form      *form
	FormOrder string
}

var allStatuses = []orders.Status{orders.StatusPendingApproval, orders.StatusApproved, orders.StatusAccepted, orders.StatusShipped,
	orders.StatusDelivered, orders.StatusRejected, orders.StatusDeclined, orders.StatusCancelled}

// ordersPageSize is how many orders a page of an order list shows.
const ordersPageSize = 50

// myOrders lists the buyer organisation's orders (an orderer sees the ones they placed).
func (s *server) myOrders(q *req) error {
	f := orders.OrderFilter{Page: listPage(q.r, ordersPageSize), Mine: !q.caller.Has(auth.RoleApprover)}
	st := q.r.URL.Query().Get("status")
	if orders.ValidStatus(orders.Status(st)) {
		f.Status = []orders.Status{orders.Status(st)}
	} else {
		st = ""
	}
	items, total, err := s.Orders.ListOrders(q.ctx(), *q.caller, f)
	if err != nil {
		return err
	}
	heading := "orders.heading"
	if !f.Mine {
		heading = "orders.heading_org"
	}
	return q.render(http.StatusOK, "orders", "orders.title", ordersData{Items: items, Total: total, Status: st, Statuses: allStatuses, Heading: heading,
		Pager: newPager("/orders", q.r.URL.Query(), f.Page, total)})
}

// supplierOrders is the supplier's inbox: orders addressed to it from approval on.
func (s *server) supplierOrders(q *req) error {
	f := orders.OrderFilter{Page: listPage(q.r, ordersPageSize)}
	st := q.r.URL.Query().Get("status")
	if orders.ValidStatus(orders.Status(st)) {
		f.Status = []orders.Status{orders.Status(st)}
	} else {
		st = ""
	}
	items, total, err := s.Orders.ListOrders(q.ctx(), *q.caller, f)
	if err != nil {
		return err
	}
	devs, _, err := s.Orders.ListDeviations(q.ctx(), *q.caller, orders.DeviationFilter{SupplierID: q.caller.OrgID, Status: "open", Page: auth.Page{PageSize: 50}})
	if err != nil && !derr.Is(err, derr.Forbidden) && !derr.Is(err, derr.Invalid) {
		return err
	}
	return q.render(http.StatusOK, "supplier_orders", "supplier.orders.title", ordersData{Items: items, Total: total, Status: st, Deviations: devs,
		Pager:    newPager("/supplier/orders", q.r.URL.Query(), f.Page, total),
		Statuses: []orders.Status{orders.StatusApproved, orders.StatusAccepted, orders.StatusShipped, orders.StatusDelivered, orders.StatusDeclined}})
}

// approvals is the approver's queue, each order with its agreement's ceiling usage.
func (s *server) approvals(q *req) error { return s.renderApprovals(q, http.StatusOK, "", nil) }

// renderApprovals shows the approval queue; a refused decision (formOrder, f) is shown beside
// that order's note, so the approver stays in the queue.
func (s *server) renderApprovals(q *req, status int, formOrder string, f *form) error {
	if f == nil {
		f = &form{}
	}
	page := listPage(q.r, ordersPageSize)
	items, total, err := s.Orders.ApprovalQueue(q.ctx(), *q.caller, page)
	if err != nil {
		return err
	}
	// The queue shows what was ordered: each order with its lines (GetOrder, in the
	// approver's scope; a page holds at most ordersPageSize orders).
	for i := range items {
		full, err := s.Orders.GetOrder(q.ctx(), *q.caller, items[i].ID)
		if err != nil {
			return err
		}
		items[i] = full
	}
	usage := map[string]orders.Usage{}
	for _, o := range items {
		if _, ok := usage[o.AgreementID]; ok {
			continue
		}
		u, err := s.Orders.Usage(q.ctx(), *q.caller, o.AgreementID)
		if err != nil && !derr.Is(err, derr.NotFound) && !derr.Is(err, derr.Forbidden) {
			return err
		}
		if err == nil {
			usage[o.AgreementID] = u
		}
	}
	return q.render(status, "approvals", "approvals.title", ordersData{Items: items, Total: total, Usage: usage,
		Pager: newPager("/approvals", q.r.URL.Query(), page, total), Form: f, FormOrder: formOrder})
}

type orderData struct {
	Order      orders.Order
	Deviations []orders.Deviation
	Can        map[string]bool
	Kinds      []orders.DeviationKind
	Form       *form
	Problem    string
	Usage      *orders.Usage
}

func (s *server) orderPage(q *req) error {
	return s.renderOrder(q, http.StatusOK, q.r.PathValue("id"), &form{}, "")
}

func (s *server) renderOrder(q *req, status int, id string, f *form, problem string) error {
	o, err := s.Orders.GetOrder(q.ctx(), *q.caller, id)
	if err != nil {
		return err
	}
	devs, err := s.Orders.ListOrderDeviations(q.ctx(), *q.caller, id)
	if err != nil && !derr.Is(err, derr.Forbidden) {
		return err
	}
	c := *q.caller
	buyerSide := c.HasAny(auth.RoleOrderer, auth.RoleApprover) && c.OrgID == o.BuyerOrgID
	supplierSide := c.Has(auth.RoleSupplier) && c.OrgID == o.SupplierID
	can := map[string]bool{
		"approve": buyerSide && c.Has(auth.RoleApprover) && o.Status == orders.StatusPendingApproval && o.OrderedBy != c.UserID,
		"cancel":  buyerSide && (o.Status == orders.StatusPendingApproval || o.Status == orders.StatusApproved) && (o.OrderedBy == c.UserID || c.Has(auth.RoleApprover)),
		"accept":  supplierSide && o.Status == orders.StatusApproved,
		"decline": supplierSide && (o.Status == orders.StatusApproved || o.Status == orders.StatusAccepted),
		"answer":  supplierSide && o.Status == orders.StatusApproved,
		"ship":    supplierSide && (o.Status == orders.StatusAccepted || o.Status == orders.StatusShipped) && orderLeftToShip(o),
		"deliver": buyerSide && o.Status == orders.StatusShipped,
		"deviate": buyerSide && (o.Status == orders.StatusAccepted || o.Status == orders.StatusShipped || o.Status == orders.StatusDelivered),
		"respond": supplierSide,
		"close":   c.Has(auth.RoleManager),
		"reorder": buyerSide,
	}
	d := orderData{Order: o, Deviations: devs, Can: can, Form: f, Problem: problem,
		Kinds: []orders.DeviationKind{orders.DeviationLate, orders.DeviationWrongItem, orders.DeviationDamaged, orders.DeviationMissing, orders.DeviationQuality, orders.DeviationOther}}
	if can["approve"] {
		if u, err := s.Orders.Usage(q.ctx(), c, o.AgreementID); err == nil {
			d.Usage = &u
		}
	}
	return q.render(status, "order", "order.title", d)
}

// orderMove makes a lifecycle move from a button on the order page, the approval queue or the
// supplier inbox; back says where to return.
func (s *server) orderMove(q *req) error {
	id, action := q.r.PathValue("id"), orders.Action(q.r.PathValue("move"))
	if action == orders.ActionShip || action == orders.ActionDeliver {
		if handled, err := s.quantityMove(q, id, action); handled {
			return err
		}
	}
	note := strings.TrimSpace(q.r.PostFormValue("note"))
	if action == orders.ActionDecline {
		note = strings.TrimSpace(q.r.PostFormValue("reason"))
	}
	if _, err := s.Orders.Move(q.ctx(), *q.caller, id, action, note); err != nil {
		if f, ok := failedForm(q.lang, q.r.PostForm, err); ok {
			if action == orders.ActionDecline && f.Errs["note"] != "" {
				f.Errs["reason"] = translate(q.lang, "order.reason_required")
			}
			if action == orders.ActionDecline && f.Errs["reason"] == "" && derr.Is(err, derr.Invalid) {
				f.Errs["reason"] = translate(q.lang, "order.reason_required")
			}
			if action == orders.ActionReject && f.Errs["note"] != "" {
				f.Errs["note"] = translate(q.lang, "approvals.reject_reason")
			}
			f.Errs["move"] = string(action)
			if localPath(q.r.PostFormValue("back")) == "/approvals" {
				// The page is the queue: its menu entry and language links are the queue's.
				q.r.URL.Path, q.r.URL.RawQuery = "/approvals", ""
				return s.renderApprovals(q, statusOf(err), id, f)
			}
			return s.renderOrder(q, statusOf(err), id, f, f.General)
		}
		return err
	}
	back := localPath(q.r.PostFormValue("back"))
	if back == "" {
		back = "/orders/" + id
	}
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	q.redirect(back + sep + "msg=order_" + string(action))
	return nil
}

func statusOf(err error) int {
	if derr.Is(err, derr.Conflict) {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

func (s *server) reportDeviation(q *req) error {
	in := orders.DeviationInput{Kind: orders.DeviationKind(q.r.PostFormValue("kind")), Description: strings.TrimSpace(q.r.PostFormValue("description"))}
	return s.deviationStep(q, "deviation_reported", func(id string) error {
		_, err := s.Orders.ReportDeviation(q.ctx(), *q.caller, id, in)
		return err
	})
}

// respondDeviation is the supplier's answer to a deviation on one of its orders.
func (s *server) respondDeviation(q *req) error {
	return s.deviationStep(q, "deviation_responded", func(id string) error {
		_, err := s.Orders.RespondDeviation(q.ctx(), *q.caller, id, q.r.PathValue("dev"), strings.TrimSpace(q.r.PostFormValue("response")))
		return err
	})
}

// closeDeviation is the manager's closing of a deviation.
func (s *server) closeDeviation(q *req) error {
	return s.deviationStep(q, "deviation_closed", func(id string) error {
		_, err := s.Orders.CloseDeviation(q.ctx(), *q.caller, id, q.r.PathValue("dev"), strings.TrimSpace(q.r.PostFormValue("note")))
		return err
	})
}

// deviationStep runs one step of a deviation on the order in the path: on a refusal the order
// page comes back with the error beside the form, on success it shows msg.
func (s *server) deviationStep(q *req, msg string, step func(orderID string) error) error {
	id := q.r.PathValue("id")
	if err := step(id); err != nil {
		if f, ok := failedForm(q.lang, q.r.PostForm, err); ok {
			return s.renderOrder(q, statusOf(err), id, f, f.General)
		}
		return err
	}
	q.redirect("/orders/" + id + "?msg=" + msg + "#deviations")
	return nil
}
