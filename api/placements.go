package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/placements"
)

// placementRoutes lists the routes of welfare technology as a service (SPEC §7): placements,
// their lifecycle moves, monthly charges and the installed base.
func (h *handler) placementRoutes(a *gin.RouterGroup) {
	buyer := requireRole(auth.RoleOrderer, auth.RoleApprover)
	supplier := requireRole(auth.RoleSupplier)
	a.GET("/placements", h.wrap(h.listPlacements))
	a.GET("/placements/charges", h.wrap(h.placementCharges))
	a.GET("/placements/:id", h.wrap(h.getPlacement))
	a.POST("/placements/:id/install", supplier, h.wrap(h.installPlacement))
	a.POST("/placements/:id/end", buyer, h.wrap(h.endPlacement))
	a.POST("/placements/:id/return", supplier, h.wrap(h.returnPlacement))
	a.POST("/placements/:id/move", buyer, h.wrap(h.movePlacement))
	a.POST("/placements/:id/outages", buyer, h.wrap(h.reportOutage))
	a.GET("/analytics/installed-base", h.wrap(h.installedBase))
}

func (h *handler) listPlacements(c *gin.Context) error {
	p, err := queryPage(c)
	if err != nil {
		return err
	}
	f := placements.Filter{AgreementID: c.Query("agreement_id"), OrgID: c.Query("org_id"), SupplierID: c.Query("supplier_id"), Page: p}
	for _, s := range c.QueryArray("status") {
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				f.Status = append(f.Status, placements.Status(part))
			}
		}
	}
	list, total, err := h.Orders.Placements().List(c.Request.Context(), callerOf(c), f)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newList(list, total, p))
	return nil
}

func (h *handler) getPlacement(c *gin.Context) error {
	p, err := h.Orders.Placements().Get(c.Request.Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, p)
	return nil
}

func (h *handler) installPlacement(c *gin.Context) error {
	var in placements.InstallInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := h.Orders.Placements().Install(c.Request.Context(), callerOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, p)
	return nil
}

func (h *handler) endPlacement(c *gin.Context) error {
	var in placements.EndInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := h.Orders.EndPlacement(c.Request.Context(), callerOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, p)
	return nil
}

func (h *handler) returnPlacement(c *gin.Context) error {
	var in struct{}
	if err := decodeOptionalJSON(c, &in); err != nil {
		return err
	}
	p, err := h.Orders.Placements().Return(c.Request.Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, p)
	return nil
}

func (h *handler) movePlacement(c *gin.Context) error {
	var in placements.MoveInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := h.Orders.Placements().Move(c.Request.Context(), callerOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, p)
	return nil
}

// placementCharges answers a month's charges, or with Accept: text/csv every line as CSV.
func (h *handler) placementCharges(c *gin.Context) error {
	f := placements.ChargeFilter{Month: c.Query("month"), AgreementID: c.Query("agreement_id"), SupplierID: c.Query("supplier_id"),
		OrgID: c.Query("org_id")}
	ch, err := h.Orders.Placements().Charges(c.Request.Context(), callerOf(c), f)
	if err != nil {
		return err
	}
	if wantsCSV(c) {
		return writeCSV(c, "charges-"+ch.Month+".csv", placements.ChargesCSVHeader, ch.CSVRecords())
	}
	c.JSON(http.StatusOK, ch)
	return nil
}

func (h *handler) installedBase(c *gin.Context) error {
	f := placements.BaseFilter{AgreementID: c.Query("agreement_id"), From: c.Query("from"), To: c.Query("to")}
	items, err := h.Orders.Placements().InstalledBase(c.Request.Context(), callerOf(c), f)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
	return nil
}

type outageRequest struct {
	Description string `json:"description"`
}

// reportOutage records a service outage of a placed device: a deviation of kind
// service_outage on the placement's order.
func (h *handler) reportOutage(c *gin.Context) error {
	var in outageRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	d, err := h.Orders.ReportOutage(c.Request.Context(), callerOf(c), c.Param("id"), in.Description)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, d)
	return nil
}
