package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/orders"
)

// agreementControlRoutes lists the routes of SPEC §6 (the agreement under control): the terms
// history, removing parties, and catalogue submissions.
func (h *handler) agreementControlRoutes(a *gin.RouterGroup) {
	manager := requireRole(auth.RoleManager, auth.RoleAdmin)
	a.GET("/agreements/:id/history", h.wrap(h.agreementHistory))
	a.DELETE("/agreements/:id/participants/:org_id", manager, h.wrap(h.removeParty(catalog.PartyParticipant)))
	a.DELETE("/agreements/:id/suppliers/:org_id", manager, h.wrap(h.removeParty(catalog.PartySupplier)))
	a.GET("/catalogue-submissions", h.wrap(h.listSubmissions))
	a.GET("/catalogue-submissions/:id", h.wrap(h.getSubmission))
	a.POST("/catalogue-submissions/:id/accept", manager, h.wrap(h.decideSubmission(true)))
	a.POST("/catalogue-submissions/:id/reject", manager, h.wrap(h.decideSubmission(false)))
}

func (h *handler) agreementHistory(c *gin.Context) error {
	page, err := queryPage(c)
	if err != nil {
		return err
	}
	list, total, err := h.Catalog.History(c.Request.Context(), callerOf(c), c.Param("id"), page)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newList(list, total, page))
	return nil
}

func (h *handler) removeParty(kind string) func(*gin.Context) error {
	return func(c *gin.Context) error {
		if err := h.Catalog.RemoveParty(c.Request.Context(), callerOf(c), c.Param("id"), kind, c.Param("org_id"), c.Query("note")); err != nil {
			return err
		}
		c.Status(http.StatusNoContent)
		return nil
	}
}

func (h *handler) listSubmissions(c *gin.Context) error {
	page, err := queryPage(c)
	if err != nil {
		return err
	}
	list, total, err := h.Catalog.ListSubmissions(c.Request.Context(), callerOf(c), catalog.SubmissionFilter{
		AgreementID: c.Query("agreement_id"), Status: c.Query("status"), Page: page})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newList(list, total, page))
	return nil
}

func (h *handler) getSubmission(c *gin.Context) error {
	sub, err := h.Catalog.GetSubmission(c.Request.Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, sub)
	return nil
}

func (h *handler) decideSubmission(accept bool) func(*gin.Context) error {
	return func(c *gin.Context) error {
		var d catalog.SubmissionDecision
		if err := decodeOptionalJSON(c, &d); err != nil {
			return err
		}
		sub, err := h.Catalog.DecideSubmission(c.Request.Context(), callerOf(c), c.Param("id"), accept, d)
		if err != nil {
			return err
		}
		c.JSON(http.StatusOK, sub)
		return nil
	}
}

// submittedStatus is 202 when a write made a catalogue submission (it waits for the
// agreement's managers), else ok.
func submittedStatus(submissionID string, ok int) int {
	if submissionID != "" {
		return http.StatusAccepted
	}
	return ok
}

// writeOrdersCSV exports every order of the filter (GET /orders with Accept: text/csv).
func (h *handler) writeOrdersCSV(c *gin.Context, f orders.OrderFilter) error {
	list, err := h.Orders.ListAllOrders(c.Request.Context(), callerOf(c), f)
	if err != nil {
		return err
	}
	name := "orders.csv"
	if f.Cascade {
		name = "cascade-orders.csv"
	}
	return writeCSV(c, name, orders.OrderCSVHeader, orders.OrderCSVRecords(list))
}
