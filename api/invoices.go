package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/peppol"
)

// invoiceRoutes lists the routes of SPEC §9: invoices in and their control, ledger spend and
// contract loyalty. Roles and scope are checked by the invoices service (403 for a role that
// may never call, 404 outside the caller's scope).
func (h *handler) invoiceRoutes(a *gin.RouterGroup) {
	a.POST("/invoices", h.wrap(h.receiveInvoice))
	a.GET("/invoices", h.wrap(h.listInvoices))
	a.GET("/invoices/:id", h.wrap(h.getInvoice))
	a.POST("/invoices/:id/accept", h.wrap(h.decideInvoice(invoices.DecisionAccept)))
	a.POST("/invoices/:id/dispute", h.wrap(h.decideInvoice(invoices.DecisionDispute)))
	a.POST("/spend-records", h.wrap(h.loadSpendRecords))
	a.GET("/analytics/contract-loyalty", h.wrap(h.contractLoyalty))
}

// mediaType is the request's media type when it is one of allowed, else a 415 naming want.
func mediaType(c *gin.Context, want string, allowed ...string) error {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err == nil {
		for _, a := range allowed {
			if mt == a {
				return nil
			}
		}
	}
	return &derr.Error{Kind: derr.UnsupportedMedia, Code: "unsupported_media_type", Message: "Send " + want + "."}
}

// bodyTooLarge turns a body read past its limit into 413.
func bodyTooLarge(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &derr.Error{Kind: derr.TooLarge, Code: "body_too_large", Message: fmt.Sprintf("The body is larger than %d bytes.", tooBig.Limit)}
	}
	return err
}

// receiveInvoice answers 201 with the stored invoice and its findings (status invalid with the
// rule ids when the document breaks a fatal rule).
func (h *handler) receiveInvoice(c *gin.Context) error {
	if err := mediaType(c, "a PEPPOL BIS Billing 3 Invoice or Credit Note as application/xml", "application/xml", "text/xml"); err != nil {
		return err
	}
	doc, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, peppol.MaxInvoiceBytes))
	if err != nil {
		return bodyTooLarge(&derr.Error{Kind: derr.BadRequest, Code: "unreadable_body", Message: "The document could not be read.", Err: err})
	}
	inv, err := h.Invoices.Receive(c.Request.Context(), callerOf(c), doc)
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/invoices/"+inv.ID)
	c.JSON(http.StatusCreated, inv)
	return nil
}

func (h *handler) listInvoices(c *gin.Context) error {
	page, err := queryPage(c)
	if err != nil {
		return err
	}
	f := invoices.Filter{Status: invoices.Status(c.Query("status")), SupplierID: c.Query("supplier_id"), OrgID: c.Query("org_id"),
		OrderID: c.Query("order_id"), Page: page}
	list, total, err := h.Invoices.List(c.Request.Context(), callerOf(c), f)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newList(list, total, page.Normalize()))
	return nil
}

func (h *handler) getInvoice(c *gin.Context) error {
	inv, err := h.Invoices.Get(c.Request.Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, inv)
	return nil
}

func (h *handler) decideInvoice(d invoices.Decision) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		var req struct {
			Note string `json:"note"`
		}
		if err := decodeOptionalJSON(c, &req); err != nil {
			return err
		}
		inv, err := h.Invoices.Decide(c.Request.Context(), callerOf(c), c.Param("id"), d, req.Note)
		if err != nil {
			return err
		}
		c.JSON(http.StatusOK, inv)
		return nil
	}
}

// loadSpendRecords streams a ledger CSV into the database: 201 with the report, or 422 with
// every error by line and field and nothing loaded.
func (h *handler) loadSpendRecords(c *gin.Context) error {
	if err := mediaType(c, "the ledger as text/csv with the columns org_number,supplier_org_number,supplier_name,"+
		"invoice_number,invoice_date,amount_minor,currency,cpv_code", "text/csv", "application/csv"); err != nil {
		return err
	}
	rep, err := h.Invoices.LoadSpendRecords(c.Request.Context(), callerOf(c), c.Request.Body)
	if err != nil {
		return bodyTooLarge(err)
	}
	c.JSON(http.StatusCreated, rep)
	return nil
}

// contractLoyalty answers the report, or with Accept: text/csv every group as CSV.
func (h *handler) contractLoyalty(c *gin.Context) error {
	f := invoices.LoyaltyFilter{GroupBy: invoices.LoyaltyGroup(c.Query("group_by")), From: c.Query("from"), To: c.Query("to"),
		OrgID: c.Query("org_id")}
	rep, err := h.Invoices.ContractLoyalty(c.Request.Context(), callerOf(c), f)
	if err != nil {
		return err
	}
	if wantsCSV(c) {
		return writeCSV(c, "contract-loyalty-"+string(rep.GroupBy)+".csv", invoices.LoyaltyCSVHeader, rep.CSVRecords())
	}
	c.JSON(http.StatusOK, rep)
	return nil
}
