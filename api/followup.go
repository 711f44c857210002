package api

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/orders"
)

// followupRoutes lists the follow-up routes (SPEC §2 "Follow-up"): spend and supplier
// scorecards, each in JSON or, with Accept: text/csv, as a CSV export. Roles are checked by
// the orders service (admins 403), scope too (out of scope 404).
func (h *handler) followupRoutes(a *gin.RouterGroup) {
	a.GET("/analytics/spend", h.wrap(h.spend))
	a.GET("/suppliers/:id/scorecard", h.wrap(h.supplierScorecard))
}

// spendQuery parses the query of GET /analytics/spend: group_by (default organization),
// agreement_id, from, to (YYYY-MM-DD, inclusive), page, page_size. Malformed paging answers
// 400 (invalid_query); the filter's values are checked here too, so that a bad value answers
// 422 (validation_failed) whatever the caller's role.
func spendQuery(c *gin.Context) (orders.SpendFilter, error) {
	p, err := queryPage(c)
	if err != nil {
		return orders.SpendFilter{}, err
	}
	f := orders.SpendFilter{GroupBy: orders.SpendGroup(c.Query("group_by")), AgreementID: c.Query("agreement_id"),
		From: c.Query("from"), To: c.Query("to"), Page: p}
	if _, present := c.GetQuery("group_by"); !present {
		f.GroupBy = orders.GroupOrganization
	}
	if err := f.Validate(); err != nil {
		return orders.SpendFilter{}, err
	}
	return f, nil
}

// wantsCSV tells a CSV export request (Accept: text/csv), as GET /agreements/{id}/usage does.
func wantsCSV(c *gin.Context) bool { return strings.Contains(c.GetHeader("Accept"), "text/csv") }

// writeCSV answers 200 with a CSV attachment: the header row, then records.
func writeCSV(c *gin.Context, filename string, header []string, records [][]string) error {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	if err := w.Write(header); err != nil {
		return err
	}
	if err := w.WriteAll(records); err != nil {
		return err
	}
	return w.Error()
}

// spend answers {items, total, page, page_size, group_by, totals}: a page of groups, the number
// of groups and the overall totals per currency. The CSV export has every group.
func (h *handler) spend(c *gin.Context) error {
	f, err := spendQuery(c)
	if err != nil {
		return err
	}
	csvOut := wantsCSV(c)
	f.All = csvOut
	sp, err := h.Orders.Spend(c.Request.Context(), callerOf(c), f)
	if err != nil {
		return err
	}
	if csvOut {
		return writeCSV(c, "spend-"+string(f.GroupBy)+".csv", orders.SpendCSVHeader, sp.CSVRecords())
	}
	p := f.Page.Normalize()
	c.JSON(http.StatusOK, spendList{List: newList(sp.Rows, sp.Groups, p), GroupBy: sp.GroupBy, Totals: sp.Totals})
	return nil
}

// spendList is the list shape of SPEC §4 with the grouping and the totals beside it.
type spendList struct {
	List[orders.SpendRow]
	GroupBy orders.SpendGroup   `json:"group_by"`
	Totals  []orders.SpendTotal `json:"totals"`
}

// supplierScorecard answers the supplier's scorecard object, or one CSV row.
func (h *handler) supplierScorecard(c *gin.Context) error {
	sc, err := h.Orders.Scorecard(c.Request.Context(), callerOf(c), c.Param("id"), c.Query("agreement_id"))
	if err != nil {
		return err
	}
	// SPEC §9: the scorecard adds the share of the supplier's invoices matched without a
	// finding, for the roles that see invoices (orderers see none: the fields are absent).
	var share *invoices.InvoiceShare
	if h.Invoices != nil && callerOf(c).HasAny(auth.RoleSupplier, auth.RoleApprover, auth.RoleManager) {
		sh, err := h.Invoices.MatchedShare(c.Request.Context(), callerOf(c), sc.SupplierID)
		if err != nil {
			return err
		}
		share = &sh
	}
	if wantsCSV(c) {
		header, recs := orders.ScorecardCSVHeader, orders.ScorecardCSVRecords([]orders.Scorecard{sc})
		if share != nil {
			header = append(append([]string{}, header...), "invoices", "invoices_matched", "invoices_matched_share_bp")
			recs[0] = append(recs[0], strconv.Itoa(share.Invoices), strconv.Itoa(share.Matched), strconv.Itoa(share.MatchedShareBP))
		}
		return writeCSV(c, "scorecard-"+sc.SupplierID+".csv", header, recs)
	}
	c.JSON(http.StatusOK, scorecardWithInvoices{Scorecard: sc, InvoiceShare: share})
	return nil
}

// scorecardWithInvoices is a supplier's scorecard with its invoice figures beside it.
type scorecardWithInvoices struct {
	orders.Scorecard
	*invoices.InvoiceShare
}
