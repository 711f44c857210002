package api

import "github.com/gin-gonic/gin"

// catalogRoutes lists the routes of agreements, items, prices and price lists.
func (h *handler) catalogRoutes(a *gin.RouterGroup) {
}
