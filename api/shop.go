package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/orders"
)

// shopRoutes are the orderer's shortcuts (SPEC §5): favourite items per user, and the
// delivery addresses and cost centres an organisation saves for checkout.
func (h *handler) shopRoutes(a *gin.RouterGroup) {
	buyer := requireRole(auth.RoleOrderer, auth.RoleApprover)
	a.GET("/favourites", buyer, h.wrap(h.listFavourites))
	a.PUT("/catalog/items/:id/favourite", buyer, h.wrap(h.setFavourite(true)))
	a.DELETE("/catalog/items/:id/favourite", buyer, h.wrap(h.setFavourite(false)))

	maintain := requireRole(auth.RoleApprover, auth.RoleAdmin)
	a.GET("/organizations/:id/saved-details", requireRole(auth.RoleOrderer, auth.RoleApprover, auth.RoleAdmin), h.wrap(h.listSavedDetails))
	a.POST("/organizations/:id/saved-details", maintain, h.wrap(h.addSavedDetail))
	a.DELETE("/organizations/:id/saved-details/:did", maintain, h.wrap(h.removeSavedDetail))
}

func (h *handler) listFavourites(c *gin.Context) error {
	page, err := queryPage(c)
	if err != nil {
		return err
	}
	favs, err := h.Catalog.Favourites(c.Request.Context(), callerOf(c), page)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, favs)
	return nil
}

func (h *handler) setFavourite(on bool) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		if err := h.Catalog.SetFavourite(c.Request.Context(), callerOf(c), c.Param("id"), on); err != nil {
			return err
		}
		c.Status(http.StatusNoContent)
		return nil
	}
}

func (h *handler) listSavedDetails(c *gin.Context) error {
	details, err := h.Orders.SavedDetails(c.Request.Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	// Never more than orders.MaxSavedDetails of each kind: one page holds them all.
	c.JSON(http.StatusOK, newList(details, len(details), auth.Page{Page: 1, PageSize: 2 * orders.MaxSavedDetails}))
	return nil
}

func (h *handler) addSavedDetail(c *gin.Context) error {
	var in orders.SavedDetailInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	d, err := h.Orders.AddSavedDetail(c.Request.Context(), callerOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, d)
	return nil
}

func (h *handler) removeSavedDetail(c *gin.Context) error {
	if err := h.Orders.RemoveSavedDetail(c.Request.Context(), callerOf(c), c.Param("id"), c.Param("did")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
