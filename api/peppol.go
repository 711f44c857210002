package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// peppolRoutes lists the routes of PEPPOL documents.
func (h *handler) peppolRoutes(a *gin.RouterGroup) {
	a.GET("/orders/:id/peppol", h.wrap(h.peppolOrder))
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
