package api

import "github.com/gin-gonic/gin"

// orderRoutes lists the routes of call-off orders, deviations and follow-up.
func (h *handler) orderRoutes(a *gin.RouterGroup) {
}
