package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/orders"
)

// maxPriceListBody bounds a price-list upload (100,000 rows of a few hundred bytes).
const maxPriceListBody = 64 << 20

// catalogRoutes lists the routes of agreements, items, prices and price lists.
func (h *handler) catalogRoutes(a *gin.RouterGroup) {
	manager := requireRole(auth.RoleManager) // not admins: SPEC §1 gives agreements and price decisions to managers
	supplier := requireRole(auth.RoleSupplier)

	a.POST("/agreements", manager, h.wrap(h.createAgreement))
	a.GET("/agreements", h.wrap(h.listAgreements))
	a.GET("/agreements/:id", h.wrap(h.getAgreement))
	a.PATCH("/agreements/:id", manager, h.wrap(h.updateAgreement))
	a.POST("/agreements/:id/items", supplier, h.wrap(h.addItem))
	a.GET("/agreements/:id/items", h.wrap(h.listAgreementItems))
	a.POST("/agreements/:id/price-list", supplier, h.wrap(h.importPriceList))

	a.GET("/catalog/items", h.wrap(h.searchItems))
	a.GET("/catalog/items/:id", h.wrap(h.getItem))
	a.PATCH("/catalog/items/:id", supplier, h.wrap(h.updateItem))
	a.PUT("/catalog/items/:id/price", supplier, h.wrap(h.setPrice))
	h.imageRoutes(a, supplier)

	a.GET("/price-changes", h.wrap(h.listPriceChanges))
	a.GET("/price-changes/:id", h.wrap(h.getPriceChange))
	a.POST("/price-changes/:id/approve", manager, h.wrap(h.approvePriceChange))
	a.POST("/price-changes/:id/reject", manager, h.wrap(h.rejectPriceChange))
}

func (h *handler) createAgreement(c *gin.Context) error {
	var in catalog.AgreementInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ag, err := h.Catalog.CreateAgreement(c.Request.Context(), callerOf(c), in)
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/agreements/"+ag.ID)
	c.JSON(http.StatusCreated, ag)
	return nil
}

func (h *handler) listAgreements(c *gin.Context) error {
	page, err := queryPage(c)
	if err != nil {
		return err
	}
	list, total, err := h.Catalog.ListAgreements(c.Request.Context(), callerOf(c), catalog.AgreementFilter{Status: c.Query("status"), Page: page})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newList(list, total, page))
	return nil
}

// agreementWithUsage is an agreement with its ceiling usage, for the roles that may see it
// (SPEC §4: "get (with usage)"); suppliers get the agreement alone.
type agreementWithUsage struct {
	catalog.Agreement
	Usage *orders.Usage `json:"usage,omitempty"`
}

func (h *handler) getAgreement(c *gin.Context) error {
	caller := callerOf(c)
	ag, err := h.Catalog.GetAgreement(c.Request.Context(), caller, c.Param("id"))
	if err != nil {
		return err
	}
	out := agreementWithUsage{Agreement: ag}
	if caller.HasAny(auth.RoleManager, auth.RoleOrderer, auth.RoleApprover) {
		u, err := h.Orders.Usage(c.Request.Context(), caller, ag.ID)
		switch {
		case err == nil:
			out.Usage = &u
		case !derr.Is(err, derr.NotFound) && !derr.Is(err, derr.Forbidden):
			return err
		}
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func (h *handler) updateAgreement(c *gin.Context) error {
	var p catalog.AgreementPatch
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	ag, err := h.Catalog.UpdateAgreement(c.Request.Context(), callerOf(c), c.Param("id"), p)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, ag)
	return nil
}

func (h *handler) addItem(c *gin.Context) error {
	var in catalog.ItemInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	it, err := h.Catalog.AddItem(c.Request.Context(), callerOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/catalog/items/"+it.ID)
	c.JSON(submittedStatus(it.SubmissionID, http.StatusCreated), it)
	return nil
}

func (h *handler) listAgreementItems(c *gin.Context) error {
	page, err := queryPage(c)
	if err != nil {
		return err
	}
	list, total, err := h.Catalog.ListAgreementItems(c.Request.Context(), callerOf(c), c.Param("id"), c.Query("q"), page)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newList(list, total, page))
	return nil
}

func (h *handler) importPriceList(c *gin.Context) error {
	// The format follows the content type: CSV, or a PEPPOL BIS Catalogue 3 (UBL 2.1) document;
	// both go through the same validation and apply path.
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	importer := h.Catalog.ImportPriceList
	switch {
	case err == nil && (mt == "text/csv" || mt == "application/csv"):
	case err == nil && (mt == "application/xml" || mt == "text/xml"):
		importer = h.Catalog.ImportPeppolCatalogue
	default:
		return &derr.Error{Kind: derr.UnsupportedMedia, Code: "unsupported_media_type",
			Message: "Send the price list as text/csv (UTF-8, a header row: " + strings.Join(catalog.PriceListColumns, ",") +
				") or as a PEPPOL BIS Catalogue 3 document (application/xml)."}
	}
	data, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxPriceListBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &derr.Error{Kind: derr.TooLarge, Code: "body_too_large", Message: fmt.Sprintf("The price list is larger than %d bytes.", tooBig.Limit)}
		}
		return &derr.Error{Kind: derr.BadRequest, Code: "unreadable_body", Message: "The price list could not be read.", Err: err}
	}
	rep, err := importer(c.Request.Context(), callerOf(c), c.Param("id"), bytes.NewReader(data))
	if err != nil {
		return err
	}
	c.JSON(submittedStatus(rep.SubmissionID, http.StatusOK), rep)
	return nil
}

// searchParams are the query parameters of a search, read in one pass (queryValues).
var searchParams = [...]string{"q", "agreement_id", "supplier_id", "cpv", "eco", "page", "page_size"}

func (h *handler) searchItems(c *gin.Context) error {
	var v [len(searchParams)]string
	queryValues(c.Request.URL.RawQuery, searchParams[:], v[:])
	page, err := pageParams(v[5], v[6])
	if err != nil {
		return err
	}
	f := catalog.SearchFilter{Q: v[0], AgreementID: v[1], SupplierID: v[2], CPV: v[3], Page: page}
	switch eco := v[4]; eco {
	case "", "false", "0":
	case "true", "1":
		f.Eco = true
	default:
		f.EcoLabel = eco // a label such as svanen; the service validates it
	}
	out, err := h.Catalog.SearchItemsEncoded(c.Request.Context(), callerOf(c), f)
	if err != nil {
		return err
	}
	writeEncodedJSON(c, out)
	return nil
}

func (h *handler) getItem(c *gin.Context) error {
	raw, err := h.Catalog.GetItemJSON(c.Request.Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.Header("Content-Length", strconv.Itoa(len(raw)))
	c.Data(http.StatusOK, "application/json; charset=utf-8", raw)
	return nil
}

func (h *handler) updateItem(c *gin.Context) error {
	var p catalog.ItemPatch
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	it, err := h.Catalog.UpdateItem(c.Request.Context(), callerOf(c), c.Param("id"), p)
	if err != nil {
		return err
	}
	c.JSON(submittedStatus(it.SubmissionID, http.StatusOK), it)
	return nil
}

func (h *handler) setPrice(c *gin.Context) error {
	var r catalog.PriceRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	pc, err := h.Catalog.SetPrice(c.Request.Context(), callerOf(c), c.Param("id"), r)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if pc.Status == catalog.PricePending {
		status = http.StatusAccepted
	}
	c.JSON(status, pc)
	return nil
}

func (h *handler) listPriceChanges(c *gin.Context) error {
	page, err := queryPage(c)
	if err != nil {
		return err
	}
	list, total, err := h.Catalog.ListPriceChanges(c.Request.Context(), callerOf(c), catalog.PriceChangeFilter{
		Status: c.Query("status"), AgreementID: c.Query("agreement_id"), ItemID: c.Query("item_id"), Page: page})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newList(list, total, page))
	return nil
}

func (h *handler) getPriceChange(c *gin.Context) error {
	pc, err := h.Catalog.GetPriceChange(c.Request.Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, pc)
	return nil
}

// decision is the optional body of approve and reject.
type decision struct {
	Note string `json:"note"`
}

func (h *handler) approvePriceChange(c *gin.Context) error { return h.decidePriceChange(c, true) }
func (h *handler) rejectPriceChange(c *gin.Context) error  { return h.decidePriceChange(c, false) }

func (h *handler) decidePriceChange(c *gin.Context, approve bool) error {
	var d decision
	if err := decodeOptionalJSON(c, &d); err != nil {
		return err
	}
	pc, err := h.Catalog.DecidePriceChange(c.Request.Context(), callerOf(c), c.Param("id"), approve, d.Note)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, pc)
	return nil
}
