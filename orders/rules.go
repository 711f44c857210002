package orders

// The rules an order is priced and checked by, as plain functions, so that the web UI's cart
// and checkout show exactly what placing the order will compute and refuse (one set of rules:
// the UI never re-derives them).

// ValidQuantity reports whether q may be ordered on one line (1 to MaxQuantity).
func ValidQuantity(q int64) bool { return q >= 1 && q <= MaxQuantity }

// LineVAT is a line's own VAT, shown for information: the line total times the rate, rounded
// half up to whole minor units. The order's VAT is not their sum but VATByRate's (BR-CO-17).
func LineVAT(lineTotalMinor int64, vatRateBP int) int64 {
	return (lineTotalMinor*int64(vatRateBP) + 5000) / 10000
}

// PricedLine is a line to total: a unit price excluding VAT, a quantity and a VAT rate.
type PricedLine struct {
	UnitPriceMinor, Quantity int64
	VATRateBP                int
}

// Totals is the total excluding VAT and the VAT of lines, computed as placing an order computes
// them: VAT per rate over the lines at that rate, rounded once per rate (OrderVAT, BR-CO-17).
func Totals(lines []PricedLine) (totalMinor, vatMinor int64) {
	ls := make([]Line, len(lines))
	for i, l := range lines {
		t := l.UnitPriceMinor * l.Quantity
		totalMinor += t
		ls[i] = Line{VATRateBP: l.VATRateBP, LineTotalMinor: t}
	}
	return totalMinor, OrderVAT(ls)
}

// NeedsCascadeReason reports whether an order from a supplier of the given rank on an agreement
// of the given call-off method must say why higher-ranked suppliers are skipped (SPEC §2).
func NeedsCascadeReason(callOffMethod string, supplierRank int) bool {
	return callOffMethod == "ranking" && supplierRank > 1
}

// ShortOfMinimum is how much an order's total excluding VAT lacks to the agreement's minimum
// order value; 0 when it reaches it.
func ShortOfMinimum(totalMinor, minOrderMinor int64) int64 {
	if totalMinor >= minOrderMinor {
		return 0
	}
	return minOrderMinor - totalMinor
}

// NeedsApproval reports whether an order of totalMinor (excluding VAT) waits for an approver:
// it does unless it is below its organisation's approval threshold.
func NeedsApproval(totalMinor, thresholdMinor int64) bool { return totalMinor >= thresholdMinor }
