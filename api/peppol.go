package api

import (
	"mime"
	"net/http"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/orders"

	"github.com/gin-gonic/gin"
)

// peppolRoutes lists the routes of PEPPOL documents and the order conversation (SPEC §8).
func (h *handler) peppolRoutes(a *gin.RouterGroup) {
	a.GET("/orders/:id/peppol", h.wrap(h.peppolOrder))
	a.POST("/orders/:id/respond", h.wrap(h.respondOrder))
	a.GET("/orders/:id/peppol-response", h.wrap(h.peppolResponse))
	a.POST("/peppol/order-responses", h.wrap(h.receiveOrderResponse))
}

// respondOrder records the supplier's answer: accepted, declined or changed lines.
func (h *handler) respondOrder(c *gin.Context) error {
	var in orders.ResponseInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	o, err := h.Orders.Respond(c.Request.Context(), callerOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, o)
	return nil
}

// peppolResponse answers the supplier's answer as a PEPPOL BIS Order Response (T76).
func (h *handler) peppolResponse(c *gin.Context) error {
	doc, err := h.Orders.PeppolResponse(c.Request.Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", `inline; filename="`+safeFilename(doc.OrderNumber)+`-response.xml"`)
	c.Data(http.StatusOK, "application/xml; charset=utf-8", doc.XML)
	return nil
}

// receiveOrderResponse records a supplier's answer sent as a PEPPOL Order Response document.
func (h *handler) receiveOrderResponse(c *gin.Context) error {
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || (mt != "application/xml" && mt != "text/xml") {
		return &derr.Error{Kind: derr.UnsupportedMedia, Code: "unsupported_media_type",
			Message: "Send a PEPPOL BIS Order Response (UBL 2.1 OrderResponse) as application/xml."}
	}
	o, err := h.Orders.RespondByPeppol(c.Request.Context(), callerOf(c), http.MaxBytesReader(c.Writer, c.Request.Body, orders.MaxPeppolResponseBytes+1))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, o)
	return nil
}

// peppolOrder answers an order as a PEPPOL BIS Order 3 document (UBL 2.1 Order XML), for
// everyone who may see the order (GET /orders/{id}'s scope); anyone else gets 404. The file
// name carries the order number so that a download is recognisable in the buyer's or the
// supplier's system.
func (h *handler) peppolOrder(c *gin.Context) error {
	doc, err := h.Orders.PeppolOrder(c.Request.Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", `inline; filename="`+safeFilename(doc.OrderNumber)+`.xml"`)
	c.Data(http.StatusOK, "application/xml; charset=utf-8", doc.XML)
	return nil
}

// safeFilename keeps the letters, digits, dashes and underscores of s (an order number), so
// that it can sit inside a quoted Content-Disposition parameter.
func safeFilename(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch >= 'A' && ch <= 'Z', ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9', ch == '-', ch == '_':
			b = append(b, ch)
		}
	}
	if len(b) == 0 {
		return "order"
	}
	return string(b)
}
