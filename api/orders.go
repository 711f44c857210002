package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/orders"
)

// orderRoutes lists the routes of call-off orders, deviations and follow-up.
func (h *handler) orderRoutes(a *gin.RouterGroup) {
	buyer := requireRole(auth.RoleOrderer, auth.RoleApprover)
	a.POST("/orders", buyer, h.wrap(h.createOrder))
	a.GET("/orders", h.wrap(h.listOrders))
	a.GET("/orders/approval-queue", requireRole(auth.RoleApprover), h.wrap(h.approvalQueue))
	a.GET("/orders/:id", h.wrap(h.getOrder))
	for _, act := range orders.Actions {
		a.POST("/orders/:id/"+string(act), h.wrap(h.moveOrder(act)))
	}
	a.GET("/orders/:id/deviations", h.wrap(h.listOrderDeviations))
	a.POST("/orders/:id/deviations", buyer, h.wrap(h.reportDeviation))
	a.POST("/orders/:id/deviations/:did/respond", requireRole(auth.RoleSupplier), h.wrap(h.respondDeviation))
	a.POST("/orders/:id/deviations/:did/close", requireRole(auth.RoleManager), h.wrap(h.closeDeviation))
	a.GET("/deviations", h.wrap(h.listDeviations))
	a.GET("/agreements/:id/usage", h.wrap(h.agreementUsage))
}

// createOrder places an order. With an Idempotency-Key header a repeat of the same request
// answers the first response again (201, header Idempotent-Replayed: true).
func (h *handler) createOrder(c *gin.Context) error {
	var in orders.OrderInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	key := c.GetHeader("Idempotency-Key")
	if _, present := c.Request.Header["Idempotency-Key"]; present && key == "" {
		return &derr.Error{Kind: derr.BadRequest, Code: orders.CodeInvalidIdempotencyKey, Message: "The Idempotency-Key header is empty."}
	}
	o, replayed, err := h.Orders.CreateOrder(c.Request.Context(), callerOf(c), in, key)
	if err != nil {
		return err
	}
	if replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	c.Header("Location", "/api/v1/orders/"+o.ID)
	c.JSON(http.StatusCreated, o)
	return nil
}

func orderFilter(c *gin.Context) (orders.OrderFilter, error) {
	p, err := queryPage(c)
	if err != nil {
		return orders.OrderFilter{}, err
	}
	f := orders.OrderFilter{AgreementID: c.Query("agreement_id"), SupplierID: c.Query("supplier_id"),
		BuyerOrgID: c.Query("buyer_org_id"), Page: p, Mine: c.Query("mine") == "true", Cascade: c.Query("cascade") == "true"}
	for _, s := range c.QueryArray("status") {
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				f.Status = append(f.Status, orders.Status(part))
			}
		}
	}
	return f, nil
}

func (h *handler) listOrders(c *gin.Context) error {
	f, err := orderFilter(c)
	if err != nil {
		return err
	}
	if wantsCSV(c) {
		return h.writeOrdersCSV(c, f)
	}
	list, total, err := h.Orders.ListOrders(c.Request.Context(), callerOf(c), f)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newList(list, total, f.Page))
	return nil
}

func (h *handler) approvalQueue(c *gin.Context) error {
	p, err := queryPage(c)
	if err != nil {
		return err
	}
	list, total, err := h.Orders.ApprovalQueue(c.Request.Context(), callerOf(c), p)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newList(list, total, p))
	return nil
}

func (h *handler) getOrder(c *gin.Context) error {
	o, err := h.Orders.GetOrder(c.Request.Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, o)
	return nil
}

// moveRequest is the body of a lifecycle move: an optional note, or for decline the required
// reason. Either field is accepted for every move, so that clients need not know which.
type moveRequest struct {
	Note   string `json:"note"`
	Reason string `json:"reason"`
	// Lines names quantities per line for ship and deliver (SPEC §8 partial delivery).
	Lines []orders.QuantityLine `json:"lines"`
}

func (h *handler) moveOrder(act orders.Action) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		var req moveRequest
		if err := decodeOptionalJSON(c, &req); err != nil {
			return err
		}
		note := req.Note
		if req.Reason != "" {
			note = req.Reason
			if req.Note != "" {
				note = req.Reason + "\n" + req.Note
			}
		}
		var o orders.Order
		var err error
		switch {
		case act == orders.ActionShip && len(req.Lines) > 0:
			o, err = h.Orders.Ship(c.Request.Context(), callerOf(c), c.Param("id"), req.Lines, note)
		case act == orders.ActionDeliver && len(req.Lines) > 0:
			o, err = h.Orders.Deliver(c.Request.Context(), callerOf(c), c.Param("id"), req.Lines, note)
		default:
			o, err = h.Orders.Move(c.Request.Context(), callerOf(c), c.Param("id"), act, note)
		}
		if err != nil {
			return err
		}
		c.JSON(http.StatusOK, o)
		return nil
	}
}

func (h *handler) listOrderDeviations(c *gin.Context) error {
	ds, err := h.Orders.ListOrderDeviations(c.Request.Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newList(ds, len(ds), auth.Page{Page: 1, PageSize: 100}))
	return nil
}

func (h *handler) reportDeviation(c *gin.Context) error {
	var in orders.DeviationInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	d, err := h.Orders.ReportDeviation(c.Request.Context(), callerOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, d)
	return nil
}

type respondRequest struct {
	Response string `json:"response"`
}

func (h *handler) respondDeviation(c *gin.Context) error {
	var req respondRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d, err := h.Orders.RespondDeviation(c.Request.Context(), callerOf(c), c.Param("id"), c.Param("did"), req.Response)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, d)
	return nil
}

type closeRequest struct {
	Note string `json:"note"`
}

func (h *handler) closeDeviation(c *gin.Context) error {
	var req closeRequest
	if err := decodeOptionalJSON(c, &req); err != nil {
		return err
	}
	d, err := h.Orders.CloseDeviation(c.Request.Context(), callerOf(c), c.Param("id"), c.Param("did"), req.Note)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, d)
	return nil
}

func (h *handler) listDeviations(c *gin.Context) error {
	p, err := queryPage(c)
	if err != nil {
		return err
	}
	f := orders.DeviationFilter{SupplierID: c.Query("supplier_id"), AgreementID: c.Query("agreement_id"), Status: c.Query("status"), Page: p}
	if wantsCSV(c) {
		all, err := h.Orders.ListAllDeviations(c.Request.Context(), callerOf(c), f)
		if err != nil {
			return err
		}
		return writeCSV(c, "deviations.csv", orders.DeviationCSVHeader, orders.DeviationCSVRecords(all))
	}
	ds, total, err := h.Orders.ListDeviations(c.Request.Context(), callerOf(c), f)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newList(ds, total, p))
	return nil
}

func (h *handler) agreementUsage(c *gin.Context) error {
	u, err := h.Orders.Usage(c.Request.Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	if strings.Contains(c.GetHeader("Accept"), "text/csv") {
		return writeUsageCSV(c, u)
	}
	c.JSON(http.StatusOK, u)
	return nil
}

// writeUsageCSV exports usage through the one writer of this export (orders.WriteUsageCSV).
func writeUsageCSV(c *gin.Context, u orders.Usage) error {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="usage-`+u.AgreementID+`.csv"`)
	c.Status(http.StatusOK)
	return orders.WriteUsageCSV(c.Writer, u)
}
