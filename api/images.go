package api

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/productimage"
)

// imageRoutes lists the routes of items' pictures (SPEC §5).
func (h *handler) imageRoutes(a *gin.RouterGroup, supplier gin.HandlerFunc) {
	a.PUT("/catalog/items/:id/image", supplier, h.wrap(h.putItemImage))
	a.DELETE("/catalog/items/:id/image", supplier, h.wrap(h.deleteItemImage))
	a.GET("/catalog/items/:id/image/:hash/:size", h.wrap(h.getItemImage))
}

// putItemImage takes the picture from the multipart/form-data part named "image"; the
// body may hold other parts (ignored), but never more than a picture's limit plus room for
// the form's framing.
func (h *handler) putItemImage(c *gin.Context) error {
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "multipart/form-data" {
		return &derr.Error{Kind: derr.UnsupportedMedia, Code: "unsupported_media_type",
			Message: "Send the picture as multipart/form-data in a part named image (PNG, JPEG or WebP)."}
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, productimage.MaxBytes+64<<10)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return &derr.Error{Kind: derr.BadRequest, Code: "unreadable_body", Message: "The form could not be read.", Err: err}
	}
	var data []byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return imageBodyError(err)
		}
		if part.FormName() != "image" {
			continue
		}
		if data, err = io.ReadAll(io.LimitReader(part, productimage.MaxBytes+1)); err != nil {
			return imageBodyError(err)
		}
		if len(data) > productimage.MaxBytes {
			return imageBodyError(&http.MaxBytesError{Limit: productimage.MaxBytes})
		}
		break
	}
	if data == nil {
		return derr.Fields([]derr.FieldError{{Field: "image", Code: "required", Message: "is required: a part named image holding the picture"}})
	}
	it, err := h.Catalog.SetItemImage(c.Request.Context(), callerOf(c), c.Param("id"), data)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, it)
	return nil
}

func imageBodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return productimage.ErrTooLarge
	}
	return &derr.Error{Kind: derr.BadRequest, Code: "unreadable_body", Message: "The form could not be read.", Err: err}
}

func (h *handler) deleteItemImage(c *gin.Context) error {
	it, err := h.Catalog.RemoveItemImage(c.Request.Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, it)
	return nil
}

func (h *handler) getItemImage(c *gin.Context) error {
	v, err := h.Catalog.ItemImage(c.Request.Context(), callerOf(c), c.Param("id"), c.Param("hash"), c.Param("size"))
	if err != nil {
		return err
	}
	productimage.Serve(c.Writer, c.Request, v.Hash, v.Size, v.ContentType, v.Data)
	return nil
}
