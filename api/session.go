package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (h *handler) login(c *gin.Context) error {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var v derr.Validator
	v.Check(req.Email != "", "email", "required", "is required")
	v.Check(req.Password != "", "password", "required", "is required")
	if err := v.Err(); err != nil {
		return err
	}
	sess, err := h.Auth.Login(c.Request.Context(), req.Email, req.Password, h.TrustedProxies.Addr(c.Request))
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, sess)
	return nil
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (h *handler) refresh(c *gin.Context) error {
	var req refreshRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return derr.Fields([]derr.FieldError{{Field: "refresh_token", Code: "required", Message: "is required"}})
	}
	sess, err := h.Auth.Refresh(c.Request.Context(), req.RefreshToken)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, sess)
	return nil
}

func (h *handler) logout(c *gin.Context) error {
	var req refreshRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return derr.Fields([]derr.FieldError{{Field: "refresh_token", Code: "required", Message: "is required"}})
	}
	if err := h.Auth.Logout(c.Request.Context(), req.RefreshToken); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

type meResponse struct {
	auth.User
	Organization auth.Organization `json:"organization"`
}

func (h *handler) me(c *gin.Context) error {
	u, org, err := h.Auth.Me(c.Request.Context(), callerOf(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, meResponse{User: u, Organization: org})
	return nil
}

func (h *handler) createOrganization(c *gin.Context) error {
	var in auth.OrganizationInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	org, err := h.Auth.CreateOrganization(c.Request.Context(), callerOf(c), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, org)
	return nil
}

func (h *handler) listOrganizations(c *gin.Context) error {
	page, err := queryPage(c)
	if err != nil {
		return err
	}
	f := auth.OrganizationFilter{Kind: auth.OrgKind(c.Query("kind")), Q: c.Query("q"), Page: page}
	if f.Kind != "" && !auth.ValidKind(f.Kind) {
		return &derr.Error{Kind: derr.BadRequest, Code: "invalid_query", Message: "A query parameter is not valid.",
			Fields: []derr.FieldError{{Field: "kind", Code: "choice", Message: "must be buyer, supplier, procurement_body or platform"}}}
	}
	orgs, total, err := h.Auth.ListOrganizations(c.Request.Context(), callerOf(c), f)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newList(orgs, total, page))
	return nil
}

func (h *handler) getOrganization(c *gin.Context) error {
	org, err := h.Auth.GetOrganization(c.Request.Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, org)
	return nil
}

func (h *handler) updateOrganization(c *gin.Context) error {
	var p auth.OrganizationPatch
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	org, err := h.Auth.UpdateOrganization(c.Request.Context(), callerOf(c), c.Param("id"), p)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, org)
	return nil
}

func (h *handler) createUser(c *gin.Context) error {
	var in auth.UserInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u, err := h.Auth.CreateUser(c.Request.Context(), callerOf(c), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, u)
	return nil
}

func (h *handler) listUsers(c *gin.Context) error {
	page, err := queryPage(c)
	if err != nil {
		return err
	}
	users, total, err := h.Auth.ListUsers(c.Request.Context(), callerOf(c), auth.UserFilter{OrgID: c.Query("org_id"), Q: c.Query("q"), Page: page})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newList(users, total, page))
	return nil
}

func (h *handler) getUser(c *gin.Context) error {
	u, err := h.Auth.GetUser(c.Request.Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, u)
	return nil
}

func (h *handler) updateUser(c *gin.Context) error {
	var p auth.UserPatch
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	u, err := h.Auth.UpdateUser(c.Request.Context(), callerOf(c), c.Param("id"), p)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, u)
	return nil
}
