package api

import (
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/avrop/avrop/auth"
)

// routes lists every route of the API. The OpenAPI document must name exactly these
// (TestOpenAPIMatchesRoutes).
func (h *handler) routes(r *gin.Engine, reg *prometheus.Registry) {
	r.GET("/healthz", h.healthz)
	r.GET("/readyz", h.readyz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	r.GET("/api/openapi.json", h.openapi)

	v1 := r.Group("/api/v1")

	// Session.
	v1.POST("/auth/login", h.wrap(h.login))
	v1.POST("/auth/refresh", h.wrap(h.refresh))
	v1.POST("/auth/logout", h.wrap(h.logout))

	a := v1.Group("", h.authenticate)
	a.GET("/me", h.wrap(h.me))

	// Organisations and users: admins write; reads are scoped by the auth service.
	admin := requireRole(auth.RoleAdmin)
	a.POST("/organizations", admin, h.wrap(h.createOrganization))
	a.GET("/organizations", h.wrap(h.listOrganizations))
	a.GET("/organizations/:id", h.wrap(h.getOrganization))
	a.PATCH("/organizations/:id", admin, h.wrap(h.updateOrganization))
	a.POST("/users", admin, h.wrap(h.createUser))
	a.GET("/users", h.wrap(h.listUsers))
	a.GET("/users/:id", h.wrap(h.getUser))
	a.PATCH("/users/:id", admin, h.wrap(h.updateUser))

	// Agreements and the catalogue (catalog package).
	h.catalogRoutes(a)
	h.shopRoutes(a)
	h.agreementControlRoutes(a)

	// Call-off orders, deviations and follow-up (orders package).
	h.orderRoutes(a)
	h.peppolRoutes(a)
	h.followupRoutes(a)

	// Welfare technology as a service: placements, charges, installed base (SPEC §7).
	h.placementRoutes(a)
	// Invoices, spend records and contract loyalty (invoices package).
	h.invoiceRoutes(a)
}
